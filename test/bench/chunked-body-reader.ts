import t from 'tap'
import { ChunkedBodyReader } from '../../src/bench/chunked-body-reader.js'

/** The data the pieces decode to, and the reader after. */
function read(pieces: readonly string[]): { data: string; reader: ChunkedBodyReader } {
  let data = ''
  const reader = new ChunkedBodyReader((bytes, start, end) => {
    data += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end)
  })
  for (const piece of pieces) {
    // Each piece inside a larger buffer, so that ranges are seen to be honoured.
    const buffer = Buffer.from(`<<${piece}>>`, 'latin1')
    reader.feed(buffer, 2, buffer.length - 2)
  }
  return { data, reader }
}

const BODY = '5\r\nhello\r\n1a;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\nA \r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nafter the end'
const DATA = 'helloabcdefghijklmnopqrstuvwxyz0123456789'

t.test('chunks whole, with an extension, a space before CRLF, a trailer; what follows the end is ignored', async (t) => {
  const { data, reader } = read([BODY])
  t.equal(data, DATA)
  t.ok(reader.ended)
  t.equal(reader.error, null)
})

t.test('the same at every split point and byte by byte', async (t) => {
  for (let split = 0; split <= BODY.length; split++) {
    const { data, reader } = read([BODY.slice(0, split), BODY.slice(split)])
    if (data !== DATA || !reader.ended) t.fail(`split at ${split}: ${JSON.stringify(data)}`)
  }
  const { data, reader } = read([...BODY])
  t.equal(data, DATA)
  t.ok(reader.ended)
})

t.test('bare LF line ends, upper-case hex; not ended before the last chunk', async (t) => {
  const { data, reader } = read(['F\nabcdefghijklmno\n', '1\nz\n'])
  t.equal(data, 'abcdefghijklmnoz')
  t.notOk(reader.ended)
  reader.feed(Buffer.from('0\n\n'), 0, 3)
  t.ok(reader.ended)
})

t.test('malformed: no size, a bad byte, too many digits, data past its size; then nothing more is read', async (t) => {
  t.equal(read(['\r\n']).reader.error, 'a chunk size line without a size')
  t.equal(read(['5x\r\n']).reader.error, 'a chunk size with byte 120')
  t.equal(read(['5\u00e9\r\n']).reader.error, 'a chunk size with byte 233')
  t.equal(read(['12345678901\r\n']).reader.error, 'a chunk size of more than 10 hex digits')
  const { data, reader } = read(['2\r\nabc\r\n', '3\r\nxyz\r\n'])
  t.equal(reader.error, 'chunk data longer than its size')
  t.equal(data, 'ab', 'nothing after the error')
})

t.test('an extension may hold hex digits without changing the size', async (t) => {
  const { data } = read(['3;ext=ff\r\nabc\r\n0\r\n\r\n'])
  t.equal(data, 'abc')
})
