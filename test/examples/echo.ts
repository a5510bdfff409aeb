import t from 'tap'
import type { Test } from 'tap'
import { echoServer, type EchoReport, type EchoServerOptions } from '../../src/examples/echo.js'
import { TimerWheel } from '../../src/timers/timer-wheel.js'
import { RawClient, type RawResponse } from '../fixtures/wire-client.js'

/** A listening inspector on 127.0.0.1, closed when the test ends. */
async function listen(t: Test, options: EchoServerOptions = {}): Promise<number> {
  const server = echoServer(options)
  const { port } = await server.listen(0, '127.0.0.1')
  t.teardown(() => server.close({ deadlineMs: 100 }))
  return port
}

async function client(t: Test, port: number): Promise<RawClient> {
  const raw = await RawClient.connect(port)
  t.teardown(() => raw.destroy())
  return raw
}

function report(response: RawResponse): EchoReport {
  return JSON.parse(response.body.toString('utf8')) as EchoReport
}

t.test('GET: 200, JSON, headers in wire order with names as sent', async (t) => {
  const raw = await client(t, await listen(t))
  raw.write('GET /path/x?q=1&r=%20 HTTP/1.1\r\nHost: example.test\r\nX-Mixed-CASE:  spaced value \t\r\naccept: */*\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n')
  const response = await raw.response()
  t.equal(`${response.version} ${response.status} ${response.reason}`, 'HTTP/1.1 200 OK')
  t.equal(response.header('content-type'), 'application/json')
  t.equal(response.header('content-length'), String(response.body.length))
  t.equal(response.header('connection'), undefined, 'HTTP/1.1 keeps the connection without saying so')
  t.strictSame(report(response), {
    method: 'GET',
    target: '/path/x?q=1&r=%20',
    version: 'HTTP/1.1',
    headers: [
      ['Host', 'example.test'],
      ['X-Mixed-CASE', 'spaced value'],
      ['accept', '*/*'],
      ['X-Dup', '1'],
      ['X-Dup', '2'],
    ],
    trailers: [],
    body: '',
  })
})

t.test('POST with Content-Length: every byte value survives, base64', async (t) => {
  const raw = await client(t, await listen(t))
  const body = Buffer.alloc(256)
  for (let i = 0; i < 256; i++) body[i] = i
  raw.write(`POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`)
  // The body in a later write than the head: the handler must wait for it.
  await new Promise((resolve) => setTimeout(resolve, 20))
  raw.write(body)
  const response = await raw.response()
  t.equal(response.status, 200)
  const echoed = report(response)
  t.equal(echoed.method, 'POST')
  t.strictSame(echoed.headers, [['Host', 'h'], ['Content-Length', '256']])
  t.strictSame(Buffer.from(echoed.body, 'base64'), body)
})

t.test('chunked body with extensions and trailers: de-chunked, trailers listed apart', async (t) => {
  const raw = await client(t, await listen(t))
  raw.write(
    'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n' +
      '5;name=value\r\nhello\r\n' +
      '7\r\n, world\r\n' +
      '0\r\nX-Sum: 12\r\nX-Other:  o \r\n\r\n',
  )
  const response = await raw.response()
  t.equal(response.status, 200)
  const echoed = report(response)
  t.strictSame(echoed.headers, [['Host', 'h'], ['Transfer-Encoding', 'chunked'], ['Trailer', 'X-Sum']])
  t.strictSame(echoed.trailers, [['X-Sum', '12'], ['X-Other', 'o']])
  t.equal(Buffer.from(echoed.body, 'base64').toString(), 'hello, world')
})

