/**
 * The hello-world server of the benchmarks: `GET /` answers `hello world\n` (12 bytes,
 * text/plain) from a StaticResponse, encoded once and written as the same Buffer every time.
 *
 *   node lib/examples/hello.js --port 8080 [--host 127.0.0.1]
 *
 * Run directly, it listens and prints `listening on http://HOST:PORT` (port 0 picks a free
 * port: read the line to learn it); SIGINT or SIGTERM closes it. Imported, it serves nothing.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { StaticResponse } from '../buffers/static-response.js'
import { createServer, type Server } from '../server/server.js'

const HELLO = new StaticResponse({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'hello world\n' })
const NOT_FOUND = new StaticResponse({ status: 404, headers: [['Content-Type', 'text/plain']], body: 'not found\n' })

/** Makes the hello server (not yet listening). */
export function helloServer(): Server {
  return createServer((request, response) => {
    response.send(request.path === '/' ? HELLO : NOT_FOUND)
  })
}

/**
 * The command line: `--port P` (default 8080, 0 for any free port) and `--host H` (default
 * 127.0.0.1). Resolves once listening; SIGINT or SIGTERM closes the server, and the process
 * ends when its sockets are gone (nothing of netserv keeps it alive after that).
 * @throws RangeError for a port outside 0-65535; the listen error (`EADDRINUSE`...)
 */
export async function main(args: readonly string[]): Promise<Server> {
  const { values } = parseArgs({ args: [...args], options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } } })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`--port must be 0-65535, got ${values.port}`)
  const server = helloServer()
  const address = await server.listen(port, values.host)
  const stop = (): void => {
    void server.close({ deadlineMs: 1000 })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  process.stdout.write(`listening on http://${address.address}:${address.port}\n`)
  return server
}

/**
 * Runs {@link main} when `entry` (the script node was started with) is this file, so
 * `node lib/examples/hello.js` serves and an import does not. Compared through realpath: a
 * symlinked path to the same file still counts. Resolves with the server, or null when not run.
 */
export async function runIfMain(entry: string | undefined = process.argv[1], args: readonly string[] = process.argv.slice(2)): Promise<Server | null> {
  if (entry === undefined || realpathSync(entry) !== fileURLToPath(import.meta.url)) return null
  return main(args)
}

await runIfMain()
