import t, { type Test } from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { lastEventIdOf } from '../../src/push/last-event-id.js'
import { MessageLog } from '../../src/push/message-log.js'
import { openStream, type OpenStreamOptions, type StreamTransport } from '../../src/push/open-stream.js'
import { PushMessage } from '../../src/push/push-message.js'
import { broadcast, pushStats, PushStream, type PushCloseReason } from '../../src/push/push-stream.js'
import { SseFraming } from '../../src/push/sse-framing.js'
import type { Request } from '../../src/server/request.js'
import type { Response } from '../../src/server/response.js'
import { defaultWheel } from '../../src/timers/timer-wheel.js'
import { decodeChunked } from '../fixtures/chunked-decoder.js'
import { SseParser } from '../fixtures/sse-parser.js'
import { get, startServer, type TestServer } from '../fixtures/test-server.js'
import { delay, until, type RawClient } from '../fixtures/wire-client.js'

/** The Writable internals a socket writes to the kernel through. */
interface SocketInternals {
  _write: (...args: unknown[]) => void
  _writev: (...args: unknown[]) => void
}

/** A stream the server opened, and why it ended (once it has). */
interface Opened {
  stream: PushStream
  request: Request
  reasons: PushCloseReason[]
}

interface StreamServer extends TestServer {
  /** Streams in the order their requests came. */
  readonly opened: Opened[]
}

/**
 * A server that opens a stream for every request under `/stream` with `open` (given the wheel
 * of the fake clock), and answers anything else with `next`, to prove a connection still works.
 */
async function streamServer(
  t: Test,
  open: (request: Request, response: Response, wheel: TestServer['wheel']) => PushStream,
): Promise<StreamServer> {
  const opened: Opened[] = []
  const server: TestServer = await startServer(t, {}, (request, response) => {
    if (!request.path.startsWith('/stream')) {
      response.end('next')
      return
    }
    const stream = open(request, response, server.wheel)
    const entry: Opened = { stream, request, reasons: [] }
    stream.onClose((reason) => entry.reasons.push(reason))
    opened.push(entry)
  })
  return Object.assign(server, { opened })
}

/** A server opening `transport` streams with `options` on the fake clock's wheel. */
function transportServer(t: Test, transport: StreamTransport, options: OpenStreamOptions = {}): Promise<StreamServer> {
  return streamServer(t, (_request, response, wheel) => openStream(response, transport, { wheel, ...options }))
}

/** Takes the head of a streaming response (up to its blank line) off what `client` received. */
async function readHead(client: RawClient): Promise<string> {
  await client.until(() => client.buffered.indexOf('\r\n\r\n') >= 0)
  return (await client.take(client.buffered.indexOf('\r\n\r\n') + 4)).toString('latin1')
}

/** The head without its Date line, which changes every second. */
function withoutDate(head: string): string {
  return head.replace(/\r\nDate: [^\r]*/, '')
}

/** The next bytes `client` receives, within `waitMs` real milliseconds, are exactly `expected` (latin1). */
async function next(t: Test, client: RawClient, expected: string, message = 'the next bytes', waitMs = 3000): Promise<void> {
  const length = Buffer.byteLength(expected, 'latin1')
  const arrived = await Promise.race([client.until(() => client.buffered.length >= length).then(() => true), delay(waitMs).then(() => false)])
  if (!arrived) {
    t.fail(`${message}: only ${JSON.stringify(client.buffered.toString('latin1').slice(0, 200))} came`)
    return
  }
  t.equal((await client.take(length)).toString('latin1'), expected, message)
}

/** Nothing more reaches `client` for `ms` real milliseconds. */
async function quiet(t: Test, client: RawClient, message = 'nothing more', ms = 25): Promise<void> {
  await delay(ms)
  t.equal(client.buffered.toString('latin1'), '', message)
}

/** `text` as one HTTP/1.1 chunk. */
function chunk(text: string): string {
  return `${Buffer.byteLength(text, 'latin1').toString(16)}\r\n${text}\r\n`
}

/** Connects, asks for `target` with `request` (default: an HTTP/1.1 GET), reads the head. */
async function subscribe(server: StreamServer, target = '/stream', request = get(target)): Promise<{ client: RawClient; head: string; opened: Opened }> {
  const count = server.opened.length
  const client = await server.connect()
  client.write(request)
  const head = await readHead(client)
  await until(() => server.opened.length > count)
  return { client, head, opened: server.opened[count] as Opened }
}

const SSE_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n'

t.test('SSE on HTTP/1.1, byte for byte: head, preamble, events, last chunk; then the connection answers again', async (t) => {
  const server = await transportServer(t, 'sse', { retryMs: 2000 })
  const { client, head, opened } = await subscribe(server)
  t.equal(withoutDate(head), SSE_HEAD)
  await next(t, client, chunk('retry: 2000\n\n'), 'the preamble')
  t.equal(opened.stream.chunked, true)
  t.equal(opened.stream.send({ data: 'a\nb', id: '1', event: 'tick' }), true)
  await next(t, client, chunk('id: 1\nevent: tick\ndata: a\ndata: b\n\n'))
  t.equal(opened.stream.lastId, '1')
  opened.stream.send('plain')
  await next(t, client, 'd\r\ndata: plain\n\n\r\n', 'a string is the data')
  opened.stream.close()
  await next(t, client, '0\r\n\r\n', 'no terminator for SSE: the last chunk alone')
  t.strictSame(opened.reasons, ['closed'])
  t.equal(opened.stream.closed, true)
  client.write(get('/after'))
  const after = await client.response()
  t.equal(after.body.toString(), 'next', 'a keep-alive request after the stream is answered')
})

