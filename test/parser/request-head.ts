import t from 'tap'
import { RequestParser } from '../../src/parser/request-parser.js'
import type { RequestHead } from '../../src/parser/request-head.js'

/** Parses one complete request and returns its head, after the message completed. */
function parseHead(text: string): RequestHead {
  let complete: RequestHead | null = null
  const parser = new RequestParser({ onRequestHead() {}, onRequestBody() {}, onRequestComplete: (head) => { complete = head } })
  parser.execute(Buffer.from(text, 'latin1'))
  if (parser.error !== null) throw parser.error
  if (complete === null) throw new Error('incomplete')
  return complete
}

t.test('header() finds a field by name in any case, first one wins, misses decode nothing', async (t) => {
  const head = parseHead('GET /x HTTP/1.1\r\nHost: h\r\nX-Twice: 1\r\nx-twice: 2\r\nX-Other: 3\r\nExpect: 100-Continue\r\n\r\n')
  t.equal(head.method, 'GET')
  t.equal(head.target, '/x')
  t.equal(head.header('x-twice'), '1')
  t.equal(head.header('X-TWICE'), '1')
  t.equal(head.indexOfHeader('x-twice'), 1)
  t.equal(head.indexOfHeader('x-twice', 2), 2, 'search from an index finds the second')
  t.equal(head.header('x-ot\u0130er'), undefined, 'a non-ASCII name matches nothing')
  t.equal(head.header('X-Twicf'), undefined, 'same length, other name')
  t.equal(head.header('Missing'), undefined)
  t.equal(head.headerName(3), 'X-Other', 'names keep their case')
  t.equal(head.expectContinue, true, 'Expect: 100-continue in any case')
  t.equal(head.spanBytes(0).toString(), '/x')
})

t.test('Expect with another value is not 100-continue', async (t) => {
  t.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n').expectContinue, false)
})

t.test('trailers are kept after the headers', async (t) => {
  const head = parseHead('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nT-One: 1\r\nT-Two:  2 \r\n\r\n')
  t.equal(head.headerCount, 2)
  t.equal(head.trailerCount, 2)
  t.equal(head.trailerName(1), 'T-Two')
  t.equal(head.trailerValue(1), '2')
  t.equal(head.header('T-One'), undefined, 'header() does not look at trailers')
  t.equal(head.chunked, true)
  t.equal(head.contentLength, -1)
})

t.test('keep-alive and upgrade flags', async (t) => {
  t.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\n\r\n').keepAlive, true)
  t.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, CLOSE\r\n\r\n').keepAlive, false, 'close wins')
  t.equal(parseHead('GET / HTTP/1.0\r\n\r\n').keepAlive, false)
  t.equal(parseHead('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').keepAlive, true)
  t.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nConnection: closed, keep-alives\r\n\r\n').keepAlive, true, 'only whole tokens count')
})

t.test('compact(): the offsets become an exactly sized copy; every field reads the same', async (t) => {
  const head = parseHead('GET /x?y HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\nX-Long-Name: a longer value\r\n\r\n')
  const before = [...head.spanOffsets]
  const grown = head.spanOffsets
  head.compact()
  t.not(head.spanOffsets, grown, 'a new array')
  t.strictSame(head.spanOffsets, before, 'with the same offsets')
  t.equal(head.target, '/x?y')
  t.equal(head.header('accept'), 'text/event-stream')
  t.equal(head.headerName(2), 'X-Long-Name')
  t.equal(head.headerValue(2), 'a longer value')
})
