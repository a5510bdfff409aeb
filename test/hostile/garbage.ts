// Garbage on the wire: bytes chosen to hit each of the parser's refusals, random bytes, and
// valid requests with random bytes changed. Each gets an error status (400 for malformed
// bytes) with Connection: close, and the connection closes; the server never stops serving.
import t from 'tap'
import { startHostileServer } from '../fixtures/hostile-child.js'
import { RawClient, type RawResponse } from '../fixtures/wire-client.js'

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** Every response on the connection until the server closes it (FIN after `bytes`, if `fin`). */
async function answersTo(port: number, bytes: Buffer, fin: boolean): Promise<{ responses: RawResponse[]; closed: boolean }> {
  // Not half-open: the client closes its side when the server does.
  const client = await RawClient.connect(port)
  if (fin) client.end(bytes)
  else client.write(bytes)
  const responses: RawResponse[] = []
  for (;;) {
    try {
      responses.push(await client.response())
    } catch {
      break
    }
  }
  await client.whenClosed
  return { responses, closed: client.closed }
}

const OK = 'GET /small HTTP/1.1\r\nHost: t\r\n\r\n'

// Bytes alone must be enough to refuse each of these: no FIN is sent.
const TARGETED: Array<[string, string, number]> = [
  ['binary before the method', '\x00\x01\x02\x03\x04\r\n\r\n', 400],
  ['a TLS ClientHello', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 400],
  ['a lone LF line ending', 'GET /small HTTP/1.1\nHost: t\n\n', 400],
  ['a lone CR in a value', 'GET /small HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n', 400],
  ['a NUL in a value', 'GET /small HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n', 400],
  ['a NUL in a name', 'GET /small HTTP/1.1\r\nHost: t\r\nX\x00: v\r\n\r\n', 400],
  ['DEL in the target', 'GET /sm\x7fall HTTP/1.1\r\nHost: t\r\n\r\n', 400],
  ['two spaces in the request line', 'GET  /small HTTP/1.1\r\nHost: t\r\n\r\n', 400],
  ['a bad version', 'GET /small HTXP/1.1\r\nHost: t\r\n\r\n', 400],
  // PRI is no method of HTTP/1.1.
  ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 501],
  ['an obs-fold', 'GET /small HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n', 400],
  ['a space before the colon', 'GET /small HTTP/1.1\r\nHost: t\r\nX : v\r\n\r\n', 400],
  ['no Host', 'GET /small HTTP/1.1\r\nX: v\r\n\r\n', 400],
  ['two Hosts', 'GET /small HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n', 400],
  ['two Content-Lengths', 'POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 400],
  ['a negative Content-Length', 'POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n', 400],
  ['a Content-Length in exponent form', 'POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1e3\r\n\r\n', 400],
  ['Content-Length with Transfer-Encoding', 'POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['a Transfer-Encoding not ending in chunked', 'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400],
  ['a chunk size that is not hex', 'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
  ['an overflowing chunk size', 'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n', 400],
  ['chunk data not followed by CRLF', 'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXYZ', 400],
  ['Content-Length in the trailers', 'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n', 400],
  ['garbage after a valid request', `${OK}\xff\xfe\xfd\r\n\r\n`, 400],
]

t.test('garbage is answered with an error status, and the connection closed', async (t) => {
  const server = await startHostileServer(t)

  t.test('targeted: one refusal each', async (t) => {
    for (const [name, bytes, status] of TARGETED) {
      const { responses, closed } = await answersTo(server.port, Buffer.from(bytes, 'latin1'), false)
      const last = responses.at(-1)
      t.equal(last?.status, status, `${name}: ${status}`)
      t.equal(last?.header('connection'), 'close', `${name}: Connection: close`)
      t.ok(closed, `${name}: closed`)
      if (bytes.startsWith(OK)) t.equal(responses[0]?.body.toString(), 'ok', `${name}: the valid request first was answered`)
    }
  })

  // 501 where the bytes open with token bytes that start no known method ("Q\x9c..."): the
  // parser refuses at the first byte no known method has there, as llhttp does, before it
  // meets the invalid one (src/parser/request-parser.ts, #failMethod).
  t.test('random bytes (then FIN): 400 (or 501) once, and the close', async (t) => {
    const next = random(7)
    const statuses: Record<number, number> = {}
    for (let batch = 0; batch < 10; batch++) {
      const cases = Array.from({ length: 20 }, () => Buffer.from(Array.from({ length: 1 + Math.floor(next() * 2000) }, () => Math.floor(next() * 256))))
      const results = await Promise.all(cases.map((bytes) => answersTo(server.port, bytes, true)))
      for (const { responses, closed } of results) {
        const status = responses.length === 1 ? (responses[0] as RawResponse).status : -responses.length
        statuses[status] = (statuses[status] ?? 0) + 1
        if (!closed) t.fail('a connection stayed open')
      }
    }
    t.comment(`answers: ${JSON.stringify(statuses)}`)
    t.strictSame(Object.keys(statuses).filter((status) => status !== '400' && status !== '501'), [], 'every one of 200 answered once, 400 or 501')
    t.ok((statuses[400] ?? 0) > 100, 'most of them 400')
  })

  t.test('valid requests with random bytes changed (then FIN): answered or refused, always closed', async (t) => {
    const next = random(11)
    const valid = `POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n${OK}`
    const statuses: Record<string, number> = {}
    for (let batch = 0; batch < 10; batch++) {
      const cases = Array.from({ length: 20 }, () => {
        const bytes = Buffer.from(valid, 'latin1')
        for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256)
        return bytes
      })
      const results = await Promise.all(cases.map((bytes) => answersTo(server.port, bytes, true)))
      for (const { responses, closed } of results) {
        const key = responses.map((response) => response.status).join(',')
        statuses[key] = (statuses[key] ?? 0) + 1
        const last = responses.at(-1)
        if (!closed) t.fail('a connection stayed open')
        // The handler answers 200 or 404 (a changed path); a refusal closes.
        if (last === undefined || (last.status !== 200 && last.status !== 404 && last.header('connection') !== 'close')) t.fail(`no closing answer: ${key}`)
      }
    }
    t.comment(`answers: ${JSON.stringify(statuses)}`)
    t.ok(Object.keys(statuses).some((key) => key.endsWith('400')), 'some were refused')
  })

  t.test('afterwards: only the subscriber is connected', async (t) => {
    const measured = await server.settle((measured) => measured.connectionCount === 1)
    t.equal(measured.connectionCount, 1)
  })
  t.test('the subscriber got everything; the server never crashed', (t) => server.finish(t))
})
