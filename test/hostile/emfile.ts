// Accepting with no file descriptor left: the server child runs under `ulimit -n 64`, clients
// take every descriptor it has, and more keep coming. The server must live on, keep serving
// the connections it has (the subscriber gets every message), shed the ones it cannot take
// (closed, not left hanging in the backlog), and serve new connections again once descriptors
// are free.
//
// What the server can report: libuv takes an accept that fails with EMFILE itself (it closes a
// spare descriptor it keeps for this, accepts and closes every waiting connection, reopens the
// spare) and tells the server nothing; the failure reaches net's 'error', and the server's
// NETSERV_ACCEPT_FAILED report, only when another thread took the spare's slot in between.
// Measured here: 0 reports out of ~90 connections shed, also with four threadpool fs.open loops
// racing for the slot. So a report is checked for its form when one comes, not required.
import t from 'tap'
import { startHostileServer } from '../fixtures/hostile-child.js'
import { delay, RawClient, until } from '../fixtures/wire-client.js'

const MAX_FDS = 64

async function served(port: number): Promise<boolean> {
  const client = await RawClient.connect(port)
  client.write('GET /small HTTP/1.1\r\nHost: t\r\n\r\n')
  const ok = await client.response().then(
    (response) => response.body.toString() === 'ok',
    () => false,
  )
  client.destroy()
  return ok
}

t.test('out of file descriptors: the server lives on, sheds what it cannot take, and serves again', async (t) => {
  const server = await startHostileServer(t, { maxFds: MAX_FDS })
  const before = await server.measure()
  t.ok(before.fds > 0 && before.fds < MAX_FDS, `${before.fds} descriptors open at the start`)

  // Twice what is left: the rest cannot be accepted.
  const clients: RawClient[] = []
  for (let i = 0; i < 2 * MAX_FDS; i++) clients.push(await RawClient.connect(server.port))
  await until(() => clients.some((client) => client.closed), 10_000, 'a connection to be shed')
  const during = await server.measure()
  const shed = clients.filter((client) => client.closed).length
  t.ok(shed > 0, `${shed} of ${clients.length} connections shed`)
  t.comment(`accepted ${during.accepted - before.accepted}, accept errors ${during.acceptErrors}, descriptors ${during.fds}`)
  t.comment(`accept failures reported: ${server.errors.length}`)
  t.ok(
    server.errors.every((error) => error.code === 'NETSERV_ACCEPT_FAILED' && (error.cause === 'EMFILE' || error.cause === 'ENFILE')),
    'whatever was reported is NETSERV_ACCEPT_FAILED with EMFILE or ENFILE',
  )
  t.equal(during.fds, -1, 'no descriptor was left (the child could not open /proc/self/fd)')

  // The connections it took are served.
  const kept = clients.filter((client) => !client.closed).slice(0, 5)
  for (const client of kept) client.write('GET /small HTTP/1.1\r\nHost: t\r\n\r\n')
  for (const client of kept) t.equal((await client.response()).body.toString(), 'ok', 'an accepted connection is served')

  for (const client of clients) client.destroy()
  let ok = false
  for (let attempt = 0; attempt < 100 && !ok; attempt++) {
    ok = await served(server.port)
    if (!ok) await delay(50)
  }
  t.ok(ok, 'a new connection is served once descriptors are free')
  const after = await server.settle((measured) => measured.connectionCount === 1)
  t.equal(after.connectionCount, 1, 'only the subscriber is connected')
  t.equal(after.fds, before.fds, 'as many descriptors open as at the start')

  t.test('the subscriber got everything; the server never crashed', (t) => server.finish(t))
})