t.test('multipart/x-mixed-replace on HTTP/1.1: a part per message with its own type and length; the close delimiter', async (t) => {
  const server = await transportServer(t, 'multipart', { contentType: 'image/png' })
  const { client, head, opened } = await subscribe(server)
  const boundary = /boundary=(netserv-[\w-]{32})\r\n/.exec(head)?.[1] as string
  t.ok(boundary, 'a boundary of netserv- and 32 random characters')
  t.equal(
    withoutDate(head),
    `HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=${boundary}\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n`,
  )
  opened.stream.send({ data: Buffer.from([0x89, 0x50]) })
  await next(t, client, chunk(`--${boundary}\r\nContent-Type: image/png\r\nContent-Length: 2\r\n\r\n\x89\x50\r\n`), 'the stream\'s part type')
  opened.stream.send({ data: 'hi', contentType: 'text/plain' })
  await next(t, client, chunk(`--${boundary}\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi\r\n`), 'the message\'s own type')
  opened.stream.close()
  await next(t, client, `${chunk(`--${boundary}--\r\n`)}0\r\n\r\n`, 'the close delimiter, then the last chunk')
  client.write(get('/after'))
  t.equal((await client.response()).body.toString(), 'next')
})

t.test('forever-iframe on HTTP/1.1: padded document, one script per message, escaped; the document ends on close', async (t) => {
  const server = await transportServer(t, 'iframe', { callback: 'app.onPush' })
  const { client, head, opened } = await subscribe(server)
  t.equal(
    withoutDate(head),
    'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n',
  )
  await next(t, client, chunk(`${' '.repeat(1024)}<!doctype html><html><head><meta charset="utf-8"></head><body>\n`), 'the padded preamble')
  opened.stream.send({ data: '</script><!--x', id: '7' })
  await next(t, client, chunk('<script>parent.app.onPush({"id":"7","data":"\\u003c/script\\u003e\\u003c!--x"})</script>\n'), '</script> and <!-- cannot break out')
  opened.stream.close()
  await next(t, client, `${chunk('</body></html>\n')}0\r\n\r\n`)
  client.write(get('/after'))
  t.equal((await client.response()).body.toString(), 'next')
})

t.test('raw chunked on HTTP/1.1: each message one chunk, an empty one skipped, the last chunk on close', async (t) => {
  const server = await transportServer(t, 'chunked', { contentType: 'application/x-ndjson' })
  const { client, head, opened } = await subscribe(server)
  t.equal(
    withoutDate(head),
    'HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nX-Content-Type-Options: nosniff\r\nTransfer-Encoding: chunked\r\n\r\n',
  )
  t.equal(opened.stream.send('{"a":1}\n'), true)
  await next(t, client, '8\r\n{"a":1}\n\r\n')
  t.equal(opened.stream.send(''), true, 'an empty message is taken')
  t.equal(opened.stream.queuedBytes, 0, 'and costs nothing')
  opened.stream.send('{"b":2}\n')
  await next(t, client, '8\r\n{"b":2}\n\r\n', 'no zero chunk in between')
  opened.stream.close()
  await next(t, client, '0\r\n\r\n')
  client.write(get('/after'))
  t.equal((await client.response()).body.toString(), 'next')
})

t.test('HTTP/1.0: close-delimited (no chunks), Connection: close, the terminator, then the connection ends', async (t) => {
  const server = await streamServer(t, (request, response, wheel) =>
    openStream(response, (request.path.slice('/stream/'.length) || 'sse') as StreamTransport, { wheel }),
  )
  const sse = await subscribe(server, '/stream', 'GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  t.equal(
    withoutDate(sse.head),
    'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n',
    'no Transfer-Encoding, and close even though keep-alive was asked',
  )
  t.equal(sse.opened.stream.chunked, false)
  sse.opened.stream.send({ data: 'x', id: '1' })
  await next(t, sse.client, 'id: 1\ndata: x\n\n', 'the plain frame')
  sse.opened.stream.close()
  t.equal((await sse.client.closedWith()).length, 0, 'the end of the body is the end of the connection')
  t.strictSame(sse.opened.reasons, ['closed'])

  const iframe = await subscribe(server, '/stream/iframe', 'GET /stream/iframe HTTP/1.0\r\n\r\n')
  t.match(iframe.head, /\r\nConnection: close\r\n\r\n$/)
  await next(t, iframe.client, `${' '.repeat(1024)}<!doctype html><html><head><meta charset="utf-8"></head><body>\n`)
  iframe.opened.stream.close()
  t.equal((await iframe.client.closedWith()).toString(), '</body></html>\n', 'the terminator, unchunked, then FIN')

  const multipart = await subscribe(server, '/stream/multipart', 'GET /stream/multipart HTTP/1.0\r\n\r\n')
  const boundary = /boundary=(\S+)\r\n/.exec(multipart.head)?.[1] as string
  t.match(multipart.head, /\r\nConnection: close\r\n\r\n$/)
  multipart.opened.stream.send('part')
  await next(t, multipart.client, `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\npart\r\n`)
  multipart.opened.stream.close()
  t.equal((await multipart.client.closedWith()).toString(), `--${boundary}--\r\n`)

  const raw = await subscribe(server, '/stream/chunked', 'GET /stream/chunked HTTP/1.0\r\n\r\n')
  t.notMatch(raw.head, /Transfer-Encoding/)
  raw.opened.stream.send('raw bytes')
  await next(t, raw.client, 'raw bytes', 'the data as it is')
  raw.opened.stream.close()
  t.equal((await raw.client.closedWith()).length, 0)
})

// Regression: onClose on a stream that had already ended (as a stream for HEAD is, at birth)
// dropped the listener, so an application that removes its streams from a channel on close
// kept that one forever.
t.test('HEAD on a stream endpoint: the head a GET gets and no body; the stream is over at birth and says so', async (t) => {
  const openBefore = pushStats.open
  const server = await transportServer(t, 'sse')
  const client = await server.connect()
  client.write(`HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n`)
  const response = await client.response({ head: true })
  t.equal(withoutDate(response.head), SSE_HEAD, 'the same head, Transfer-Encoding included')
  await until(() => server.opened.length === 1)
  const { stream, reasons } = server.opened[0] as Opened
  t.equal(stream.closed, true)
  t.strictSame(reasons, ['closed'], 'a listener added after the end is called at once')
  t.equal(stream.send('x'), false, 'nothing to send to')
  t.equal(pushStats.open, openBefore)
  client.write(get('/after'))
  const after = await client.response()
  t.equal(after.body.toString(), 'next', 'the connection goes on')
  t.equal(response.rawBody.length, 0)
})

