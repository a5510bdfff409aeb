import { Socket } from 'node:net'
import t, { type Test } from 'tap'
import { RequestParser } from '../../src/parser/request-parser.js'
import { ErrorCode } from '../../src/errors.js'
import { HeadWriter } from '../../src/buffers/head-writer.js'
import { Connection, type ConnectionHost } from '../../src/server/connection.js'
import type { Request } from '../../src/server/request.js'
import type { Response } from '../../src/server/response.js'
import type { ServerOptions } from '../../src/server/server.js'
import { TimerWheel } from '../../src/timers/timer-wheel.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { defaultWheel } from '../../src/timers/timer-wheel.js'
import { get, readBy, startServer } from '../fixtures/test-server.js'
import { delay, until, type RawResponse } from '../fixtures/wire-client.js'

/** The Writable internals a socket writes to the kernel through. */
interface SocketInternals {
  _write: (...args: unknown[]) => void
  _writev: (...args: unknown[]) => void
}

function bodies(responses: RawResponse[]): string[] {
  return responses.map((response) => response.body.toString())
}

/** Waits until `value()` is above 0 and has not changed for 100 ms; returns it. */
async function settled(value: () => number): Promise<number> {
  let last = -1
  for (;;) {
    const now = value()
    if (now > 0 && now === last) return now
    last = now
    await delay(100)
  }
}

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

t.test('pipelining', async (t) => {
  t.test('sync handlers: answered in order, several per packet', async (t) => {
    const { connect } = await startServer(t, {}, (request, response) => response.end(request.path))
    const client = await connect()
    client.write(get('/1') + get('/2') + get('/3'))
    t.strictSame(bodies(await client.responses(3)), ['/1', '/2', '/3'])
  })

  t.test('async handlers that would finish out of order are answered in order', async (t) => {
    const started: string[] = []
    const { connect } = await startServer(t, {}, async (request, response) => {
      started.push(request.path)
      // The first takes longest: without ordering its answer would come last.
      await delay(Number(request.path.slice(1)))
      response.end(request.path)
    })
    const client = await connect()
    client.write(get('/40') + get('/20') + get('/1') + get('/10'))
    t.strictSame(bodies(await client.responses(4)), ['/40', '/20', '/1', '/10'])
    t.strictSame(started, ['/40', '/20', '/1', '/10'], 'one handler at a time, in request order')
  })

  t.test('with bodies: each request gets its own body, whatever waits', async (t) => {
    const { connect } = await startServer(t, {}, async (request, response) => {
      const body = await request.text()
      await delay(request.path === '/slow' ? 30 : 0)
      response.end(`${request.path}=${body}`)
    })
    const client = await connect()
    client.write(
      'POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc' +
        get('/none') +
        'POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n' +
        'PUT /cl HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nghij',
    )
    t.strictSame(bodies(await client.responses(4)), ['/slow=abc', '/none=', '/chunked=def', '/cl=ghij'])
  })

  t.test('maxPipelinedRequests: parsing pauses while that many wait, then resumes', async (t) => {
    const count = 12_000
    const gate = deferred()
    const { connect, socket } = await startServer(t, { maxPipelinedRequests: 4 }, async (request, response) => {
      if (request.path === '/0') await gate.promise
      response.end(request.path)
    })
    const client = await connect()
    let pipeline = ''
    for (let i = 0; i < count; i++) pipeline += get(`/${i}`)
    client.write(pipeline)
    const server = await socket()
    const read = await settled(() => server.bytesRead)
    t.ok(read > 0 && read < 256 * 1024, `the server stopped reading: ${read} of ${pipeline.length} bytes`)
    gate.resolve()
    const responses = await client.responses(count)
    t.strictSame(bodies(responses), Array.from({ length: count }, (_, i) => `/${i}`))
  })
})

t.test('a pipeline that fills the queue at the very end of a packet: later requests are still read', async (t) => {
  // Regression: the parser paused with nothing held back stayed paused once the queue
  // drained, so the next packet was never parsed and the connection hung.
  const gate = deferred()
  const { connect } = await startServer(t, { maxPipelinedRequests: 2 }, async (request, response) => {
    if (request.path === '/0') await gate.promise
    response.end(request.path)
  })
  const client = await connect()
  client.write(get('/0') + get('/1') + get('/2'))
  await delay(50)
  gate.resolve()
  t.strictSame(bodies(await client.responses(3)), ['/0', '/1', '/2'])
  client.write(get('/3'))
  t.strictSame(bodies(await client.responses(1)), ['/3'])
})

