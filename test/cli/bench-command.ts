import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createNetServer, type Server as NetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchCommand, MAX_PER_CLIENT } from '../../src/cli/bench-command.js'
import { renderManPage } from '../../src/cli/man-page.js'
import { runCli } from '../../src/cli/run-cli.js'
import { ErrorCode } from '../../src/errors.js'
import { openStream } from '../../src/push/open-stream.js'
import { createServer } from '../../src/server/server.js'
import { FakeCliIo } from '../fixtures/fake-cli-io.js'

// Client processes load the TypeScript source: slow on a busy machine.
t.setTimeout(180_000)

async function listenNet(server: NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

t.test('usage errors, each before anything starts', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [[], /which benchmark\? \(connections\)/],
    [['sockets'], /unknown benchmark "sockets" \(known: connections\)/],
    [['connections'], /--url is required/],
    [['connections', '--url', 'nope'], /--url: not a URL: "nope"/],
    [['connections', '--url', 'https://127.0.0.1:1/'], /--url must be http:\/\/127\.x\.y\.z:PORT/],
    [['connections', '--url', 'http://127.0.0.1/'], /with the port given/],
    [['connections', '--url', 'http://10.0.0.1:80/'], /--url must be/],
    [['connections', '--url', 'http://localhost:80/'], /--url must be/],
    [['connections', '--url', 'http://127.0.0.1:8080/', '--mode', 'push'], /--mode must be sse or idle, got "push"/],
    [['connections', '--url', 'http://127.0.0.1:8080/', '--connections', '3', '--steps', '4'], /--steps \(4\) must not exceed --connections \(3\)/],
    [['connections', '--url', 'http://127.0.0.1:8080/', '--connections', String(MAX_PER_CLIENT * 2), '--clients', '1'], /38,000 connections need at least 2 client processes/],
    [['connections', '--url', 'http://127.0.0.1:8080/', '--connections', '100000', '--first-address', '250'], /--first-address 250 leaves no source address for 6 client processes/],
    [['connections', '--url', 'http://127.0.0.1:8080/', '--server-pid', String(2 ** 22)], /--server-pid: no process 4194304/],
    [['connections', '--url', 'http://127.0.0.1:8080/', '--hold'], /unknown option "--hold" \(did you mean --json\?\)|unknown option "--hold"/],
  ]
  for (const [argv, message] of cases) {
    const io = new FakeCliIo()
    await t.rejects(benchCommand.run(argv, io), { code: ErrorCode.INVALID_ARGUMENT, message }, argv.join(' '))
    t.equal(io.listenerCount, 0)
  }
  const io = new FakeCliIo()
  t.equal(await runCli(['bench', 'connections', '--url', 'http://127.0.0.1:80/'.replace('80', '0x')], io), 2, 'through the CLI: exit 2')
  t.match(io.stderr, /^netserv bench: --url/)
})

t.test('the page: every flag, the modes, the exit statuses; listed by netserv --help', async (t) => {
  const page = renderManPage(benchCommand.manPage)
  for (const text of ['--url URL', '--mode M', 'Default: sse.', '--connections N', 'Default: 10000.', '--hold-ms MS', '--server-pid PID', '--svg FILE', 'SIGNALS', 'EXIT STATUS', 'EXAMPLES']) t.match(page, text)
  const io = new FakeCliIo()
  await runCli(['--help'], io)
  t.match(io.stdout, /bench +benchmarks: connections/)
})