t.test('a stream opened after its client left: over at birth, aborted', async (t) => {
  let gone!: () => void
  const clientGone = new Promise<void>((resolve) => (gone = resolve))
  const reasons: PushCloseReason[] = []
  let stream: PushStream | null = null
  const { connect, wheel } = await startServer(t, {}, async (_request, response) => {
    await clientGone
    stream = openStream(response, 'sse', { wheel })
    stream.onClose((reason) => reasons.push(reason))
  })
  const openBefore = pushStats.open
  const client = await connect()
  client.write(get('/stream'))
  await delay(10)
  client.socket.resetAndDestroy()
  await client.whenClosed
  await delay(10)
  gone()
  await until(() => stream !== null)
  t.equal((stream as unknown as PushStream).closed, true)
  t.strictSame(reasons, ['aborted'])
  t.equal(pushStats.open, openBefore)
  t.equal(wheel.size, 0, 'no heartbeat scheduled')
})

t.test('resume: Last-Event-ID gets exactly the messages after it; a too-old id gets a gap event first', async (t) => {
  const log = new MessageLog({ maxMessages: 3 })
  const live = new Set<PushStream>()
  const server = await streamServer(t, (request, response, wheel) => {
    const stream = openStream(response, 'sse', { wheel })
    const lastId = lastEventIdOf(request)
    if (lastId !== undefined) {
      const { messages, gap } = log.since(Number(lastId))
      stream.replay(messages, gap)
    }
    live.add(stream)
    stream.onClose(() => live.delete(stream))
    return stream
  })
  const publish = (data: string): void => {
    const message = new PushMessage({ data, id: String(log.lastSeq + 1) })
    log.append(message)
    broadcast(live, message)
  }
  /** Reads events off `client` until `count` have come (and whole chunks: the decoder is strict). */
  const events = async (client: RawClient, count: number): Promise<Array<{ type: string; data: string; lastEventId: string }>> => {
    for (;;) {
      await client.until(() => client.buffered.length > 0)
      let data: Buffer
      try {
        data = decodeChunked(client.buffered).data
      } catch {
        await delay(1)
        continue
      }
      const parser = new SseParser()
      parser.feed(data)
      if (parser.events.length >= count) {
        await client.take(client.buffered.length)
        return parser.events
      }
      await delay(1)
    }
  }

  const first = await subscribe(server)
  publish('one')
  publish('two')
  t.strictSame(await events(first.client, 2), [
    { type: 'message', data: 'one', lastEventId: '1' },
    { type: 'message', data: 'two', lastEventId: '2' },
  ])
  first.client.destroy()
  await until(() => live.size === 0)
  publish('three')
  publish('four')

  const resumed = await subscribe(server, '/stream', get('/stream', 'Last-Event-ID: 2\r\n'))
  publish('five')
  t.strictSame(await events(resumed.client, 3), [
    { type: 'message', data: 'three', lastEventId: '3' },
    { type: 'message', data: 'four', lastEventId: '4' },
    { type: 'message', data: 'five', lastEventId: '5' },
  ], 'what it missed, in order, then live: nothing twice, nothing lost')
  t.equal(resumed.opened.stream.lastId, '5')
  resumed.client.destroy()
  await until(() => live.size === 0)

  const byQuery = await subscribe(server, '/stream?lastEventId=4')
  t.strictSame(await events(byQuery.client, 1), [{ type: 'message', data: 'five', lastEventId: '5' }], 'the lastEventId query parameter')
  byQuery.client.destroy()
  await until(() => live.size === 0)

  publish('six')
  publish('seven')
  // The log keeps 5, 6, 7: a client that saw 2 missed 3 and 4 for good.
  const tooOld = await subscribe(server, '/stream', get('/stream', 'Last-Event-ID: 2\r\n'))
  t.strictSame(await events(tooOld.client, 4), [
    { type: 'gap', data: '', lastEventId: '' },
    { type: 'message', data: 'five', lastEventId: '5' },
    { type: 'message', data: 'six', lastEventId: '6' },
    { type: 'message', data: 'seven', lastEventId: '7' },
  ], 'the gap event first, then what is left')
})

// Regression: the gap event was one process-wide message whose frame cache kept a frame per
// framing key it was ever sent through: iframe keys hold the callback, which the client picks,
// so clients could grow it without bound.
t.test('a gap replay caches nothing process-wide: no frame kept per client-chosen iframe callback', async (t) => {
  const server = await streamServer(t, (request, response, wheel) => {
    const stream = openStream(response, 'iframe', { wheel, callback: request.query.get('cb') ?? 'push' })
    stream.replay([], true)
    return stream
  })
  const before = PushMessage.encodeCount
  for (const callback of ['a1', 'a2']) {
    const { client } = await subscribe(server, `/stream?cb=${callback}`)
    await client.take(chunk(`${' '.repeat(1024)}<!doctype html><html><head><meta charset="utf-8"></head><body>\n`).length)
    await next(t, client, chunk(`<script>parent.${callback}({"event":"gap","data":""})</script>\n`), 'the gap event reaches the page')
  }
  t.equal(PushMessage.encodeCount, before, 'encoded for the stream alone, not into a shared cache')
})

t.test('heartbeat: after heartbeatMs of silence on the fake clock, none while messages flow', async (t) => {
  const server = await transportServer(t, 'sse', { heartbeatMs: 1000 })
  const { client, opened } = await subscribe(server)
  const { clock } = server
  clock.advance(990)
  await quiet(t, client, 'no heartbeat before heartbeatMs')
  clock.advance(20)
  await next(t, client, '3\r\n:\n\n\r\n', 'a comment heartbeat after heartbeatMs of silence')
  clock.advance(980)
  await quiet(t, client)
  clock.advance(20)
  await next(t, client, '3\r\n:\n\n\r\n', 'and again heartbeatMs later')
  for (let i = 0; i < 10; i++) {
    clock.advance(400)
    opened.stream.send(String(i))
    await next(t, client, chunk(`data: ${i}\n\n`))
  }
  await quiet(t, client, 'no heartbeat while messages flow (4 s of them)')
  clock.advance(1100)
  await next(t, client, '3\r\n:\n\n\r\n', 'one once they stop')
})

