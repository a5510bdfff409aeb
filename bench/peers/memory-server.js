// The server side of bench/connection-memory.ts, one kind per process, started with
// --expose-gc and an IPC channel by the harness (never by hand):
//
//   node --expose-gc bench/peers/memory-server.js --kind netserv|node:http|raw-net [--workload idle|sse]
//                                                 [--close-listener closure|shared]
//
// idle: every kind answers GET / with the hello response and keeps its connections open far
// longer than a measurement takes. sse: every kind answers any request with an SSE stream
// (200, text/event-stream, chunked) and holds it as a subscriber, as bench/fanout.ts's server
// does (netserv: openStream + a Set + onClose; raw net: one prebuilt head written once the
// request head is in, the socket in a Set; node:http: writeHead + flushHeaders). netserv's
// close listener is a closure per stream by default, as a user writes it; `shared` is one
// module-level function for every stream (it gets the stream), as the raw floor's is. The harness asks over IPC, not HTTP, so measuring adds no
// connection and no handler to the server being measured:
//   { type: 'measure' }          -> { type: 'measured', heapUsed, rss, external, arrayBuffers, youngGeneration, connections }
//                                   (youngGeneration: the resident bytes of V8's new space)
//   { type: 'snapshot', path }   -> { type: 'snapshot', path }   (v8.writeHeapSnapshot after a gc)
import { createServer as createHttpServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8'
import { parseArgs } from 'node:util'
import { answerHeads } from './hello-response.js'

const { values } = parseArgs({
  options: { kind: { type: 'string' }, workload: { type: 'string', default: 'idle' }, 'close-listener': { type: 'string', default: 'closure' } },
})
const sse = values.workload === 'sse'
if (!sse && values.workload !== 'idle') throw new Error(`--workload must be idle or sse, got ${values.workload}`)
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
  const { openStream } = await import('../../lib/push/open-stream.js')
  const hello = new StaticResponse({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'hello world\n' })
  const streams = new Set()
  const leave = (reason, stream) => streams.delete(stream)
  const shared = values['close-listener'] === 'shared'
  // sse: a user's handler, as in bench/peers/fanout-server.js: open the stream, join the
  // channel, leave it on close.
  const handler = sse
    ? (request, response) => {
        const stream = openStream(response, 'sse')
        streams.add(stream)
        if (shared) stream.onClose(leave)
        else stream.onClose(() => streams.delete(stream))
      }
    : (request, response) => response.send(hello)
  const netserv = createServer({ idleTimeoutMs: HOLD_MS, headerTimeoutMs: HOLD_MS }, handler)
  server = { listen: (port, host, done) => netserv.listen(port, host).then(done), address: () => netserv.address() }
  countConnections = async () => (sse ? Math.min(streams.size, netserv.connectionCount) : netserv.connectionCount)
} else if (values.kind === 'node:http') {
  const body = Buffer.from('hello world\n')
  const clients = new Set()
  const http = createHttpServer((request, response) => {
    if (sse) {
      // As a user writes an SSE server on node:http (bench/peers/fanout-server.js).
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
      response.flushHeaders()
      clients.add(response)
      request.on('close', () => clients.delete(response))
      return
    }
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length })
    response.end(body)
  })
  // A user holding idle connections raises the 5 s keep-alive timeout; nothing else is tuned.
  http.keepAliveTimeout = HOLD_MS
  server = http
  const connections = () => new Promise((resolve) => http.getConnections((error, count) => resolve(error ? -1 : count)))
  countConnections = async () => (sse ? Math.min(clients.size, await connections()) : connections())
} else if (values.kind === 'raw-net') {
  // The floor: a bare net.Socket in a Set, answering with one prebuilt Buffer (sse: a minimal
  // SSE head once the request head is in, the same as bench/peers/fanout-server.js's floor).
  const HEAD = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1')
  const sockets = new Set()
  const subscribers = new Set()
  const onSubscribe = function (chunk) {
    // Requests arrive whole on loopback; anything after the first head is ignored.
    if (!subscribers.has(this) && chunk.indexOf('\r\n\r\n') >= 0) {
      this.write(HEAD)
      subscribers.add(this)
    }
  }
  const onClose = function () {
    sockets.delete(this)
    subscribers.delete(this)
  }
  const onError = function () {}
  server = createNetServer({ noDelay: sse }, (socket) => {
    sockets.add(socket)
    socket.on('data', sse ? onSubscribe : answerHeads)
    socket.on('error', onError)
    socket.on('close', onClose)
  })
  countConnections = async () => (sse ? subscribers.size : sockets.size)
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
      youngGeneration: getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0,
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
