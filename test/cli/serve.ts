import t from 'tap'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { serveUntilShutdown, serverUrl } from '../../src/cli/serve.js'
import { echoServer } from '../../src/examples/echo.js'
import { FakeCliIo } from '../fixtures/fake-cli-io.js'
import { RawClient } from '../fixtures/wire-client.js'

t.test('serverUrl: IPv4 as is, IPv6 in brackets', async (t) => {
  t.equal(serverUrl({ address: '127.0.0.1', family: 'IPv4', port: 8080 }), 'http://127.0.0.1:8080/')
  t.equal(serverUrl({ address: '::1', family: 'IPv6', port: 6969 }), 'http://[::1]:6969/')
})

t.test('listen, banner with the real port, serve, close on the signal, exit 0', async (t) => {
  const io = new FakeCliIo()
  const server = echoServer()
  const running = serveUntilShutdown(server, { label: 'netserv test', port: 0, host: '127.0.0.1' }, io)
  t.equal(io.listenerCount, 1, 'listening for signals before the banner')
  const [banner, port] = await io.waitForOut(/^netserv test listening on http:\/\/127\.0\.0\.1:(\d+)\/ \(Ctrl-C to stop\)\n$/)
  t.ok(banner)
  t.equal(Number(port), (server.address() as AddressInfo).port, 'the bound port, not 0')
  const client = await RawClient.connect(Number(port))
  client.write('GET /during HTTP/1.1\r\nHost: h\r\n\r\n')
  t.equal((await client.response()).status, 200)
  io.signal('SIGTERM')
  t.equal(await running, 0)
  t.equal(io.stderr, 'netserv test: SIGTERM, closing\n')
  await client.whenClosed
  t.equal(server.connectionCount, 0, 'the idle keep-alive connection was closed')
  t.equal(io.listenerCount, 0)
})

t.test('cannot listen: a message naming the address and the reason, exit 1, no listener left', async (t) => {
  const taken = createNetServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => taken.close())
  const port = (taken.address() as AddressInfo).port
  const io = new FakeCliIo()
  const errors: unknown[] = []
  const server = echoServer({ onError: (error) => errors.push(error) })
  t.equal(await serveUntilShutdown(server, { label: 'netserv test', port, host: '127.0.0.1' }, io), 1)
  t.match(io.stderr, new RegExp(`^netserv test: cannot listen on 127\\.0\\.0\\.1 port ${port}: .*EADDRINUSE`))
  t.equal(io.stdout, '', 'no banner')
  t.equal(io.listenerCount, 0)
  t.strictSame(errors, [], 'the listen error is not also reported as an accept failure')
})
