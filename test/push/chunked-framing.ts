import t from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { ChunkedFraming } from '../../src/push/chunked-framing.js'
import { LAST_CHUNK } from '../../src/push/framing.js'
import { PushMessage } from '../../src/push/push-message.js'
import { decodeChunked } from '../fixtures/chunked-decoder.js'

const framing = new ChunkedFraming()

t.test('headers: the stream type (text by default), nosniff; nothing but data on the wire', async (t) => {
  t.equal(framing.name, 'chunked')
  t.equal(framing.frameKey, 'chunked')
  t.strictSame(framing.headers, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
    'X-Content-Type-Options': 'nosniff',
  })
  t.equal(new ChunkedFraming({ contentType: 'application/x-ndjson' }).headers['Content-Type'], 'application/x-ndjson')
  t.equal(new ChunkedFraming({ contentType: undefined }).headers['Content-Type'], 'text/plain; charset=utf-8')
  t.equal(framing.preamble, null)
  t.equal(framing.heartbeat, null, 'no heartbeat: any byte would become data')
  t.equal(framing.heartbeatFrame(true), null)
  t.equal(framing.terminator, null)
  t.equal(framing.closeFrame(false), null, 'HTTP/1.0: closing the connection ends the body')
  t.equal(framing.closeFrame(true), LAST_CHUNK)
})

t.test('plain: the data itself, not a copy; chunked: one chunk of it', async (t) => {
  const message = new PushMessage({ data: 'hello\r\n', contentType: 'image/png' })
  t.equal(message.frame(framing), message.data)
  t.equal(message.frame(framing, true).toString(), '7\r\nhello\r\n\r\n')
  const binary = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x30, 0xff])
  t.same(new PushMessage({ data: binary }).frame(framing, true), Buffer.concat([Buffer.from('7\r\n'), binary, Buffer.from('\r\n')]))
})

t.test('an empty message is skipped: an empty Buffer in both variants, never the last chunk', async (t) => {
  const empty = new PushMessage({ data: '' })
  t.equal(empty.frame(framing).length, 0)
  t.equal(empty.frame(framing, true).length, 0)
  t.equal(new PushMessage({ data: new Uint8Array(0) }).frame(framing, true).length, 0)
})

t.test('a stream of messages decodes back to the bytes sent, ended only by the close', async (t) => {
  const datas = ['one', '', 'two\n', 'x'.repeat(70000), '\u00e9']
  const frames = datas.map((data) => new PushMessage({ data }).frame(framing, true))
  const open = decodeChunked(Buffer.concat(frames))
  t.equal(open.ended, false)
  t.equal(open.chunks.length, 4, 'the empty message wrote nothing')
  t.equal(open.data.toString(), datas.join(''))
  const closed = decodeChunked(Buffer.concat([...frames, framing.closeFrame(true) as Buffer]))
  t.equal(closed.ended, true)
})

t.test('frames are shared by every chunked framing, whatever its content type', async (t) => {
  const message = new PushMessage({ data: 'shared' })
  const before = PushMessage.encodeCount
  const frame = message.frame(framing, true)
  for (let i = 0; i < 1000; i++) t.equal(message.frame(i % 2 === 0 ? framing : new ChunkedFraming({ contentType: 'text/csv' }), true), frame)
  t.equal(PushMessage.encodeCount - before, 1)
})

t.test('option checks', async (t) => {
  for (const contentType of ['', 'text/plain\r\nSet-Cookie: x', 'a\0b', 'caf\u0100']) {
    t.throws(() => new ChunkedFraming({ contentType }), { code: ErrorCode.INVALID_RESPONSE_HEADER }, JSON.stringify(contentType))
  }
})