// Regression: the heartbeat check ran every heartbeatMs and beat only when the whole interval
// had been silent, so a message just after a check left the stream silent for nearly twice
// heartbeatMs: past the idle cut of the proxies the default is chosen to stay under.
t.test('heartbeat: a stream is never silent longer than heartbeatMs', async (t) => {
  const server = await transportServer(t, 'sse', { heartbeatMs: 1000 })
  const { client, opened } = await subscribe(server)
  const { clock } = server
  clock.advance(1010)
  await next(t, client, '3\r\n:\n\n\r\n')
  clock.advance(100)
  opened.stream.send('m')
  await next(t, client, chunk('data: m\n\n'))
  // Silent from here: a heartbeat must come within heartbeatMs (plus a tick of the wheel).
  clock.advance(1010)
  await next(t, client, '3\r\n:\n\n\r\n', 'a heartbeat within heartbeatMs of the last message')
})

t.test('options: 70 configurations on one wheel (past the 64 whose settings are kept to share): each stream keeps its own heartbeat', async (t) => {
  // Configuration i beats every 1000 + 100 * i ms: stream 0 and the last (a configuration
  // past those shared) are watched; the others only make up the count.
  const count = 70
  const server = await streamServer(t, (request, response, wheel) => openStream(response, 'sse', { wheel, heartbeatMs: 1000 + 100 * Number(request.query.get('i')) }))
  const clients: RawClient[] = []
  for (let i = 0; i < count; i++) clients.push((await subscribe(server, `/stream?i=${i}`)).client)
  const first = clients[0] as RawClient
  const last = clients[count - 1] as RawClient
  const lastMs = 1000 + 100 * (count - 1)
  server.clock.advance(1010)
  await next(t, first, '3\r\n:\n\n\r\n', 'the first configuration beats at its heartbeatMs')
  server.clock.advance(lastMs - 1010 - 20)
  await quiet(t, last, 'the last one not before its own')
  server.clock.advance(40)
  await next(t, last, '3\r\n:\n\n\r\n', 'and at its own')
})

t.test('no heartbeat frame for transports without one (chunked, multipart)', async (t) => {
  const server = await transportServer(t, 'chunked', { heartbeatMs: 1000 })
  const { client } = await subscribe(server)
  server.clock.advance(5000)
  await quiet(t, client)
})

/**
 * Sends big messages to a stream whose client does not read until its socket is backed up
 * (frames wait in its queue); returns how many were sent.
 */
async function backUp(stream: PushStream, size = 256 * 1024): Promise<number> {
  let sent = 0
  const data = 'x'.repeat(size)
  while (stream.queuedBytes === 0 && !stream.closed) {
    stream.send(data)
    sent++
    await new Promise((resolve) => setImmediate(resolve))
    await delay(1)
  }
  return sent
}

t.test('write timeout: a stream whose socket stays backed up for writeTimeoutMs is cut', async (t) => {
  const droppedBefore = pushStats.slowReadersDropped
  const server = await transportServer(t, 'sse', { writeTimeoutMs: 5000, heartbeatMs: 1000, maxUnwrittenBytes: 256 * 1024 * 1024 })
  const { client, opened } = await subscribe(server)
  client.socket.pause()
  await backUp(opened.stream)
  t.ok(opened.stream.queuedBytes > 0, 'frames wait for the socket to drain')
  server.clock.advance(4990)
  await delay(10)
  t.equal(opened.stream.closed, false, 'not before writeTimeoutMs')
  server.clock.advance(20)
  t.strictSame(opened.reasons, ['write-timeout'])
  t.equal(opened.stream.queuedBytes, 0, 'its frames are let go')
  client.socket.resume()
  await client.whenClosed
  t.equal(pushStats.slowReadersDropped, droppedBefore + 1)
})

t.test('a stream that drains before writeTimeoutMs goes on, and its heartbeats come back', async (t) => {
  const server = await transportServer(t, 'sse', { writeTimeoutMs: 5000, heartbeatMs: 1000, maxUnwrittenBytes: 256 * 1024 * 1024 })
  const { client, opened } = await subscribe(server)
  client.socket.pause()
  const sent = await backUp(opened.stream, 64 * 1024)
  server.clock.advance(4000)
  client.socket.resume()
  const frameBytes = chunk(`data: ${'x'.repeat(64 * 1024)}\n\n`).length
  await client.until(() => client.buffered.length >= sent * frameBytes)
  t.equal(opened.stream.queuedBytes, 0, 'the queue went out on drain')
  await client.take(sent * frameBytes)
  server.clock.advance(2000)
  await delay(10)
  t.equal(opened.stream.closed, false, 'not cut: the write timeout was lifted')
  await next(t, client, '3\r\n:\n\n\r\n', 'heartbeats again')
})

