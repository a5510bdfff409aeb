import type { Socket } from 'node:net'
import t from 'tap'
import { DateHeader } from '../../src/buffers/date-header.js'
import { StaticResponse } from '../../src/buffers/static-response.js'
import { ErrorCode, NetservError } from '../../src/errors.js'
import type { Response } from '../../src/server/response.js'
import { get, startServer } from '../fixtures/test-server.js'
import { delay, until, type RawResponse } from '../fixtures/wire-client.js'

/** RFC 9110 section 5.6.7 IMF-fixdate. */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

/** The head without its Date line, which changes every second. */
function headWithoutDate(response: RawResponse): string {
  return response.head.replace(/\r\nDate: [^\r]*/, '')
}

t.test('end(body): status line, Date, Content-Length, the body; keep-alive by default on 1.1', async (t) => {
  const { connect } = await startServer(t, {}, (_request, response) => {
    response.status = 201
    response.setHeader('Content-Type', 'text/plain; charset=utf-8')
    response.end('h\u00e9llo')
  })
  const client = await connect()
  client.write(get('/'))
  const response = await client.response()
  t.equal(headWithoutDate(response), 'HTTP/1.1 201 Created\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\r\n')
  t.equal(response.body.toString(), 'h\u00e9llo')
  const date = response.header('date') as string
  t.match(date, IMF_FIXDATE)
  t.ok(Math.abs(Date.parse(date) - Date.now()) < 2000, 'the current time')
  // Still open: a second request is answered on the same connection.
  client.write(get('/again'))
  t.equal((await client.response()).status, 201)
})

t.test('end() without a body: Content-Length: 0; a Uint8Array body is sent as is', async (t) => {
  const { connect } = await startServer(t, {}, (request, response) => {
    if (request.path === '/empty') response.end()
    else response.end(new Uint8Array([0, 1, 255]))
  })
  const client = await connect()
  client.write(get('/empty') + get('/bytes'))
  const [empty, bytes] = await client.responses(2)
  t.equal(empty?.header('content-length'), '0')
  t.equal(empty?.body.length, 0)
  t.strictSame([...(bytes as RawResponse).body], [0, 1, 255])
})