t.test('regression: a pipeline of POSTs past maxPipelinedRequests hung once a handler waited for its body', async (t) => {
  // Found by the soak (npm run soak: a backend publishing on one keep-alive connection). The
  // head that filled the queue paused the parser before its body; when that request's turn
  // came its handler awaited the body, which stayed unparsed until the connection had nothing
  // active, which it never had: every request after it went unanswered.
  const { connect } = await startServer(t, { maxPipelinedRequests: 4 }, async (request, response) => {
    response.end(`${request.path}=${await request.text()}`)
  })
  const client = await connect()
  const post = (i: number): string => `POST /${i} HTTP/1.1\r\nHost: t\r\nContent-Length: ${String(i).length}\r\n\r\n${i}`
  let pipeline = ''
  for (let i = 0; i < 40; i++) pipeline += post(i)
  client.write(pipeline)
  t.strictSame(bodies(await client.responses(40)), Array.from({ length: 40 }, (_, i) => `/${i}=${i}`))
})

t.test('regression: the queue filled by a head at the very end of a packet; its body came in the next one', async (t) => {
  // The same hang with nothing held back: the parser paused at the end of a packet, and the
  // body that the active handler waits for arrives after.
  const gate = deferred()
  const { connect } = await startServer(t, { maxPipelinedRequests: 2 }, async (request, response) => {
    if (request.path === '/0') await gate.promise
    response.end(`${request.path}=${await request.text()}`)
  })
  const client = await connect()
  client.write(get('/0') + get('/1') + 'POST /2 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\n')
  await delay(50)
  gate.resolve()
  t.strictSame(bodies(await client.responses(2)), ['/0=', '/1='])
  await delay(50)
  client.write('abc' + get('/3'))
  t.strictSame(bodies(await client.responses(2)), ['/2=abc', '/3='])
})

t.test('a queue that shrinks behind Connection: close parses nothing after the close', async (t) => {
  // The parse that goes on behind a handler once the queue is shorter (the regressions above)
  // must not go on past the request that closes the connection.
  const gate = deferred()
  const started: string[] = []
  const { connect } = await startServer(t, { maxPipelinedRequests: 2 }, async (request, response) => {
    started.push(request.path)
    if (request.path === '/0') await gate.promise
    await delay(10)
    response.end(request.path)
  })
  const client = await connect()
  client.write(get('/0') + get('/1', 'Connection: close\r\n') + get('/2') + get('/3'))
  await delay(50)
  gate.resolve()
  t.strictSame(bodies(await client.responses(2)), ['/0', '/1'])
  t.equal((await client.closedWith()).length, 0, 'then the connection ends, nothing more answered')
  t.strictSame(started, ['/0', '/1'])
})

t.test('backpressure: a client that pipelines without reading does not make the server read on', async (t) => {
  const count = 10_000
  const padding = 'x'.repeat(4096)
  const highWaterMarkBytes = 64 * 1024
  let maxWritableBytes = 0
  const { connect, server, socket } = await startServer(t, { maxPipelinedRequests: 1_000_000, highWaterMarkBytes }, (request, response) => {
    response.end(`${request.path} ${padding}`)
    maxWritableBytes = Math.max(maxWritableBytes, response.socket.writableLength)
  })
  const client = await connect()
  client.socket.pause()
  let pipeline = ''
  for (let i = 0; i < count; i++) pipeline += get(`/${i}`)
  client.write(pipeline)
  const serverSocket = await socket()
  // Wait until the server stops answering: the kernel buffers and the socket are full.
  const handled = await settled(() => server.stats.requests)
  t.ok(handled < count / 2, `handled ${handled} of ${count}, then stopped`)
  t.ok(serverSocket.bytesRead < pipeline.length, `read ${serverSocket.bytesRead} of ${pipeline.length} bytes`)
  t.ok(maxWritableBytes < highWaterMarkBytes + 5000, `at most ${maxWritableBytes} bytes unwritten`)
  client.socket.resume()
  const responses = await client.responses(count)
  let inOrder = true
  for (let i = 0; i < count; i++) if (!(responses[i] as RawResponse).body.toString().startsWith(`/${i} `)) inOrder = false
  t.ok(inOrder, 'every answer, in order')
  t.equal(server.stats.requests, count)
})

t.test('a parser rejection: its status, Connection: close, the body naming the code, then close', async (t) => {
  const { connect } = await startServer(t, {}, (_request, response) => response.end())
  for (const [request, status, code] of [
    ['GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n', 400, ErrorCode.INVALID_HEADER_NAME],
    ['GET / HTTP/1.1\r\n\r\n', 400, ErrorCode.MISSING_HOST],
    ['GET / HTTP/2.0\r\nHost: t\r\n\r\n', 505, ErrorCode.VERSION_NOT_SUPPORTED],
    [`GET /${'a'.repeat(9000)} HTTP/1.1\r\n`, 414, ErrorCode.REQUEST_LINE_TOO_LONG],
  ] as const) {
    const client = await connect()
    client.write(request)
    const response = await client.response()
    t.equal(response.status, status, code)
    t.equal(response.header('connection'), 'close')
    t.match(response.body.toString(), new RegExp(`^${status} .*: ${code}\n$`))
    await client.whenClosed
  }
})

