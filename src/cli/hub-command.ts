/**
 * `netserv hub`: the channel hub (../hub/hub.ts) and its HTTP interface, alone on a port.
 *
 * Built in three steps so that scale-out can extend it without forking it: {@link HUB_FLAGS}
 * (the flags), {@link hubSettings} (flags to {@link HubCommandSettings}, where a `broker`
 * goes in `settings.hub`), {@link runHub} (serve until a signal).
 */
import { ErrorCode } from '../errors.js'
import { Hub, type HubOptions } from '../hub/hub.js'
import type { Request } from '../server/request.js'
import type { Response } from '../server/response.js'
import { createServer, type ErrorListener, type Server } from '../server/server.js'
import { channelPattern } from './channel-pattern.js'
import type { CliIo, Command } from './command.js'
import { parseFlags, portFlag, type FlagSpecs, type FlagValues } from './flags.js'
import type { ManPage } from './man-page.js'
import { serveUntilShutdown } from './serve.js'

/** The flags of `netserv hub`. */
export const HUB_FLAGS = {
  port: portFlag('Port to listen on; 0 picks a free one (the banner shows which).', 6969),
  host: {
    type: 'string',
    valueName: 'H',
    summary: 'Address to listen on: 0.0.0.0 or :: to accept other machines.',
    default: '127.0.0.1',
  },
  token: {
    type: 'string',
    valueName: 'T',
    summary:
      'Bearer token publishers must send to /pub (Authorization: Bearer T). Default: the NETSERV_TOKEN environment variable; without either, only clients on this machine (loopback) may publish.',
  },
  history: {
    type: 'integer',
    valueName: 'N',
    summary: 'Messages retained per channel for resume and long-poll (none older than an hour).',
    min: 1,
    max: 1_000_000,
    default: 100,
  },
  interactive: {
    type: 'string',
    valueName: 'PATTERN',
    summary: 'Channels clients may send to (POST /send/<channel>): names, * for any run of characters, comma-separated (chat*). Default: none.',
  },
  presence: {
    type: 'string',
    valueName: 'PATTERN',
    summary: 'Channels with join and leave events (users named by ?user=), as --interactive. Default: none.',
  },
} as const satisfies FlagSpecs

/** What {@link runHub} serves: where, and the hub's options (extend these, e.g. `hub.broker`). */
export interface HubCommandSettings {
  port: number
  host: string
  hub: HubOptions
}

/**
 * The settings `flags` ask for. `env` supplies `NETSERV_TOKEN` when `--token` is not given.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` for a bad pattern
 */
export function hubSettings(flags: FlagValues<typeof HUB_FLAGS>, env: Readonly<Record<string, string | undefined>>): HubCommandSettings {
  const interactive = flags.interactive === undefined ? null : channelPattern(flags.interactive, 'interactive')
  const presence = flags.presence === undefined ? null : channelPattern(flags.presence, 'presence')
  const hub: HubOptions = { history: { maxMessages: flags.history } }
  const token = flags.token ?? env['NETSERV_TOKEN']
  if (token !== undefined && token.length > 0) hub.token = token
  if (interactive !== null || presence !== null) {
    hub.channel = (name) => ({ interactive: interactive?.(name) === true, presence: presence?.(name) === true })
  }
  return { port: flags.port, host: flags.host, hub }
}

const INDEX = `netserv hub

GET  /sub/<channel>[,<channel>...]?transport=sse|longpoll|iframe|multipart|chunked&since=<id>&user=<name>
POST /pub/<channel>      publish the body (Authorization: Bearer <token>, or from this machine)
GET  /pub/<channel>      subscribers, retained, lastId        DELETE /pub/<channel>: end its streams
POST /send/<channel>     a client's message, on interactive channels
GET  /stats              counters (Accept: text/plain for Prometheus)
`

/**
 * The hub and its server (not yet listening): the hub's paths, `/` a one-page index, 404
 * elsewhere. `onError` receives the failures of both.
 */