t.test('slow reader: a client that never reads is cut past maxUnwrittenBytes and counted; the others get every message', async (t) => {
  const capBytes = 256 * 1024
  const droppedBefore = pushStats.slowReadersDropped
  const server = await transportServer(t, 'sse', { maxUnwrittenBytes: capBytes })
  const readers = [await subscribe(server), await subscribe(server), await subscribe(server)]
  const slow = await subscribe(server)
  slow.client.socket.pause()
  const slowSocket = slow.opened.stream.response.socket
  const streams = [...readers, slow].map((subscriber) => subscriber.opened.stream)
  const payload = 'y'.repeat(32 * 1024)
  let sent = 0
  let lastUnwritten = 0
  let mostUnwritten = 0
  while (!slow.opened.stream.closed) {
    const message = new PushMessage({ data: payload, id: String(sent) })
    const frameBytes = message.frame(slow.opened.stream.framing, true).length
    const unwrittenBefore = slowSocket.writableLength + slow.opened.stream.queuedBytes
    const delivered = broadcast(streams, message)
    sent++
    if (slow.opened.stream.closed) {
      t.equal(delivered, 3, 'the slow stream did not take the message that cut it')
      t.ok(unwrittenBefore + frameBytes > capBytes, `cut when its unwritten bytes passed the cap (${unwrittenBefore} + ${frameBytes})`)
      t.ok(lastUnwritten <= capBytes, 'and not before')
      break
    }
    lastUnwritten = slowSocket.writableLength + slow.opened.stream.queuedBytes
    mostUnwritten = Math.max(mostUnwritten, lastUnwritten)
    await new Promise((resolve) => setImmediate(resolve))
    if (sent > 2000) throw new Error('the slow reader was never cut')
  }
  t.ok(mostUnwritten <= capBytes, `never more than the cap unwritten while it lived (at most ${mostUnwritten})`)
  t.strictSame(slow.opened.reasons, ['slow-reader'])
  t.equal(pushStats.slowReadersDropped, droppedBefore + 1)
  slow.client.socket.resume()
  await slow.client.whenClosed
  for (let i = 0; i < 3; i++) broadcast(streams, new PushMessage({ data: 'after', id: String(sent++) }))
  for (const reader of readers) {
    const frame = (id: number, data: string): string => chunk(`id: ${id}\ndata: ${data}\n\n`)
    let expected = ''
    for (let id = 0; id < sent - 3; id++) expected += frame(id, payload)
    for (let id = sent - 3; id < sent; id++) expected += frame(id, 'after')
    await next(t, reader.client, expected, `a reader got all ${sent} messages, in order`)
    t.equal(reader.opened.stream.closed, false)
  }
})

t.test('slow reader, disconnect: a message bigger than the cap cuts even a fast reader', async (t) => {
  const server = await transportServer(t, 'chunked', { maxUnwrittenBytes: 1000 })
  const { client, opened } = await subscribe(server)
  t.equal(opened.stream.send('z'.repeat(1001)), false)
  t.strictSame(opened.reasons, ['slow-reader'])
  await client.whenClosed
})

t.test('drop-oldest: the newest frames are kept, whole, the dropped ones counted', async (t) => {
  const capBytes = 256 * 1024
  const server = await transportServer(t, 'sse', { maxUnwrittenBytes: capBytes, slowReader: 'drop-oldest' })
  const { client, opened } = await subscribe(server)
  client.socket.pause()
  const droppedBefore = pushStats.framesDropped
  const payload = 'w'.repeat(16 * 1024)
  let sent = 0
  let mostUnwritten = 0
  while (pushStats.framesDropped - droppedBefore < 40) {
    opened.stream.send({ data: payload, id: String(sent++) })
    mostUnwritten = Math.max(mostUnwritten, opened.stream.response.socket.writableLength + opened.stream.queuedBytes)
    await new Promise((resolve) => setImmediate(resolve))
    if (sent > 5000) throw new Error('nothing was ever dropped')
  }
  t.equal(opened.stream.closed, false, 'never cut')
  t.ok(mostUnwritten <= capBytes, `never more than the cap unwritten (at most ${mostUnwritten})`)
  const dropped = pushStats.framesDropped - droppedBefore
  client.socket.resume()
  opened.stream.send({ data: 'last', id: String(sent++) })
  opened.stream.close()
  await client.until(() => client.buffered.subarray(-5).toString() === '0\r\n\r\n')
  const decoded = decodeChunked(await client.take(client.buffered.length))
  t.equal(decoded.ended, true)
  const parser = new SseParser()
  parser.feed(decoded.data)
  parser.end()
  const ids = parser.events.map((event) => Number(event.lastEventId))
  t.equal(ids.length, sent - dropped, 'every frame not dropped arrived')
  t.equal(ids.at(-1), sent - 1, 'the newest is there')
  t.ok(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number)), 'in order')
  t.ok(parser.events.slice(0, -1).every((event) => event.data === payload), 'each frame whole')
  t.strictSame(opened.reasons, ['closed'])
})

t.test('drop-oldest: a frame bigger than the room left is dropped, send says so, the stream lives', async (t) => {
  const server = await transportServer(t, 'chunked', { maxUnwrittenBytes: 1000, slowReader: 'drop-oldest' })
  const { client, opened } = await subscribe(server)
  const droppedBefore = pushStats.framesDropped
  t.equal(opened.stream.send('z'.repeat(1001)), false)
  t.equal(pushStats.framesDropped, droppedBefore + 1)
  t.equal(opened.stream.closed, false)
  t.equal(opened.stream.send('ok'), true)
  await next(t, client, '2\r\nok\r\n', 'only what fits')
})

t.test('drop-oldest: cut when the socket\'s own buffer passes the cap (heartbeats, which are never queued, took it there)', async (t) => {
  const capBytes = 64 * 1024
  const server = await transportServer(t, 'sse', { maxUnwrittenBytes: capBytes, slowReader: 'drop-oldest', heartbeatMs: 1000 })
  const { client, opened } = await subscribe(server)
  const { stream } = opened
  client.socket.pause()
  const droppedBefore = pushStats.framesDropped
  // Big frames until the kernel's buffers are full and one is dropped, then small ones to fill
  // the socket's buffer to within a small frame of the cap.
  for (const size of [16 * 1024, 64]) {
    const dropsBefore = pushStats.framesDropped
    let sent = 0
    while (pushStats.framesDropped === dropsBefore) {
      stream.send('u'.repeat(size))
      await new Promise((resolve) => setImmediate(resolve))
      if (++sent > 100_000) throw new Error('nothing dropped')
    }
  }
  t.ok(pushStats.framesDropped > droppedBefore)
  const socket = stream.response.socket
  t.ok(socket.writableLength > 0 && socket.writableLength <= capBytes, `the socket holds ${socket.writableLength}, under the cap`)
  for (let beats = 0; socket.writableLength <= capBytes && beats < 20_000; beats++) {
    server.clock.advance(1000)
    if (stream.closed) break
  }
  t.equal(stream.closed, false, 'heartbeats do not count against the cap')
  t.equal(stream.send('u'), false, 'nothing queued can make room')
  t.strictSame(opened.reasons, ['slow-reader'])
  client.socket.resume()
  await client.whenClosed
})