t.test('timeouts on the fake clock', async (t) => {
  t.test('header timeout: a head trickled byte by byte is cut off at the deadline with 408', async (t) => {
    const { connect, socket, clock } = await startServer(t, { headerTimeoutMs: 1000 }, (_request, response) => response.end())
    const client = await connect()
    const server = await socket()
    let sent = 0
    for (const piece of ['GET / HT', 'TP/1.1\r\n', 'Host: t\r\n', 'X-Slow: ']) {
      client.write(piece)
      sent += piece.length
      await readBy(server, sent)
      clock.advance(240)
    }
    t.notOk(client.ended, 'open after 960 ms, however much was sent')
    clock.advance(60)
    const response = await client.response()
    t.equal(response.status, 408)
    t.equal(response.header('connection'), 'close')
    t.equal(response.body.toString(), '408 Request Timeout: NETSERV_REQUEST_TIMEOUT\n')
    await client.whenClosed
  })

  t.test('header timeout: a connection that sends nothing is answered 408 and closed', async (t) => {
    const { connect, socket, clock } = await startServer(t, { headerTimeoutMs: 1000 }, (_request, response) => response.end())
    const client = await connect()
    await socket()
    clock.advance(1100)
    t.equal((await client.response()).status, 408)
    await client.whenClosed
  })

  t.test('body timeout: each piece restarts it; silence cuts the connection', async (t) => {
    const failures: unknown[] = []
    const { connect, socket, clock, server } = await startServer(t, { bodyTimeoutMs: 1000 }, async (request, response) => {
      try {
        await request.body()
        response.end('never')
      } catch (error) {
        failures.push(error)
      }
    })
    const client = await connect()
    const head = 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc'
    client.write(head)
    const serverSocket = await socket()
    await readBy(serverSocket, head.length)
    clock.advance(900)
    client.write('def')
    await readBy(serverSocket, head.length + 3)
    clock.advance(900)
    await delay(10)
    t.notOk(client.closed, 'a piece came in time')
    clock.advance(200)
    await client.whenClosed
    await until(() => failures.length === 1)
    t.match(failures, [{ code: ErrorCode.REQUEST_TIMEOUT, status: 408 }])
    await until(() => server.connectionCount === 0)
  })

  t.test('idle timeout: a keep-alive connection with nothing to do is closed', async (t) => {
    const { connect, clock, server } = await startServer(t, { idleTimeoutMs: 1000 }, (_request, response) => response.end('ok'))
    const client = await connect()
    client.write(get('/'))
    await client.response()
    clock.advance(900)
    client.write(get('/'))
    await client.response()
    clock.advance(900)
    await delay(10)
    t.notOk(client.closed, 'the second request restarted it')
    clock.advance(200)
    await client.whenClosed
    t.equal(client.buffered.length, 0, 'closed without a word')
    await until(() => server.connectionCount === 0)
  })

  t.test('no timeout while a handler runs', async (t) => {
    const gate = deferred()
    const { connect, clock } = await startServer(t, { idleTimeoutMs: 100, headerTimeoutMs: 100, bodyTimeoutMs: 100 }, async (_request, response) => {
      await gate.promise
      response.end('late')
    })
    const client = await connect()
    client.write(get('/'))
    await delay(10)
    clock.advance(10_000)
    await delay(10)
    t.notOk(client.closed)
    gate.resolve()
    t.equal((await client.response()).body.toString(), 'late')
  })
})

t.test('header timeout on a real socket and the real default wheel closes a slow client', async (t) => {
  const { connect } = await startServer(t, { headerTimeoutMs: 300, wheel: defaultWheel() }, (_request, response) => response.end())
  const client = await connect()
  const startMs = performance.now()
  void client.trickle('GET / HTTP/1.1\r\nHost: t\r\nX-Slow: yes\r\n\r\n', 40)
  const response = await client.response()
  const elapsedMs = performance.now() - startMs
  t.equal(response.status, 408)
  await client.whenClosed
  t.ok(elapsedMs >= 290 && elapsedMs < 1500, `closed after ${Math.round(elapsedMs)} ms`)
})

t.test('half-close: a request followed by FIN still gets its answer, then the close', async (t) => {
  const { connect } = await startServer(t, {}, async (request, response) => {
    await delay(20)
    response.end(`answer to ${request.path}`)
  })
  const client = await connect({ allowHalfOpen: true })
  client.end(get('/a'))
  const response = await client.response()
  t.equal(response.body.toString(), 'answer to /a')
  t.equal(response.header('connection'), 'close')
  await client.whenClosed
})