t.test('write() then end(): chunked on HTTP/1.1, byte-exact framing', async (t) => {
  const { connect } = await startServer(t, {}, (_request, response) => {
    t.equal(response.write('hello'), true)
    response.write(Buffer.alloc(0))
    response.write(Buffer.from(' world, and more: '))
    response.write('x'.repeat(300))
    response.end('!')
  })
  const client = await connect()
  client.write(get('/'))
  const response = await client.response()
  t.equal(headWithoutDate(response), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
  t.equal(response.rawBody.toString('latin1'), `5\r\nhello\r\n12\r\n world, and more: \r\n12c\r\n${'x'.repeat(300)}\r\n1\r\n!\r\n0\r\n\r\n`)
})

t.test('write() then end() with nothing more: the last chunk alone', async (t) => {
  const { connect } = await startServer(t, {}, (_request, response) => {
    response.write('a')
    setTimeout(() => response.end(), 5)
  })
  const client = await connect()
  client.write(get('/'))
  t.equal((await client.response()).rawBody.toString(), '1\r\na\r\n0\r\n\r\n')
})

t.test('HTTP/1.0: close-delimited when streaming; Content-Length when the body is known', async (t) => {
  const { connect } = await startServer(t, {}, (request, response) => {
    if (request.path === '/stream') {
      response.write('one,')
      response.end('two')
    } else {
      response.end('known')
    }
  })
  const streaming = await connect()
  streaming.write('GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  await streaming.whenClosed
  const [response] = [await streaming.response()]
  t.equal(headWithoutDate(response as RawResponse), 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', 'no chunks for 1.0, even when keep-alive was asked')
  t.equal(response?.body.toString(), 'one,two')

  const known = await connect()
  known.write('GET /known HTTP/1.0\r\n\r\n')
  const plain = await known.response()
  t.equal(headWithoutDate(plain), 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n', '1.0 without keep-alive: close')
  await known.whenClosed
})

t.test('HTTP/1.0 with Connection: keep-alive gets keep-alive and the connection stays', async (t) => {
  const { connect } = await startServer(t, {}, (_request, response) => response.end('k'))
  const client = await connect()
  client.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  const first = await client.response()
  t.equal(headWithoutDate(first), 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n')
  client.write('GET / HTTP/1.0\r\n\r\n')
  t.equal((await client.response()).header('connection'), 'close')
  await client.whenClosed
})

t.test('HTTP/1.1 with Connection: close: answered with Connection: close, then closed', async (t) => {
  const { connect } = await startServer(t, {}, (_request, response) => response.end('c'))
  const client = await connect()
  client.write(get('/', 'Connection: close\r\n'))
  const response = await client.response()
  t.equal(response.header('connection'), 'close')
  t.equal(response.body.toString(), 'c')
  await client.whenClosed
  t.equal(client.buffered.length, 0)
})

t.test('HEAD: the head a GET would get, with its Content-Length, and no body', async (t) => {
  const { connect } = await startServer(t, {}, (request, response) => {
    if (request.path === '/stream') {
      response.write('ignored')
      response.end('also ignored')
    } else {
      response.end('twelve bytes')
    }
  })
  const client = await connect()
  client.write('HEAD /known HTTP/1.1\r\nHost: t\r\n\r\n')
  const head = await client.response({ head: true })
  t.equal(headWithoutDate(head), 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n')
  client.write('HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n')
  const streamed = await client.response({ head: true })
  t.equal(headWithoutDate(streamed), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
  // Nothing of either body came: the next response starts right after.
  client.write(get('/known'))
  const next = await client.response()
  t.equal(next.body.toString(), 'twelve bytes')
  t.equal(client.buffered.length, 0)
})

t.test('204 and 304: no body and no Content-Length, whatever is written', async (t) => {
  const { connect } = await startServer(t, {}, (request, response) => {
    response.status = request.path === '/204' ? 204 : 304
    if (request.path === '/304-stream') {
      response.write('dropped')
      response.end()
    } else {
      response.end('dropped')
    }
  })
  const client = await connect()
  client.write(get('/204') + get('/304') + get('/304-stream') + get('/204'))
  const responses = await client.responses(4)
  t.strictSame(
    responses.map((response) => headWithoutDate(response)),
    ['HTTP/1.1 204 No Content\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n'],
  )
  await delay(10)
  t.equal(client.buffered.length, 0, 'not a byte of body')
})

t.test('setHeader, appendHeader, getHeader, removeHeader, writeHead', async (t) => {
  const { connect } = await startServer(t, {}, (_request, response) => {
    t.equal(response.getHeader('x-a'), undefined, 'nothing set yet')
    t.equal(response.setHeader('X-A', 'first'), response, 'chains')
    response.setHeader('x-a', 'replaced')
    t.equal(response.getHeader('X-a'), 'replaced')
    response.appendHeader('Set-Cookie', 'a=1').appendHeader('Set-Cookie', 'b=2')
    response.setHeader('X-Number', 42)
    response.setHeader('X-Gone', 'soon')
    t.equal(response.removeHeader('x-gone'), response)
    response.removeHeader('x-never-set')
    t.equal(response.getHeader('x-gone'), undefined)
    response.setHeader('X-Obs-Text', 'caf\u00e9\ttab')
    t.equal(response.writeHead(202, { 'X-From-Write-Head': 'yes', 'X-Count': 3 }), response)
    response.writeHead(203)
    t.equal(response.status, 203)
    response.end()
  })
  const client = await connect()
  client.write(get('/'))
  const response = await client.response()
  t.equal(
    headWithoutDate(response),
    'HTTP/1.1 203 Non-Authoritative Information\r\nx-a: replaced\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Number: 42\r\n' +
      'X-Obs-Text: caf\u00e9\ttab\r\nX-From-Write-Head: yes\r\nX-Count: 3\r\nContent-Length: 0\r\n\r\n',
  )
})

t.test('setHeader refuses CR, LF, NUL, units above 0xff, bad names and framing names', async (t) => {
  const thrown: Array<[string, unknown]> = []
  const { connect } = await startServer(t, {}, (_request, response) => {
    const attempts: Array<[string, string | number]> = [
      ['X-Split', 'a\r\nInjected: yes'],
      ['X-Cr', 'a\rb'],
      ['X-Lf', 'a\nb'],
      ['X-Nul', 'a\u0000b'],
      ['X-Ctl', 'a\u007fb'],
      ['X-Wide', '\u010d\u010aInjected: yes'],
      ['X-Emoji', '\u{1f600}'],
      ['Bad Name', 'v'],
      ['Bad:Name', 'v'],
      ['', 'v'],
      ['X-\u0100', 'v'],
      ['Connection', 'keep-alive'],
      ['transfer-encoding', 'chunked'],
      ['DATE', 'Mon, 01 Jan 2024 00:00:00 GMT'],
      ['Content-Length', '-1'],
      ['Content-Length', '1e3'],
      ['Content-Length', ''],
      ['Content-Length', '99999999999999999999'],
      ['Content-Length', 1.5],
    ]
    for (const [name, value] of attempts) {
      try {
        response.setHeader(name, value)
        thrown.push([name, null])
      } catch (error) {
        thrown.push([name, error])
      }
    }
    try {
      response.appendHeader('X-Append', 'a\r\nb')
    } catch (error) {
      thrown.push(['append', error])
    }
    response.end('fine')
  })
  const client = await connect()
  client.write(get('/'))
  const response = await client.response()
  t.equal(headWithoutDate(response), 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n', 'nothing of it was sent')
  t.equal(thrown.length, 20)
  for (const [name, error] of thrown) {
    t.ok(error instanceof NetservError, `${JSON.stringify(name)} refused`)
    t.match(error, { code: ErrorCode.INVALID_RESPONSE_HEADER, status: 0 })
  }
})

t.test('headers cannot change once the head is out: NETSERV_HEADERS_SENT', async (t) => {
  const outcomes: unknown[] = []
  const { connect } = await startServer(t, {}, (_request, response) => {
    t.equal(response.headersSent, false)
    response.write('a')
    t.equal(response.headersSent, true)
    for (const attempt of [
      () => response.setHeader('X-A', '1'),
      () => response.appendHeader('X-A', '1'),
      () => response.removeHeader('X-A'),
      () => response.writeHead(500),
      () => response.send(new StaticResponse({ status: 200 })),
    ]) {
      try {
        attempt()
        outcomes.push(null)
      } catch (error) {
        outcomes.push(error)
      }
    }
    response.end()
  })
  const client = await connect()
  client.write(get('/'))
  t.equal((await client.response()).status, 200)
  t.match(outcomes, Array(5).fill({ code: ErrorCode.HEADERS_SENT }))
})

t.test('write or end after end: NETSERV_WRITE_AFTER_END; finished and onClose(false)', async (t) => {
  const outcomes: unknown[] = []
  const closes: boolean[] = []
  const { connect } = await startServer(t, {}, (_request, response) => {
    response.onClose((aborted) => closes.push(aborted))
    t.equal(response.finished, false)
    response.end('done')
    t.equal(response.finished, true)
    t.equal(response.aborted, false)
    t.strictSame(closes, [false], 'called once the response is over')
    response.onClose((aborted) => closes.push(aborted))
    t.strictSame(closes, [false, false], 'a listener added later is called at once')
    for (const attempt of [() => response.write('more'), () => response.end(), () => response.end('more')]) {
      try {
        attempt()
        outcomes.push(null)
      } catch (error) {
        outcomes.push(error)
      }
    }
  })
  const client = await connect()
  client.write(get('/'))
  t.equal((await client.response()).body.toString(), 'done')
  t.match(outcomes, Array(3).fill({ code: ErrorCode.WRITE_AFTER_END }))
})

t.test('send(StaticResponse): the prebuilt bytes; HEAD gets its head; 1.1 close gets the close variant', async (t) => {
  const date = new DateHeader(() => 784111777000)
  const hello = new StaticResponse({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'hello world\n', date })
  const { connect } = await startServer(t, {}, (request, response) => {
    response.setHeader('X-Ignored', 'yes')
    response.send(hello)
    t.equal(response.status, 200)
    t.equal(response.finished, true)
    t.equal(request.method === 'HEAD' || response.headersSent, true)
  })
  const client = await connect()
  client.write(get('/') + 'HEAD / HTTP/1.1\r\nHost: t\r\n\r\n' + get('/', 'Connection: close\r\n'))
  const [full, head, last] = [await client.response(), await client.response({ head: true }), await client.response()]
  t.equal(full.head + full.body.toString(), hello.buffer(true).toString('latin1'))
  t.equal(head.head, hello.head(true).toString('latin1'))
  t.equal(last.head + last.body.toString(), hello.buffer(false).toString('latin1'))
  await client.whenClosed
})

t.test('a hand-set Content-Length the body does not meet: NETSERV_CONTENT_LENGTH_MISMATCH, the socket closes', async (t) => {
  const outcomes: Array<{ error: unknown; closes: boolean[] }> = []
  const { connect, server } = await startServer(t, {}, (request, response) => {
    const closes: boolean[] = []
    response.onClose((aborted) => closes.push(aborted))
    response.setHeader('Content-Length', 5)
    try {
      if (request.path === '/short') {
        response.write('abc')
        response.end()
      } else {
        response.write('abc')
        response.write('def')
      }
      outcomes.push({ error: null, closes })
    } catch (error) {
      t.equal(response.aborted, true)
      outcomes.push({ error, closes })
    }
  })
  for (const path of ['/short', '/long']) {
    const client = await connect()
    client.write(get(path))
    await client.whenClosed
  }
  t.match(outcomes, [
    { error: { code: ErrorCode.CONTENT_LENGTH_MISMATCH }, closes: [true] },
    { error: { code: ErrorCode.CONTENT_LENGTH_MISMATCH }, closes: [true] },
  ])
  await until(() => server.connectionCount === 0)
})

t.test('onClose(true) when the connection goes first; socket is the connection', async (t) => {
  let response: Response | null = null
  let serverSocket: Socket | null = null
  const closes: boolean[] = []
  const { connect, server } = await startServer(t, {}, (_request, res) => {
    response = res
    serverSocket = res.socket
    res.onClose((aborted) => closes.push(aborted))
    res.write('partial')
  })
  const client = await connect()
  client.write(get('/'))
  await until(() => client.buffered.length > 0)
  client.socket.resetAndDestroy()
  await until(() => closes.length > 0)
  t.strictSame(closes, [true])
  const res = response as unknown as Response
  t.equal(res.aborted, true)
  t.equal(res.finished, true)
  t.ok((serverSocket as unknown as Socket).destroyed)
  await until(() => server.connectionCount === 0)
})

t.test('regression: a Content-Length set after another header was lost (sent twice, or with chunked)', async (t) => {
  const { connect } = await startServer(t, {}, (request, response) => {
    response.setHeader('Content-Type', 'text/plain')
    if (request.path === '/append') response.appendHeader('Content-Length', '99').appendHeader('content-length', 5)
    else response.setHeader('Content-Length', 5)
    if (request.path === '/removed') {
      response.removeHeader('CONTENT-LENGTH')
      response.end('automatic')
    } else if (request.path === '/streamed') {
      response.write('he')
      response.end('llo')
    } else {
      response.end('hello')
    }
  })
  const client = await connect()
  client.write(get('/known') + get('/streamed') + get('/append') + get('/removed'))
  const [known, streamed, appended, removed] = await client.responses(4)
  for (const [response, name] of [
    [known, 'Content-Length'],
    [streamed, 'Content-Length'],
    [appended, 'content-length'],
  ] as Array<[RawResponse, string]>) {
    t.equal(headWithoutDate(response), `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${name}: 5\r\n\r\n`, 'once, as set')
    t.equal(response.rawBody.toString(), 'hello', 'not chunked')
  }
  t.equal(headWithoutDate(removed as RawResponse), 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n')
})

t.test('regression: a Content-Length set after another header was not enforced', async (t) => {
  const outcomes: unknown[] = []
  const { connect } = await startServer(t, {}, (_request, response) => {
    response.setHeader('X-First', '1')
    response.setHeader('Content-Length', 3)
    try {
      response.end('too long')
    } catch (error) {
      outcomes.push(error)
    }
  })
  const client = await connect()
  client.write(get('/'))
  await client.whenClosed
  t.match(outcomes, [{ code: ErrorCode.CONTENT_LENGTH_MISMATCH }])
})

t.test('regression: send(StaticResponse) closed HTTP/1.0 connections that asked for keep-alive', async (t) => {
  const hello = new StaticResponse({ status: 200, body: 'hi' })
  const { connect } = await startServer(t, {}, (_request, response) => response.send(hello))
  const client = await connect()
  client.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  const first = await client.response()
  t.equal(first.header('connection'), 'keep-alive')
  client.write('GET / HTTP/1.0\r\n\r\n')
  const second = await client.response()
  t.equal(second.header('connection'), 'close', 'and closed when not asked')
  await client.whenClosed
})

t.test('regression: a handler finishing after its client left threw, and was reported as failing', async (t) => {
  const outcomes: unknown[] = []
  const { connect, server, errors } = await startServer(t, {}, async (request, response) => {
    await delay(40)
    t.equal(response.aborted, true, 'the client is gone')
    // Every call is a harmless no-op now; only bad input still throws.
    response.status = 201
    response.setHeader('X-Late', '1').appendHeader('X-Late', '2').removeHeader('X-Late').writeHead(202, { 'X-Late': 3 })
    t.throws(() => response.setHeader('X-Bad', 'a\r\nb'), { code: ErrorCode.INVALID_RESPONSE_HEADER })
    outcomes.push(response.write('late'))
    response.send(new StaticResponse({ status: 200 }))
    response.end('late')
    outcomes.push(request.path)
  })
  for (const [index, path] of ['/a', '/b'].entries()) {
    const client = await connect()
    client.write(get(path))
    await until(() => server.stats.requests > index)
    client.socket.resetAndDestroy()
    await until(() => outcomes.includes(path))
  }
  t.strictSame(outcomes, [false, '/a', false, '/b'], 'write() says false, nothing throws')
  t.strictSame(errors, [])
  t.equal(server.stats.handlerErrors, 0)
})

t.test('a write after the response was cut short by a length mismatch is a no-op', async (t) => {
  const outcomes: unknown[] = []
  const { connect } = await startServer(t, {}, (_request, response) => {
    response.setHeader('Content-Length', 1)
    try {
      response.end('too long')
    } catch (error) {
      outcomes.push(error)
    }
    outcomes.push(response.write('more'))
    response.end()
  })
  const client = await connect()
  client.write(get('/'))
  await client.whenClosed
  t.match(outcomes, [{ code: ErrorCode.CONTENT_LENGTH_MISMATCH }, false])
})

t.test('send(StaticResponse) writes the same Buffer for every request: nothing allocated per request', async (t) => {
  // A fixed clock: every request falls in the same second, so the prebuilt bytes never change.
  const date = new DateHeader(() => 784111777000)
  const hello = new StaticResponse({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'hello world\n', date })
  const { connect, socket } = await startServer(t, {}, (_request, response) => response.send(hello))
  const client = await connect()
  const server = await socket()
  const written: unknown[] = []
  const write = server.write
  server.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    written.push(chunk)
    return (write as (...args: unknown[]) => boolean).apply(this, [chunk, ...rest])
  } as Socket['write']
  const count = 500
  let pipeline = ''
  for (let i = 0; i < count; i++) pipeline += i % 5 === 4 ? 'HEAD / HTTP/1.1\r\nHost: t\r\n\r\n' : get('/')
  client.write(pipeline)
  for (let i = 0; i < count; i++) await client.response({ head: i % 5 === 4 })
  t.equal(written.length, count, 'one write per request, nothing else')
  const full = hello.buffer(true)
  const head = hello.head(true)
  let same = 0
  for (const [i, chunk] of written.entries()) if (chunk === (i % 5 === 4 ? head : full)) same++
  t.equal(same, count, 'each the very Buffer object the StaticResponse holds')
})

t.test('regression: header calls on a push stream\'s response once its connection went threw a TypeError', async (t) => {
  // A stream head with no header set by the application shares its framing's frozen field
  // list; once the connection is gone header calls are harmless again, and they wrote to it.
  const headers = { 'Content-Type': 'text/event-stream' }
  const hooks = { onWritable(): void {}, onShutdown(): void {}, onAborted(): void {} }
  let response: Response | null = null
  const { connect, server } = await startServer(t, {}, (_request, res) => {
    response = res
    res.startStream(headers, hooks)
  })
  const client = await connect()
  client.write(get('/'))
  await until(() => client.buffered.length > 0)
  client.socket.resetAndDestroy()
  await until(() => response !== null && (response as Response).aborted)
  const res = response as unknown as Response
  t.doesNotThrow(() => res.setHeader('Content-Type', 'text/plain'), 'setHeader')
  t.doesNotThrow(() => res.appendHeader('Link', '</a>'), 'appendHeader')
  t.doesNotThrow(() => res.removeHeader('Link'), 'removeHeader')
  t.equal(res.getHeader('content-type'), 'text/plain')
  await until(() => server.connectionCount === 0)
  // The shared list is as it was: the next stream's head says what the framing asked.
  const second = await connect()
  second.write(get('/'))
  await until(() => second.buffered.includes('\r\n\r\n'))
  t.match(second.buffered.toString('latin1'), /\r\nContent-Type: text\/event-stream\r\n/)
  second.socket.destroy()
})
