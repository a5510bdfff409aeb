/**
 * The hello-world server of the benchmarks: `GET /` answers `hello world\n` (12 bytes,
 * text/plain) from a StaticResponse, encoded once and written as the same Buffer every time.
 *
 *   node lib/examples/hello.js --port 8080 [--host 127.0.0.1]
 */
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