t.test('per-tick batching: the frames of one tick reach the socket in one writev', async (t) => {
  const server = await transportServer(t, 'sse')
  const a = await subscribe(server)
  const b = await subscribe(server)
  const writes: Array<{ socket: string; chunks: number }> = []
  for (const [name, index] of [['a', 0], ['b', 1]] as const) {
    const socket = (await server.socket(index)) as unknown as SocketInternals
    const write = socket._write
    const writev = socket._writev
    socket._write = function (this: SocketInternals, ...args: unknown[]) {
      writes.push({ socket: name, chunks: 1 })
      write.apply(this, args)
    }
    socket._writev = function (this: SocketInternals, ...args: unknown[]) {
      writes.push({ socket: name, chunks: (args[0] as unknown[]).length })
      writev.apply(this, args)
    }
  }
  for (const data of ['1', '2', '3']) {
    a.opened.stream.send(data)
    b.opened.stream.send(data)
  }
  t.equal(a.opened.stream.queuedBytes, 3 * chunk('data: 1\n\n').length, 'queued until the tick ends')
  await next(t, a.client, chunk('data: 1\n\n') + chunk('data: 2\n\n') + chunk('data: 3\n\n'))
  await next(t, b.client, chunk('data: 1\n\n') + chunk('data: 2\n\n') + chunk('data: 3\n\n'))
  t.strictSame(writes, [
    { socket: 'a', chunks: 3 },
    { socket: 'b', chunks: 3 },
  ], 'one writev per subscriber, holding its three frames')
  writes.length = 0
  a.opened.stream.send('4')
  await next(t, a.client, chunk('data: 4\n\n'))
  t.strictSame(writes, [{ socket: 'a', chunks: 1 }], 'a lone frame is one write')
})

t.test('broadcast to 1,000 SSE streams over 1,000 connections encodes once; every stream receives it', async (t) => {
  const count = 1000
  const server = await transportServer(t, 'sse')
  const clients: RawClient[] = []
  for (let batch = 0; batch < count; batch += 100) {
    const connected = await Promise.all(Array.from({ length: 100 }, () => server.connect()))
    for (const client of connected) client.write(get('/stream'))
    clients.push(...connected)
  }
  await until(() => server.opened.length === count, 10_000, 'every stream open')
  await until(() => clients.every((client) => client.buffered.indexOf('\r\n\r\n') >= 0), 10_000, 'every head')
  for (const client of clients) await readHead(client)
  const streams = server.opened.map((opened) => opened.stream)
  const message = new PushMessage({ data: 'to everyone', id: '42', event: 'news' })
  const before = PushMessage.encodeCount
  t.equal(broadcast(streams, message), count)
  t.equal(PushMessage.encodeCount - before, 1, 'one encode for 1,000 streams')
  t.equal(message.encodeCount, 1)
  const frame = chunk('id: 42\nevent: news\ndata: to everyone\n\n')
  await until(() => clients.every((client) => client.buffered.length >= frame.length), 10_000, 'every frame')
  t.ok(clients.every((client) => client.buffered.toString('latin1') === frame), 'every stream got the same bytes')
  t.ok(streams.every((stream) => stream.lastId === '42'))
})

t.test('broadcast: once per framing and variant across transports; closed streams skipped; string and init forms', async (t) => {
  const server = await streamServer(t, (request, response, wheel) => {
    const transport = request.query.get('t') as StreamTransport
    return openStream(response, transport, { wheel, callback: 'cb' })
  })
  const sse11 = await subscribe(server, '/stream?t=sse')
  const sse10 = await subscribe(server, '/stream?t=sse', 'GET /stream?t=sse HTTP/1.0\r\n\r\n')
  const iframe = await subscribe(server, '/stream?t=iframe')
  const raw = await subscribe(server, '/stream?t=chunked')
  const closed = await subscribe(server, '/stream?t=sse')
  closed.opened.stream.close()
  await iframe.client.take(chunk(`${' '.repeat(1024)}<!doctype html><html><head><meta charset="utf-8"></head><body>\n`).length)
  const streams = [sse11, sse10, iframe, raw, closed].map((subscriber) => subscriber.opened.stream)
  const message = new PushMessage({ data: 'hello' })
  const before = PushMessage.encodeCount
  t.equal(broadcast(streams, message), 4, 'the closed stream does not count')
  t.equal(PushMessage.encodeCount - before, 4, 'SSE chunked, SSE plain, iframe, raw chunked')
  await next(t, sse11.client, chunk('data: hello\n\n'))
  await next(t, sse10.client, 'data: hello\n\n')
  await next(t, iframe.client, chunk('<script>parent.cb({"data":"hello"})</script>\n'))
  await next(t, raw.client, chunk('hello'))
  t.equal(broadcast(streams.slice(0, 1), 'text'), 1)
  await next(t, sse11.client, chunk('data: text\n\n'))
  t.equal(broadcast(streams.slice(0, 1), { data: 'init', id: '9' }), 1)
  await next(t, sse11.client, chunk('id: 9\ndata: init\n\n'))
  t.equal(sse11.opened.stream.lastId, '9')
  t.equal(sse10.opened.stream.lastId, undefined, 'lastId only where the message went')
})

t.test('server.close() ends every stream with its terminator and the last chunk; reason shutdown', async (t) => {
  const server = await streamServer(t, (request, response, wheel) =>
    openStream(response, request.query.get('t') as StreamTransport, { wheel }),
  )
  const sse = await subscribe(server, '/stream?t=sse')
  const iframe = await subscribe(server, '/stream?t=iframe')
  const multipart = await subscribe(server, '/stream?t=multipart')
  const boundary = /boundary=(\S+)\r\n/.exec(multipart.head)?.[1] as string
  await iframe.client.take(chunk(`${' '.repeat(1024)}<!doctype html><html><head><meta charset="utf-8"></head><body>\n`).length)
  sse.opened.stream.send('queued')
  const closed = server.server.close()
  await next(t, sse.client, `${chunk('data: queued\n\n')}0\r\n\r\n`, 'what was queued, then the end')
  await next(t, iframe.client, `${chunk('</body></html>\n')}0\r\n\r\n`)
  await next(t, multipart.client, `${chunk(`--${boundary}--\r\n`)}0\r\n\r\n`)
  for (const subscriber of [sse, iframe, multipart]) {
    await subscriber.client.whenClosed
    t.strictSame(subscriber.opened.reasons, ['shutdown'])
  }
  await closed
})

