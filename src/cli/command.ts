/**
 * The contract between `netserv` and its subcommands (echo now; hub, demo and bench later):
 * each is a {@link Command} in its own file, registered in ./run-cli.ts. Commands reach the
 * console and the process's signals only through {@link CliIo}, so they run in-process under
 * test with a fake one.
 */
import type { ManPage } from './man-page.js'

/** Called with the signal's name (`SIGINT`, `SIGTERM`) when the user asks the process to stop. */
export type ShutdownSignalListener = (this: void, signal: string) => void

/** The process as a command sees it. */
export interface CliIo {
  /** Standard output: help pages, the banner. */
  out(text: string): void
  /** Standard error: usage errors, failures, shutdown notes. */
  err(text: string): void
  /**
   * Calls `listener` once, on the first SIGINT or SIGTERM; returns a function that removes it.
   * While a listener is registered the signals do not kill the process.
   */
  onShutdownSignal(listener: ShutdownSignalListener): () => void
}

/** One subcommand: `netserv <name> [flags]`. */
export interface Command {
  /** The word after `netserv`. */
  readonly name: string
  /** One line for the list of commands in `netserv --help`. */
  readonly summary: string
  /** What `netserv <name> --help` prints. */
  readonly manPage: ManPage
  /**
   * Runs with the arguments after the name (`--help` is handled before); resolves with the
   * exit status.
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` for bad usage (exit status 2)
   */
  run(argv: readonly string[], io: CliIo): Promise<number>
}
