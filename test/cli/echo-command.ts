import t from 'tap'
import { echoCommand } from '../../src/cli/echo-command.js'
import { renderManPage } from '../../src/cli/man-page.js'
import { ErrorCode } from '../../src/errors.js'
import { FakeCliIo } from '../fixtures/fake-cli-io.js'
import { RawClient } from '../fixtures/wire-client.js'

/** Starts `netserv echo` in-process; resolves with its port and the promise of its exit status. */
async function start(argv: string[]): Promise<{ io: FakeCliIo; port: number; exit: Promise<number> }> {
  const io = new FakeCliIo()
  const exit = echoCommand.run(argv, io)
  const [, port] = await io.waitForOut(/listening on http:\/\/127\.0\.0\.1:(\d+)\//)
  return { io, port: Number(port), exit }
}

t.test('defaults: 127.0.0.1, Host required', async (t) => {
  const { io, port, exit } = await start(['--port', '0'])
  t.match(io.stdout, /^netserv echo listening on /)
  const client = await RawClient.connect(port)
  client.write('GET / HTTP/1.1\r\n\r\n')
  const response = await client.response()
  t.equal(response.status, 400)
  t.equal(response.body.toString(), '400 Bad Request: NETSERV_MISSING_HOST\n')
  io.signal('SIGINT')
  t.equal(await exit, 0)
  t.equal(io.stderr, 'netserv echo: SIGINT, closing\n')
})

t.test('--allow-missing-host and --host reach the server', async (t) => {
  const { io, port, exit } = await start(['--allow-missing-host', '--host', '127.0.0.1', '--port=0'])
  const client = await RawClient.connect(port)
  client.write('POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi')
  const response = await client.response()
  t.equal(response.status, 200)
  t.strictSame(JSON.parse(response.body.toString()), {
    method: 'POST',
    target: '/x',
    version: 'HTTP/1.1',
    headers: [['Content-Length', '2']],
    trailers: [],
    body: Buffer.from('hi').toString('base64'),
  })
  io.signal('SIGTERM')
  t.equal(await exit, 0)
})

t.test('bad flags are usage errors, thrown before anything listens', async (t) => {
  const io = new FakeCliIo()
  t.throws(() => echoCommand.run(['--port', '-1'], io), { code: ErrorCode.INVALID_ARGUMENT })
  t.throws(() => echoCommand.run(['--allow-missing-host=1'], io), { code: ErrorCode.INVALID_ARGUMENT })
  t.equal(io.listenerCount, 0)
  t.equal(io.stdout, '')
})

t.test('the page documents every flag, the signals, the exit statuses', async (t) => {
  const page = renderManPage(echoCommand.manPage)
  for (const text of ['--port P', 'Default: 8080.', '--host H', 'Default: 127.0.0.1.', '--allow-missing-host', 'SIGNALS', 'EXIT STATUS', 'EXAMPLES']) {
    t.match(page, text)
  }
})
