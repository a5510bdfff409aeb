/**
 * The parser probed from outside: hostile requests (smuggling attempts, limits, bytes a strict
 * parser must refuse) sent to the echo inspector over a real socket. Each must get exactly one
 * answer, the right error status with its code, `Connection: close`, and then the close:
 * whatever followed the bad bytes is never read as a request.
 */
import t from 'tap'
import type { Test } from 'tap'
import { echoServer } from '../../src/examples/echo.js'
import { RawClient } from '../fixtures/wire-client.js'

interface HostileCase {
  name: string
  request: string
  status: number
  code: string
}

/** Appended to every case: a request that must never be answered (it would prove a desync). */
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n'

const CASES: HostileCase[] = [
  {
    name: 'CL.TE: Content-Length beside Transfer-Encoding',
    request: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    status: 400,
    code: 'NETSERV_CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
  },
  {
    name: 'TE.TE: a second Transfer-Encoding that does not end in chunked',
    request: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n',
    status: 400,
    code: 'NETSERV_INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'whitespace before the colon of Transfer-Encoding',
    request: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
    status: 400,
    code: 'NETSERV_INVALID_HEADER_NAME',
  },
  {
    name: 'two Content-Length values that differ',
    request: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    status: 400,
    code: 'NETSERV_INVALID_CONTENT_LENGTH',
  },
  {
    name: 'a signed Content-Length',
    request: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc',
    status: 400,
    code: 'NETSERV_INVALID_CONTENT_LENGTH',
  },
  {
    name: 'obs-fold in Host',
    request: 'GET / HTTP/1.1\r\nHost: a\r\n\tb\r\n\r\n',
    status: 400,
    code: 'NETSERV_OBS_FOLD',
  },
  {
    name: 'a bare CR inside the head',
    request: 'GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n',
    status: 400,
    code: 'NETSERV_INVALID_LINE_ENDING',
  },
  {
    name: 'a NUL in a header value',
    request: 'GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n',
    status: 400,
    code: 'NETSERV_INVALID_HEADER_VALUE',
  },
  {
    name: 'a chunk size that overflows',
    request: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n',
    status: 400,
    code: 'NETSERV_INVALID_CHUNK',
  },
  {
    name: 'chunk data longer than its size',
    request: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n',
    status: 400,
    code: 'NETSERV_INVALID_CHUNK',
  },
  {
    name: 'two Host fields',
    request: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
    status: 400,
    code: 'NETSERV_DUPLICATE_HOST',
  },
  {
    name: 'a control byte in the target',
    request: 'GET /a\x7fb HTTP/1.1\r\nHost: h\r\n\r\n',
    status: 400,
    code: 'NETSERV_INVALID_TARGET',
  },
  {
    name: 'a method that is not a token',
    request: 'G@T / HTTP/1.1\r\nHost: h\r\n\r\n',
    status: 400,
    code: 'NETSERV_INVALID_METHOD',
  },
  {
    name: 'an unknown method',
    request: 'FROB / HTTP/1.1\r\nHost: h\r\n\r\n',
    status: 501,
    code: 'NETSERV_METHOD_NOT_IMPLEMENTED',
  },
  {
    name: 'HTTP/2.0 on the request line',
    request: 'GET / HTTP/2.0\r\nHost: h\r\n\r\n',
    status: 505,
    code: 'NETSERV_VERSION_NOT_SUPPORTED',
  },
  {
    name: 'a request line over the limit',
    request: `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: h\r\n\r\n`,
    status: 414,
    code: 'NETSERV_REQUEST_LINE_TOO_LONG',
  },
  {
    name: 'a header section over the limit',
    request: `GET / HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(17_000)}\r\n\r\n`,
    status: 431,
    code: 'NETSERV_HEADER_TOO_LARGE',
  },
  {
    name: 'too many header fields',
    request: `GET / HTTP/1.1\r\nHost: h\r\n${'X: y\r\n'.repeat(100)}\r\n`,
    status: 431,
    code: 'NETSERV_TOO_MANY_HEADERS',
  },
  {
    name: 'a declared body over the limit',
    request: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\n',
    status: 413,
    code: 'NETSERV_BODY_TOO_LARGE',
  },
]

/** The reason phrase the engine writes for each status the cases expect. */
const TITLES: Record<number, string> = {
  400: '400 Bad Request',
  413: '413 Content Too Large',
  414: '414 URI Too Long',
  431: '431 Request Header Fields Too Large',
  501: '501 Not Implemented',
  505: '505 HTTP Version Not Supported',
}

/**
 * Sends `bytes` in the given pieces (a pause between them, so each is its own read on the
 * server) and checks the single refusal and the close.
 */
async function probe(t: Test, port: number, pieces: Buffer[], status: number, code: string): Promise<void> {
  const raw = await RawClient.connect(port)
  t.teardown(() => raw.destroy())
  for (const piece of pieces) {
    raw.write(piece)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const response = await raw.response()
  t.equal(response.status, status, 'status')
  t.equal(response.header('connection'), 'close', 'Connection: close')
  t.equal(response.body.toString(), `${TITLES[status]}: ${code}\n`, 'the body names the code')
  t.equal((await raw.closedWith()).length, 0, 'one answer only: the bytes after the bad ones were never a request')
}

t.test('each hostile request: its status and code, then the close', async (t) => {
  const server = echoServer()
  const { port } = await server.listen(0, '127.0.0.1')
  t.teardown(() => server.close({ deadlineMs: 100 }))
  for (const hostile of CASES) {
    const bytes = Buffer.from(hostile.request + SMUGGLED, 'latin1')
    await t.test(hostile.name, async (t) => {
      await probe(t, port, [bytes], hostile.status, hostile.code)
      // Split in the middle of the request: the parser carries its state across reads.
      const middle = hostile.request.length >> 1
      await probe(t, port, [bytes.subarray(0, middle), bytes.subarray(middle)], hostile.status, hostile.code)
    })
  }
})

t.test('a chunked body that outgrows maxBodyBytes while the handler waits: 413, then close', async (t) => {
  const server = echoServer({ maxBodyBytes: 16 })
  const { port } = await server.listen(0, '127.0.0.1')
  t.teardown(() => server.close({ deadlineMs: 100 }))
  const head = Buffer.from('POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n', 'latin1')
  const more = Buffer.from(`1\r\nx\r\n0\r\n\r\n${SMUGGLED}`, 'latin1')
  await probe(t, port, [head, more], 413, 'NETSERV_BODY_TOO_LARGE')
})
