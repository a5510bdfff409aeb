import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import t from 'tap'
import { DateHeader } from '../../src/buffers/date-header.js'
import {
  ERROR_STATUSES,
  ErrorResponses,
  errorResponse,
  sharedErrorResponses,
} from '../../src/buffers/error-responses.js'
import { ErrorCode } from '../../src/errors.js'

/** What every argument error carries (tap matches these properties). */
const INVALID = { code: 'NETSERV_INVALID_ARGUMENT', status: 0 }

const DATE_37 = 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n'

function responses(): ErrorResponses {
  return new ErrorResponses(new DateHeader(() => 784111777000))
}

t.test('the statuses the parser answers with are prebuilt', async (t) => {
  t.same([...ERROR_STATUSES].sort(), [400, 413, 414, 431, 500, 501, 503, 505])
})

t.test('a coded error response, byte-exact, Connection: close', async (t) => {
  const body = '400 Bad Request: NETSERV_INVALID_HEADER_NAME\n'
  t.equal(
    responses().get(400, ErrorCode.INVALID_HEADER_NAME).buffer(false).toString('latin1'),
    `HTTP/1.1 400 Bad Request\r\n${DATE_37}Connection: close\r\nContent-Length: ${body.length}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\n' +
      body,
  )
})

t.test('the module comment example is exact', async (t) => {
  const text = responses().get(431, ErrorCode.HEADER_TOO_LARGE).buffer(false).toString('latin1')
  t.equal(
    text,
    `HTTP/1.1 431 Request Header Fields Too Large\r\n${DATE_37}Connection: close\r\nContent-Length: 62\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\n' +
      '431 Request Header Fields Too Large: NETSERV_HEADER_TOO_LARGE\n',
  )
})

t.test('bodies name the status and the code, for every pair', async (t) => {
  const cache = responses()
  let wrong = 0
  for (const status of ERROR_STATUSES) {
    const plain = cache.get(status).buffer(false).toString('latin1')
    if (!/\r\n\r\n\d{3} [A-Za-z ]+\n$/.test(plain)) wrong++
    for (const code of Object.values(ErrorCode)) {
      const text = cache.get(status, code).buffer(false).toString('latin1')
      if (!text.startsWith(`HTTP/1.1 ${status} `) || !text.endsWith(`: ${code}\n`)) wrong++
    }
  }
  t.equal(wrong, 0)
  t.match(cache.get(503).buffer(false).toString('latin1'), /\r\n\r\n503 Service Unavailable\n$/)
})

t.test('one object per (status, code), built once', async (t) => {
  const cache = responses()
  const a = cache.get(400, ErrorCode.INVALID_METHOD)
  t.equal(cache.get(400, ErrorCode.INVALID_METHOD), a)
  t.not(cache.get(400, ErrorCode.INVALID_TARGET), a)
  t.not(cache.get(400), a)
  t.equal(cache.get(400), cache.get(400))
  const late = cache.get(408)
  t.equal(cache.get(408), late, 'a status outside the prebuilt set is cached too')
  t.equal(errorResponse(413, ErrorCode.BODY_TOO_LARGE), sharedErrorResponses.get(413, ErrorCode.BODY_TOO_LARGE))
  t.equal(errorResponse(500), errorResponse(500))
})

t.test('a status without a registered phrase', async (t) => {
  const text = responses().get(499).buffer(false).toString('latin1')
  t.ok(text.startsWith('HTTP/1.1 499 \r\n'))
  t.ok(text.endsWith('\r\n\r\n499\n'))
})

t.test('only 4xx and 5xx', async (t) => {
  const cache = responses()
  for (const status of [200, 399, 600, 400.5, Number.NaN]) {
    t.throws(() => cache.get(status), INVALID, String(status))
  }
})

t.test('node:http reads a prebuilt error and sees the connection close', async (t) => {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(errorResponse(505, ErrorCode.VERSION_NOT_SUPPORTED).buffer(false)))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as net.AddressInfo
  const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false })
  const [incoming] = (await once(request, 'response')) as [http.IncomingMessage]
  let body = ''
  for await (const chunk of incoming) body += String(chunk)
  t.equal(incoming.statusCode, 505)
  t.equal(incoming.headers.connection, 'close')
  t.equal(body, '505 HTTP Version Not Supported: NETSERV_VERSION_NOT_SUPPORTED\n')
})