t.test('cork: responses made in the same tick leave in one write', async (t) => {
  const { connect, socket } = await startServer(t, {}, (request, response) => response.end(request.path))
  const client = await connect()
  const server = (await socket()) as unknown as SocketInternals
  const writes: number[] = []
  const write = server._write
  const writev = server._writev
  server._write = function (this: SocketInternals, ...args: unknown[]) {
    writes.push(1)
    write.apply(this, args)
  }
  server._writev = function (this: SocketInternals, ...args: unknown[]) {
    writes.push((args[0] as unknown[]).length)
    writev.apply(this, args)
  }
  let pipeline = ''
  for (let i = 0; i < 16; i++) pipeline += get(`/${i}`)
  client.write(pipeline)
  const responses = await client.responses(16)
  t.strictSame(bodies(responses), Array.from({ length: 16 }, (_, i) => `/${i}`))
  t.strictSame(writes, [32], 'one writev of 16 heads and 16 bodies')
})

t.test('Expect: 100-continue: the interim answer goes out before the body is read', async (t) => {
  const { connect, socket } = await startServer(t, {}, async (request, response) => {
    response.end(`got ${await request.text()}`)
  })
  const client = await connect()
  const head = 'POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n'
  client.write(head)
  const interim = await client.response()
  t.equal(interim.head, 'HTTP/1.1 100 Continue\r\n\r\n')
  t.equal((await socket()).bytesRead, head.length, 'no body byte was sent before it')
  client.write('hello')
  t.equal((await client.response()).body.toString(), 'got hello')
})

t.test('Expect: 100-continue with the body sent at once: answered once the body is in', async (t) => {
  const { connect } = await startServer(t, {}, async (request, response) => {
    response.end(`got ${await request.text()}`)
  })
  const client = await connect()
  client.write('POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello')
  // RFC 9110 section 10.1.1: the server MAY omit the 100 when the content is already there.
  let response = await client.response()
  if (response.status === 100) response = await client.response()
  t.equal(response.status, 200)
  t.equal(response.body.toString(), 'got hello')
})

t.test('upgrade', async (t) => {
  const netservListeners = (socket: Socket): string[] =>
    (['data', 'end', 'error', 'close', 'drain'] as const).flatMap((event) =>
      socket.listeners(event).filter((listener) => listener.name.startsWith('socketOn')).map((listener) => `${event}:${listener.name}`),
    )

  t.test('onUpgrade gets the request, the raw socket and the bytes after the head', async (t) => {
    const handed: Array<{ target: string; head: string; listeners: string[]; body: string }> = []
    const { connect, server } = await startServer(
      t,
      {
        onUpgrade: (request, socket, head) => {
          void request.text().then((body) => {
            handed.push({ target: request.target, head: head.toString(), listeners: netservListeners(socket), body })
            socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\n')
            if (head.length > 0) socket.write(head)
            socket.on('data', (chunk: Buffer) => socket.write(chunk))
            // The socket came from a server that allows half-open connections: ours to end.
            socket.on('end', () => socket.end())
          })
        },
      },
      (_request, response) => response.end('never'),
    )
    const client = await connect()
    client.write('GET /chat HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nfirst bytes')
    const switching = await client.response()
    t.equal(switching.status, 101)
    t.equal((await client.take('first bytes'.length)).toString(), 'first bytes')
    client.write('more')
    t.equal((await client.take(4)).toString(), 'more', 'the application talks on the socket')
    t.strictSame(handed, [{ target: '/chat', head: 'first bytes', listeners: [], body: '' }])
    t.equal(server.connectionCount, 0, 'no longer counted: it is the application\'s')
  })

  t.test('after a Content-Length body: the body is the request\'s, the rest is handed over', async (t) => {
    const handed: string[] = []
    const { connect } = await startServer(
      t,
      {
        onUpgrade: (request, socket, head) => {
          void request.text().then((body) => {
            handed.push(body, head.toString())
            socket.end('bye')
          })
        },
      },
      (_request, response) => response.end('never'),
    )
    const client = await connect()
    client.write('POST /up HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Length: 3\r\n\r\nabcREST')
    await client.whenClosed
    t.equal(client.buffered.toString(), 'bye')
    t.strictSame(handed, ['abc', 'REST'])
  })

  t.test('CONNECT: the tunnel bytes are handed over', async (t) => {
    const handed: string[] = []
    const { connect } = await startServer(
      t,
      {
        onUpgrade: (request, socket, head) => {
          handed.push(request.method, request.target, head.toString())
          socket.end('HTTP/1.1 200 Connection Established\r\n\r\n')
        },
      },
      (_request, response) => response.end('never'),
    )
    const client = await connect()
    client.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nTLS')
    await client.whenClosed
    t.strictSame(handed, ['CONNECT', 'example.com:443', 'TLS'])
  })

  t.test('without onUpgrade: the handler answers, then the connection closes', async (t) => {
    const seen: string[] = []
    const { connect } = await startServer(t, {}, (request, response) => {
      seen.push(`${request.method} ${request.target}`)
      response.status = request.method === 'CONNECT' ? 405 : 426
      response.end('no')
    })
    for (const request of ['GET /chat HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n', 'CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n\r\n']) {
      const client = await connect()
      client.write(`${request}not http at all\r\n\r\n`)
      const response = await client.response()
      t.equal(response.header('connection'), 'close')
      await client.whenClosed
      t.equal(client.buffered.length, 0, 'what followed was not parsed as a request')
    }
    t.strictSame(seen, ['GET /chat', 'CONNECT h:1'])
  })

  t.test('an upgrade waits for the responses before it', async (t) => {
    const order: string[] = []
    const { connect } = await startServer(
      t,
      {
        onUpgrade: (_request, socket, head) => {
          order.push(`upgrade ${head.toString()}`)
          socket.end()
        },
      },
      async (request, response) => {
        await delay(20)
        order.push(`answered ${request.path}`)
        response.end()
      },
    )
    const client = await connect()
    client.write(get('/before') + 'GET /up HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nrest')
    await client.response()
    await client.whenClosed
    t.strictSame(order, ['answered /before', 'upgrade rest'])
  })
})

