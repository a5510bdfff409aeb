/**
 * `netserv echo`: the echo inspector (../examples/echo.ts) from the command line.
 */
import { echoServer } from '../examples/echo.js'
import type { Command, CliIo } from './command.js'
import { parseFlags, portFlag, type FlagSpecs } from './flags.js'
import type { ManPage } from './man-page.js'
import { serveUntilShutdown } from './serve.js'

const ECHO_FLAGS = {
  port: portFlag('Port to listen on; 0 picks a free one (the banner shows which).', 8080),
  host: {
    type: 'string',
    valueName: 'H',
    summary: 'Address to listen on: 0.0.0.0 or :: to accept other machines, a name to resolve.',
    default: '127.0.0.1',
  },
  'allow-missing-host': {
    type: 'boolean',
    summary:
      'Answer HTTP/1.1 requests that have no Host header instead of refusing them with 400 (RFC 9112 section 3.2), to inspect clients that omit it. More than one Host is refused either way.',
  },
} as const satisfies FlagSpecs

const MAN_PAGE: ManPage = {
  name: 'netserv echo',
  summary: 'the echo inspector: see exactly what a client sends',
  synopsis: ['netserv echo [--port P] [--host H] [--allow-missing-host]'],
  description: `Serves HTTP/1.1 on netserv's own engine and answers each request with 200 and a JSON report of what arrived:

    {"method":"POST","target":"/x?y=1","version":"HTTP/1.1",
     "headers":[["Host","127.0.0.1:8080"],["Content-Length","2"]],
     "trailers":[],"body":"aGk="}

Header fields come in wire order with their names as sent; the body, de-chunked, is base64; trailers of a chunked body are listed apart. Pipelined requests are answered in order and keep-alive connections stay open.

A request the strict parser refuses is answered with its status (400, 413, 414, 431, 501, 505), a one-line text body naming the error code, such as "400 Bad Request: NETSERV_OBS_FOLD", and Connection: close, and the connection is closed. The inspector is thus also a probe of the parser from outside.`,
  flags: ECHO_FLAGS,
  sections: [
    ['SIGNALS', 'SIGINT, SIGTERM: stop accepting, finish the requests in flight, close, exit 0. A second signal ends the process at once.'],
    ['EXIT STATUS', '    0   stopped by SIGINT or SIGTERM\n    1   could not listen (port taken, address not local...)\n    2   bad usage: unknown option, bad value'],
    [
      'EXAMPLES',
      "    netserv echo --port 8080\n    curl -s http://127.0.0.1:8080/hello -d 'hi'\n    printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n bad\\r\\n\\r\\n' | nc 127.0.0.1 8080",
    ],
  ],
}

/** `netserv echo`. */
export const echoCommand: Command = {
  name: 'echo',
  summary: 'answer every request with what the client sent, as JSON',
  manPage: MAN_PAGE,
  run(argv: readonly string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, ECHO_FLAGS)
    const server = echoServer({ allowMissingHost: flags['allow-missing-host'] })
    return serveUntilShutdown(server, { label: 'netserv echo', port: flags.port, host: flags.host }, io)
  },
}
