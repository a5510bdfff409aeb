import t from 'tap'
import {
  DATE_LINE_BYTES,
  DATE_VALUE_BYTES,
  DATE_VALUE_OFFSET,
  DateHeader,
  encodeDateLine,
  sharedDateHeader,
} from '../../src/buffers/date-header.js'

/** ECMAScript specifies toUTCString as exactly IMF-fixdate for years 0-9999: an oracle. */
function oracle(epochSeconds: number): string {
  return `Date: ${new Date(epochSeconds * 1000).toUTCString()}\r\n`
}

t.test('sizes', async (t) => {
  t.equal(DATE_VALUE_BYTES, 'Sun, 06 Nov 1994 08:49:37 GMT'.length)
  t.equal(DATE_LINE_BYTES, 37)
  t.equal(DATE_VALUE_OFFSET, 'Date: '.length)
})

t.test('encodeDateLine writes IMF-fixdate', async (t) => {
  // RFC 9110 section 5.6.7's own example.
  t.equal(encodeDateLine(784111777).toString('latin1'), 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n')
  t.equal(encodeDateLine(0).toString('latin1'), 'Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n')
  t.equal(encodeDateLine(951782400).toString('latin1'), 'Date: Tue, 29 Feb 2000 00:00:00 GMT\r\n')
  t.equal(encodeDateLine(2147483648).toString('latin1'), 'Date: Tue, 19 Jan 2038 03:14:08 GMT\r\n')
  t.equal(encodeDateLine(-1).toString('latin1'), 'Date: Wed, 31 Dec 1969 23:59:59 GMT\r\n')
  t.equal(encodeDateLine(253402300799).toString('latin1'), 'Date: Fri, 31 Dec 9999 23:59:59 GMT\r\n')
  t.equal(
    encodeDateLine(253402300800).toString('latin1'),
    'Date: Sat, 01 Jan 0000 00:00:00 GMT\r\n',
    'year 10000 keeps the fixed width, low four digits',
  )
})

t.test('encodeDateLine agrees with the oracle on 20000 seconds', async (t) => {
  // A fixed linear congruential sequence: reproducible, spread over years 1970-9999.
  let seed = 12345
  let mismatches = 0
  for (let i = 0; i < 20000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    const epochSeconds = Math.floor((seed / 2147483648) * 253402300799)
    const line = encodeDateLine(epochSeconds)
    if (line.length !== DATE_LINE_BYTES || line.toString('latin1') !== oracle(epochSeconds)) {
      mismatches++
    }
  }
  t.equal(mismatches, 0)
})

t.test('one Buffer per second, on an injected clock', async (t) => {
  let nowMs = 784111777000
  const date = new DateHeader(() => nowMs)
  t.ok(Number.isNaN(date.epochSeconds), 'nothing encoded before the first call')
  const first = date.line()
  t.equal(date.epochSeconds, 784111777)
  t.equal(first.toString('latin1'), 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n')
  nowMs += 999
  t.equal(date.line(), first, 'same object until the second ends')
  nowMs += 1
  const second = date.line()
  t.not(second, first, 'a new object at the second boundary')
  t.equal(second.toString('latin1'), 'Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n')
  t.equal(first.toString('latin1'), 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n', 'never patched')
  nowMs -= 1
  const back = date.line()
  t.not(back, second, 'a clock stepped back is followed')
  t.equal(back.toString('latin1'), first.toString('latin1'))
  nowMs = 784111800000.75
  t.equal(date.line().toString('latin1'), 'Date: Sun, 06 Nov 1994 08:50:00 GMT\r\n', 'fractional ms')
})

t.test('the shared instance follows Date.now', async (t) => {
  const before = Math.floor(Date.now() / 1000)
  const line = sharedDateHeader.line().toString('latin1')
  const after = Math.floor(Date.now() / 1000)
  t.ok(line === oracle(before) || line === oracle(after), line)
  t.ok(sharedDateHeader.epochSeconds >= before && sharedDateHeader.epochSeconds <= after)
})

t.test('with reuseMs the clock is read once per period, and again once the period is over', async (t) => {
  let reads = 0
  let nowMs = 784111777000
  const date = new DateHeader(() => {
    reads++
    return nowMs
  }, 20)
  const first = date.line()
  nowMs += 5000
  t.equal(date.line(), first, 'within the period: the same line, even though the clock moved')
  t.equal(reads, 1, 'the clock was read once')
  await new Promise((resolve) => setTimeout(resolve, 60))
  const later = date.line()
  t.equal(reads, 2, 'after the period the clock is read again')
  t.not(later, first)
  t.match(later.toString('latin1'), /Date: .* 08:49:42 GMT\r\n/, 'and the line follows it')
})