t.test('a reset in the middle of a large write is cleaned up', async (t) => {
  const closes: boolean[] = []
  let writes = 0
  const { connect, server } = await startServer(t, {}, (_request, response) => {
    response.onClose((aborted) => closes.push(aborted))
    const chunk = Buffer.alloc(256 * 1024, 0x61)
    const pump = (): void => {
      while (!response.finished && response.write(chunk)) writes++
      if (!response.finished) response.socket.once('drain', pump)
    }
    pump()
  })
  const client = await connect()
  client.socket.pause()
  client.write(get('/big'))
  await delay(50)
  client.socket.resetAndDestroy()
  await until(() => closes.length === 1)
  t.strictSame(closes, [true])
  await until(() => server.connectionCount === 0)
  t.ok(writes >= 0)
})

t.test('requests keep their own Request objects', async (t) => {
  const requests: Request[] = []
  const { connect } = await startServer(t, {}, (request, response) => {
    requests.push(request)
    response.end()
  })
  const client = await connect()
  client.write(get('/a') + get('/b'))
  await client.responses(2)
  t.equal(requests.length, 2)
  t.not(requests[0], requests[1])
  t.equal(requests[0]?.path, '/a', 'the first still reads its own target')
})

t.test('regression: the error answer after pipelined requests was lost behind a Connection: close', async (t) => {
  for (const mode of ['sync', 'async']) {
    const { connect } = await startServer(t, {}, async (request, response) => {
      if (mode === 'async') await delay(5)
      response.end(request.path)
    })
    const client = await connect()
    client.write(get('/ok') + 'GET /bad HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n' + get('/never'))
    const ok = await client.response()
    t.equal(ok.body.toString(), '/ok', mode)
    t.equal(ok.header('connection'), undefined, `${mode}: not the last response, so not Connection: close`)
    const refused = await client.response()
    t.equal(refused.status, 400, mode)
    t.equal(refused.header('connection'), 'close')
    t.equal(refused.body.toString(), '400 Bad Request: NETSERV_INVALID_LINE_ENDING\n')
    await client.whenClosed
    t.equal(client.buffered.length, 0, `${mode}: /never is not answered`)
  }
})

t.test('regression: pipelined requests then FIN: only the first was answered', async (t) => {
  const { connect } = await startServer(t, {}, async (request, response) => {
    await delay(10)
    response.end(request.path)
  })
  const client = await connect({ allowHalfOpen: true })
  client.end(get('/a') + get('/b') + get('/c'))
  const responses = await client.responses(3)
  t.strictSame(bodies(responses), ['/a', '/b', '/c'])
  t.strictSame(
    responses.map((response) => response.header('connection')),
    [undefined, undefined, 'close'],
    'only the last one closes',
  )
  await client.whenClosed
})

t.test('regression: no idle timeout after a head that came in two pieces, or a body that outlived its response', async (t) => {
  const { connect, socket, clock, server } = await startServer(t, { idleTimeoutMs: 1000, bodyTimeoutMs: 5000 }, (_request, response) => response.end('ok'))
  const split = await connect()
  const splitSocket = await socket(0)
  const firstPiece = 'GET / HTTP/1.1\r\nHo'
  split.write(firstPiece)
  await readBy(splitSocket, firstPiece.length)
  split.write('st: t\r\n\r\n')
  await split.response()
  const late = await connect()
  const lateSocket = await socket(1)
  // Answered at the head; the body is still coming when the response is over.
  const head = 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\n'
  late.write(head)
  await late.response()
  late.write('abc')
  await readBy(lateSocket, head.length + 3)
  clock.advance(1100)
  await split.whenClosed
  await late.whenClosed
  await until(() => server.connectionCount === 0)
})

