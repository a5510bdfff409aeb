// The raw `net` floor of bench/http.ts: finds the end of each request head (CRLFCRLF) and
// writes one fixed prebuilt response per head, nothing else. No parsing, no Date formatting,
// no timeouts: what any HTTP server on `net` must at least spend.
//
//   node bench/peers/raw-net-hello.js --port P [--host H]   prints `listening on http://H:P`
import { createServer } from 'node:net'
import { parseArgs } from 'node:util'
import { answerHeads } from './hello-response.js'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } })

function onError() {
  // A reset peer: 'close' follows.
}

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('data', answerHeads)
  socket.on('error', onError)
})
server.listen(Number(values.port), values.host, () => {
  const address = server.address()
  process.stdout.write(`listening on http://${address.address}:${address.port}\n`)
})
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0))
