import t from 'tap'
import { DateHeader, sharedDateHeader } from '../../src/buffers/date-header.js'
import {
  CONNECTION_KEEP_ALIVE,
  CONTENT_TYPE_TEXT_PLAIN,
  TRANSFER_ENCODING_CHUNKED,
} from '../../src/buffers/header-lines.js'
import { HeadWriter } from '../../src/buffers/head-writer.js'
import { SlabPool } from '../../src/buffers/slab-pool.js'

/** What every argument error carries (tap matches these properties). */
const INVALID = { code: 'NETSERV_INVALID_ARGUMENT', status: 0 }

const DATE_LINE = 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n'

function fixedDate(): DateHeader {
  return new DateHeader(() => 784111777000)
}

t.test('a typical head, byte-exact, as a view of the pool slab', async (t) => {
  const pool = new SlabPool()
  const writer = new HeadWriter({ pool, date: fixedDate() })
  t.equal(writer.pool, pool)
  writer.begin(200)
  writer.line(CONTENT_TYPE_TEXT_PLAIN)
  writer.contentLength(1234)
  writer.date()
  writer.line(CONNECTION_KEEP_ALIVE)
  writer.header('X-Request-Id', '6f1c2a90-3b7e-4d21-9c55-0a8e1d2f4b6c')
  writer.header('Cache-Control', 'no-cache')
  const expected =
    'HTTP/1.1 200 OK\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    'Content-Length: 1234\r\n' +
    DATE_LINE +
    'Connection: keep-alive\r\n' +
    'X-Request-Id: 6f1c2a90-3b7e-4d21-9c55-0a8e1d2f4b6c\r\n' +
    'Cache-Control: no-cache\r\n' +
    '\r\n'
  t.equal(writer.headBytes, expected.length - 2, 'bytes so far, before the final CRLF')
  const head = writer.end()
  t.equal(head.toString('latin1'), expected)
  t.equal(head.buffer, pool.slab.buffer, 'carved from the slab, not allocated')
  t.equal(writer.headBytes, 0)
  t.equal(pool.offset, head.length)

  writer.begin(204)
  const next = writer.end()
  t.equal(next.toString('latin1'), 'HTTP/1.1 204 No Content\r\n\r\n')
  t.equal(next.byteOffset, head.byteOffset + head.length, 'heads are packed back to back')
  t.equal(head.toString('latin1').slice(0, 17), 'HTTP/1.1 200 OK\r\n', 'the first is untouched')
})

t.test('status lines: registered, custom reason, unregistered', async (t) => {
  const writer = new HeadWriter({ pool: new SlabPool(), date: fixedDate() })
  const cases: Array<[number, string | undefined, string]> = [
    [404, undefined, 'HTTP/1.1 404 Not Found\r\n'],
    [431, undefined, 'HTTP/1.1 431 Request Header Fields Too Large\r\n'],
    [200, 'Fine', 'HTTP/1.1 200 Fine\r\n'],
    [200, '', 'HTTP/1.1 200 \r\n'],
    [599, undefined, 'HTTP/1.1 599 \r\n'],
    [100, undefined, 'HTTP/1.1 100 Continue\r\n'],
    [999, 'Caf\u00e9', 'HTTP/1.1 999 Caf\u00e9\r\n'],
    [307, 'A reason phrase longer than thirty-two characters', 'HTTP/1.1 307 A reason phrase longer than thirty-two characters\r\n'],
  ]
  for (const [status, reason, line] of cases) {
    writer.begin(status, reason)
    t.same(writer.end(), Buffer.from(`${line}\r\n`, 'latin1'), `${status} ${reason}`)
  }
  for (const bad of [99, 1000, 200.5, Number.NaN, -200]) {
    t.throws(() => writer.begin(bad), INVALID, String(bad))
  }
})

t.test('header lines in latin1, short (loop) and long (native) strings', async (t) => {
  const writer = new HeadWriter({ pool: new SlabPool(), date: fixedDate() })
  writer.begin(200)
  writer.header('A', '')
  writer.header('X-Obs', 'caf\u00e9')
  const longName = `X-${'n'.repeat(40)}`
  const longValue = 'v'.repeat(300)
  writer.header(longName, longValue)
  const head = writer.end()
  const expected = `HTTP/1.1 200 OK\r\nA: \r\nX-Obs: caf\u00e9\r\n${longName}: ${longValue}\r\n\r\n`
  t.same(head, Buffer.from(expected, 'latin1'))
  t.equal(head.indexOf(0xe9), expected.indexOf('\u00e9'), 'obs-text is one byte, not UTF-8')
})

t.test('values of every length from 0 to 100 (both latin1 strategies)', async (t) => {
  const writer = new HeadWriter({ pool: new SlabPool(4096), date: fixedDate() })
  let wrong = 0
  for (let length = 0; length <= 100; length++) {
    const value = Array.from({ length }, (_, i) => String.fromCharCode(0x21 + ((i * 7) % 0xde))).join('')
    writer.begin(200)
    writer.header(`X-${'n'.repeat(length)}`, value)
    const expected = Buffer.from(`HTTP/1.1 200 OK\r\nX-${'n'.repeat(length)}: ${value}\r\n\r\n`, 'latin1')
    if (!writer.end().equals(expected)) wrong++
  }
  t.equal(wrong, 0)
})

