/**
 * `netserv <command> [flags]`: finds the command, prints help, reports usage errors. All of
 * the CLI but the process itself, so tests run it in-process with a fake {@link CliIo}.
 *
 * Exit status: 0 success, 1 failure at run time, 2 bad usage: a message on stderr and a
 * pointer to `--help`, as GNU tools do.
 */
import { readFileSync } from 'node:fs'
import { ErrorCode, NetservError } from '../errors.js'
import { benchCommand } from './bench-command.js'
import type { Command, CliIo } from './command.js'
import { demoCommand } from './demo-command.js'
import { echoCommand } from './echo-command.js'
import { hubCommand } from './hub-command.js'
import { usageError } from './flags.js'
import { renderManPage } from './man-page.js'

/** Every subcommand, in the order `netserv --help` lists them. */
export const COMMANDS: readonly Command[] = [echoCommand, hubCommand, demoCommand, benchCommand]

const HELP_FLAGS: ReadonlySet<string> = new Set(['-h', '--help'])

function topManPage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 3
  return renderManPage({
    name: 'netserv',
    summary: 'a raw-socket HTTP/1.1 engine for push (Comet) servers',
    synopsis: ['netserv <command> [options]', 'netserv <command> --help', 'netserv help [<command>]', 'netserv --version'],
    description:
      'netserv serves HTTP/1.1 on its own strict, zero-copy parser, straight on TCP sockets (no node:http). Each command below starts a server or a tool; "netserv <command> --help" describes it.',
    flags: { version: { type: 'boolean', summary: 'Print the version and exit.' } },
    sections: [
      ['COMMANDS', commands.map((command) => `    ${command.name.padEnd(width)}${command.summary}`).join('\n')],
      ['EXIT STATUS', '    0   success; a server stopped by SIGINT or SIGTERM\n    1   failure at run time\n    2   bad usage: unknown command or option, bad value'],
    ],
  })
}

/** The version in package.json (beside src/ and lib/ alike). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return manifest.version
}

/**
 * Runs `netserv` with `argv` (the arguments after the program's name); resolves with the exit
 * status. `commands` is the table to dispatch on (the default: {@link COMMANDS}).
 */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const first = argv[0]
  let prefix = 'netserv'
  try {
    if (first === undefined || HELP_FLAGS.has(first)) {
      io.out(topManPage(commands))
      return 0
    }
    if (first === '--version') {
      io.out(`netserv ${packageVersion()}\n`)
      return 0
    }
    if (first === 'help') {
      const topic = argv[1]
      if (topic === undefined) io.out(topManPage(commands))
      else io.out(renderManPage(findCommand(topic, commands).manPage))
      return 0
    }
    const command = findCommand(first, commands)
    prefix = `netserv ${command.name}`
    const rest = argv.slice(1)
    // Help wins over everything else on the line, as in most tools: `--port x --help` helps.
    if (rest.some((arg) => HELP_FLAGS.has(arg))) {
      io.out(renderManPage(command.manPage))
      return 0
    }
    return await command.run(rest, io)
  } catch (error) {
    if (error instanceof NetservError && error.code === ErrorCode.INVALID_ARGUMENT) {
      io.err(`${prefix}: ${error.message}\nTry '${prefix} --help'.\n`)
      return 2
    }
    io.err(`${prefix}: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

function findCommand(name: string, commands: readonly Command[]): Command {
  const command = commands.find((candidate) => candidate.name === name)
  if (command !== undefined) return command
  const known = commands.map((candidate) => candidate.name).join(', ')
  if (name.startsWith('-')) throw usageError(`unknown option ${JSON.stringify(name)} (commands: ${known})`)
  throw usageError(`unknown command ${JSON.stringify(name)} (commands: ${known})`)
}
