import t from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { PushMessage, type PushMessageInit } from '../../src/push/push-message.js'
import { SseFraming, sseRetryFrame } from '../../src/push/sse-framing.js'
import { decodeChunked } from '../fixtures/chunked-decoder.js'
import { createRng, type Rng } from '../fixtures/request-generator.js'
import { type ParsedEvent, parseSse, SseParser } from '../fixtures/sse-parser.js'

const sse = new SseFraming()

/**
 * The frame of `init` as text. Builds it twice, from the string and from its UTF-8 bytes (the
 * two encoders), and throws unless both give the same bytes, plain and chunked.
 */
function frameText(init: PushMessageInit, framing: SseFraming = sse): string {
  const fromText = new PushMessage(init)
  const fromBytes = new PushMessage({ ...init, data: Buffer.from(init.data as string, 'utf8') })
  if (fromText.source === null || fromBytes.source !== null) throw new Error('not one of each')
  const plain = fromText.frame(framing)
  if (!plain.equals(fromBytes.frame(framing)) || !fromText.frame(framing, true).equals(fromBytes.frame(framing, true))) {
    throw new Error(`the encoders disagree on ${JSON.stringify(init)}`)
  }
  return plain.toString('utf8')
}

t.test('headers, no preamble by default, comment heartbeat, no terminator', async (t) => {
  t.equal(sse.name, 'sse')
  t.equal(sse.frameKey, 'sse')
  t.strictSame(sse.headers, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' })
  t.equal(sse.preamble, null)
  t.equal(sse.heartbeat?.toString(), ':\n\n')
  t.equal(sse.heartbeatFrame(true)?.toString(), '3\r\n:\n\n\r\n')
  t.equal(sse.terminator, null)
  const parser = new SseParser()
  parser.feed(sse.heartbeat as Buffer)
  parser.feed(sse.heartbeat as Buffer)
  parser.end()
  t.strictSame(parser.events, [], 'a heartbeat dispatches nothing')
  t.strictSame(parser.comments, ['', ''])
})

t.test('frames byte for byte', async (t) => {
  t.equal(frameText({ data: 'hello' }), 'data: hello\n\n')
  t.equal(frameText({ data: 'hello', id: '7', event: 'quote' }), 'id: 7\nevent: quote\ndata: hello\n\n')
  t.equal(frameText({ data: 'x', id: '7' }), 'id: 7\ndata: x\n\n')
  t.equal(frameText({ data: 'x', event: 'e' }), 'event: e\ndata: x\n\n')
  t.equal(frameText({ data: '' }), 'data: \n\n', 'empty data: one empty line, still an event')
  t.equal(frameText({ data: '', id: '', event: '' }), 'id: \nevent: \ndata: \n\n')
  t.equal(frameText({ data: 'a\nb' }), 'data: a\ndata: b\n\n')
  t.equal(frameText({ data: 'a\rb' }), 'data: a\ndata: b\n\n')
  t.equal(frameText({ data: 'a\r\nb' }), 'data: a\ndata: b\n\n')
  t.equal(frameText({ data: 'a\n' }), 'data: a\ndata: \n\n', 'a trailing break: an empty last line')
  t.equal(frameText({ data: '\na' }), 'data: \ndata: a\n\n')
  t.equal(frameText({ data: '\r\n' }), 'data: \ndata: \n\n')
  t.equal(frameText({ data: '\n\r' }), 'data: \ndata: \ndata: \n\n', 'LF then CR: two breaks')
  t.equal(frameText({ data: '\r\r\n' }), 'data: \ndata: \ndata: \n\n', 'CR then CRLF: two breaks')
  t.equal(frameText({ data: 'a\r\n\r\nb\n\nc\r\rd' }), 'data: a\ndata: \ndata: b\ndata: \ndata: c\ndata: \ndata: d\n\n')
  t.equal(frameText({ data: ' lead' }), 'data:  lead\n\n', 'the reader strips one space: the data keeps its own')
  t.equal(frameText({ data: 'a\0b:c' }), 'data: a\0b:c\n\n', 'NUL and colons pass in data')
  t.equal(frameText({ data: 'caf\u00e9 \u{1f600}', id: '\u00e9', event: '\u00e9v' }), 'id: \u00e9\nevent: \u00e9v\ndata: caf\u00e9 \u{1f600}\n\n')
  t.same(
    new PushMessage({ data: 'x', id: 'n\u00e9' }).frame(sse),
    Buffer.concat([Buffer.from('id: n'), Buffer.from([0xc3, 0xa9]), Buffer.from('\ndata: x\n\n')]),
    'non-ASCII ids are UTF-8',
  )
})

t.test('the chunked variant is one chunk holding the plain frame', async (t) => {
  for (const init of [{ data: 'hello' }, { data: 'a\r\nb\rc\n', id: '1', event: 'e' }, { data: 'x'.repeat(5000) }, { data: '' }]) {
    const message = new PushMessage(init)
    const chunked = message.frame(sse, true)
    const decoded = decodeChunked(chunked)
    t.equal(decoded.chunks.length, 1)
    t.ok(decoded.data.equals(message.frame(sse)))
  }
  t.equal(new PushMessage({ data: 'hi' }).frame(sse, true).toString(), 'a\r\ndata: hi\n\n\r\n')
})

t.test('preamble: padding comment and retry, each optional', async (t) => {
  t.equal(new SseFraming({ retryMs: 3000 }).preamble?.toString(), 'retry: 3000\n\n')
  t.equal(new SseFraming({ retryMs: 0 }).preamble?.toString(), 'retry: 0\n\n')
  t.equal(new SseFraming({ paddingBytes: 2 }).preamble?.toString(), ':\n')
  const padded = new SseFraming({ paddingBytes: 2048, retryMs: 1500 })
  const preamble = padded.preamble as Buffer
  t.equal(preamble.length, 2048 + 'retry: 1500\n\n'.length)
  t.equal(preamble.toString('latin1', 0, 2048), `:${' '.repeat(2046)}\n`)
  t.equal(preamble.toString('latin1', 2048), 'retry: 1500\n\n')
  t.ok(decodeChunked(padded.preambleFrame(true) as Buffer).data.equals(preamble))
  const parser = new SseParser()
  parser.feed(preamble)
  parser.feed(new PushMessage({ data: 'first' }).frame(padded))
  parser.end()
  t.equal(parser.retryMs, 1500)
  t.strictSame(parser.events, [{ type: 'message', data: 'first', lastEventId: '' }])
  t.equal(new SseFraming({ retryMs: undefined, paddingBytes: undefined }).preamble, null)
})

t.test('every SSE framing shares one frame key, whatever its options', async (t) => {
  const message = new PushMessage({ data: 'shared' })
  const frame = message.frame(new SseFraming({ retryMs: 10 }), true)
  t.equal(message.frame(new SseFraming({ paddingBytes: 100 }), true), frame)
  t.equal(message.frame(sse, true), frame)
})

t.test('option checks', async (t) => {
  for (const paddingBytes of [1, -1, 1.5, 65537, Number.NaN]) {
    t.throws(() => new SseFraming({ paddingBytes }), { code: ErrorCode.INVALID_ARGUMENT }, `paddingBytes ${paddingBytes}`)
  }
  t.ok(new SseFraming({ paddingBytes: 65536 }))
  for (const retryMs of [-1, 1.5, 2 ** 31, Number.POSITIVE_INFINITY]) {
    t.throws(() => new SseFraming({ retryMs }), { code: ErrorCode.INVALID_ARGUMENT }, `retryMs ${retryMs}`)
    t.throws(() => sseRetryFrame(retryMs), { code: ErrorCode.INVALID_ARGUMENT })
  }
  t.equal(sseRetryFrame(2 ** 31 - 1).toString(), 'retry: 2147483647\n\n')
})

t.test('sseRetryFrame: a retry field and a blank line that dispatches nothing', async (t) => {
  const frame = sseRetryFrame(5000)
  t.equal(frame.toString(), 'retry: 5000\n\n')
  const parser = new SseParser()
  parser.feed(new PushMessage({ data: 'a', id: '1' }).frame(sse))
  parser.feed(frame)
  parser.feed(new PushMessage({ data: 'b' }).frame(sse))
  parser.end()
  t.equal(parser.retryMs, 5000)
  t.strictSame(parser.events, [
    { type: 'message', data: 'a', lastEventId: '1' },
    { type: 'message', data: 'b', lastEventId: '1' },
  ])
})

t.test('injection: a field with CR/LF never reaches the wire; data cannot pose as fields', async (t) => {
  t.throws(() => new PushMessage({ data: 'x', event: 'message\ndata: forged' }), { code: ErrorCode.INVALID_EVENT_FIELD })
  t.throws(() => new PushMessage({ data: 'x', id: '1\r\nevent: forged' }), { code: ErrorCode.INVALID_EVENT_FIELD })
  const forged = 'real\n\nevent: forged\ndata: evil\nid: 666\nretry: 1\n'
  const parser = new SseParser()
  parser.feed(new PushMessage({ data: forged, id: '1' }).frame(sse))
  parser.end()
  t.strictSame(parser.events, [{ type: 'message', data: forged, lastEventId: '1' }], 'one event holding the text, nothing else')
  t.equal(parser.retryMs, null)
})

t.test('the text and byte encoders agree on random strings, lone surrogates included', async (t) => {
  const rng = createRng(0x7e7)
  const pieces = ['a', '\r', '\n', '\r\n', '\ud83d', '\ude00', '\u{1f600}', '\u00e9', ' ', '\0']
  for (let run = 0; run < 500; run++) {
    let data = ''
    for (let i = rng.int(12); i > 0; i--) data += rng.pick(pieces)
    const id = rng.chance(0.5) ? data.replace(/[\r\n\0]/g, '') : undefined
    const event = rng.chance(0.5) ? `e${data.replace(/[\r\n\0]/g, '')}` : undefined
    try {
      frameText({ data, id, event })
    } catch (error) {
      t.fail(String(error))
      return
    }
  }
  t.pass('500 random messages')
})

t.test('invalid UTF-8 in data cannot swallow a line break', async (t) => {
  const data = Buffer.from([0xe2, 0x82, 0x0a, 0x61, 0xf0, 0x0d, 0x62, 0xc3])
  t.strictSame(parseSse(new PushMessage({ data }).frame(sse)), [{ type: 'message', data: '\ufffd\na\ufffd\nb\ufffd', lastEventId: '' }])
})

/** A random string rich in line breaks, spaces, colons and non-ASCII. */
function randomText(rng: Rng, maxPieces: number): string {
  const pieces = ['a', 'bc', ' ', ':', '\r', '\n', '\r\n', '\n\r', '\u00e9', '\u{1f600}', '\u2028', '\0', 'data: x', '\ufeff', '\t', 'id: 9']
  let text = ''
  const count = rng.int(maxPieces + 1)
  for (let i = 0; i < count; i++) text += rng.pick(pieces)
  return text
}

function randomField(rng: Rng): string | undefined {
  if (rng.chance(0.4)) return undefined
  return randomText(rng, 6).replace(/[\r\n\0]/g, '')
}

/** Feeds `bytes` to a parser cut at random points (sometimes byte by byte). */
function parseInPieces(rng: Rng, bytes: Buffer): ParsedEvent[] {
  const parser = new SseParser()
  let at = 0
  const byteByByte = rng.chance(0.2)
  while (at < bytes.length) {
    const next = byteByByte ? at + 1 : Math.min(bytes.length, at + 1 + rng.int(64))
    parser.feed(bytes.subarray(at, next))
    at = next
  }
  parser.end()
  return parser.events
}

t.test('random data round-trips through encode and a WHATWG parser, line breaks read as LF', async (t) => {
  const framings = [sse, new SseFraming({ retryMs: 2000, paddingBytes: 64 })]
  for (let run = 0; run < 200; run++) {
    const rng = createRng(0x55e + run)
    const framing = rng.pick(framings)
    const expected: ParsedEvent[] = []
    const plain: Buffer[] = []
    const chunked: Buffer[] = []
    const preamble = framing.preambleFrame(false)
    if (preamble !== null) {
      plain.push(preamble)
      chunked.push(framing.preambleFrame(true) as Buffer)
    }
    let lastEventId = ''
    const count = 1 + rng.int(8)
    for (let i = 0; i < count; i++) {
      if (rng.chance(0.2)) {
        plain.push(framing.heartbeatFrame(false) as Buffer)
        chunked.push(framing.heartbeatFrame(true) as Buffer)
      }
      const data = randomText(rng, 24)
      const id = randomField(rng)
      const event = randomField(rng)
      const message = new PushMessage({ data: rng.chance(0.5) ? data : Buffer.from(data), id, event })
      plain.push(message.frame(framing))
      chunked.push(message.frame(framing, true))
      if (id !== undefined) lastEventId = id
      expected.push({ type: event === undefined || event === '' ? 'message' : event, data: data.replace(/\r\n|\r/g, '\n'), lastEventId })
    }
    const stream = Buffer.concat(plain)
    const events = parseInPieces(rng, stream)
    if (JSON.stringify(events) !== JSON.stringify(expected)) {
      t.strictSame(events, expected, `run ${run}`)
      return
    }
    const decoded = decodeChunked(Buffer.concat(chunked))
    if (!decoded.data.equals(stream)) {
      t.fail(`run ${run}: chunked frames do not decode to the plain ones`)
      return
    }
  }
  t.pass('200 random streams round-trip, whole and in pieces, plain and chunked')
})

t.test('one broadcast to 1,000 SSE streams encodes once', async (t) => {
  // Streams built with different options still share frames: the key is the transport's.
  const streams = Array.from({ length: 1000 }, (_unused, index) => (index % 2 === 0 ? sse : new SseFraming({ retryMs: index })))
  const message = new PushMessage({ data: 'tick', id: '1' })
  const before = PushMessage.encodeCount
  const written = new Set<Buffer>()
  for (const framing of streams) written.add(message.frame(framing, true))
  t.equal(PushMessage.encodeCount - before, 1)
  t.equal(message.encodeCount, 1)
  t.equal(written.size, 1, 'every stream writes the same Buffer')
})