t.test('regression: pipelined requests were lost when a drain resumed reading while parsing was paused', async (t) => {
  const count = 5000
  const { connect } = await startServer(t, { maxPipelinedRequests: 2 }, (request, response) => {
    if (request.path !== '/big') return response.end(request.path)
    // Over the high-water mark: reading stops; the drain comes while this response still runs.
    response.write(Buffer.alloc(256 * 1024, 0x62))
    response.socket.once('drain', () => setTimeout(() => response.end(), 20))
  })
  const client = await connect()
  let pipeline = get('/big')
  for (let i = 0; i < count; i++) pipeline += get(`/${i}`)
  client.write(pipeline)
  const big = await client.response()
  t.equal(big.body.length, 256 * 1024)
  const responses = await client.responses(count)
  t.strictSame(bodies(responses), Array.from({ length: count }, (_, i) => `/${i}`))
})

t.test('regression: highWaterMarkBytes did not set the socket\'s high-water mark', async (t) => {
  const results: Array<[number, boolean]> = []
  const { connect } = await startServer(t, { highWaterMarkBytes: 256 * 1024 }, (_request, response) => {
    results.push([response.socket.writableHighWaterMark, response.write(Buffer.alloc(100 * 1024))])
    response.end()
  })
  const client = await connect()
  client.write(get('/'))
  await client.response()
  t.strictSame(results, [[256 * 1024, true]], '100 KiB unwritten is below 256 KiB')
})

t.test('regression: bytes sent while an upgrade waited its turn were lost', async (t) => {
  const received: string[] = []
  const { connect } = await startServer(
    t,
    {
      onUpgrade: (_request, socket, head) => {
        received.push(head.toString())
        socket.on('data', (chunk: Buffer) => received.push(chunk.toString()))
        socket.on('end', () => socket.end())
      },
    },
    async (_request, response) => {
      await delay(40)
      response.end('before')
    },
  )
  const client = await connect()
  client.write(get('/before') + 'GET /up HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nfirst|')
  await delay(15)
  client.write('second|')
  await delay(5)
  client.write('third')
  t.equal((await client.response()).body.toString(), 'before')
  await until(() => received.join('') === 'first|second|third', 2000, JSON.stringify(received))
  t.pass('every byte reached the application, in order')
})

t.test('regression: bytes after the hand-over were lost when the application listened late', async (t) => {
  const received: string[] = []
  const { connect } = await startServer(
    t,
    {
      onUpgrade: (_request, socket, head) => {
        received.push(head.toString())
        setTimeout(() => {
          socket.on('data', (chunk: Buffer) => received.push(chunk.toString()))
          socket.on('end', () => socket.end())
        }, 30)
      },
    },
    (_request, response) => response.end(),
  )
  const client = await connect()
  client.write('GET /up HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n')
  await delay(10)
  client.write('sent before the application listened')
  await until(() => received.join('') === 'sent before the application listened', 2000, JSON.stringify(received))
  t.pass('kept in the socket until the application read')
})

t.test('regression: an onUpgrade that threw crashed the process', async (t) => {
  const boom = new Error('upgrade failed')
  const { connect, errors, server } = await startServer(
    t,
    {
      onUpgrade: () => {
        throw boom
      },
    },
    (_request, response) => response.end(),
  )
  const client = await connect()
  client.write('GET /up HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n')
  await client.whenClosed
  t.strictSame(errors, [{ error: boom, target: '/up' }])
  t.equal(server.stats.handlerErrors, 1)
})

t.test('regression: 100 Continue was sent to HTTP/1.0 clients', async (t) => {
  const { connect, socket, clock } = await startServer(t, { bodyTimeoutMs: 1000 }, async (request, response) => {
    response.end(`got ${await request.text()}`)
  })
  const client = await connect()
  // RFC 9110 section 10.1.1: a server MUST ignore 100-continue in an HTTP/1.0 request.
  const head = 'POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n'
  client.write(head)
  await readBy(await socket(), head.length)
  await delay(10)
  t.equal(client.buffered.length, 0, 'no interim answer')
  // And the body timeout runs as for any body.
  clock.advance(1100)
  await client.whenClosed
  t.equal(client.buffered.length, 0)
})

t.test('regression: a client that never closed its side held a closed connection forever', async (t) => {
  const { connect, clock, server, socket } = await startServer(t, { idleTimeoutMs: 1000 }, (_request, response) => response.end('bye'))
  // allowHalfOpen: this client does not answer the server's FIN with its own.
  const client = await connect({ allowHalfOpen: true })
  client.write(get('/', 'Connection: close\r\n'))
  t.equal((await client.response()).header('connection'), 'close')
  await client.until(() => client.ended)
  clock.advance(500)
  await delay(10)
  t.equal(server.connectionCount, 1, 'lingering: what the client still sends is read and dropped')
  const serverSocket = await socket()
  const read = serverSocket.bytesRead
  client.write('ignored')
  await readBy(serverSocket, read + 'ignored'.length)
  clock.advance(600)
  await until(() => server.connectionCount === 0)
})

