import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import t from 'tap'
import { DateHeader, sharedDateHeader } from '../../src/buffers/date-header.js'
import { StaticResponse } from '../../src/buffers/static-response.js'

/** What every argument error carries (tap matches these properties). */
const INVALID = { code: 'NETSERV_INVALID_ARGUMENT', status: 0 }

const START_MS = 784111777000 // Sun, 06 Nov 1994 08:49:37 GMT
const DATE_37 = 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n'
const DATE_38 = 'Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n'

function clock(): { date: DateHeader; advanceMs: (ms: number) => void } {
  let nowMs = START_MS
  return { date: new DateHeader(() => nowMs), advanceMs: (ms) => { nowMs += ms } }
}

t.test('both variants, byte-exact; HEAD is the same head without the body', async (t) => {
  const { date } = clock()
  const response = new StaticResponse({
    status: 200,
    headers: [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ],
    body: 'h\u00e9llo \u20ac\n',
    date,
  })
  t.equal(response.status, 200)
  t.equal(response.bodyBytes, 11, 'UTF-8 bytes, not string length (8 chars)')
  const fields =
    'Content-Length: 11\r\nContent-Type: text/plain; charset=utf-8\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n'
  const keepAliveHead = `HTTP/1.1 200 OK\r\n${DATE_37}Connection: keep-alive\r\n${fields}`
  const closeHead = `HTTP/1.1 200 OK\r\n${DATE_37}Connection: close\r\n${fields}`
  const body = Buffer.from('h\u00e9llo \u20ac\n', 'utf8')
  t.same(response.buffer(true), Buffer.concat([Buffer.from(keepAliveHead, 'latin1'), body]))
  t.same(response.buffer(false), Buffer.concat([Buffer.from(closeHead, 'latin1'), body]))
  t.equal(response.head(true).toString('latin1'), keepAliveHead)
  t.equal(response.head(false).toString('latin1'), closeHead)
  const full = response.buffer(true)
  const head = response.head(true)
  t.equal(head.buffer, full.buffer, 'the HEAD variant is a view of the same bytes')
  t.equal(head.byteOffset, full.byteOffset)
})

t.test('headers as a record, custom and missing reason phrases, empty body', async (t) => {
  const { date } = clock()
  const response = new StaticResponse({ status: 299, headers: { 'X-A': '1', 'X-B': '' }, date })
  t.equal(
    response.buffer(true).toString('latin1'),
    `HTTP/1.1 299 \r\n${DATE_37}Connection: keep-alive\r\nContent-Length: 0\r\nX-A: 1\r\nX-B: \r\n\r\n`,
  )
  t.equal(response.bodyBytes, 0)
  const custom = new StaticResponse({ status: 200, reason: 'Fine', date })
  t.equal(
    custom.buffer(false).toString('latin1'),
    `HTTP/1.1 200 Fine\r\n${DATE_37}Connection: close\r\nContent-Length: 0\r\n\r\n`,
  )
})

t.test('a byte body is copied: later changes by the caller do not leak in', async (t) => {
  const { date } = clock()
  const bytes = new Uint8Array([0x61, 0x62, 0x63])
  const response = new StaticResponse({ status: 200, body: bytes, date })
  bytes[0] = 0x7a
  t.equal(response.buffer(true).subarray(-3).toString('latin1'), 'abc')
})

t.test('bodiless statuses (RFC 9110 15.3.5, 15.3.6, 15.4.5)', async (t) => {
  const { date } = clock()
  t.equal(
    new StaticResponse({ status: 204, date }).buffer(true).toString('latin1'),
    `HTTP/1.1 204 No Content\r\n${DATE_37}Connection: keep-alive\r\n\r\n`,
    '204: no Content-Length',
  )
  t.equal(
    new StaticResponse({ status: 304, headers: [['ETag', '"x"']], date }).buffer(true).toString('latin1'),
    `HTTP/1.1 304 Not Modified\r\n${DATE_37}Connection: keep-alive\r\nETag: "x"\r\n\r\n`,
    '304: no Content-Length',
  )
  t.equal(
    new StaticResponse({ status: 205, date }).buffer(false).toString('latin1'),
    `HTTP/1.1 205 Reset Content\r\n${DATE_37}Connection: close\r\nContent-Length: 0\r\n\r\n`,
    '205: Content-Length: 0',
  )
  for (const status of [204, 205, 304]) {
    t.throws(() => new StaticResponse({ status, body: 'x' }), INVALID, `${status} with a body`)
  }
  t.doesNotThrow(() => new StaticResponse({ status: 204, body: '' }), 'an empty body is no body')
})

