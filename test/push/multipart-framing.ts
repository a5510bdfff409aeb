import t from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { MultipartFraming } from '../../src/push/multipart-framing.js'
import { PushMessage } from '../../src/push/push-message.js'
import { decodeChunked } from '../fixtures/chunked-decoder.js'
import { createRng } from '../fixtures/request-generator.js'

interface Part {
  headers: Record<string, string>
  data: Buffer
}

/** Reads a body part by part using each part's Content-Length; strict about every byte. */
function readByLength(body: Buffer, boundary: string): { parts: Part[]; closed: boolean } {
  const parts: Part[] = []
  let at = 0
  const open = `--${boundary}\r\n`
  const close = `--${boundary}--\r\n`
  while (at < body.length) {
    if (body.toString('latin1', at, at + close.length) === close) {
      if (at + close.length !== body.length) throw new Error('bytes after the close delimiter')
      return { parts, closed: true }
    }
    if (body.toString('latin1', at, at + open.length) !== open) throw new Error(`no delimiter at ${at}`)
    at += open.length
    const headEnd = body.indexOf('\r\n\r\n', at, 'latin1')
    const headers: Record<string, string> = {}
    for (const line of body.toString('latin1', at, headEnd).split('\r\n')) {
      const colon = line.indexOf(': ')
      headers[line.slice(0, colon)] = line.slice(colon + 2)
    }
    at = headEnd + 4
    const length = Number(headers['Content-Length'])
    parts.push({ headers, data: body.subarray(at, at + length) })
    at += length
    if (body.toString('latin1', at, at + 2) !== '\r\n') throw new Error(`part data not followed by CRLF at ${at}`)
    at += 2
  }
  return { parts, closed: false }
}

/**
 * Reads a body by searching delimiters only, as RFC 2046 and browsers do (Content-Length
 * ignored): the data of each part is what lies between its blank line and the next CRLF--B.
 */
function readByDelimiter(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1')
  const pieces = text.split(`\r\n--${boundary}`)
  // The first piece starts with the first dash-boundary; the last is "--\r\n" after close.
  pieces[0] = (pieces[0] as string).slice(`--${boundary}`.length)
  return pieces.slice(0, -1).map((piece) => Buffer.from(piece.slice(piece.indexOf('\r\n\r\n') + 4), 'latin1'))
}

t.test('headers: multipart/x-mixed-replace with the boundary; no preamble, no heartbeat', async (t) => {
  const framing = new MultipartFraming()
  t.equal(framing.name, 'multipart')
  t.strictSame(framing.headers, {
    'Content-Type': `multipart/x-mixed-replace; boundary=${framing.boundary}`,
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
  })
  t.equal(framing.preamble, null)
  t.equal(framing.heartbeat, null)
  t.equal(framing.closeFrame(false)?.toString(), `--${framing.boundary}--\r\n`)
  t.equal(framing.closeFrame(true)?.toString(), `${(framing.boundary.length + 6).toString(16)}\r\n--${framing.boundary}--\r\n\r\n0\r\n\r\n`)
})

t.test('boundary: random per instance, >= 32 random characters, bcharsnospace and tchar only', async (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 200; i++) {
    const { boundary, frameKey } = new MultipartFraming()
    t.match(boundary, /^netserv-[A-Za-z0-9_-]{32}$/)
    t.ok(boundary.length <= 70, 'RFC 2046: at most 70 characters')
    t.notOk(boundary.startsWith('--'))
    t.ok(frameKey.includes(boundary), 'frames are keyed by boundary')
    seen.add(boundary)
  }
  t.equal(seen.size, 200)
})

