/**
 * The real process behind {@link CliIo}: its stdout, stderr and signals.
 */
import type { CliIo, ShutdownSignalListener } from './command.js'

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** The running process as the CLI's {@link CliIo}. */
export const processIo: CliIo = {
  out(text: string): void {
    process.stdout.write(text)
  },
  err(text: string): void {
    process.stderr.write(text)
  },
  onShutdownSignal(listener: ShutdownSignalListener): () => void {
    const remove = (): void => {
      for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, onSignal)
    }
    // Removed at the first signal: with no listener left, a second Ctrl-C kills the process
    // the default way, which is what a user pressing it twice wants.
    const onSignal = (signal: string): void => {
      remove()
      listener(signal)
    }
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal)
    return remove
  },
}
