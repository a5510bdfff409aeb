/**
 * The `netserv` executable as a user runs it: a child process on the TypeScript source, with
 * real stdout, stderr, signals and exit statuses.
 *
 * The child runs with this process's `execArgv`, so under tap it loads the source through tap's
 * own TypeScript loader and inherits tap's coverage environment: its coverage of main.ts and
 * process-io.ts counts. (A child started with `--import tsx` instead is collected too, but its
 * source maps make every file it loads report 100%, covered or not.)
 */
import t, { type Test } from 'tap'
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { RawClient } from '../fixtures/wire-client.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

interface Run {
  child: ChildProcessByStdio<null, Readable, Readable>
  stdout: string
  stderr: string
  /** Resolves with the exit status (or the signal's name). */
  exit: Promise<number | string>
}

function netserv(t: Test, args: string[]): Run {
  const child = spawn(process.execPath, [...process.execArgv, MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal as string)))),
  }
  child.stdout.setEncoding('utf8').on('data', (text: string) => (run.stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (run.stderr += text))
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return run
}

/** Waits for the banner; returns the port it names. */
async function banner(run: Run): Promise<number> {
  for (;;) {
    const match = /^netserv echo listening on http:\/\/127\.0\.0\.1:(\d+)\/ \(Ctrl-C to stop\)\n/.exec(run.stdout)
    if (match !== null) return Number(match[1])
    if (run.child.exitCode !== null) throw new Error(`exited before the banner: ${run.stderr}`)
    await new Promise((resolve) => run.child.stdout.once('data', resolve))
  }
}

t.test('no arguments: the help page on stdout, exit 0', async (t) => {
  const run = netserv(t, [])
  t.equal(await run.exit, 0)
  t.match(run.stdout, /^NAME\n {7}netserv - .*\n[^]*\nCOMMANDS\n +echo /)
  t.equal(run.stderr, '')
})

t.test('echo --help: the echo page, exit 0', async (t) => {
  const run = netserv(t, ['echo', '--help'])
  t.equal(await run.exit, 0)
  t.match(run.stdout, /^NAME\n {7}netserv echo - [^]*\nOPTIONS\n {7}--port P /)
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`echo: banner, a real request, ${signal} closes cleanly with exit 0`, async (t) => {
    const run = netserv(t, ['echo', '--port', '0'])
    const port = await banner(run)
    const client = await RawClient.connect(port)
    client.write('GET /from-the-cli HTTP/1.1\r\nHost: h\r\n\r\n')
    const response = await client.response()
    t.equal(response.status, 200)
    t.equal(JSON.parse(response.body.toString()).target, '/from-the-cli')
    run.child.kill(signal)
    t.equal(await run.exit, 0)
    t.equal(run.stderr, `netserv echo: ${signal}, closing\n`)
    await client.whenClosed
    t.pass('the idle keep-alive connection was ended by the shutdown')
  })
}

t.test('bad flags: a message on stderr, exit 2, nothing started', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['echo', '--port', 'x'], /^netserv echo: --port must be an integer from 0 to 65535, got "x"\nTry 'netserv echo --help'\.\n$/],
    [['echo', '--bogus'], /^netserv echo: unknown option "--bogus"\n/],
    [['bogus'], /^netserv: unknown command "bogus"/],
  ]
  // Started together: each child takes a while to load the TypeScript source.
  const runs = cases.map(([args]) => netserv(t, args))
  for (const [i, [args, message]] of cases.entries()) {
    const run = runs[i] as Run
    t.equal(await run.exit, 2, args.join(' '))
    t.match(run.stderr, message)
    t.equal(run.stdout, '')
  }
})

t.test('a port already taken: exit 1 with the reason', async (t) => {
  const taken = createNetServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => taken.close())
  const port = (taken.address() as AddressInfo).port
  const run = netserv(t, ['echo', '--port', String(port)])
  t.equal(await run.exit, 1)
  t.match(run.stderr, new RegExp(`netserv echo: cannot listen on 127\\.0\\.0\\.1 port ${port}: .*EADDRINUSE`))
})
