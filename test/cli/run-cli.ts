import t from 'tap'
import type { Command } from '../../src/cli/command.js'
import { usageError } from '../../src/cli/flags.js'
import { COMMANDS, packageVersion, runCli } from '../../src/cli/run-cli.js'
import { FakeCliIo } from '../fixtures/fake-cli-io.js'
import { readFileSync } from 'node:fs'

/** A command that records its arguments and does what it is told. */
function fakeCommand(name: string, behaviour: (argv: readonly string[]) => number): Command & { calls: Array<readonly string[]> } {
  const calls: Array<readonly string[]> = []
  return {
    name,
    summary: `the ${name} command`,
    manPage: { name: `netserv ${name}`, summary: `the ${name} page`, synopsis: [`netserv ${name}`], description: 'Fake.', flags: {}, sections: [] },
    calls,
    async run(argv) {
      calls.push(argv)
      return behaviour(argv)
    },
  }
}

t.test('no arguments, -h, --help and help: the top page listing every command', async (t) => {
  const commands = [fakeCommand('one', () => 0), fakeCommand('three', () => 0)]
  for (const argv of [[], ['-h'], ['--help'], ['help']]) {
    const io = new FakeCliIo()
    t.equal(await runCli(argv, io, commands), 0, `${argv.join(' ')}: exit 0`)
    t.match(io.stdout, /^NAME\n {7}netserv - /, 'a man page')
    t.match(io.stdout, '\nCOMMANDS\n           one     the one command\n           three   the three command\n')
    t.equal(io.stderr, '')
    t.strictSame(commands[0]?.calls, [], 'nothing run')
  }
})

t.test('the real table: echo is listed, and is what COMMANDS holds', async (t) => {
  const io = new FakeCliIo()
  t.equal(await runCli([], io), 0)
  t.match(io.stdout, /COMMANDS\n +echo +answer every request/)
  t.strictSame(COMMANDS.map((command) => command.name), ['echo', 'hub', 'demo', 'bench'])
})

t.test('--version prints the version in package.json', async (t) => {
  const io = new FakeCliIo()
  t.equal(await runCli(['--version'], io), 0)
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(io.stdout, `netserv ${manifest.version}\n`)
  t.equal(packageVersion(), manifest.version)
})

t.test('a command page: <command> --help, -h anywhere, help <command>', async (t) => {
  const one = fakeCommand('one', () => 0)
  for (const argv of [['one', '--help'], ['one', '--port', 'x', '-h'], ['help', 'one']]) {
    const io = new FakeCliIo()
    t.equal(await runCli(argv, io, [one]), 0, argv.join(' '))
    t.match(io.stdout, /^NAME\n {7}netserv one - the one page\n/)
  }
  t.strictSame(one.calls, [], 'help never runs the command')
  const io = new FakeCliIo()
  t.equal(await runCli(['echo', '--help'], io), 0)
  t.match(io.stdout, /^NAME\n {7}netserv echo - /, 'the real echo page')
})

t.test('a command runs with the arguments after its name; its status is the exit status', async (t) => {
  const one = fakeCommand('one', (argv) => argv.length)
  const io = new FakeCliIo()
  t.equal(await runCli(['one', 'a', 'b', 'c'], io, [one]), 3)
  t.strictSame(one.calls, [['a', 'b', 'c']])
})

t.test('bad usage: a message on stderr, a pointer to --help, exit 2', async (t) => {
  const one = fakeCommand('one', () => {
    throw usageError('--size must be small')
  })
  const cases: Array<[string[], string]> = [
    [['frob'], 'netserv: unknown command "frob" (commands: one)\nTry \'netserv --help\'.\n'],
    [['--frob'], 'netserv: unknown option "--frob" (commands: one)\nTry \'netserv --help\'.\n'],
    [['help', 'frob'], 'netserv: unknown command "frob" (commands: one)\nTry \'netserv --help\'.\n'],
    [['one', '--size', '99'], "netserv one: --size must be small\nTry 'netserv one --help'.\n"],
  ]
  for (const [argv, message] of cases) {
    const io = new FakeCliIo()
    t.equal(await runCli(argv, io, [one]), 2, argv.join(' '))
    t.equal(io.stderr, message)
    t.equal(io.stdout, '')
  }
})

t.test('the real echo command refuses bad flags with exit 2', async (t) => {
  const io = new FakeCliIo()
  t.equal(await runCli(['echo', '--port', 'eighty'], io), 2)
  t.equal(io.stderr, 'netserv echo: --port must be an integer from 0 to 65535, got "eighty"\nTry \'netserv echo --help\'.\n')
})

t.test('any other failure: its message, exit 1', async (t) => {
  const broken = fakeCommand('broken', () => {
    throw new Error('disk on fire')
  })
  const odd = fakeCommand('odd', () => {
    // A thrown non-Error (from some dependency) is still reported.
    throw 'a string'
  })
  const io = new FakeCliIo()
  t.equal(await runCli(['broken'], io, [broken, odd]), 1)
  t.equal(io.stderr, 'netserv broken: disk on fire\n')
  const io2 = new FakeCliIo()
  t.equal(await runCli(['odd'], io2, [broken, odd]), 1)
  t.equal(io2.stderr, 'netserv odd: a string\n')
})
