import t from 'tap'
import { allocateFrame, chunkedFrame, Framing, frameStart, LAST_CHUNK } from '../../src/push/framing.js'
import { PushMessage } from '../../src/push/push-message.js'
import { decodeChunked } from '../fixtures/chunked-decoder.js'

/** A framing whose frame is the data between brackets: enough to reach the base class. */
class BracketFraming extends Framing {
  constructor(preamble: Buffer | null, heartbeat: Buffer | null, terminator: Buffer | null) {
    super('bracket', 'bracket', 'text/x-bracket', { 'X-Extra': 'yes' }, preamble, heartbeat, terminator)
  }

  encode(message: PushMessage, chunked = false): Buffer {
    const bodyBytes = message.data.length + 2
    const frame = allocateFrame(bodyBytes, chunked)
    let at = frameStart(bodyBytes, chunked)
    frame[at++] = 0x5b
    at += message.data.copy(frame, at)
    frame[at] = 0x5d
    return frame
  }
}

t.test('chunkedFrame: <hex size>CRLF<bytes>CRLF, lower-case hex without leading zeros', async (t) => {
  for (const size of [1, 9, 10, 15, 16, 17, 255, 256, 4095, 4096, 65535, 65536, 1048577]) {
    const bytes = Buffer.alloc(size, 0x61)
    const frame = chunkedFrame(bytes)
    const hex = size.toString(16)
    t.equal(frame.toString('latin1', 0, hex.length + 2), `${hex}\r\n`, `head of ${size}`)
    t.equal(frame.length, hex.length + 2 + size + 2, `length of ${size}`)
    t.equal(frame.toString('latin1', frame.length - 2), '\r\n')
    const decoded = decodeChunked(frame)
    t.equal(decoded.chunks.length, 1)
    t.ok(decoded.data.equals(bytes), `data of ${size} decodes back`)
    t.equal(decoded.ended, false, 'a data chunk never ends the body')
  }
  t.same(chunkedFrame(Uint8Array.from([0, 13, 10, 255])), Buffer.from('4\r\n\x00\r\n\xff\r\n', 'latin1'))
})

t.test('chunkedFrame of nothing is an empty Buffer, never the last chunk', async (t) => {
  t.equal(chunkedFrame(Buffer.alloc(0)).length, 0)
  t.equal(chunkedFrame(new Uint8Array(0)).length, 0)
})

t.test('allocateFrame and frameStart agree with chunkedFrame', async (t) => {
  for (const size of [1, 16, 300]) {
    const plain = allocateFrame(size, false)
    t.equal(plain.length, size)
    t.equal(frameStart(size, false), 0)
    const chunked = allocateFrame(size, true)
    const start = frameStart(size, true)
    chunked.fill(0x78, start, start + size)
    t.same(chunked, chunkedFrame(Buffer.alloc(size, 0x78)))
  }
})

t.test('LAST_CHUNK is the last chunk with no trailers', async (t) => {
  t.equal(LAST_CHUNK.toString('latin1'), '0\r\n\r\n')
  t.same(decodeChunked(LAST_CHUNK), { chunks: [], data: Buffer.alloc(0), ended: true })
})

t.test('headers: the transport type, no-cache, no proxy buffering, the extras; frozen', async (t) => {
  const framing = new BracketFraming(null, null, null)
  t.strictSame(framing.headers, {
    'Content-Type': 'text/x-bracket',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
    'X-Extra': 'yes',
  })
  t.ok(Object.isFrozen(framing.headers))
  t.equal(framing.name, 'bracket')
  t.equal(framing.frameKey, 'bracket')
})

t.test('preamble, heartbeat and close: encoded once, the same Buffers every call', async (t) => {
  const framing = new BracketFraming(Buffer.from('<start>'), Buffer.from('.'), Buffer.from('<end>'))
  t.equal(framing.preambleFrame(false), framing.preamble)
  t.equal(framing.preamble?.toString(), '<start>')
  t.equal(framing.preambleFrame(true)?.toString(), '7\r\n<start>\r\n')
  t.equal(framing.preambleFrame(true), framing.preambleFrame(true))
  t.equal(framing.heartbeatFrame(false)?.toString(), '.')
  t.equal(framing.heartbeatFrame(true)?.toString(), '1\r\n.\r\n')
  t.equal(framing.heartbeatFrame(true), framing.heartbeatFrame(true))
  t.equal(framing.closeFrame(false), framing.terminator)
  t.equal(framing.closeFrame(false)?.toString(), '<end>')
  const close = framing.closeFrame(true) as Buffer
  t.equal(close.toString(), '5\r\n<end>\r\n0\r\n\r\n', 'the terminator chunk, then the last chunk: one write')
  t.equal(framing.closeFrame(true), close)
  const decoded = decodeChunked(close)
  t.equal(decoded.data.toString(), '<end>')
  t.equal(decoded.ended, true)
})

t.test('absent or empty parts are null; a chunked close is still the last chunk', async (t) => {
  for (const framing of [
    new BracketFraming(null, null, null),
    new BracketFraming(Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)),
  ]) {
    t.equal(framing.preamble, null)
    t.equal(framing.heartbeat, null)
    t.equal(framing.terminator, null)
    t.equal(framing.preambleFrame(false), null)
    t.equal(framing.preambleFrame(true), null)
    t.equal(framing.heartbeatFrame(false), null)
    t.equal(framing.heartbeatFrame(true), null)
    t.equal(framing.closeFrame(false), null)
    t.equal(framing.closeFrame(true), LAST_CHUNK)
  }
})

t.test('a subclass builds a chunked frame in one Buffer that decodes to its plain frame', async (t) => {
  const framing = new BracketFraming(null, null, null)
  const message = new PushMessage({ data: 'x'.repeat(20) })
  const plain = framing.encode(message)
  const chunked = framing.encode(message, true)
  t.equal(plain.toString(), `[${'x'.repeat(20)}]`)
  t.equal(chunked.toString(), `16\r\n[${'x'.repeat(20)}]\r\n`)
  t.ok(decodeChunked(chunked).data.equals(plain))
})
