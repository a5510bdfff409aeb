import t from 'tap'
import { ErrorCode, NetservError } from '../../src/errors.js'
import { allocateFrame, Framing, frameStart } from '../../src/push/framing.js'
import { MAX_EVENT_ID_LENGTH, PushMessage } from '../../src/push/push-message.js'

/** Counts its encodes; the frame is `<key>:<data>`, so frames of different keys differ. */
class CountingFraming extends Framing {
  encodes = 0

  constructor(frameKey: string) {
    super('counting', frameKey, 'text/plain', null, null, null, null)
  }

  encode(message: PushMessage, chunked = false): Buffer {
    this.encodes++
    const text = `${this.frameKey}:${message.text}`
    const bodyBytes = Buffer.byteLength(text)
    const frame = allocateFrame(bodyBytes, chunked)
    frame.write(text, frameStart(bodyBytes, chunked))
    return frame
  }
}

class RefusingFraming extends Framing {
  constructor() {
    super('refusing', 'refusing', 'text/plain', null, null, null, null)
  }

  encode(): Buffer {
    throw new NetservError(ErrorCode.BOUNDARY_IN_PART, 'refused')
  }
}

t.test('data: a string as UTF-8; a Buffer kept; another Uint8Array viewed, not copied', async (t) => {
  const fromString = new PushMessage({ data: 'h\u00e9 \u{1f600}' })
  t.equal(fromString.source, 'h\u00e9 \u{1f600}')
  t.equal(fromString.text, 'h\u00e9 \u{1f600}', 'the string itself')
  t.same(fromString.data, Buffer.from('h\u00e9 \u{1f600}', 'utf8'))
  t.equal(fromString.data, fromString.data, 'encoded once')
  t.same(new PushMessage({ data: 'x\ud800' }).data, Buffer.from('x\ufffd'), 'a lone surrogate is U+FFFD in bytes')

  const buffer = Buffer.from('abc')
  const fromBuffer = new PushMessage({ data: buffer })
  t.equal(fromBuffer.data, buffer, 'the same Buffer')
  t.equal(fromBuffer.source, null)
  t.equal(fromBuffer.text, 'abc')
  t.equal(fromBuffer.text, fromBuffer.text, 'decoded once')

  const backing = new Uint8Array([0x78, 0x61, 0x62, 0x63, 0x78])
  const view = backing.subarray(1, 4)
  const message = new PushMessage({ data: view })
  t.ok(Buffer.isBuffer(message.data))
  t.equal(message.data.toString(), 'abc')
  backing[1] = 0x41
  t.equal(message.data.toString(), 'Abc', 'a view of the caller\'s bytes')

  t.equal(new PushMessage({ data: Buffer.from([0xff, 0x61]) }).text, '\ufffda', 'invalid UTF-8 decodes to U+FFFD')
})

t.test('id, event and contentType are kept; absent ones are undefined', async (t) => {
  const full = new PushMessage({ data: '', id: '42', event: 'quote', contentType: 'image/png' })
  t.equal(full.id, '42')
  t.equal(full.event, 'quote')
  t.equal(full.contentType, 'image/png')
  const bare = new PushMessage({ data: '', id: undefined, event: undefined, contentType: undefined })
  t.equal(bare.id, undefined)
  t.equal(bare.event, undefined)
  t.equal(bare.contentType, undefined)
  t.equal(new PushMessage({ data: '', id: '', event: '' }).id, '', 'empty strings are values (SSE: reset the id, default type)')
  t.equal(new PushMessage({ data: '', id: 'x'.repeat(MAX_EVENT_ID_LENGTH) }).id?.length, MAX_EVENT_ID_LENGTH)
  t.equal(new PushMessage({ data: '', id: '\u00e9\u{1f600}', event: '\u00e9v\u00e9nement' }).event, '\u00e9v\u00e9nement', 'any other Unicode')
})

