import t from 'tap'
import {
  isValidStatus,
  REASON_PHRASES,
  reasonPhrase,
  STATUS_LINE_PREFIX,
  statusLine,
} from '../../src/buffers/status-lines.js'

t.test('every registered status has its pre-encoded line', async (t) => {
  t.equal(REASON_PHRASES.size, 51)
  for (const [status, phrase] of REASON_PHRASES) {
    const line = statusLine(status)
    if (line?.toString('latin1') !== `HTTP/1.1 ${status} ${phrase}\r\n`) t.fail(String(status))
    if (statusLine(status) !== line) t.fail(`${status} is not shared`)
  }
  t.equal(STATUS_LINE_PREFIX, 'HTTP/1.1 ')
})

t.test('phrases are RFC 9110 (not the older RFC 7231 ones)', async (t) => {
  t.equal(statusLine(200)?.toString('latin1'), 'HTTP/1.1 200 OK\r\n')
  t.equal(reasonPhrase(413), 'Content Too Large')
  t.equal(reasonPhrase(414), 'URI Too Long')
  t.equal(reasonPhrase(416), 'Range Not Satisfiable')
  t.equal(reasonPhrase(422), 'Unprocessable Content')
  t.equal(reasonPhrase(431), 'Request Header Fields Too Large')
  t.equal(reasonPhrase(505), 'HTTP Version Not Supported')
})

t.test('unregistered statuses have no line and no phrase', async (t) => {
  for (const status of [102, 306, 418, 599, 999, 0, 99, 1000, 200.5, -200, Number.NaN]) {
    t.equal(statusLine(status), undefined, String(status))
  }
  t.equal(reasonPhrase(306), '')
  t.equal(reasonPhrase(599), '')
})

t.test('isValidStatus accepts three-digit integers only', async (t) => {
  for (const status of [100, 200, 599, 999]) t.equal(isValidStatus(status), true, String(status))
  for (const status of [99, 1000, 0, -1, 200.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.equal(isValidStatus(status), false, String(status))
  }
})
