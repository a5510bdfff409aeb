import t from 'tap'
import { ErrorCode, NetservError } from '../../src/errors.js'
import type { Request } from '../../src/server/request.js'
import type { Response } from '../../src/server/response.js'
import { get, readBy, startServer } from '../fixtures/test-server.js'
import { delay, until } from '../fixtures/wire-client.js'

t.test('method, target, path, query, httpVersion, remoteAddress', async (t) => {
  const seen: Array<Record<string, unknown>> = []
  const { connect } = await startServer(t, {}, (request, response) => {
    const query = request.query
    seen.push({
      method: request.method,
      target: request.target,
      path: request.path,
      query: [...query],
      sameQuery: request.query === query,
      version: request.httpVersion,
      remote: request.remoteAddress,
    })
    response.end()
  })
  const client = await connect()
  client.write(get('/a/b%20c?x=1&y=%C3%A9&x=2'))
  client.write('DELETE /plain HTTP/1.1\r\nHost: t\r\n\r\n')
  client.write('OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n')
  client.write('GET /q?only HTTP/1.0\r\n\r\n')
  await client.responses(4)
  t.strictSame(seen, [
    { method: 'GET', target: '/a/b%20c?x=1&y=%C3%A9&x=2', path: '/a/b%20c', query: [['x', '1'], ['y', '\u00e9'], ['x', '2']], sameQuery: true, version: '1.1', remote: '127.0.0.1' },
    { method: 'DELETE', target: '/plain', path: '/plain', query: [], sameQuery: true, version: '1.1', remote: '127.0.0.1' },
    { method: 'OPTIONS', target: '*', path: '*', query: [], sameQuery: true, version: '1.1', remote: '127.0.0.1' },
    { method: 'GET', target: '/q?only', path: '/q', query: [['only', '']], sameQuery: true, version: '1.0', remote: '127.0.0.1' },
  ])
})

t.test('target is decoded once, lazily', async (t) => {
  let request: Request | null = null
  const { connect } = await startServer(t, {}, (req, response) => {
    request = req
    response.end()
  })
  const client = await connect()
  client.write(get('/lazy?a=1'))
  await client.response()
  const req = request as unknown as Request
  t.equal(req.target, '/lazy?a=1')
  t.equal(req.target, req.target, 'the same string every time')
  t.equal(req.query.get('a'), '1')
})

t.test('header(name) in any case, first of several; headers() in wire order as sent', async (t) => {
  let found: Array<string | undefined> = []
  let all: Array<[string, string]> = []
  const { connect } = await startServer(t, {}, (request, response) => {
    found = [request.header('x-dup'), request.header('X-DUP'), request.header('Content-Type'), request.header('missing'), request.header('x-empty')]
    all = [...request.headers()]
    response.end()
  })
  const client = await connect()
  client.write('GET / HTTP/1.1\r\nHost: t\r\nX-Dup: one\r\nx-dup: two\r\ncontent-TYPE:  text/plain \t\r\nX-Empty:\r\n\r\n')
  await client.response()
  t.strictSame(found, ['one', 'one', 'text/plain', undefined, ''])
  t.strictSame(all, [
    ['Host', 't'],
    ['X-Dup', 'one'],
    ['x-dup', 'two'],
    ['content-TYPE', 'text/plain'],
    ['X-Empty', ''],
  ])
})

t.test('body(): the whole body, however it is split; text() decodes UTF-8', async (t) => {
  const bodies: Array<string> = []
  const { connect, sockets } = await startServer(t, {}, async (request, response) => {
    t.equal(request.complete, false, 'the handler runs before the body is in')
    const text = await request.text()
    t.equal(request.complete, true)
    t.equal(request.error, null)
    bodies.push(text)
    response.end()
  })
  const client = await connect()
  const utf8 = Buffer.from('h\u00e9llo \u20ac', 'utf8')
  const head = `POST /cl HTTP/1.1\r\nHost: t\r\nContent-Length: ${utf8.length}\r\n\r\n`
  client.write(head)
  // Split in the middle of the euro sign: pieces are joined as bytes, then decoded.
  client.write(utf8.subarray(0, utf8.length - 1))
  await until(() => (sockets[0]?.bytesRead ?? 0) === head.length + utf8.length - 1)
  client.write(utf8.subarray(utf8.length - 1))
  await client.response()
  client.write('POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n')
  await delay(5)
  client.write('2\r\nde\r\n0\r\n\r\n')
  await client.response()
  t.strictSame(bodies, ['h\u00e9llo \u20ac', 'abcde'])
})