t.test('sse: a real run against netserv, with the table, the JSON and the SVG', async (t) => {
  const server = createServer({}, (request, response) => {
    openStream(response, 'sse', { heartbeatMs: 50 })
  })
  const { port } = await server.listen(0, '127.0.0.1')
  const directory = mkdtempSync(join(tmpdir(), 'netserv-bench-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  const io = new FakeCliIo()
  const url = `http://127.0.0.1:${port}/sub/bench`
  const argv = ['connections', '--url', url, '--connections', '50', '--steps', '2', '--hold-ms', '300', '--heartbeat-ms', '1', '--clients', '2', '--first-address', '121']
  const exit = await benchCommand.run([...argv, '--server-pid', String(process.pid), '--label', 'netserv', '--json', join(directory, 'r.json'), '--svg', join(directory, 'r.svg')], io)
  await server.close()
  t.equal(exit, 0)
  t.match(io.stdout, `netserv: SSE subscriptions to ${url}, 2 client processes, each step held 300 ms\n`)
  t.match(io.stdout, /\| 2: 50 +\| +50 \| +0 \| +0 \|/)
  t.match(io.stdout, /per connection \(slope over the steps\): RSS /)
  t.match(io.stdout, 'heartbeats (every 1 ms): LATE at some step\n', 'a 1 ms interval cannot be kept')
  t.match(io.stderr, /\r\[#+\] 100% 50\/50 step 2\/2 holding/, 'the progress bar')
  t.ok(io.stderr.endsWith('\n'))
  t.equal(io.listenerCount, 0, 'the signal listener is gone')
  const report = JSON.parse(readFileSync(join(directory, 'r.json'), 'utf8'))
  t.match(report, { label: 'netserv', url, mode: 'sse', heartbeatMs: 1, holdMs: 300, clients: 2, aborted: false, heartbeatsOnTime: false, machine: { cores: Number } })
  t.equal(report.steps.length, 2)
  t.equal(report.steps[1].open, 50)
  t.type(report.cost.ussSlopeBytes, 'number')
  const svg = readFileSync(join(directory, 'r.svg'), 'utf8')
  t.match(svg, /^<svg /)
  t.match(svg, 'Server memory against SSE subscribers')
  t.match(svg, '>netserv</text>')
  t.match(svg, /<polyline points="70,[\d.]+ [\d.]+,[\d.]+ [\d.]+,[\d.]+" fill="none"/, 'the baseline and two steps')
})

t.test('idle: refusals reported with the first reason; the label defaults to the URL', async (t) => {
  let count = 0
  const server = createNetServer((socket) => {
    socket.once('data', () => {
      // Slow answers: the run stays in its opening phase past a few progress reports.
      setTimeout(() => socket.write(count++ % 2 === 0 ? 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' : 'HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n'), 700)
    })
  })
  const port = await listenNet(server)
  t.teardown(() => server.close())
  const directory = mkdtempSync(join(tmpdir(), 'netserv-bench-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  const io = new FakeCliIo()
  const url = `http://127.0.0.1:${port}/`
  const exit = await benchCommand.run(['connections', '--url', url, '--mode', 'idle', '--connections', '4', '--steps', '1', '--hold-ms', '0', '--parallel', '1', '--first-address', '123', '--json', join(directory, 'r.json'), '--svg', join(directory, 'r.svg')], io)
  t.equal(exit, 0)
  t.match(io.stdout, `${url}: idle keep-alive connections to ${url}, 1 client processes`)
  t.match(io.stdout, 'first refusal: answered "HTTP/1.1 503 Busy"\n')
  t.notMatch(io.stdout, 'heartbeats')
  t.match(io.stderr, /step 1\/1 opening, \d refused/)
  const report = JSON.parse(readFileSync(join(directory, 'r.json'), 'utf8'))
  t.match(report, { label: url, mode: 'idle', heartbeatsOnTime: null, firstError: 'answered "HTTP/1.1 503 Busy"' })
  t.strictSame([report.steps[0].open, report.steps[0].refused], [2, 2])
  t.match(readFileSync(join(directory, 'r.svg'), 'utf8'), 'Server memory against idle connections')
})

t.test('SIGINT stops the run: the steps done so far, exit 1', async (t) => {
  const server = createNetServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\n\r\n')))
  const port = await listenNet(server)
  t.teardown(() => server.close())
  const io = new FakeCliIo()
  const exit = benchCommand.run(['connections', '--url', `http://127.0.0.1:${port}/`, '--connections', '4', '--steps', '2', '--hold-ms', '60000', '--first-address', '124'], io)
  io.signal('SIGINT')
  t.equal(await exit, 1)
  t.equal(io.stderr, 'netserv bench connections: SIGINT, stopped after 0 of 2 steps\n', 'no progress bar was drawn')
  t.match(io.stdout, /\| baseline +\| +0 \|/)
  t.notMatch(io.stdout, 'heartbeats')
})
