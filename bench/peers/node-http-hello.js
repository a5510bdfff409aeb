// node:http as a user would write the hello server of bench/http.ts: the same 12-byte body
// and Content-Type, Content-Length set so no chunking happens. node:http adds Date,
// Connection and its own `Keep-Alive: timeout=5` field; nothing is tuned.
//
//   node bench/peers/node-http-hello.js --port P [--host H]   prints `listening on http://H:P`
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } })

const BODY = Buffer.from('hello world\n')

const server = createServer((request, response) => {
  if (request.url === '/') {
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length })
    response.end(BODY)
  } else {
    response.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 10 })
    response.end('not found\n')
  }
})
server.listen(Number(values.port), values.host, () => {
  const address = server.address()
  process.stdout.write(`listening on http://${address.address}:${address.port}\n`)
})
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0))