t.test('an id or event with CR, LF or NUL is refused with NETSERV_INVALID_EVENT_FIELD', async (t) => {
  for (const bad of ['a\rb', 'a\nb', 'a\r\nb', '\n', 'a\0b', 'x\ndata: injected', 'end\r']) {
    for (const field of ['id', 'event'] as const) {
      t.throws(() => new PushMessage({ data: 'd', [field]: bad }), { code: ErrorCode.INVALID_EVENT_FIELD, status: 0 }, `${field} ${JSON.stringify(bad)}`)
    }
  }
  t.throws(() => new PushMessage({ data: 'd', id: 'x'.repeat(MAX_EVENT_ID_LENGTH + 1) }), {
    code: ErrorCode.INVALID_EVENT_FIELD,
    message: /more than 256/,
  })
  t.throws(() => new PushMessage({ data: 'd', id: 'ok', event: 'bad\n' }), { message: /event may not hold CR, LF or NUL/ })
})

t.test('a contentType must be a non-empty field value', async (t) => {
  for (const bad of ['', 'text/plain\r\nX-Injected: 1', 'a\nb', 'a\0b', 'caf\u0100']) {
    t.throws(() => new PushMessage({ data: 'd', contentType: bad }), { code: ErrorCode.INVALID_RESPONSE_HEADER }, JSON.stringify(bad))
  }
  t.equal(new PushMessage({ data: 'd', contentType: 'text/plain; charset=utf-8' }).contentType, 'text/plain; charset=utf-8')
})

t.test('frame: encoded on the first call, the same Buffer after, per variant', async (t) => {
  const framing = new CountingFraming('k')
  const message = new PushMessage({ data: 'hi' })
  const before = PushMessage.encodeCount
  t.equal(message.encodeCount, 0)
  const plain = message.frame(framing)
  t.equal(plain.toString(), 'k:hi')
  t.equal(message.frame(framing), plain)
  t.equal(message.frame(framing, false), plain)
  t.equal(framing.encodes, 1)
  const chunked = message.frame(framing, true)
  t.equal(chunked.toString(), '4\r\nk:hi\r\n')
  t.equal(message.frame(framing, true), chunked)
  t.equal(framing.encodes, 2)
  t.equal(message.encodeCount, 2)
  t.equal(PushMessage.encodeCount - before, 2)
})

t.test('frame: shared by framings of one key, kept apart for other keys', async (t) => {
  const a1 = new CountingFraming('a')
  const a2 = new CountingFraming('a')
  const b = new CountingFraming('b')
  const c = new CountingFraming('c')
  const message = new PushMessage({ data: 'x' })
  const fromA1 = message.frame(a1, true)
  t.equal(message.frame(a2, true), fromA1, 'another instance with the same key gets the same Buffer')
  t.equal(a2.encodes, 0)
  const fromB = message.frame(b, true)
  t.equal(fromB.toString(), '3\r\nb:x\r\n')
  const fromC = message.frame(c)
  t.equal(fromC.toString(), 'c:x')
  for (let i = 0; i < 3; i++) {
    t.equal(message.frame(a2, true), fromA1)
    t.equal(message.frame(b, true), fromB)
    t.equal(message.frame(c), fromC)
  }
  t.equal(a1.encodes + a2.encodes + b.encodes + c.encodes, 3)
  t.equal(message.encodeCount, 3)
})

t.test('one message framed for 1,000 streams encodes once', async (t) => {
  const framing = new CountingFraming('one')
  const message = new PushMessage({ data: 'tick' })
  const before = PushMessage.encodeCount
  const frames = new Set<Buffer>()
  for (let stream = 0; stream < 1000; stream++) frames.add(message.frame(framing, true))
  t.equal(frames.size, 1)
  t.equal(PushMessage.encodeCount - before, 1)
  t.equal(message.encodeCount, 1)
})

t.test('a framing that refuses the message: the error goes out, nothing is cached or counted', async (t) => {
  const message = new PushMessage({ data: 'x' })
  const before = PushMessage.encodeCount
  t.throws(() => message.frame(new RefusingFraming()), { code: ErrorCode.BOUNDARY_IN_PART })
  t.throws(() => message.frame(new RefusingFraming(), true), { code: ErrorCode.BOUNDARY_IN_PART })
  t.equal(message.encodeCount, 0)
  t.equal(PushMessage.encodeCount, before)
})