t.test('regression: a long queue of pipelined requests overflowed the stack when answered synchronously', async (t) => {
  // 5000 overflowed the recursion: a margin over that.
  const count = 8_000
  const gate = deferred()
  const { connect, server } = await startServer(t, { maxPipelinedRequests: 100_000 }, async (request, response) => {
    if (request.path === '/0') await gate.promise
    response.end(request.path)
  })
  const client = await connect()
  let pipeline = ''
  for (let i = 0; i < count; i++) pipeline += get(`/${i}`)
  client.write(pipeline)
  // Every request is parsed and queued behind the first.
  await delay(300)
  gate.resolve()
  const responses = await client.responses(count)
  t.equal(responses[count - 1]?.body.toString(), `/${count - 1}`)
  t.equal(server.stats.requests, count)
})

t.test('a reset drops what waits: queued requests are never handled, a pending upgrade never handed over', async (t) => {
  const closes: string[] = []
  const upgrades: string[] = []
  const { connect, server } = await startServer(t, { onUpgrade: () => upgrades.push('upgraded') }, (request, response) => {
    response.onClose((aborted) => closes.push(`${request.path} ${aborted}`))
  })
  const client = await connect()
  client.write(get('/a') + 'POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nb' + 'GET /up HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n')
  await until(() => server.stats.requests === 1)
  await delay(10)
  client.socket.resetAndDestroy()
  await until(() => server.connectionCount === 0)
  t.strictSame(closes, ['/a true'], 'only the first was handled, and it was aborted')
  t.strictSame(upgrades, [])
  t.equal(server.stats.requests, 1)
})