export function hubServer(options: HubOptions, onError: ErrorListener): { hub: Hub; server: Server } {
  const hub = new Hub({ ...options, onError })
  const server = createServer({ onError }, (request: Request, response: Response) => {
    if (hub.handle(request, response)) return
    if (request.path === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
      response.setHeader('Content-Type', 'text/plain; charset=utf-8')
      response.end(INDEX)
      return
    }
    response.status = 404
    response.setHeader('Content-Type', 'application/json')
    response.end(JSON.stringify({ error: ErrorCode.NOT_FOUND, message: `nothing at ${request.path}` }))
  })
  return { hub, server }
}

/** Serves the hub until SIGINT or SIGTERM, then ends its streams properly; resolves with the exit status. */
export async function runHub(settings: HubCommandSettings, io: CliIo): Promise<number> {
  const onError: ErrorListener = (error) => io.err(`netserv hub: ${error instanceof Error ? error.message : String(error)}\n`)
  const { hub, server } = hubServer(settings.hub, onError)
  // Closing the server calls this first: streams end with their terminators, polls are answered.
  server.onShutdown(() => {
    hub.close().catch((error: unknown) => onError(error, null))
  })
  const status = await serveUntilShutdown(server, { label: 'netserv hub', port: settings.port, host: settings.host }, io)
  // Closed already by the shutdown listener (or here, when listening failed); a failure was reported.
  await Promise.allSettled([hub.close()])
  return status
}

const MAN_PAGE: ManPage = {
  name: 'netserv hub',
  summary: 'the channel hub: publish to channels, subscribe over any push transport',
  synopsis: ['netserv hub [--port P] [--host H] [--token T] [--history N] [--interactive PATTERN] [--presence PATTERN]'],
  description: `Serves the hub's HTTP interface. A publisher POSTs to /pub/<channel>; every subscriber of the channel gets the message, each over its own transport: Server-Sent Events, long-polling, a forever-iframe, multipart/x-mixed-replace or raw chunks.

Every message gets a hub-wide id, <epoch>-<seq>. A subscriber that reconnects with the last id it saw (Last-Event-ID, or ?since=) first gets what it missed, then the live stream; when some of it is no longer retained, an event named gap comes first.

    GET    /sub/<ch>[,<ch>...]?transport=&since=&user=&callback=
    POST   /pub/<ch>     body = data; Content-Type kept; ?event= or X-Netserv-Event
    GET    /pub/<ch>     {"subscribers","retained","lastId"}
    DELETE /pub/<ch>     end the channel's streams: {"closed":N}
    POST   /send/<ch>    a client's message, on --interactive channels (at most 4096 bytes)
    GET    /stats        JSON; Prometheus text with Accept: text/plain

Errors are JSON, {"error":"NETSERV_...","message":"..."}, with the status they name.`,
  flags: HUB_FLAGS,
  sections: [
    ['ENVIRONMENT', '    NETSERV_TOKEN   the publishers\' token when --token is not given'],
    ['SIGNALS', 'SIGINT, SIGTERM: stop accepting, end every stream properly (clients reconnect and resume elsewhere), answer held long-polls, close, exit 0. A second signal ends the process at once.'],
    ['EXIT STATUS', '    0   stopped by SIGINT or SIGTERM\n    1   could not listen (port taken, address not local...)\n    2   bad usage: unknown option, bad value'],
    [
      'EXAMPLES',
      "    netserv hub --presence 'chat*' --interactive 'chat*'\n    curl -N 'http://127.0.0.1:6969/sub/quotes'\n    curl -d '{\"ACME\":12.5}' -H 'Content-Type: application/json' http://127.0.0.1:6969/pub/quotes",
    ],
  ],
}

/** `netserv hub`. */
export const hubCommand: Command = {
  name: 'hub',
  summary: 'serve the channel hub: /sub, /pub, /send, /stats',
  manPage: MAN_PAGE,
  run(argv: readonly string[], io: CliIo): Promise<number> {
    const settings = hubSettings(parseFlags(argv, HUB_FLAGS), process.env)
    return runHub(settings, io)
  },
}
