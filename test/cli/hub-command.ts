import t from 'tap'
import { createServer as createNetServer } from 'node:net'
import { hubCommand, hubSettings, HUB_FLAGS } from '../../src/cli/hub-command.js'
import { runHub } from '../../src/cli/hub-server.js'
import { clientScriptText } from '../../src/client/client-script.js'
import { parseFlags } from '../../src/cli/flags.js'
import { renderManPage } from '../../src/cli/man-page.js'
import { runCli } from '../../src/cli/run-cli.js'
import { ErrorCode } from '../../src/errors.js'
import type { Broker } from '../../src/hub/broker.js'
import { LocalBroker } from '../../src/hub/broker.js'
import { FakeCliIo } from '../fixtures/fake-cli-io.js'
import { HubStream, jsonOf, requestBytes } from '../fixtures/hub-server.js'
import { RawClient } from '../fixtures/wire-client.js'

async function start(argv: string[]): Promise<{ io: FakeCliIo; port: number; exit: Promise<number> }> {
  const io = new FakeCliIo()
  const exit = hubCommand.run(argv, io)
  const [, port] = await io.waitForOut(/listening on http:\/\/127\.0\.0\.1:(\d+)\//)
  return { io, port: Number(port), exit }
}

async function request(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  const client = await RawClient.connect(port)
  client.write(requestBytes(method, target, headers, body))
  const response = await client.response()
  client.destroy()
  return response
}

t.test('serves the hub; SIGINT ends streams properly and exits 0', async (t) => {
  const { io, port, exit } = await start(['--port', '0', '--presence', 'chat*', '--interactive', 'chat*', '--history', '2'])
  t.match(io.stdout, /^netserv hub listening on http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl-C to stop\)\n$/)
  const client = await RawClient.connect(port)
  client.write(requestBytes('GET', '/sub/chat.lobby?user=ann'))
  const stream = await HubStream.open(client)
  t.equal((await stream.untilEvents(1))[0]?.type, 'join', '--presence applies')
  t.equal((await request(port, 'POST', '/send/chat.lobby', {}, 'hi')).status, 200, '--interactive applies')
  t.equal((await request(port, 'POST', '/send/news', {}, 'hi')).status, 403)
  for (const data of ['1', '2', '3']) await request(port, 'POST', '/pub/news', {}, data)
  t.match(jsonOf(await request(port, 'GET', '/pub/news')), { retained: 2 }, '--history applies')
  const index = await request(port, 'GET', '/')
  t.match(index.body.toString(), 'GET  /sub/<channel>')
  const missing = await request(port, 'GET', '/nothing')
  t.equal(missing.status, 404)
  t.strictSame(jsonOf(missing), { error: ErrorCode.NOT_FOUND, message: 'nothing at /nothing' })
  t.equal((await request(port, 'POST', '/')).status, 404)
  t.match(index.body.toString(), 'GET  /netserv.js')
  const script = await request(port, 'GET', '/netserv.js')
  t.equal(script.status, 200)
  t.match(script.header('content-type'), /^text\/javascript/)
  t.equal(script.body.toString(), clientScriptText('module'), 'the browser client, as the demo serves it')
  const classic = await request(port, 'GET', '/netserv.classic.js')
  t.equal(classic.body.toString(), clientScriptText('classic'), 'and its classic variant')
  t.equal((await request(port, 'POST', '/netserv.js')).status, 404, 'read only')
  io.signal('SIGINT')
  const events = await stream.toEnd()
  t.strictSame(events.map((event) => event.data), [events[0]?.data, 'hi'], 'the stream ended with its last chunk')
  t.equal(await exit, 0)
  t.equal(io.stderr, 'netserv hub: SIGINT, closing\n')
})