t.test('body() of a request without one is empty; a body in one piece is that piece', async (t) => {
  const bodies: Buffer[] = []
  const { connect } = await startServer(t, {}, async (request, response) => {
    bodies.push(await request.body())
    response.end()
  })
  const client = await connect()
  client.write(get('/none'))
  client.write('POST /one HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz')
  await client.responses(2)
  t.equal(bodies[0]?.length, 0)
  t.equal(bodies[1]?.toString(), 'xyz')
})

t.test('body() may be awaited twice and after completion', async (t) => {
  const { connect } = await startServer(t, {}, async (request, response) => {
    const [first, second] = await Promise.all([request.body(), request.body()])
    const third = await request.body()
    response.end(`${first.toString()}|${second.toString()}|${third.toString()}`)
  })
  const client = await connect()
  client.write('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n')
  await delay(5)
  client.write('ab')
  t.equal((await client.response()).body.toString(), 'ab|ab|ab')
})

t.test('onBody: what arrived so far at once, then each piece; resolves at the end', async (t) => {
  let held: { request: Request; response: Response } | null = null
  const { connect, socket } = await startServer(t, {}, (request, response) => {
    held = { request, response }
  })
  const client = await connect()
  const server = await socket()
  const head = 'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n'
  client.write(`${head}2\r\nab\r\n`)
  await readBy(server, head.length + 7)
  client.write('2\r\ncd\r\n')
  await readBy(server, head.length + 14)
  const { request, response } = held as unknown as { request: Request; response: Response }
  // Registered after two pieces arrived: they are handed over at once, in order.
  const pieces: string[] = []
  const ended = request.onBody((chunk) => pieces.push(chunk.toString()))
  t.strictSame(pieces, ['ab', 'cd'], 'the early pieces, at registration')
  client.write('2\r\nef\r\n')
  await readBy(server, head.length + 21)
  t.strictSame(pieces, ['ab', 'cd', 'ef'], 'then each piece as it comes')
  client.write('0\r\n\r\n')
  await ended
  t.equal(request.complete, true)
  response.end(pieces.join(','))
  t.equal((await client.response()).body.toString(), 'ab,cd,ef')
})

t.test('maxBodyBytes: a declared body too large is answered 413 before the handler runs', async (t) => {
  let called = 0
  const { connect } = await startServer(t, { maxBodyBytes: 10 }, (_request, response) => {
    called++
    response.end()
  })
  const client = await connect()
  client.write('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n')
  const response = await client.response()
  t.equal(response.status, 413)
  t.equal(response.header('connection'), 'close')
  t.equal(response.body.toString(), '413 Content Too Large: NETSERV_BODY_TOO_LARGE\n')
  await client.whenClosed
  t.equal(called, 0)
})

t.test('maxBodyBytes: a chunked body growing too large rejects body() and is answered 413', async (t) => {
  const failures: unknown[] = []
  const { connect } = await startServer(t, { maxBodyBytes: 10 }, async (request, response) => {
    try {
      await request.body()
      response.end('never')
    } catch (error) {
      failures.push(error)
      t.equal(response.finished, true, 'the engine answered in its place')
      t.equal(response.aborted, true)
    }
  })
  const client = await connect()
  client.write('POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n')
  await delay(10)
  client.write('8\r\n12345678\r\n')
  const response = await client.response()
  t.equal(response.status, 413)
  t.equal(response.body.toString(), '413 Content Too Large: NETSERV_BODY_TOO_LARGE\n')
  await client.whenClosed
  t.match(failures, [{ code: ErrorCode.BODY_TOO_LARGE, status: 413 }])
})

