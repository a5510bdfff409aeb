/**
 * `netserv demo` (what `npm start` runs): the live demo page of ../examples/demo/ on
 * http://127.0.0.1:6969/.
 */
import type { Command, CliIo } from './command.js'
import { parseFlags, portFlag, type FlagSpecs } from './flags.js'
import type { ManPage } from './man-page.js'
import { serveUntilShutdown } from './serve.js'

const DEMO_FLAGS = {
  port: portFlag('Port to listen on; 0 picks a free one (the banner shows which).', 6969),
  host: {
    type: 'string',
    valueName: 'H',
    summary: 'Address to listen on: 0.0.0.0 or :: to show the demo to other machines.',
    default: '127.0.0.1',
  },
} as const satisfies FlagSpecs

const MAN_PAGE: ManPage = {
  name: 'netserv demo',
  summary: 'the live demo: a ticker on three transports, a camera, a chat',
  synopsis: ['netserv demo [--port P] [--host H]'],
  description: `Serves one page at / that shows netserv's channel hub at work, live:

    - a stock ticker (simulated quotes, about 7 a second) received side by side
      over Server-Sent Events, long-poll and a forever-iframe, each with its
      message count and lag;
    - a camera in Netscape's 1995 style: an <img> on a multipart/x-mixed-replace
      stream of PNG frames the server draws once a second;
    - a chat room on an interactive channel, with who is here;
    - the server's figures (what /stats answers), pushed once a second.

Open the page in several tabs or browsers: each is a subscriber of its own. Every hub endpoint (/sub, /pub, /send, /stats) is served too, so curl can watch or publish beside the page:

    curl -N http://127.0.0.1:6969/sub/quotes
    curl -d '{"user":"curl","text":"hello"}' http://127.0.0.1:6969/pub/chat`,
  flags: DEMO_FLAGS,
  sections: [
    ['SIGNALS', 'SIGINT, SIGTERM: stop publishing, end every stream, close, exit 0. A second signal ends the process at once.'],
    ['EXIT STATUS', '    0   stopped by SIGINT or SIGTERM\n    1   could not listen (port taken, address not local...)\n    2   bad usage: unknown option, bad value'],
    ['EXAMPLES', '    npm start\n    netserv demo --port 8080'],
  ],
}

/** `netserv demo`. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'the live demo page: ticker, camera, chat, on every push transport',
  manPage: MAN_PAGE,
  run(argv: readonly string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, DEMO_FLAGS)
    return serveDemo(flags.port, flags.host, io)
  },
}

async function serveDemo(port: number, host: string, io: CliIo): Promise<number> {
  // Loaded here, not at the top: the demo pulls in the whole library (hub, client), which
  // every other command would pay for at startup.
  const { createDemo } = await import('../examples/demo/server.js')
  const demo = createDemo()
  try {
    return await serveUntilShutdown(demo.server, { label: 'netserv demo', port, host }, io)
  } finally {
    // Also when it could not listen: the ticker's and camera's timers would keep the process up.
    await demo.close()
  }
}
