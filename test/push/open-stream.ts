import t from 'tap'
import { ErrorCode, NetservError } from '../../src/errors.js'
import { ChunkedFraming } from '../../src/push/chunked-framing.js'
import { IframeFraming } from '../../src/push/iframe-framing.js'
import { MultipartFraming } from '../../src/push/multipart-framing.js'
import { framingFor, openStream, type StreamTransport } from '../../src/push/open-stream.js'
import { PushMessage } from '../../src/push/push-message.js'
import { pushStats, PushStream } from '../../src/push/push-stream.js'
import { SseFraming } from '../../src/push/sse-framing.js'
import { get, startServer } from '../fixtures/test-server.js'
import { delay } from '../fixtures/wire-client.js'

t.test('framingFor: one shared framing per transport with default options', async (t) => {
  const sse = framingFor('sse')
  t.type(sse, SseFraming)
  t.equal(framingFor('sse', {}), sse, 'shared')
  t.equal(sse.preamble, null)
  const chunked = framingFor('chunked')
  t.type(chunked, ChunkedFraming)
  t.equal(framingFor('chunked'), chunked)
  t.equal(chunked.headers['Content-Type'], 'text/plain; charset=utf-8')
  const multipart = framingFor('multipart')
  t.type(multipart, MultipartFraming)
  t.equal(framingFor('multipart'), multipart, 'one boundary for every default multipart stream, so they share frames')
  const iframe = framingFor('iframe')
  t.type(iframe, IframeFraming)
  t.equal((iframe as IframeFraming).callback, 'push', 'the default callback')
  t.equal(framingFor('iframe', { callback: 'push' }), iframe)
})

t.test('framingFor: options make their own framing, which still shares frames with its kind', async (t) => {
  const retry = framingFor('sse', { retryMs: 1500 })
  t.not(retry, framingFor('sse'))
  t.equal(retry.preamble?.toString(), 'retry: 1500\n\n')
  t.equal(retry.frameKey, framingFor('sse').frameKey)

  const ndjson = framingFor('chunked', { contentType: 'application/x-ndjson' })
  t.equal(ndjson.headers['Content-Type'], 'application/x-ndjson')
  t.equal(ndjson.frameKey, framingFor('chunked').frameKey)

  const png = framingFor('multipart', { contentType: 'image/png' }) as MultipartFraming
  t.equal(framingFor('multipart', { contentType: 'image/png' }), png, 'kept per part type: one boundary, shared frames')
  t.not(png, framingFor('multipart'))
  const message = new PushMessage({ data: 'x' })
  t.match(message.frame(png).toString(), /^--netserv-\S+\r\nContent-Type: image\/png\r\n/)

  const callback = framingFor('iframe', { callback: 'app.onPush' }) as IframeFraming
  t.equal(callback.callback, 'app.onPush')
  t.equal(framingFor('iframe', { callback: 'app.onPush' }), callback)
})

t.test('framingFor: at most 64 part types are kept; past that each stream gets a framing of its own', async (t) => {
  const kept: unknown[] = []
  for (let i = 0; i < 70; i++) kept.push(framingFor('multipart', { contentType: `image/x-${i}` }))
  t.equal(framingFor('multipart', { contentType: 'image/x-0' }), kept[0], 'the first types stay shared')
  const late = framingFor('multipart', { contentType: 'image/x-69' })
  t.not(late, kept[69], 'a type past the limit is not kept')
  t.not(late.frameKey, (kept[69] as MultipartFraming).frameKey, 'its own boundary')
})

t.test('framingFor: invalid options throw their framing\'s codes', async (t) => {
  for (const callback of ['', '1x', 'a..b', 'alert(1)', 'a.b;c', 'x'.repeat(129), 'a-b', 'a.']) {
    t.throws(() => framingFor('iframe', { callback }), { code: ErrorCode.INVALID_CALLBACK, status: 400 }, JSON.stringify(callback))
  }
  t.throws(() => framingFor('sse', { retryMs: -1 }), { code: ErrorCode.INVALID_ARGUMENT })
  t.throws(() => framingFor('multipart', { contentType: 'a\r\nb' }), { code: ErrorCode.INVALID_RESPONSE_HEADER })
  t.throws(() => framingFor('chunked', { contentType: '' }), { code: ErrorCode.INVALID_RESPONSE_HEADER })
})

// Regression: any name but sse, iframe and chunked fell through to multipart, so a transport
// picked from a request parameter (or mistyped in plain JS) was served as multipart.
t.test('framingFor: an unknown transport is refused, not served as multipart', async (t) => {
  for (const transport of ['long-poll', 'websocket', 'SSE', '']) {
    t.throws(() => framingFor(transport as StreamTransport), { code: ErrorCode.INVALID_ARGUMENT }, transport)
  }
})

t.test('openStream: the head and the transport\'s preamble go out; a PushStream comes back', async (t) => {
  const streams: PushStream[] = []
  const { connect, wheel } = await startServer(t, {}, (request, response) => {
    streams.push(openStream(response, request.query.get('t') as StreamTransport, { wheel, retryMs: 10 }))
  })
  const client = await connect()
  client.write(get('/?t=sse'))
  await client.until(() => client.buffered.includes('retry: 10\n\n'))
  t.match(client.buffered.toString(), /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/event-stream\r\n/)
  const stream = streams[0] as PushStream
  t.type(stream, PushStream)
  t.equal(stream.framing.name, 'sse')
  stream.close()
})

t.test('openStream: a callback outside the pattern throws NETSERV_INVALID_CALLBACK (400) before anything is written', async (t) => {
  const openedBefore = pushStats.opened
  const failures: NetservError[] = []
  const { connect } = await startServer(t, {}, (request, response) => {
    try {
      openStream(response, 'iframe', { callback: request.query.get('cb') as string })
    } catch (error) {
      failures.push(error as NetservError)
      t.equal(response.headersSent, false, 'nothing written')
      response.status = (error as NetservError).status
      response.end('bad callback')
    }
  })
  const client = await connect()
  client.write(get(`/?cb=${encodeURIComponent('alert(document.cookie)//')}`))
  const response = await client.response()
  t.equal(response.status, 400)
  t.equal(response.body.toString(), 'bad callback', 'the application\'s answer, nothing of a stream before it')
  t.equal(failures.length, 1)
  t.match(failures[0], { code: ErrorCode.INVALID_CALLBACK, status: 400 })
  t.equal(pushStats.opened, openedBefore, 'no stream opened')
  await delay(10)
  t.equal(client.buffered.length, 0)
})