t.test('a part byte for byte; the message type, else the framing default', async (t) => {
  const framing = new MultipartFraming()
  const b = framing.boundary
  t.equal(
    new PushMessage({ data: 'hello' }).frame(framing).toString(),
    `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello\r\n`,
  )
  t.equal(
    new PushMessage({ data: 'caf\u00e9', contentType: 'text/x-note' }).frame(framing).toString(),
    `--${b}\r\nContent-Type: text/x-note\r\nContent-Length: 5\r\n\r\ncaf\u00e9\r\n`,
    'Content-Length counts bytes',
  )
  t.equal(new PushMessage({ data: '' }).frame(framing).toString(), `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\n\r\n\r\n`)
  const png = new MultipartFraming({ contentType: 'image/png' })
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])
  const frame = new PushMessage({ data: bytes }).frame(png)
  const head = `--${png.boundary}\r\nContent-Type: image/png\r\nContent-Length: 10\r\n\r\n`
  t.same(frame, Buffer.concat([Buffer.from(head, 'latin1'), bytes, Buffer.from('\r\n')]), 'binary data as is')
  t.equal(new PushMessage({ data: 'x', id: '1', event: 'e' }).frame(png).toString().includes('id'), false, 'id and event are not sent')
})

t.test('the chunked variant is one chunk holding the part', async (t) => {
  const framing = new MultipartFraming()
  const message = new PushMessage({ data: 'x'.repeat(3000) })
  const decoded = decodeChunked(message.frame(framing, true))
  t.equal(decoded.chunks.length, 1)
  t.ok(decoded.data.equals(message.frame(framing)))
})

t.test('a stream of parts reads back by Content-Length and by delimiter search alike', async (t) => {
  const framing = new MultipartFraming({ contentType: 'application/octet-stream' })
  const rng = createRng(0x3a1)
  const datas: Buffer[] = []
  const plain: Buffer[] = []
  const chunked: Buffer[] = []
  for (let i = 0; i < 50; i++) {
    const data = Buffer.alloc(rng.int(300))
    for (let j = 0; j < data.length; j++) data[j] = rng.pick([0x2d, 0x0d, 0x0a, rng.int(256)])
    datas.push(data)
    const message = new PushMessage({ data })
    plain.push(message.frame(framing))
    chunked.push(message.frame(framing, true))
  }
  plain.push(framing.closeFrame(false) as Buffer)
  chunked.push(framing.closeFrame(true) as Buffer)
  const body = Buffer.concat(plain)
  const read = readByLength(body, framing.boundary)
  t.equal(read.closed, true)
  t.strictSame(read.parts.map((part) => part.data), datas)
  t.ok(read.parts.every((part) => part.headers['Content-Type'] === 'application/octet-stream'))
  t.strictSame(readByDelimiter(body, framing.boundary), datas)
  const decoded = decodeChunked(Buffer.concat(chunked))
  t.equal(decoded.ended, true)
  t.ok(decoded.data.equals(body))
})

t.test('a part containing the boundary is refused with NETSERV_BOUNDARY_IN_PART, never encoded', async (t) => {
  const framing = new MultipartFraming()
  const b = framing.boundary
  for (const data of [`--${b}`, `\r\n--${b}\r\n`, `x\r\n--${b}--\r\n`, `${b}`, `head ${b} tail`, `--${b}-- trailing`]) {
    const message = new PushMessage({ data })
    t.throws(() => message.frame(framing), { code: ErrorCode.BOUNDARY_IN_PART, status: 0 }, JSON.stringify(data))
    t.throws(() => message.frame(framing, true), { code: ErrorCode.BOUNDARY_IN_PART })
    t.equal(message.encodeCount, 0)
  }
  const other = new MultipartFraming()
  t.ok(new PushMessage({ data: `--${b}` }).frame(other).length > 0, 'another instance\'s boundary is just data')
  t.ok(new PushMessage({ data: b.slice(0, -1) }).frame(framing).length > 0, 'a prefix of the boundary is just data')
})

t.test('option checks', async (t) => {
  for (const contentType of ['', 'image/png\r\nX: 1', 'a\u0100']) {
    t.throws(() => new MultipartFraming({ contentType }), { code: ErrorCode.INVALID_RESPONSE_HEADER })
  }
  t.ok(new MultipartFraming({ contentType: undefined }))
})