t.test('client disconnect: onClose(aborted), pushStats.open back where it was, broadcast skips it', async (t) => {
  const openBefore = pushStats.open
  const openedBefore = pushStats.opened
  const server = await transportServer(t, 'sse')
  const fin = await subscribe(server)
  const reset = await subscribe(server)
  t.equal(pushStats.open, openBefore + 2)
  t.equal(pushStats.opened, openedBefore + 2)
  // A browser closing an EventSource sends FIN: the stream ends at once, not when a write fails.
  fin.client.destroy()
  await until(() => fin.opened.stream.closed)
  t.strictSame(fin.opened.reasons, ['aborted'])
  reset.client.socket.resetAndDestroy()
  await until(() => reset.opened.stream.closed)
  t.strictSame(reset.opened.reasons, ['aborted'])
  t.equal(pushStats.open, openBefore)
  t.equal(broadcast([fin.opened.stream, reset.opened.stream], 'x'), 0)
  t.equal(server.wheel.size, 0, 'no heartbeat left on the wheel')
})

t.test('maxStreamBytes: the stream ends cleanly once it has written that much; the connection goes on', async (t) => {
  const server = await transportServer(t, 'iframe', { maxStreamBytes: 1300 })
  const { client, opened } = await subscribe(server)
  const preamble = chunk(`${' '.repeat(1024)}<!doctype html><html><head><meta charset="utf-8"></head><body>\n`)
  await next(t, client, preamble)
  const script = chunk('<script>parent.push({"data":"0123456789"})</script>\n')
  let sent = 0
  while (!opened.stream.closed) {
    opened.stream.send('0123456789')
    sent++
    await next(t, client, script)
  }
  t.equal(sent, Math.ceil((1300 - preamble.length) / script.length), 'ended with the frame that passed the limit')
  await next(t, client, `${chunk('</body></html>\n')}0\r\n\r\n`)
  t.strictSame(opened.reasons, ['closed'])
  client.write(get('/after'))
  t.equal((await client.response()).body.toString(), 'next')
})

// Regression: maxStreamMs was measured with Date.now() rather than the wheel's clock, and only
// checked at heartbeat ticks: a stream lived up to a heartbeat interval too long, and a fake
// clock could not end it at all.
t.test('maxStreamMs: the stream ends cleanly when it is that old by the wheel\'s clock, not at the next heartbeat', async (t) => {
  const server = await transportServer(t, 'sse', { maxStreamMs: 3000, heartbeatMs: 25_000 })
  const { client, opened } = await subscribe(server)
  server.clock.advance(2990)
  await quiet(t, client)
  t.equal(opened.stream.closed, false)
  server.clock.advance(20)
  await next(t, client, '0\r\n\r\n')
  t.strictSame(opened.reasons, ['closed'])
  client.write(get('/after'))
  t.equal((await client.response()).body.toString(), 'next')
})

t.test('injection: CR/LF in an SSE event name throws from send, and nothing is written', async (t) => {
  const server = await transportServer(t, 'sse')
  const { client, opened } = await subscribe(server)
  t.throws(() => opened.stream.send({ data: 'x', event: 'message\r\ndata: forged' }), { code: ErrorCode.INVALID_EVENT_FIELD })
  t.throws(() => opened.stream.send({ data: 'x', id: '1\nevent: forged' }), { code: ErrorCode.INVALID_EVENT_FIELD })
  t.equal(opened.stream.queuedBytes, 0)
  await quiet(t, client)
  opened.stream.send('fine')
  await next(t, client, chunk('data: fine\n\n'), 'the next message follows the head directly')
})

t.test('injection: a multipart part holding the boundary throws NETSERV_BOUNDARY_IN_PART, and nothing is written', async (t) => {
  const server = await transportServer(t, 'multipart')
  const { client, head, opened } = await subscribe(server)
  const boundary = /boundary=(\S+)\r\n/.exec(head)?.[1] as string
  t.throws(() => opened.stream.send(`before\r\n--${boundary}\r\nContent-Type: text/html\r\n\r\n<script>`), { code: ErrorCode.BOUNDARY_IN_PART })
  t.throws(() => broadcast([opened.stream], `x${boundary}x`), { code: ErrorCode.BOUNDARY_IN_PART })
  t.equal(opened.stream.queuedBytes, 0)
  await quiet(t, client)
  t.equal(opened.stream.closed, false)
})

t.test('options: positive integers or NETSERV_INVALID_ARGUMENT, thrown before the head', async (t) => {
  const thrown: unknown[] = []
  const { connect } = await startServer(t, {}, (request, response) => {
    const name = request.query.get('name') as string
    const value = Number(request.query.get('value'))
    try {
      openStream(response, 'sse', { [name]: value })
    } catch (error) {
      thrown.push(error)
      t.equal(response.headersSent, false)
      response.status = 400
      response.end()
    }
  })
  const client = await connect()
  let cases = 0
  for (const name of ['heartbeatMs', 'writeTimeoutMs', 'maxUnwrittenBytes', 'maxStreamBytes', 'maxStreamMs']) {
    for (const value of ['0', '-5', '1.5', 'NaN']) {
      client.write(get(`/?name=${name}&value=${value}`))
      t.equal((await client.response()).status, 400, `${name} ${value}`)
      cases++
    }
  }
  t.equal(thrown.length, cases)
  for (const error of thrown) t.match(error, { code: ErrorCode.INVALID_ARGUMENT })
})

