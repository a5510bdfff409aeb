// Floods past the parser's limits: an endless header section (431), an endless request line
// (414), an endless chunked body (413), each answered with its status and the connection
// closed, also when the client goes on sending after the answer (the lingering close is bounded
// by the idle timeout).
import t from 'tap'
import { startHostileServer } from '../fixtures/hostile-child.js'
import { delay, RawClient, type RawResponse } from '../fixtures/wire-client.js'

const MAX_BODY_BYTES = 64 * 1024

/**
 * Writes `start`, then `piece(i)` for i = 0, 1... (waiting for each write to drain) until a
 * whole response came back (then stops, or with `keepSending` goes on until the server closes
 * the connection). Returns the response and how many bytes were sent.
 */
async function flood(client: RawClient, start: string, piece: (i: number) => string, keepSending = false): Promise<{ response: RawResponse; sent: number }> {
  let sent = start.length
  client.write(start)
  let response: RawResponse | null = null
  void client.response().then(
    (answer) => (response = answer),
    () => {},
  )
  for (let i = 0; !client.closed && (response === null || keepSending); i++) {
    const bytes = piece(i)
    if (!client.socket.write(Buffer.from(bytes, 'latin1'))) {
      await Promise.race([new Promise((resolve) => client.socket.once('drain', resolve)), client.whenClosed])
    }
    sent += bytes.length
    // Sent in pieces, as a real flood would be: the server reads each one as it comes.
    if (i % 16 === 15) await delay(1)
  }
  if (response === null) response = await client.response()
  return { response, sent }
}

t.test('floods past the limits are answered with their status and closed', async (t) => {
  const server = await startHostileServer(t, { server: { maxBodyBytes: MAX_BODY_BYTES, idleTimeoutMs: 1000 } })

  t.test('an endless header section: 431', async (t) => {
    const client = await RawClient.connect(server.port)
    const { response, sent } = await flood(client, 'GET /small HTTP/1.1\r\nHost: t\r\n', (i) => `X-Flood-${i}: ${'v'.repeat(100)}\r\n`)
    t.equal(response.status, 431)
    t.equal(response.header('connection'), 'close')
    t.match(response.body.toString(), /NETSERV_HEADER_TOO_LARGE|NETSERV_TOO_MANY_HEADERS/)
    t.comment(`${sent} bytes sent`)
    await client.whenClosed
  })

  t.test('an endless header value: 431', async (t) => {
    const client = await RawClient.connect(server.port)
    const { response } = await flood(client, 'GET /small HTTP/1.1\r\nHost: t\r\nX-Long: ', () => 'v'.repeat(1000))
    t.equal(response.status, 431)
    t.match(response.body.toString(), /NETSERV_HEADER_TOO_LARGE/)
    await client.whenClosed
  })

  t.test('an endless request line: 414', async (t) => {
    const client = await RawClient.connect(server.port)
    const { response } = await flood(client, 'GET /', () => 'a'.repeat(1000))
    t.equal(response.status, 414)
    await client.whenClosed
  })

  t.test('an endless chunked body, the handler reading it: 413', async (t) => {
    const client = await RawClient.connect(server.port)
    const { response, sent } = await flood(client, 'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n', () => `1000\r\n${'b'.repeat(4096)}\r\n`)
    t.equal(response.status, 413)
    t.equal(response.header('connection'), 'close')
    t.match(response.body.toString(), /NETSERV_BODY_TOO_LARGE/)
    t.ok(sent > MAX_BODY_BYTES, `${sent} bytes sent`)
    await client.whenClosed
  })

  t.test('an endless chunked body its handler does not read: its answer, then 413 and the close', async (t) => {
    const client = await RawClient.connect(server.port, { allowHalfOpen: true })
    const { response } = await flood(client, 'POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n', () => `1000\r\n${'b'.repeat(4096)}\r\n`, true)
    t.equal(response.status, 200, 'the handler answered before the body was in')
    t.equal((await client.response()).status, 413, 'the body went on past the limit')
    t.ok(client.closed)
  })

  t.test('a declared body over the limit: 413 at once', async (t) => {
    const client = await RawClient.connect(server.port)
    client.write(`POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`)
    t.equal((await client.response()).status, 413)
    await client.whenClosed
  })

  t.test('a client that goes on sending after the 413 is closed all the same', async (t) => {
    const client = await RawClient.connect(server.port, { allowHalfOpen: true })
    const { response, sent } = await flood(client, 'POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n', () => `1000\r\n${'b'.repeat(4096)}\r\n`, true)
    t.equal(response.status, 413)
    t.ok(client.closed, `closed by the server after ${sent} bytes`)
  })

  t.test('afterwards: only the subscriber is connected', async (t) => {
    const measured = await server.settle((measured) => measured.connectionCount === 1)
    t.equal(measured.connectionCount, 1)
    t.equal(measured.pushOpen, 1)
  })
  t.test('the subscriber got everything; the server never crashed', (t) => server.finish(t))
})