t.test('an HTTP/1.0 answer that ends with the connection drops the requests pipelined after it', async (t) => {
  const handled: string[] = []
  const { connect } = await startServer(t, {}, async (request, response) => {
    handled.push(request.path)
    response.write('streamed, ')
    await delay(10)
    response.end('until the close')
  })
  const client = await connect()
  client.write('GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  await client.whenClosed
  const response = await client.response()
  t.equal(response.body.toString(), 'streamed, until the close')
  t.strictSame(handled, ['/a'])
})

t.test('a body failing while its request waits in the queue: answered in its turn, handler never run', async (t) => {
  const handled: string[] = []
  const { connect } = await startServer(t, {}, async (request, response) => {
    handled.push(request.path)
    await delay(30)
    response.end(request.path)
  })
  const client = await connect()
  client.write(get('/first') + 'POST /queued HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nzz\r\n')
  const first = await client.response()
  t.equal(first.body.toString(), '/first')
  const refused = await client.response()
  t.equal(refused.status, 400)
  t.equal(refused.body.toString(), '400 Bad Request: NETSERV_INVALID_CHUNK\n')
  await client.whenClosed
  t.strictSame(handled, ['/first'])
})

t.test('a body failing after its response head went out: the connection is cut', async (t) => {
  const failures: unknown[] = []
  const { connect } = await startServer(t, {}, async (request, response) => {
    response.write('early ')
    await request.body().catch((error: unknown) => failures.push(error))
  })
  const client = await connect()
  client.write('POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n')
  await client.until(() => client.buffered.length > 0)
  client.write('zz\r\n')
  await client.whenClosed
  t.notMatch(client.buffered.toString(), /400 Bad Request/, 'no second head after the first')
  t.match(failures, [{ code: ErrorCode.INVALID_CHUNK }])
})

t.test('a Connection: close answer larger than the high-water mark is sent whole', async (t) => {
  const { connect, server } = await startServer(t, { highWaterMarkBytes: 1024 }, (_request, response) => {
    response.end(Buffer.alloc(64 * 1024, 0x61))
  })
  const client = await connect()
  client.write(get('/', 'Connection: close\r\n'))
  const response = await client.response()
  t.equal(response.body.length, 64 * 1024)
  await client.whenClosed
  await until(() => server.connectionCount === 0)
})

t.test('a socket whose peer left before the accept completed: requests have an empty remoteAddress', async (t) => {
  // An unconnected socket stands for it: getpeername fails, remoteAddress is undefined.
  const socket = new Socket()
  const requests: Request[] = []
  const host: ConnectionHost = {
    headWriter: new HeadWriter(),
    closing: false,
    settings: { headerTimeoutMs: 1000, bodyTimeoutMs: 1000, idleTimeoutMs: 1000, maxPipelinedRequests: 16, highWaterMarkBytes: 1024, writeTimeoutMs: 1000, parser: {}, wheel: new TimerWheel({ clock: new FakeClock() }) },
    handlesUpgrades: false,
    dispatch: (request: Request, _response: Response) => requests.push(request),
    upgrade: () => {},
    connectionClosed: () => {},
    acquireParser: (owner: Connection) => new RequestParser(owner),
    releaseParser: () => {},
  }
  new Connection(socket, host)
  socket.emit('data', Buffer.from(get('/')))
  t.equal(requests.length, 1)
  t.equal(requests[0]?.remoteAddress, '')
  socket.destroy()
})

t.test('write timeout: a connection backed up for writeTimeoutMs is cut', async (t) => {
  // More than loopback's kernel buffers take from a client that does not read (a few MiB).
  const big = Buffer.alloc(8 * 1024 * 1024, 0x61)
  const writeTimeoutMs = 5000

  /** A client that sends `requests` and never reads, once the server's socket is backed up. */
  async function backedUp(t: Test, requests: string, handler: Parameters<typeof startServer>[2] = (_request, response) => response.end(big), options: ServerOptions = {}) {
    const started = await startServer(t, { writeTimeoutMs, highWaterMarkBytes: 1024, idleTimeoutMs: 60_000, ...options }, handler)
    const client = await started.connect()
    client.socket.pause()
    client.write(requests)
    const serverSocket = await started.socket()
    await until(() => serverSocket.writableNeedDrain && started.server.stats.requests > 0, 5000, 'the output to back up')
    // The kernel buffers are full: nothing drains while the client does not read.
    await delay(50)
    return { ...started, client, serverSocket }
  }

  /** Open until just before writeTimeoutMs on `clock`, cut just after. */
  async function cutAtWriteTimeoutNotBefore(t: Test, clock: FakeClock, server: { readonly connectionCount: number }): Promise<void> {
    clock.advance(writeTimeoutMs - 100)
    await delay(20)
    t.equal(server.connectionCount, 1, 'still open before the timeout')
    clock.advance(200)
    // (The client, not reading, would see the reset only once it reads.)
    await until(() => server.connectionCount === 0, 5000, 'the connection to be cut')
    t.pass('cut')
  }

  t.test('a pipeline never read: cut at writeTimeoutMs, not before', async (t) => {
    const { clock, server } = await backedUp(t, get('/1') + get('/2') + get('/3'))
    await cutAtWriteTimeoutNotBefore(t, clock, server)
  })

  t.test('a body read whole while the answer backs up: the write timeout takes over from the body timeout', async (t) => {
    // The handler echoes each body piece with a large write: the output backs up while the
    // body is read, with the body timeout running, and the body completes after.
    const { clock, server } = await backedUp(t, 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello', async (request, response) => {
      await request.onBody(() => response.write(big))
      response.end()
    })
    clock.advance(writeTimeoutMs + 100)
    await until(() => server.connectionCount === 0, 5000, 'the connection to be cut')
    t.pass('cut')
  })

  t.test('a slow reader that drains in time is not cut; the timeout starts again at the next backlog', async (t) => {
    const { clock, client, server } = await backedUp(t, get('/1'))
    clock.advance(writeTimeoutMs - 100)
    client.socket.resume()
    const first = await client.response()
    t.equal(first.body.length, big.length)
    clock.advance(writeTimeoutMs)
    await delay(20)
    t.equal(client.closed, false, 'not cut after draining')
    client.write(get('/2'))
    t.equal((await client.response()).body.length, big.length, 'and still served')
    t.equal(server.connectionCount, 1)
  })

  t.test('a push stream backed up is left to its own write timeout', async (t) => {
    const { openStream } = await import('../../src/push/open-stream.js')
    let streamClosed = false
    const clock = new FakeClock(1_000_000)
    const wheel = new TimerWheel({ clock, tickMs: 10 })
    const { server } = await backedUp(t, get('/events'), (_request, response) => {
      const stream = openStream(response, 'chunked', { writeTimeoutMs: 3 * writeTimeoutMs, maxUnwrittenBytes: 4 * big.length, wheel })
      stream.onClose(() => (streamClosed = true))
      stream.send(big.toString('latin1'))
      stream.send(big.toString('latin1'))
    }, { wheel })
    clock.advance(2 * writeTimeoutMs)
    await delay(20)
    t.equal(server.connectionCount, 1, 'not cut by the connection')
    t.equal(streamClosed, false)
    clock.advance(2 * writeTimeoutMs)
    await until(() => server.connectionCount === 0, 5000, 'the connection to be cut')
    t.equal(streamClosed, true, 'cut by the stream')
  })
  t.test('regression: a head parsed behind a handler while backed up stopped the write timeout', async (t) => {
    // One request may wait (/2), so /3 is held back. /1 answers late, backing the output up
    // (the write timeout starts); /2's turn comes and its handler never answers; /3, parsed
    // behind it, set the connection's timer to none, and the client that never read held the
    // connection for as long as /2's handler did.
    let secondRan = false
    const { clock, server } = await backedUp(t, get('/1') + get('/2') + get('/3'), async (request, response) => {
      if (request.path === '/1') {
        await delay(50)
        response.end(big)
      } else if (request.path === '/2') {
        secondRan = true
      }
    }, { maxPipelinedRequests: 1 })
    await until(() => secondRan, 5000, "/2's handler to run")
    await cutAtWriteTimeoutNotBefore(t, clock, server)
  })
})
