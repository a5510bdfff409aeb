// The server side of bench/connection-memory.ts, one kind per process, started with
// --expose-gc and an IPC channel by the harness (never by hand):
//
//   node --expose-gc bench/peers/memory-server.js --kind netserv|node:http|raw-net
//
// Every kind answers GET / with the hello response and keeps its connections open far longer
// than a measurement takes. The harness asks over IPC, not HTTP, so measuring adds no
// connection and no handler to the server being measured:
//   { type: 'measure' }          -> { type: 'measured', heapUsed, rss, external, arrayBuffers, connections }
//   { type: 'snapshot', path }   -> { type: 'snapshot', path }   (v8.writeHeapSnapshot after a gc)
import { createServer as createHttpServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { writeHeapSnapshot } from 'node:v8'
import { parseArgs } from 'node:util'
import { answerHeads } from './hello-response.js'

const { values } = parseArgs({ options: { kind: { type: 'string' } } })
const HOLD_MS = 10 * 60 * 1000
const gc = globalThis.gc
if (typeof gc !== 'function' || process.send === undefined) {
  throw new Error('run by bench/connection-memory.ts: needs --expose-gc and an IPC channel')
}

/** @type {() => Promise<number>} */
let countConnections
/** @type {import('node:net').Server | import('node:http').Server | { listen: Function, address: Function }} */
let server

if (values.kind === 'netserv') {
  // What ships: lib/, built by `npm run build`.
  const { createServer } = await import('../../lib/server/server.js')
  const { StaticResponse } = await import('../../lib/buffers/static-response.js')
  const hello = new StaticResponse({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'hello world\n' })
  const netserv = createServer({ idleTimeoutMs: HOLD_MS, headerTimeoutMs: HOLD_MS }, (request, response) => response.send(hello))
  server = { listen: (port, host, done) => netserv.listen(port, host).then(done), address: () => netserv.address() }
  countConnections = async () => netserv.connectionCount
} else if (values.kind === 'node:http') {
  const body = Buffer.from('hello world\n')
  const http = createHttpServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length })
    response.end(body)
  })
  // A user holding idle connections raises the 5 s keep-alive timeout; nothing else is tuned.
  http.keepAliveTimeout = HOLD_MS
  server = http
  countConnections = () => new Promise((resolve) => http.getConnections((error, count) => resolve(error ? -1 : count)))
} else if (values.kind === 'raw-net') {
  // The floor: a bare net.Socket in a Set, answering with one prebuilt Buffer.
  const sockets = new Set()
  const onClose = function () {
    sockets.delete(this)
  }
  const onError = function () {}
  server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('data', answerHeads)
    socket.on('error', onError)
    socket.on('close', onClose)
  })
  countConnections = async () => sockets.size
} else {
  throw new Error(`--kind must be netserv, node:http or raw-net, got ${values.kind}`)
}

async function settle() {
  // Several passes with a turn of the loop between them: weak callbacks and finalizers run.
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

process.on('message', async (message) => {
  if (message.type === 'measure') {
    await settle()
    const usage = process.memoryUsage()
    process.send({
      type: 'measured',
      heapUsed: usage.heapUsed,
      rss: usage.rss,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      connections: await countConnections(),
    })
  } else if (message.type === 'snapshot') {
    await settle()
    process.send({ type: 'snapshot', path: writeHeapSnapshot(message.path) })
  }
})
// The harness going away (even killed) closes the channel: do not outlive it.
process.on('disconnect', () => process.exit(0))

server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }))
