// The server side of bench/fanout.ts, one kind per process, started by the harness with
// --expose-gc and an IPC channel (never by hand):
//
//   node --expose-gc bench/peers/fanout-server.js --kind netserv|node:http|raw-net
//                                                 [--lib DIR] [--payload BYTES]
//
// Every kind answers any request with an SSE stream (200, text/event-stream, chunked) and
// keeps it as a subscriber of the one channel. The harness publishes over IPC, so the timing
// source is the same for every kind:
//   { type: 'publish', seq, stampUs } -> one message to every subscriber, its data
//                                        `<seq> <stampUs> xxx...` (`--payload` bytes in all)
//   { type: 'measure' }               -> { type: 'measured', heapUsed, rss, subscribers }
//                                        (heapUsed after forced gcs)
//   { type: 'snapshot', path }        -> { type: 'snapshot', path } (v8.writeHeapSnapshot after gcs)
//   { type: 'profile-start' }         -> { type: 'profiling' }      (V8 CPU profiler, 100 µs samples)
//   { type: 'profile-stop', path }    -> { type: 'profile', path }  (the .cpuprofile written)
// stampUs is the publisher's clock (CLOCK_MONOTONIC in µs, the same in every process), taken
// when the harness published: a publish that waits for a busy server counts as delay.
import { createServer as createHttpServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { createServer as createNetServer } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { writeHeapSnapshot } from 'node:v8'

const { values } = parseArgs({
  options: { kind: { type: 'string' }, lib: { type: 'string', default: 'lib' }, payload: { type: 'string', default: '100' } },
})
const HOLD_MS = 10 * 60 * 1000
const payloadBytes = Number(values.payload)
const gc = globalThis.gc
if (typeof gc !== 'function' || process.send === undefined) {
  throw new Error('run by bench/fanout.ts: needs --expose-gc and an IPC channel')
}

/** The data of message `seq`: `<seq> <stampUs> ` padded with x to `payloadBytes`. */
function payload(seq, stampUs) {
  const text = `${seq} ${stampUs} `
  return text + 'x'.repeat(Math.max(0, payloadBytes - text.length))
}

/** @type {(seq: number, stampUs: number) => void} */
let publish
/** @type {() => number} */
let countSubscribers
/** @type {(port: number, host: string) => Promise<number>} */
let listen

if (values.kind === 'netserv') {
  // What ships: lib/ (or a clean build of a commit, --lib).
  const lib = pathToFileURL(resolve(values.lib)).href
  const { createServer } = await import(`${lib}/server/server.js`)
  const { openStream } = await import(`${lib}/push/open-stream.js`)
  const { broadcast } = await import(`${lib}/push/push-stream.js`)
  const streams = new Set()
  // A user's handler: open the stream, join the channel, leave it on close.
  const server = createServer({ idleTimeoutMs: HOLD_MS, headerTimeoutMs: HOLD_MS }, (request, response) => {
    const stream = openStream(response, 'sse')
    streams.add(stream)
    stream.onClose(() => streams.delete(stream))
  })
  publish = (seq, stampUs) => broadcast(streams, payload(seq, stampUs))
  countSubscribers = () => streams.size
  listen = async (port, host) => (await server.listen(port, host)).port
} else if (values.kind === 'node:http') {
  // node:http as a user writes an SSE server: writeHead, flushHeaders, res.write per subscriber.
  const clients = new Set()
  const server = createHttpServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
    response.flushHeaders()
    clients.add(response)
    request.on('close', () => clients.delete(response))
  })
  publish = (seq, stampUs) => {
    const frame = `data: ${payload(seq, stampUs)}\n\n`
    for (const response of clients) response.write(frame)
  }
  countSubscribers = () => clients.size
  listen = (port, host) => new Promise((done) => server.listen(port, host, () => done(server.address().port)))
} else if (values.kind === 'raw-net') {
  // The floor: a minimal SSE head once the request head is in, then one prebuilt frame (the
  // same chunked bytes netserv sends) written to each socket: one write per subscriber per message.
  const HEAD = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1')
  const sockets = new Set()
  const onData = function (chunk) {
    // Requests arrive whole on loopback; anything after the first head is ignored.
    if (!sockets.has(this) && chunk.indexOf('\r\n\r\n') >= 0) {
      this.write(HEAD)
      sockets.add(this)
    }
  }
  const onClose = function () {
    sockets.delete(this)
  }
  const onError = function () {}
  const server = createNetServer({ noDelay: true }, (socket) => {
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
  })
  publish = (seq, stampUs) => {
    const body = `data: ${payload(seq, stampUs)}\n\n`
    const frame = Buffer.from(`${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n`, 'latin1')
    for (const socket of sockets) socket.write(frame)
  }
  countSubscribers = () => sockets.size
  listen = (port, host) => new Promise((done) => server.listen(port, host, () => done(server.address().port)))
} else {
  throw new Error(`--kind must be netserv, node:http or raw-net, got ${values.kind}`)
}

async function settle() {
  // Several passes with a turn of the loop between them: weak callbacks and finalizers run.
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((done) => setImmediate(done))
  }
}

/** @type {Session | null} */
let inspector = null
/** Posts to the inspector; resolves with the result. */
function post(method, params = {}) {
  return new Promise((done, fail) => inspector.post(method, params, (error, result) => (error ? fail(error) : done(result))))
}

process.on('message', async (message) => {
  if (message.type === 'publish') {
    publish(message.seq, message.stampUs)
  } else if (message.type === 'measure') {
    await settle()
    const usage = process.memoryUsage()
    process.send({ type: 'measured', heapUsed: usage.heapUsed, rss: usage.rss, subscribers: countSubscribers() })
  } else if (message.type === 'snapshot') {
    await settle()
    process.send({ type: 'snapshot', path: writeHeapSnapshot(message.path) })
  } else if (message.type === 'profile-start') {
    inspector = new Session()
    inspector.connect()
    await post('Profiler.enable')
    await post('Profiler.setSamplingInterval', { interval: 100 })
    await post('Profiler.start')
    process.send({ type: 'profiling' })
  } else if (message.type === 'profile-stop') {
    const { profile } = await post('Profiler.stop')
    writeFileSync(message.path, JSON.stringify(profile))
    inspector.disconnect()
    inspector = null
    process.send({ type: 'profile', path: message.path })
  }
})
// The harness going away (even killed) closes the channel: do not outlive it.
process.on('disconnect', () => process.exit(0))

process.send({ type: 'listening', port: await listen(0, '127.0.0.1') })