t.test('pipelined requests in one write are answered in order', async (t) => {
  const raw = await client(t, await listen(t))
  raw.write(
    'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n' +
      'POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc' +
      'PUT /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n' +
      'DELETE /4 HTTP/1.1\r\nHost: h\r\n\r\n',
  )
  const seen: Array<[string, string, string]> = []
  for (let i = 0; i < 4; i++) {
    const echoed = report(await raw.response())
    seen.push([echoed.method, echoed.target, Buffer.from(echoed.body, 'base64').toString()])
  }
  t.strictSame(seen, [
    ['GET', '/1', ''],
    ['POST', '/2', 'abc'],
    ['PUT', '/3', 'de'],
    ['DELETE', '/4', ''],
  ])
  t.equal(raw.buffered.length, 0, 'nothing but the four responses')
})

t.test('keep-alive: one connection serves request after request', async (t) => {
  const raw = await client(t, await listen(t))
  for (let i = 0; i < 3; i++) {
    raw.write(`GET /again/${i} HTTP/1.1\r\nHost: h\r\n\r\n`)
    const response = await raw.response()
    t.equal(report(response).target, `/again/${i}`)
  }
  // HEAD: the head of the same answer, without its body; the connection goes on.
  raw.write('HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n')
  const head = await raw.response({ head: true })
  t.equal(head.status, 200)
  t.ok(Number(head.header('content-length')) > 0, 'Content-Length of the JSON it would send')
  raw.write('GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')
  const last = await raw.response()
  t.equal(report(last).target, '/last', 'no stray body bytes after the HEAD answer')
  t.equal(last.header('connection'), 'close')
  await raw.whenClosed
})