t.test('a reset mid-body rejects body() and onBody() with NETSERV_REQUEST_ABORTED', async (t) => {
  const outcomes: unknown[] = []
  let requests: Request[] = []
  const { connect, server } = await startServer(t, {}, (request, _response: Response) => {
    requests.push(request)
    const settle = request.path === '/whole' ? request.body() : request.onBody(() => {})
    settle.then(
      () => outcomes.push('resolved'),
      (error: unknown) => outcomes.push(error),
    )
  })
  for (const path of ['/whole', '/stream']) {
    const client = await connect()
    client.write(`POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc`)
    await until(() => requests.length === 1)
    client.socket.resetAndDestroy()
    await until(() => outcomes.length === 1)
    const [outcome] = outcomes
    t.ok(outcome instanceof NetservError)
    t.match(outcome, { code: ErrorCode.REQUEST_ABORTED, status: 0 })
    t.equal(requests[0]?.error, outcome, 'request.error tells why')
    t.rejects(requests[0]?.body() as Promise<Buffer>, { code: ErrorCode.REQUEST_ABORTED }, 'and later calls reject at once')
    outcomes.length = 0
    requests = []
  }
  await until(() => server.connectionCount === 0)
})

t.test('a FIN mid-body rejects body() with NETSERV_UNEXPECTED_EOF', async (t) => {
  let failure: unknown = null
  const { connect } = await startServer(t, {}, async (request, response) => {
    failure = await request.body().then(
      () => null,
      (error: unknown) => error,
    )
    response.end()
  })
  const client = await connect({ allowHalfOpen: true })
  client.write('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc')
  await delay(5)
  client.end()
  await until(() => failure !== null)
  t.match(failure, { code: ErrorCode.UNEXPECTED_EOF, status: 400 })
})

t.test('regression: path and query of an absolute-form target', async (t) => {
  const seen: Array<[string, string, string]> = []
  const { connect } = await startServer(t, {}, (request, response) => {
    seen.push([request.target, request.path, request.query.toString()])
    response.end()
  })
  const client = await connect()
  client.write('GET http://example.com/a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n')
  client.write('GET HTTPS://example.com:8443 HTTP/1.1\r\nHost: example.com\r\n\r\n')
  client.write('GET http://example.com?y=2 HTTP/1.1\r\nHost: example.com\r\n\r\n')
  client.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
  await client.responses(4)
  t.strictSame(seen, [
    ['http://example.com/a/b?x=1', '/a/b', 'x=1'],
    ['HTTPS://example.com:8443', '/', ''],
    ['http://example.com?y=2', '/', 'y=2'],
    ['example.com:443', 'example.com:443', ''],
  ])
})

t.test('path and query stop at a fragment', async (t) => {
  let query = ''
  let path = ''
  const { connect } = await startServer(t, {}, (request, response) => {
    query = request.query.toString()
    path = request.path
    response.end()
  })
  const client = await connect()
  client.write(get('/p?a=1#frag'))
  t.equal((await client.response()).status, 200)
  t.equal(query, 'a=1')
  t.equal(path, '/p')
})

t.test('regression: a handler that let its body() rejection through was reported as failing', async (t) => {
  const { connect, errors, server } = await startServer(t, { maxBodyBytes: 10 }, async (request, response) => {
    await request.body()
    response.end('whole')
  })
  // The engine answers a body too large itself; the handler's rethrow is no failure of its own.
  const large = await connect()
  large.write('POST /large HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n')
  await delay(5)
  large.write('b\r\n12345678901\r\n')
  t.equal((await large.response()).status, 413)
  await large.whenClosed
  // A client that resets mid-body: nothing to answer, nothing to report.
  const reset = await connect()
  reset.write('POST /reset HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab')
  await until(() => server.stats.requests === 2)
  reset.socket.resetAndDestroy()
  // A client that half-closes mid-body: the engine answers 400 naming the code.
  const cut = await connect({ allowHalfOpen: true })
  cut.write('POST /cut HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab')
  await until(() => server.stats.requests === 3)
  cut.end()
  const response = await cut.response()
  t.equal(response.status, 400)
  t.equal(response.header('connection'), 'close')
  t.equal(response.body.toString(), '400 Bad Request: NETSERV_UNEXPECTED_EOF\n')
  await cut.whenClosed
  await until(() => server.connectionCount === 0)
  t.strictSame(errors, [])
  t.equal(server.stats.handlerErrors, 0)
})