t.test('a stream on a response whose head went out: NETSERV_HEADERS_SENT, nothing counted', async (t) => {
  const openedBefore = pushStats.opened
  const { connect } = await startServer(t, {}, (_request, response) => {
    response.write('started')
    t.throws(() => openStream(response, 'sse'), { code: ErrorCode.HEADERS_SENT })
    response.end()
  })
  const client = await connect()
  client.write(get('/'))
  t.equal((await client.response()).body.toString(), 'started')
  t.equal(pushStats.opened, openedBefore)
})

t.test('headers the application set before the stream go out first; the stream\'s replace any of the same name', async (t) => {
  const server = await streamServer(t, (_request, response, wheel) => {
    response.setHeader('Access-Control-Allow-Origin', '*')
    response.setHeader('Cache-Control', 'private')
    const stream = openStream(response, 'sse', { wheel })
    t.equal(response.getHeader('cache-control'), 'no-cache')
    t.equal(response.getHeader('access-control-allow-origin'), '*')
    return stream
  })
  const { head } = await subscribe(server)
  t.equal(
    withoutDate(head),
    'HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n',
  )
})

t.test('a framing whose head holds a Content-Length is refused: a stream has no known length', async (t) => {
  class LengthFraming extends SseFraming {
    constructor() {
      super()
      ;(this as { headers: Readonly<Record<string, string>> }).headers = Object.freeze({ ...this.headers, 'Content-Length': '5' })
    }
  }
  const framing = new LengthFraming()
  const { connect } = await startServer(t, {}, (_request, response) => {
    t.throws(() => new PushStream(response, framing), { code: ErrorCode.INVALID_RESPONSE_HEADER })
    t.equal(response.headersSent, false, 'nothing went out')
    response.end('refused')
  })
  const client = await connect()
  client.write(get('/'))
  t.equal((await client.response()).body.toString(), 'refused')
})

t.test('a stream opened before its request body is in: the body and the head stay readable, during and after', async (t) => {
  const bodies: string[] = []
  const server = await streamServer(t, (request, response, wheel) => {
    const stream = openStream(response, 'sse', { wheel })
    void request.text().then((body) => {
      bodies.push(body, request.header('x-tag') ?? 'none')
      stream.send(body)
    })
    return stream
  })
  const { client, opened } = await subscribe(server, '/stream', 'POST /stream HTTP/1.1\r\nHost: t\r\nX-Tag: kept\r\nContent-Length: 5\r\n\r\n')
  t.equal(opened.request.complete, false, 'the stream started first')
  client.write('hello')
  await next(t, client, chunk('data: hello\n\n'))
  t.strictSame(bodies, ['hello', 'kept'])
  t.equal(opened.request.target, '/stream')
})

t.test('API edges: close twice, send and enqueue after close, an empty frame, listeners, counters', async (t) => {
  const server = await transportServer(t, 'sse')
  const { client, opened } = await subscribe(server)
  const { stream } = opened
  const framesBefore = pushStats.framesWritten
  const bytesBefore = pushStats.bytesWritten
  t.equal(stream.enqueue(Buffer.alloc(0)), true, 'an empty frame is nothing to write')
  t.equal(stream.queuedBytes, 0)
  stream.send(new PushMessage({ data: 'm' }))
  await next(t, client, chunk('data: m\n\n'))
  t.equal(pushStats.framesWritten, framesBefore + 1)
  t.equal(pushStats.bytesWritten, bytesBefore + chunk('data: m\n\n').length)
  const later: PushCloseReason[] = []
  const heard: PushStream[] = []
  stream.onClose((reason, closed) => {
    later.push(reason)
    heard.push(closed)
  })
  stream.send('queued, then closed')
  stream.close()
  stream.close()
  await next(t, client, `${chunk('data: queued, then closed\n\n')}0\r\n\r\n`, 'close writes what was queued first')
  t.strictSame(opened.reasons, ['closed'], 'listeners hear it once')
  t.strictSame(later, ['closed'])
  t.equal(heard[0], stream, 'a listener gets the stream: one function can serve them all')
  t.equal(stream.send('late'), false)
  t.equal(stream.enqueue(Buffer.from('late')), false)
  stream.replay([new PushMessage({ data: 'late' })], true)
  stream.onShutdown()
  stream.onWritable()
  stream.onTimeout()
  stream.flush()
  const afterClose: Array<[PushCloseReason, PushStream]> = []
  stream.onClose((reason, closed) => afterClose.push([reason, closed]))
  t.strictSame(afterClose, [['closed', stream]], 'a listener added after the end hears why at once, with the stream')
  client.write(get('/after'))
  t.equal((await client.response()).body.toString(), 'next', 'nothing stray on the wire')
})

t.test('a stream on the process-wide wheel by default', async (t) => {
  const server = await streamServer(t, (_request, response) => new PushStream(response, new SseFraming()))
  const sizeBefore = defaultWheel().size
  const { client, opened } = await subscribe(server)
  t.equal(defaultWheel().size, sizeBefore + 1, 'its heartbeat is on the default wheel')
  opened.stream.close()
  await next(t, client, '0\r\n\r\n')
  t.equal(defaultWheel().size, sizeBefore)
})

t.test('Response stream methods outside a stream do nothing', async (t) => {
  const results: unknown[] = []
  const { connect } = await startServer(t, {}, (request, response) => {
    if (request.path === '/head') {
      // HEAD: the stream is over at birth; the methods after it find nothing streaming.
      const stream = openStream(response, 'sse')
      results.push(stream.closed, response.shutdown(), response.writeStream(Buffer.from('x')))
      response.endStream(Buffer.from('y'))
      return
    }
    response.end('plain')
    results.push(response.shutdown(), response.writeStream(Buffer.from('x')))
    response.endStream(null)
    response.drained()
  })
  const client = await connect()
  client.write(get('/plain'))
  t.equal((await client.response()).rawBody.toString(), 'plain')
  client.write('HEAD /head HTTP/1.1\r\nHost: t\r\n\r\n')
  await client.response({ head: true })
  client.write(get('/plain'))
  t.equal((await client.response()).rawBody.toString(), 'plain', 'nothing stray on the wire')
  t.strictSame(results, [false, true, true, false, true, false, true], 'plain: no stream to shut down; HEAD: over at birth; plain again')
})