t.test('--token, else NETSERV_TOKEN; without either, loopback publishers', async (t) => {
  const saved = process.env['NETSERV_TOKEN']
  t.teardown(() => {
    if (saved === undefined) delete process.env['NETSERV_TOKEN']
    else process.env['NETSERV_TOKEN'] = saved
  })
  process.env['NETSERV_TOKEN'] = 'from-env'
  const { port, io, exit } = await start(['--port=0'])
  t.equal((await request(port, 'POST', '/pub/a', {}, 'x')).status, 403)
  t.equal((await request(port, 'POST', '/pub/a', { Authorization: 'Bearer from-env' }, 'x')).status, 200)
  io.signal('SIGTERM')
  t.equal(await exit, 0)
  const flags = parseFlags(['--token', 'from-flag'], HUB_FLAGS)
  t.equal(hubSettings(flags, { NETSERV_TOKEN: 'from-env' }).hub.token, 'from-flag')
  t.equal(hubSettings(parseFlags([], HUB_FLAGS), { NETSERV_TOKEN: '' }).hub.token, undefined)
  t.equal(hubSettings(parseFlags([], HUB_FLAGS), {}).hub.channel, undefined)
  const patterns = hubSettings(parseFlags(['--presence', 'p*'], HUB_FLAGS), {}).hub.channel
  t.strictSame(patterns?.('px'), { interactive: false, presence: true })
})

t.test('bad flags: a message and exit 2, before anything listens', async (t) => {
  for (const argv of [['--port', 'x'], ['--history', '0'], ['--presence', 'a b'], ['--workers', '0'], ['--token=']]) {
    const io = new FakeCliIo()
    t.equal(await runCli(['hub', ...argv], io), 2, argv.join(' '))
    t.match(io.stderr, /^netserv hub: .+\nTry 'netserv hub --help'\.\n$/)
    t.equal(io.stdout, '')
  }
})

t.test('a port taken: exit 1', async (t) => {
  const blocker = createNetServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as { port: number }).port
  const io = new FakeCliIo()
  t.equal(await hubCommand.run(['--port', String(port)], io), 1)
  t.match(io.stderr, /^netserv hub: cannot listen on 127\.0\.0\.1 port \d+: /)
})

t.test('runHub takes a broker (for scale-out); its failures, Error or not, reach stderr', async (t) => {
  const broker: Broker = Object.assign(new LocalBroker(42), { close: () => Promise.reject('broker close failed') })
  const io = new FakeCliIo()
  const exit = runHub({ port: 0, host: '127.0.0.1', hub: { broker } }, io)
  const [, port] = await io.waitForOut(/listening on http:\/\/127\.0\.0\.1:(\d+)\//)
  t.match(jsonOf(await request(Number(port), 'POST', '/pub/a', {}, 'x')), { id: '42-1' })
  io.signal('SIGINT')
  t.equal(await exit, 0)
  t.match(io.stderr, 'netserv hub: broker close failed\n')
})

t.test('the page documents every flag, the environment, signals, exit statuses', async (t) => {
  const page = renderManPage(hubCommand.manPage)
  for (const text of ['--port P', 'Default: 6969.', '--host H', '--token T', 'NETSERV_TOKEN', '--history N', '--interactive PATTERN', '--presence PATTERN', 'SIGNALS', 'EXIT STATUS', 'EXAMPLES']) {
    t.match(page, text)
  }
  const io = new FakeCliIo()
  t.equal(await runCli(['hub', '--help'], io), 0)
  t.match(io.stdout, /^NAME\n {7}netserv hub - /)
})

t.test('a broker that cannot start: reported, publishes answered 500, the hub still stops cleanly', async (t) => {
  const broker: Broker = Object.assign(new LocalBroker(), { start: () => Promise.reject(new Error('broker start failed')) })
  const io = new FakeCliIo()
  const exit = runHub({ port: 0, host: '127.0.0.1', hub: { broker } }, io)
  const [, port] = await io.waitForOut(/listening on http:\/\/127\.0\.0\.1:(\d+)\//)
  t.equal((await request(Number(port), 'POST', '/pub/a', {}, 'x')).status, 500)
  io.signal('SIGTERM')
  t.equal(await exit, 0)
  t.match(io.stderr, /^netserv hub: broker start failed\n/)
})
