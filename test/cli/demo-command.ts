import { createServer } from 'node:net'
import t from 'tap'
import { demoCommand } from '../../src/cli/demo-command.js'
import { renderManPage } from '../../src/cli/man-page.js'
import { ErrorCode } from '../../src/errors.js'
import { FakeCliIo } from '../fixtures/fake-cli-io.js'

t.test('serves the demo until a signal, then closes everything and exits 0', async (t) => {
  const io = new FakeCliIo()
  const exit = demoCommand.run(['--port', '0', '--host', '127.0.0.1'], io)
  const [, port] = await io.waitForOut(/^netserv demo listening on http:\/\/127\.0\.0\.1:(\d+)\/ \(Ctrl-C to stop\)\n$/)
  const page = await fetch(`http://127.0.0.1:${port}/`)
  t.equal(page.status, 200)
  t.match(await page.text(), '<title>netserv demo</title>')
  const quotes = await fetch(`http://127.0.0.1:${port}/sub/quotes`)
  io.signal('SIGTERM')
  t.equal(await exit, 0)
  t.equal(io.stderr, 'netserv demo: SIGTERM, closing\n')
  await t.resolves(quotes.text(), 'the open stream ended')
})

t.test('a port already taken: exit 1, and nothing left running', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const { port } = blocker.address() as { port: number }
  const io = new FakeCliIo()
  t.equal(await demoCommand.run(['--port', String(port)], io), 1)
  t.match(io.stderr, `netserv demo: cannot listen on 127.0.0.1 port ${port}`)
  t.equal(io.listenerCount, 0)
  // Were the ticker still running, tap would wait on its timer at the end and time out.
})

t.test('bad flags are usage errors, thrown before anything starts', async (t) => {
  const io = new FakeCliIo()
  t.throws(() => demoCommand.run(['--port', '70000'], io), { code: ErrorCode.INVALID_ARGUMENT })
  t.throws(() => demoCommand.run(['--hots', 'x'], io), { code: ErrorCode.INVALID_ARGUMENT, message: /did you mean --host/ })
  t.equal(io.listenerCount, 0)
})

t.test('the page: defaults 6969 and 127.0.0.1, what the demo shows, the signals', async (t) => {
  const page = renderManPage(demoCommand.manPage)
  for (const text of ['--port P', 'Default: 6969.', '--host H', 'Default: 127.0.0.1.', 'multipart/x-mixed-replace', 'SIGNALS', 'EXIT STATUS']) {
    t.match(page, text)
  }
})