t.test('HTTP/1.0: no Host needed, closed after unless keep-alive is asked for', async (t) => {
  const port = await listen(t)
  const once = await client(t, port)
  once.write('GET /old HTTP/1.0\r\nUser-Agent: x\r\n\r\n')
  const response = await once.response()
  t.equal(response.status, 200)
  t.equal(response.header('connection'), 'close')
  t.strictSame(report(response), { method: 'GET', target: '/old', version: 'HTTP/1.0', headers: [['User-Agent', 'x']], trailers: [], body: '' })
  await once.whenClosed

  const kept = await client(t, port)
  kept.write('GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  const first = await kept.response()
  t.equal(first.header('connection'), 'keep-alive')
  kept.write('POST /b HTTP/1.0\r\nContent-Length: 2\r\n\r\nok')
  const second = await kept.response()
  t.equal(Buffer.from(report(second).body, 'base64').toString(), 'ok')
  t.equal(second.header('connection'), 'close', 'the second did not ask to stay open')
  await kept.whenClosed
})

/** Sends `request`, expects the error answer naming `code`, then the close. */
async function expectRefusal(t: Test, port: number, request: string, status: number, code: string): Promise<void> {
  const raw = await client(t, port)
  raw.write(request)
  const response = await raw.response()
  t.equal(response.status, status, `${code}: status`)
  t.equal(response.header('connection'), 'close', `${code}: Connection: close`)
  t.match(response.header('content-type'), /^text\/plain/)
  t.equal(response.body.toString(), `${response.status} ${response.reason}: ${code}\n`, `${code}: body names it`)
  t.equal((await raw.closedWith()).length, 0, `${code}: nothing after the error response`)
}

t.test('invalid requests: error status, body naming the code, Connection: close, then close', async (t) => {
  const port = await listen(t)
  await expectRefusal(t, port, 'GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n', 400, 'NETSERV_INVALID_HEADER_NAME')
  await expectRefusal(t, port, 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n', 400, 'NETSERV_OBS_FOLD')
  await expectRefusal(
    t,
    port,
    'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
    'NETSERV_CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
  )
})

t.test('an invalid request after valid ones: those are answered first, in order', async (t) => {
  const raw = await client(t, await listen(t))
  raw.write('GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGET /bad HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n')
  t.equal(report(await raw.response()).target, '/ok')
  const refused = await raw.response()
  t.equal(refused.status, 400)
  t.match(refused.body.toString(), /NETSERV_/)
  t.equal((await raw.closedWith()).length, 0, '/never was not answered')
})

t.test('Connection: close on a later pipelined request: every request before it is answered', async (t) => {
  const raw = await client(t, await listen(t))
  raw.write('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n')
  const first = await raw.response()
  t.equal(report(first).target, '/1')
  t.equal(first.header('connection'), undefined, 'not the last response')
  const second = await raw.response()
  t.equal(report(second).target, '/2')
  t.equal(second.header('connection'), 'close')
  t.equal((await raw.closedWith()).length, 0, '/3 came after the close: not answered')
})

t.test('a body that turns out malformed: the engine answers, the handler adds nothing', async (t) => {
  const raw = await client(t, await listen(t))
  raw.write('POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n')
  // The handler is now waiting for the rest of the body.
  await new Promise((resolve) => setTimeout(resolve, 20))
  raw.write('zz\r\n')
  const response = await raw.response()
  t.equal(response.status, 400)
  t.equal(response.body.toString(), '400 Bad Request: NETSERV_INVALID_CHUNK\n')
  t.equal((await raw.closedWith()).length, 0, 'one response only')
})

t.test('a body cut short by the client FIN: 400 NETSERV_UNEXPECTED_EOF, then close', async (t) => {
  const raw = await client(t, await listen(t))
  raw.write('POST /short HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc')
  await new Promise((resolve) => setTimeout(resolve, 20))
  raw.end()
  const response = await raw.response()
  t.equal(response.status, 400)
  t.equal(response.header('connection'), 'close')
  t.equal(response.body.toString(), '400 Bad Request: NETSERV_UNEXPECTED_EOF\n')
  await raw.whenClosed
})

t.test('a client that vanishes mid-body gets nothing written after it', async (t) => {
  const errors: unknown[] = []
  const server = echoServer({ onError: (error) => errors.push(error) })
  const { port } = await server.listen(0, '127.0.0.1')
  const raw = await RawClient.connect(port)
  raw.write('POST /gone HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc')
  await new Promise((resolve) => setTimeout(resolve, 20))
  raw.destroy()
  await server.close({ deadlineMs: 1000 })
  t.strictSame(errors, [], 'the handler did not fail')
  t.equal(server.stats.handlerErrors, 0)
})

t.test('a body that stops arriving: the body timeout closes it, nothing written on a dead socket', async (t) => {
  const wheel = new TimerWheel({ tickMs: 5 })
  const errors: unknown[] = []
  const server = echoServer({ bodyTimeoutMs: 30, wheel, onError: (error) => errors.push(error) })
  const { port } = await server.listen(0, '127.0.0.1')
  t.teardown(() => server.close({ deadlineMs: 100 }))
  const raw = await client(t, port)
  raw.write('POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc')
  t.equal((await raw.closedWith()).length, 0, 'the connection was cut, not answered')
  t.strictSame(errors, [])
})

t.test('Host: required by default, accepted with allowMissingHost', async (t) => {
  const strict = await listen(t)
  await expectRefusal(t, strict, 'GET / HTTP/1.1\r\n\r\n', 400, 'NETSERV_MISSING_HOST')

  const lax = await client(t, await listen(t, { allowMissingHost: true }))
  lax.write('GET /no-host HTTP/1.1\r\nAccept: */*\r\n\r\n')
  const response = await lax.response()
  t.equal(response.status, 200)
  t.strictSame(report(response).headers, [['Accept', '*/*']])
  // Still refused: more than one Host, whatever the switch says.
  lax.write('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')
  const duplicate = await lax.response()
  t.equal(duplicate.status, 400)
  t.equal(duplicate.body.toString(), '400 Bad Request: NETSERV_DUPLICATE_HOST\n')
  await lax.whenClosed
})

t.test('allowMissingHost: false is the default behaviour', async (t) => {
  await expectRefusal(t, await listen(t, { allowMissingHost: false }), 'GET / HTTP/1.1\r\n\r\n', 400, 'NETSERV_MISSING_HOST')
})
