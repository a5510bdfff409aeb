// Slowloris: heads dribbled a byte at a time, or never sent, hold a connection only until the
// header timeout, which more bytes do not extend; the server answers 408 and closes. A short
// header timeout (300 ms) keeps the test short; nothing here asserts how fast anything is.
import t from 'tap'
import { startHostileServer } from '../fixtures/hostile-child.js'
import { delay, RawClient } from '../fixtures/wire-client.js'

const HEADER_TIMEOUT_MS = 300

/** Writes `head` a byte every `gapMs` until the server ends the connection or `head` runs out. */
async function dribble(client: RawClient, head: string, gapMs: number): Promise<number> {
  let sent = 0
  while (sent < head.length && !client.ended && !client.closed) {
    client.write(head[sent] as string)
    sent++
    await delay(gapMs)
  }
  return sent
}

// Far more than the timeout lets through at one byte per 20 ms: the head never completes.
const ENDLESS_HEAD = `GET /small HTTP/1.1\r\nHost: t\r\nX-Slow: ${'a'.repeat(5000)}`

t.test('slowloris heads are cut by the header timeout with 408; the server serves on', async (t) => {
  const server = await startHostileServer(t, { server: { headerTimeoutMs: HEADER_TIMEOUT_MS, idleTimeoutMs: 2000 } })

  t.test('one head dribbled a byte every 20 ms', async (t) => {
    const client = await RawClient.connect(server.port)
    const sent = await dribble(client, ENDLESS_HEAD, 20)
    t.ok(sent < ENDLESS_HEAD.length, `cut off after ${sent} bytes`)
    const response = await client.response()
    t.equal(response.status, 408)
    t.equal(response.header('connection'), 'close')
    t.match(response.body.toString(), /NETSERV_REQUEST_TIMEOUT/)
    await client.whenClosed
  })

  t.test('a connection that sends nothing', async (t) => {
    const client = await RawClient.connect(server.port)
    const response = await client.response()
    t.equal(response.status, 408)
    await client.whenClosed
  })

  t.test('a second request dribbled on a keep-alive connection', async (t) => {
    const client = await RawClient.connect(server.port)
    client.write('GET /small HTTP/1.1\r\nHost: t\r\n\r\n')
    t.equal((await client.response()).body.toString(), 'ok')
    const sent = await dribble(client, ENDLESS_HEAD, 20)
    t.ok(sent < ENDLESS_HEAD.length, `cut off after ${sent} bytes`)
    t.equal((await client.response()).status, 408)
    await client.whenClosed
  })

  t.test('a hundred at once, while a well-behaved client is served', async (t) => {
    const clients = await Promise.all(Array.from({ length: 100 }, () => RawClient.connect(server.port)))
    const dribbling = clients.map((client) => dribble(client, ENDLESS_HEAD, 20))
    const polite = await RawClient.connect(server.port)
    polite.write('GET /small HTTP/1.1\r\nHost: t\r\n\r\n')
    t.equal((await polite.response()).body.toString(), 'ok', 'served meanwhile')
    polite.destroy()
    const sent = await Promise.all(dribbling)
    t.ok(sent.every((bytes) => bytes < ENDLESS_HEAD.length), 'every one cut off')
    const statuses = await Promise.all(clients.map(async (client) => (await client.response()).status))
    t.ok(statuses.every((status) => status === 408), 'every one answered 408')
    await Promise.all(clients.map((client) => client.whenClosed))
  })

  t.test('afterwards: only the subscriber is connected', async (t) => {
    let measured = await server.measure()
    for (let i = 0; i < 100 && measured.connectionCount !== 1; i++) {
      await delay(50)
      measured = await server.measure()
    }
    t.equal(measured.connectionCount, 1)
    t.equal(measured.pushOpen, 1)
  })
  t.test('the subscriber got everything; the server never crashed', (t) => server.finish(t))
})
