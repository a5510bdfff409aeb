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

t.test('compact(): the spans become one string of their own, the offsets an exactly sized copy; every field reads the same', async (t) => {
  const text = 'GET /x?y HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\nX-Long-Name: a longer value\r\nEmpty:\r\n\r\n'
  const head = parseHead(text)
  const grown = head.spanOffsets
  const read = (h: RequestHead) => ({
    target: h.target,
    names: Array.from({ length: h.headerCount }, (_, i) => h.headerName(i)),
    values: Array.from({ length: h.headerCount }, (_, i) => h.headerValue(i)),
    spans: Array.from({ length: h.spanOffsets.length >> 1 }, (_, i) => h.spanBytes(i).toString('latin1')),
    accept: h.header('ACCEPT'),
    empty: h.header('empty'),
    missing: [h.header('Hosu'), h.header('X-Missing'), h.indexOfHeader('host', 1)],
  })
  const before = read(head)
  head.compact()
  t.not(head.spanOffsets, grown, 'a new offsets array')
  t.equal(head.spanOffsets.length, grown.length)
  t.strictSame(read(head), before, 'every field, name, value and span reads the same')
  t.equal(head.otherBuffers, null)
  t.equal(head.buffer.toString('latin1'), '/x?yHosthAccepttext/event-streamX-Long-Namea longer valueEmpty', 'the spans, back to back')
  t.equal(head.bufferOf(3).toString('latin1'), head.buffer.toString('latin1'), 'every span in the one copy')
  const compacted = head.spanOffsets
  head.compact()
  t.equal(head.spanOffsets, compacted, 'compacting again changes nothing')
  t.strictSame(read(head), before)
})

t.test('compact(): a head whose spans lie in several chunks gathers them all', async (t) => {
  let complete: RequestHead | null = null
  const parser = new RequestParser({ onRequestHead() {}, onRequestBody() {}, onRequestComplete: (head) => { complete = head } })
  const text = 'GET /split-target HTTP/1.1\r\nHost: h\r\nX-Split: across chunks\r\n\r\n'
  for (const piece of [text.slice(0, 9), text.slice(9, 50), text.slice(50)]) parser.execute(Buffer.from(piece, 'latin1'))
  const head = complete as RequestHead | null
  if (head === null) throw new Error('incomplete')
  t.not(head.otherBuffers, null, 'spans in more than one Buffer')
  head.compact()
  t.equal(head.target, '/split-target')
  t.equal(head.header('x-split'), 'across chunks')
  t.equal(head.header('host'), 'h')
})

t.test('the method, version digits and flags share one integer: each reads back what was set, the others untouched', async (t) => {
  const head = parseHead('POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
  const read = () => ({
    methodIndex: head.methodIndex,
    versionMajor: head.versionMajor,
    versionMinor: head.versionMinor,
    chunked: head.chunked,
    keepAlive: head.keepAlive,
    upgrade: head.upgrade,
    expectContinue: head.expectContinue,
  })
  t.strictSame(read(), { methodIndex: 2, versionMajor: 1, versionMinor: 1, chunked: true, keepAlive: true, upgrade: false, expectContinue: true })
  head.methodIndex = 34
  head.versionMajor = 9
  head.versionMinor = 9
  head.chunked = false
  head.keepAlive = false
  head.upgrade = true
  head.expectContinue = false
  t.strictSame(read(), { methodIndex: 34, versionMajor: 9, versionMinor: 9, chunked: false, keepAlive: false, upgrade: true, expectContinue: false })
  head.methodIndex = -1
  head.versionMajor = 0
  head.upgrade = false
  t.strictSame(read(), { methodIndex: -1, versionMajor: 0, versionMinor: 9, chunked: false, keepAlive: false, upgrade: false, expectContinue: false })
})
