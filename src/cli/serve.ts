/**
 * The life of a server started from the command line, shared by every server command: listen,
 * print a one-line banner with the URL, wait for SIGINT or SIGTERM, close cleanly, exit 0.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from '../server/server.js'
import type { CliIo } from './command.js'

/** Where and as what to serve. */
export interface ServeOptions {
  /** `netserv echo`: starts the banner and every message. */
  readonly label: string
  readonly port: number
  readonly host: string
}

/** `http://127.0.0.1:8080/`, with an IPv6 address in brackets. */
export function serverUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}/`
}

/**
 * Runs `server` until a shutdown signal; resolves with the exit status: 0 after a clean close,
 * 1 when it cannot listen (the port is taken, the address is not local...).
 */
export async function serveUntilShutdown(server: Server, options: ServeOptions, io: CliIo): Promise<number> {
  // Listening for the signals before the banner is out: a signal sent on seeing the banner
  // must find the listener in place.
  let removeListener!: () => void
  const signalled = new Promise<string>((resolve) => {
    removeListener = io.onShutdownSignal(resolve)
  })
  let address: AddressInfo
  try {
    address = await server.listen(options.port, options.host)
  } catch (error) {
    removeListener()
    io.err(`${options.label}: cannot listen on ${options.host} port ${options.port}: ${(error as Error).message}\n`)
    return 1
  }
  io.out(`${options.label} listening on ${serverUrl(address)} (Ctrl-C to stop)\n`)
  const signal = await signalled
  io.err(`${options.label}: ${signal}, closing\n`)
  await server.close()
  return 0
}
