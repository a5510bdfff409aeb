import t from 'tap'
import { isFieldValue, isToken } from '../../src/buffers/byte-classes.js'
import * as lines from '../../src/buffers/header-lines.js'

t.test('each pre-encoded line is byte-exact', async (t) => {
  const expected: Record<string, string> = {
    CONNECTION_KEEP_ALIVE: 'Connection: keep-alive\r\n',
    CONNECTION_CLOSE: 'Connection: close\r\n',
    TRANSFER_ENCODING_CHUNKED: 'Transfer-Encoding: chunked\r\n',
    CONTENT_TYPE_TEXT_PLAIN: 'Content-Type: text/plain; charset=utf-8\r\n',
    CONTENT_TYPE_TEXT_HTML: 'Content-Type: text/html; charset=utf-8\r\n',
    CONTENT_TYPE_JSON: 'Content-Type: application/json\r\n',
    CONTENT_TYPE_JAVASCRIPT: 'Content-Type: application/javascript; charset=utf-8\r\n',
    CONTENT_TYPE_EVENT_STREAM: 'Content-Type: text/event-stream\r\n',
    CACHE_CONTROL_NO_STORE: 'Cache-Control: no-store\r\n',
    X_CONTENT_TYPE_OPTIONS_NOSNIFF: 'X-Content-Type-Options: nosniff\r\n',
    CONTENT_LENGTH_PREFIX: 'Content-Length: ',
    CRLF: '\r\n',
  }
  t.same(Object.keys(lines).sort(), Object.keys(expected).sort(), 'no line untested')
  for (const [name, text] of Object.entries(expected)) {
    const buffer = (lines as Record<string, Buffer>)[name]
    t.equal(buffer?.toString('latin1'), text, name)
  }
})

t.test('every full line is a valid field line', async (t) => {
  for (const [name, buffer] of Object.entries(lines)) {
    if (name === 'CRLF' || name === 'CONTENT_LENGTH_PREFIX') continue
    const match = /^([^:]*): (.*)\r\n$/s.exec(buffer.toString('latin1'))
    t.ok(match !== null && isToken(match[1] as string) && isFieldValue(match[2] as string), name)
  }
})