t.test('Content-Length digits without a string', async (t) => {
  const writer = new HeadWriter({ pool: new SlabPool(), date: fixedDate() })
  for (const bytes of [0, 7, 9, 10, 99, 100, 1234, 4294967296, Number.MAX_SAFE_INTEGER]) {
    writer.begin(200)
    writer.contentLength(bytes)
    t.equal(writer.end().toString('latin1'), `HTTP/1.1 200 OK\r\nContent-Length: ${bytes}\r\n\r\n`, String(bytes))
  }
  writer.begin(200)
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY]) {
    t.throws(() => writer.contentLength(bad), INVALID, String(bad))
  }
})

t.test('the Date line follows the clock', async (t) => {
  let nowMs = 784111777999
  const writer = new HeadWriter({ pool: new SlabPool(), date: new DateHeader(() => nowMs) })
  writer.begin(200)
  writer.date()
  t.equal(writer.end().toString('latin1'), `HTTP/1.1 200 OK\r\n${DATE_LINE}\r\n`)
  nowMs++
  writer.begin(200)
  writer.date()
  t.equal(
    writer.end().toString('latin1'),
    'HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:38 GMT\r\n\r\n',
  )
})

t.test('heads roll over to a new slab when the current one is full', async (t) => {
  const pool = new SlabPool(100)
  const writer = new HeadWriter({ pool, date: fixedDate(), headBytesHint: 40 })
  const heads: Buffer[] = []
  for (let i = 0; i < 10; i++) {
    writer.begin(200)
    writer.header('X-I', String(i))
    writer.line(TRANSFER_ENCODING_CHUNKED)
    heads.push(writer.end())
  }
  t.ok(pool.slabsAllocated >= 5, `${pool.slabsAllocated} slabs`)
  for (let i = 0; i < 10; i++) {
    const head = heads[i] as Buffer
    t.equal(
      head.toString('latin1'),
      `HTTP/1.1 200 OK\r\nX-I: ${i}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      `head ${i} intact after the pool moved on`,
    )
  }
})

t.test('a head that outgrows its slab is moved, whole, to a new one', async (t) => {
  const pool = new SlabPool(64)
  const writer = new HeadWriter({ pool, date: fixedDate(), headBytesHint: 32 })
  writer.begin(200)
  writer.end()
  const offsetBefore = pool.offset
  writer.begin(200)
  writer.header('X-A', 'a'.repeat(20))
  t.equal(pool.slabsAllocated, 1, 'still in the first slab')
  writer.header('X-B', 'b'.repeat(20)) // does not fit: the partial head moves
  t.equal(pool.slabsAllocated, 2)
  writer.contentLength(5)
  writer.date()
  const head = writer.end()
  t.equal(
    head.toString('latin1'),
    `HTTP/1.1 200 OK\r\nX-A: ${'a'.repeat(20)}\r\nX-B: ${'b'.repeat(20)}\r\nContent-Length: 5\r\n${DATE_LINE}\r\n`,
  )
  t.ok(offsetBefore > 0)
  t.equal(head.byteOffset - pool.slab.byteOffset, 0, 'starts at the front of the new slab')
})

t.test('a head larger than a whole slab', async (t) => {
  const pool = new SlabPool(256)
  const writer = new HeadWriter({ pool, date: fixedDate() })
  const value = 'x'.repeat(3000)
  writer.begin(200)
  writer.header('Set-Cookie', value)
  writer.header('Set-Cookie', value)
  const head = writer.end()
  t.equal(head.toString('latin1'), `HTTP/1.1 200 OK\r\nSet-Cookie: ${value}\r\nSet-Cookie: ${value}\r\n\r\n`)
  t.ok(pool.slab.length >= head.length, 'an oversized slab of its own')
  writer.begin(200)
  t.equal(writer.end().toString('latin1'), 'HTTP/1.1 200 OK\r\n\r\n', 'and the next head is fine')
})

t.test('every write checks for room, even the pre-encoded ones', async (t) => {
  // A hint of 1 byte: each append must grow the reservation itself.
  const pool = new SlabPool(16)
  const writer = new HeadWriter({ pool, date: fixedDate(), headBytesHint: 1 })
  writer.begin(200)
  writer.line(CONNECTION_KEEP_ALIVE)
  writer.contentLength(10)
  writer.date()
  t.equal(
    writer.end().toString('latin1'),
    `HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 10\r\n${DATE_LINE}\r\n`,
  )
})

t.test('begin abandons an unfinished head; end needs a begin', async (t) => {
  const pool = new SlabPool()
  const writer = new HeadWriter({ pool, date: fixedDate() })
  t.throws(() => writer.end(), /end\(\) without begin\(\)/)
  writer.begin(200)
  writer.header('X-Half', 'written')
  t.throws(() => writer.contentLength(-1), INVALID, 'an exception mid-head')
  writer.begin(500)
  const head = writer.end()
  t.equal(head.toString('latin1'), 'HTTP/1.1 500 Internal Server Error\r\n\r\n')
  t.equal(head.byteOffset - pool.slab.byteOffset, 0, 'the abandoned bytes were reused')
  t.throws(() => writer.end(), /end\(\) without begin\(\)/, 'one end per begin')
})

t.test('options', async (t) => {
  for (const bad of [0, -1, 1.5]) {
    t.throws(() => new HeadWriter({ headBytesHint: bad }), INVALID, String(bad))
  }
  const writer = new HeadWriter()
  t.equal(writer.pool.slabBytes, 65536, 'a pool of its own by default')
  t.not(new HeadWriter().pool, writer.pool)
  writer.begin(200)
  writer.date()
  const head = writer.end().toString('latin1')
  // The default clock is the shared DateHeader; compare with what it holds now.
  const now = sharedDateHeader.line().toString('latin1')
  t.ok(head === `HTTP/1.1 200 OK\r\n${now}\r\n` || head.startsWith('HTTP/1.1 200 OK\r\nDate: '), head)
})
