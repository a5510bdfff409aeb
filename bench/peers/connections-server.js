// The node servers of bench/connections.ts, one kind per process tree, started by the harness
// with --expose-gc and an IPC channel (never by hand):
//
//   node --expose-gc bench/peers/connections-server.js --kind netserv|node:http|raw-net
//        [--workers N] [--heartbeat-ms MS] [--lib DIR]
//
// Every kind answers `GET /sub...` with an SSE stream (200, text/event-stream, chunked) that
// carries a comment heartbeat every --heartbeat-ms and nothing else, and any other GET with
// the 12-byte hello (keep-alive). With --workers N the process is a node:cluster primary and
// N workers serve (the primary only hands out connections); without, the process serves.
// The harness asks over IPC, not HTTP, so measuring adds no connection:
//   { type: 'measure' } -> { type: 'measured', heapUsed, connections }  (heapUsed after forced
//                          gcs, summed over the workers; the primary's own is left out)
import cluster from 'node:cluster'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { HELLO_RESPONSE } from './hello-response.js'

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    workers: { type: 'string', default: '0' },
    'heartbeat-ms': { type: 'string', default: '25000' },
    lib: { type: 'string', default: 'lib' },
  },
})
const HOLD_MS = 60 * 60 * 1000
const heartbeatMs = Number(values['heartbeat-ms'])
const workers = Number(values.workers)
const gc = globalThis.gc
if (typeof gc !== 'function' || process.send === undefined) {
  throw new Error('run by bench/connections.ts: needs --expose-gc and an IPC channel')
}

async function settle() {
  // Several passes with a turn of the loop between them: weak callbacks and finalizers run.
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((done) => setImmediate(done))
  }
}

if (workers > 0 && cluster.isPrimary) {
  // The primary: forks the workers (same argv, same --expose-gc), relays measures.
  cluster.setupPrimary({ execArgv: process.execArgv, args: process.argv.slice(2) })
  const all = Array.from({ length: workers }, () => cluster.fork())
  const ports = await Promise.all(all.map((worker) => new Promise((done) => worker.once('message', (message) => done(message.port)))))
  const ask = (worker) =>
    new Promise((done) => {
      const onMessage = (message) => {
        if (message.type !== 'measured') return
        worker.off('message', onMessage)
        done(message)
      }
      worker.on('message', onMessage)
      worker.send({ type: 'measure' })
    })
  process.on('message', async (message) => {
    if (message.type !== 'measure') return
    const answers = await Promise.all(all.map(ask))
    process.send({
      type: 'measured',
      heapUsed: answers.reduce((sum, answer) => sum + answer.heapUsed, 0),
      connections: answers.reduce((sum, answer) => sum + answer.connections, 0),
    })
  })
  process.on('disconnect', () => {
    for (const worker of all) worker.kill('SIGKILL')
    process.exit(0)
  })
  process.send({ type: 'listening', port: ports[0] })
} else {
  /** @type {() => number} */
  let countConnections
  /** @type {(port: number, host: string) => Promise<number>} */
  let listen

  if (values.kind === 'netserv') {
    // What ships: lib/ (or a clean build of a commit, --lib).
    const lib = pathToFileURL(resolve(values.lib)).href
    const { createServer } = await import(`${lib}/server/server.js`)
    const { StaticResponse } = await import(`${lib}/buffers/static-response.js`)
    const { openStream } = await import(`${lib}/push/open-stream.js`)
    const hello = new StaticResponse({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'hello world\n' })
    // A user's handler: a stream per subscriber in a set (the channel), or the hello.
    const streams = new Set()
    const server = createServer({ idleTimeoutMs: HOLD_MS, headerTimeoutMs: HOLD_MS }, (request, response) => {
      if (!request.path.startsWith('/sub')) return response.send(hello)
      const stream = openStream(response, 'sse', { heartbeatMs })
      streams.add(stream)
      stream.onClose(() => streams.delete(stream))
    })
    countConnections = () => server.connectionCount
    listen = async (port, host) => (await server.listen(port, host)).port
  } else if (values.kind === 'node:http') {
    // node:http as a user writes it: writeHead + flushHeaders, the responses in a set, one
    // interval writing the heartbeat comment to each.
    const body = Buffer.from('hello world\n')
    const streams = new Set()
    const server = createHttpServer((request, response) => {
      if (!request.url.startsWith('/sub')) {
        response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length })
        return response.end(body)
      }
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
      response.flushHeaders()
      streams.add(response)
      request.on('close', () => streams.delete(response))
    })
    // A user holding connections raises the 5 s keep-alive timeout; nothing else is tuned.
    server.keepAliveTimeout = HOLD_MS
    setInterval(() => {
      for (const response of streams) response.write(':\n\n')
    }, heartbeatMs)
    let open = 0
    server.on('connection', (socket) => {
      open++
      socket.on('close', () => open--)
    })
    countConnections = () => open
    listen = (port, host) => new Promise((done) => server.listen(port, host, () => done(server.address().port)))
  } else if (values.kind === 'raw-net') {
    // The floor: a bare net.Socket in a set; a /sub head gets a minimal SSE head, then one
    // prebuilt heartbeat chunk every interval (one interval for all); any other head the hello.
    const SSE_HEAD = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1')
    const HEARTBEAT = Buffer.from('3\r\n:\n\n\r\n', 'latin1')
    const sockets = new Set()
    const streams = new Set()
    const onData = function (chunk) {
      // Requests arrive whole on loopback and one at a time here.
      if (chunk.indexOf('\r\n\r\n') < 0 || streams.has(this)) return
      if (chunk.latin1Slice(0, 8) === 'GET /sub') {
        this.write(SSE_HEAD)
        streams.add(this)
      } else {
        this.write(HELLO_RESPONSE)
      }
    }
    const onClose = function () {
      sockets.delete(this)
      streams.delete(this)
    }
    const onError = function () {}
    const server = createNetServer({ noDelay: true }, (socket) => {
      sockets.add(socket)
      socket.on('data', onData)
      socket.on('error', onError)
      socket.on('close', onClose)
    })
    setInterval(() => {
      for (const socket of streams) socket.write(HEARTBEAT)
    }, heartbeatMs)
    countConnections = () => sockets.size
    listen = (port, host) => new Promise((done) => server.listen({ port, host, backlog: 4096 }, () => done(server.address().port)))
  } else {
    throw new Error(`--kind must be netserv, node:http or raw-net, got ${values.kind}`)
  }

  process.on('message', async (message) => {
    if (message.type !== 'measure') return
    await settle()
    process.send({ type: 'measured', heapUsed: process.memoryUsage().heapUsed, connections: countConnections() })
  })
  // The harness (or the primary) going away, even killed, closes the channel: do not outlive it.
  process.on('disconnect', () => process.exit(0))
  process.send({ type: 'listening', port: await listen(0, '127.0.0.1') })
}
