import t from 'tap'
import { lastEventIdOf } from '../../src/push/last-event-id.js'
import { MAX_EVENT_ID_LENGTH } from '../../src/push/push-message.js'

/**
 * A request as lastEventIdOf reads it. Header values are latin1-decoded, as the parser gives
 * them (src/parser/request-head.ts): a UTF-8 header arrives one character per byte.
 */
function request(headers: Record<string, string>, query = ''): { header(name: string): string | undefined; query: URLSearchParams } {
  return {
    header: (name) => headers[name.toLowerCase()],
    query: new URLSearchParams(query),
  }
}

function latin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

t.test('none: undefined', async (t) => {
  t.equal(lastEventIdOf(request({})), undefined)
  t.equal(lastEventIdOf(request({}, 'other=1')), undefined)
})

t.test('the Last-Event-ID header', async (t) => {
  t.equal(lastEventIdOf(request({ 'last-event-id': '42' })), '42')
  t.equal(lastEventIdOf(request({ 'last-event-id': 'abc-9:x' })), 'abc-9:x')
})

t.test('the lastEventId query parameter, percent-decoded as UTF-8', async (t) => {
  t.equal(lastEventIdOf(request({}, 'lastEventId=17')), '17')
  t.equal(lastEventIdOf(request({}, 'a=1&lastEventId=n%C3%A9&b=2')), 'n\u00e9')
  t.equal(lastEventIdOf(request({}, 'lastEventId=')), undefined, 'empty is none')
})

t.test('the header wins over the query; an empty header does not', async (t) => {
  t.equal(lastEventIdOf(request({ 'last-event-id': '9' }, 'lastEventId=3')), '9')
  t.equal(lastEventIdOf(request({ 'last-event-id': '' }, 'lastEventId=3')), '3')
})

t.test('a header sent as UTF-8 comes back as the id that was published', async (t) => {
  t.equal(lastEventIdOf(request({ 'last-event-id': latin1('caf\u00e9-\u{1f600}') })), 'caf\u00e9-\u{1f600}')
  t.equal(lastEventIdOf(request({ 'last-event-id': latin1('x\u00e9').slice(0, -1) })), 'x\ufffd', 'invalid UTF-8: U+FFFD, matching no id')
})

t.test('a value netserv could not have sent is no id', async (t) => {
  for (const bad of ['a%0Ab', 'a%0Db', 'a%00b', '%0D%0A']) {
    t.equal(lastEventIdOf(request({}, `lastEventId=${bad}`)), undefined, bad)
  }
  t.equal(lastEventIdOf(request({ 'last-event-id': 'a\0b' })), undefined)
  t.equal(lastEventIdOf(request({}, `lastEventId=${'x'.repeat(MAX_EVENT_ID_LENGTH)}`)), 'x'.repeat(MAX_EVENT_ID_LENGTH))
  t.equal(lastEventIdOf(request({}, `lastEventId=${'x'.repeat(MAX_EVENT_ID_LENGTH + 1)}`)), undefined)
  t.equal(lastEventIdOf(request({ 'last-event-id': 'x'.repeat(MAX_EVENT_ID_LENGTH + 1) })), undefined)
})