t.test('invalid input is refused at construction', async (t) => {
  for (const status of [100, 101, 199, 99, 1000, 200.5]) {
    t.throws(() => new StaticResponse({ status }), INVALID, String(status))
  }
  for (const name of ['Content-Length', 'date', 'CONNECTION', 'Transfer-Encoding']) {
    t.throws(() => new StaticResponse({ status: 200, headers: [[name, '1']] }), /set by StaticResponse/, name)
  }
  t.throws(() => new StaticResponse({ status: 200, headers: [['Bad Name', 'x']] }), /invalid header name/)
  t.throws(() => new StaticResponse({ status: 200, headers: [['', 'x']] }), /invalid header name/)
  t.throws(
    () => new StaticResponse({ status: 200, headers: { 'X-A': 'a\r\nSet-Cookie: evil=1' } }),
    /invalid value for header X-A/,
  )
  t.throws(() => new StaticResponse({ status: 200, headers: { 'X-A': 'a\u010d\u010a' } }), INVALID)
  t.throws(() => new StaticResponse({ status: 200, reason: 'OK\r\nX: y' }), /invalid reason phrase/)
})

t.test('serving allocates no new Buffer per request', async (t) => {
  const { date } = clock()
  const response = new StaticResponse({
    status: 200,
    headers: [['Content-Type', 'application/json']],
    body: '{"ok":true}',
    date,
  })
  const calls = 100_000
  const first = response.buffer(true)
  const firstHead = response.head(true)
  const returned = new Array<Buffer>(calls)
  const before = process.memoryUsage().arrayBuffers
  for (let i = 0; i < calls; i++) returned[i] = response.buffer(true)
  const grownBytes = process.memoryUsage().arrayBuffers - before
  let same = 0
  for (let i = 0; i < calls; i++) if (returned[i] === first) same++
  t.equal(same, calls, 'request 1 and request 100000 get the same object')
  let sameHead = 0
  for (let i = 0; i < calls; i++) if (response.head(true) === firstHead) sameHead++
  t.equal(sameHead, calls, 'the HEAD variant too')
  t.ok(grownBytes < first.length * 100, `arrayBuffers grew ${grownBytes} bytes over ${calls} calls`)

  // The same measurement catches an encoder that copies per request: it must grow.
  const copies = new Array<Buffer>(calls)
  const beforeCopies = process.memoryUsage().arrayBuffers
  for (let i = 0; i < calls; i++) copies[i] = Buffer.from(first)
  const copiesGrownBytes = process.memoryUsage().arrayBuffers - beforeCopies
  t.ok(copiesGrownBytes >= calls * first.length, `control: ${copiesGrownBytes} bytes for copies`)
  t.equal(copies.length, calls)
})

t.test('the Date changes at the second boundary, in new Buffers', async (t) => {
  const { date, advanceMs } = clock()
  const response = new StaticResponse({ status: 404, body: 'gone', date })
  const first = response.buffer(true)
  const firstHead = response.head(true)
  const firstText = first.toString('latin1')
  t.ok(firstText.includes(DATE_37))
  advanceMs(999)
  t.equal(response.buffer(true), first, 'same object through the end of the second')
  advanceMs(1)
  const second = response.buffer(true)
  t.not(second, first, 'a new object in the new second')
  t.equal(second.toString('latin1'), firstText.replace(DATE_37, DATE_38), 'only the date differs')
  t.equal(first.toString('latin1'), firstText, 'the Buffer of the last second is never patched')
  t.not(response.head(true), firstHead)
  t.equal(response.head(true).toString('latin1'), firstHead.toString('latin1').replace(DATE_37, DATE_38))
  // Variants refresh independently: close was never served in second 37.
  const close = response.buffer(false)
  t.ok(close.toString('latin1').includes(DATE_38))
  t.ok(close.toString('latin1').includes('Connection: close\r\n'))
  // A HEAD request can be the first of a second too.
  advanceMs(1000)
  const head39 = response.head(false)
  t.ok(head39.toString('latin1').includes('Date: Sun, 06 Nov 1994 08:49:39 GMT\r\n'))
  t.equal(response.buffer(false).subarray(0, head39.length).toString('latin1'), head39.toString('latin1'))
})

t.test('the default clock is the shared Date line', async (t) => {
  const response = new StaticResponse({ status: 200, body: 'x' })
  const text = response.buffer(true).toString('latin1')
  t.ok(text.startsWith(`HTTP/1.1 200 OK\r\n${sharedDateHeader.line().toString('latin1')}`), text)
})

// An independent parser (llhttp, inside node:http) reads what we encoded.
t.test('node:http parses both variants', async (t) => {
  const response = new StaticResponse({
    status: 201,
    headers: [['Content-Type', 'text/plain; charset=utf-8'], ['X-Id', '42']],
    body: 'created \u2713',
  })
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(response.buffer(false)))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as net.AddressInfo
  const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false })
  const [incoming] = (await once(request, 'response')) as [http.IncomingMessage]
  const chunks: Buffer[] = []
  for await (const chunk of incoming) chunks.push(chunk as Buffer)
  t.equal(incoming.statusCode, 201)
  t.equal(incoming.statusMessage, 'Created')
  t.equal(incoming.headers['content-length'], String(response.bodyBytes))
  t.equal(incoming.headers.connection, 'close')
  t.equal(incoming.headers['x-id'], '42')
  t.ok(Math.abs(Date.parse(incoming.headers.date ?? '') - Date.now()) < 5000, 'a current Date')
  t.equal(Buffer.concat(chunks).toString('utf8'), 'created \u2713')
})
