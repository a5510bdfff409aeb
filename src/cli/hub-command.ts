/**
 * `netserv hub`: the channel hub (../hub/hub.ts) and its HTTP interface, alone on a port.
 *
 * Built in three steps so that scale-out can extend it without forking it: {@link HUB_FLAGS}
 * (the flags), {@link hubSettings} (flags to {@link HubCommandSettings}, where a `broker`
 * goes in `settings.hub`), `runHub` in ./hub-server.ts (serve until a signal). That one is
 * loaded when the command runs: every other command (and `--help`) starts without the hub and
 * push layers.
 */
import cluster, { type Worker } from 'node:cluster'
import type { HubOptions } from '../hub/hub.js'
import { channelPattern } from './channel-pattern.js'
import type { CliIo, Command } from './command.js'
import { parseFlags, portFlag, type FlagSpecs, type FlagValues } from './flags.js'
import type { ManPage } from './man-page.js'

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
  workers: {
    type: 'integer',
    valueName: 'N',
    summary:
      'Serve from N worker processes sharing the port (node:cluster; connections go round-robin). A primary numbers every message and relays it to every worker, restarts a worker that dies (at most 3 a minute, else it stops all, exit 1) and stops them all on SIGINT/SIGTERM. With --redis, each worker uses Redis instead. Default: one process.',
    min: 1,
    max: 64,
  },
  redis: {
    type: 'string',
    valueName: 'URL',
    summary:
      'Be one instance of a hub spread over every netserv hub given the same Redis (redis://[:password@]host[:port][/db], rediss:// for TLS): one id sequence, every message to every instance, the newest 1000 kept in Redis for instances that start later. Redis unreachable at start: exit 1; lost later: reported, publishes delivered locally until it is back. Default: none.',
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

const MAN_PAGE: ManPage = {
  name: 'netserv hub',
  summary: 'the channel hub: publish to channels, subscribe over any push transport',
  synopsis: ['netserv hub [--port P] [--host H] [--token T] [--history N] [--interactive PATTERN] [--presence PATTERN] [--workers N] [--redis URL]'],
  description: `Serves the hub's HTTP interface. A publisher POSTs to /pub/<channel>; every subscriber of the channel gets the message, each over its own transport: Server-Sent Events, long-polling, a forever-iframe, multipart/x-mixed-replace or raw chunks.

Every message gets a hub-wide id, <epoch>-<seq>. A subscriber that reconnects with the last id it saw (Last-Event-ID, or ?since=) first gets what it missed, then the live stream; when some of it is no longer retained, an event named gap comes first.

    GET    /sub/<ch>[,<ch>...]?transport=&since=&user=&callback=
    POST   /pub/<ch>     body = data; Content-Type kept; ?event= or X-Netserv-Event
    GET    /pub/<ch>     {"subscribers","retained","lastId"}
    DELETE /pub/<ch>     end the channel's streams: {"closed":N}
    POST   /send/<ch>    a client's message, on --interactive channels (at most 4096 bytes)
    GET    /stats        JSON; Prometheus text with Accept: text/plain
    GET    /netserv.js   the browser client (/netserv.classic.js: as a classic script)

Errors are JSON, {"error":"NETSERV_...","message":"..."}, with the status they name.

Scale-out. --workers N runs N processes on this machine behind one port; --redis URL joins every netserv hub on the same Redis, on this machine or others (behind a load balancer); both together run N workers per machine, each an instance on Redis. Either way a client may reconnect to any process and resume with its last id.`,
  flags: HUB_FLAGS,
  sections: [
    ['ENVIRONMENT', '    NETSERV_TOKEN   the publishers\' token when --token is not given'],
    ['SIGNALS', 'SIGINT, SIGTERM: stop accepting, end every stream properly (clients reconnect and resume elsewhere), answer held long-polls, close, exit 0. A second signal ends the process at once.'],
    ['EXIT STATUS', '    0   stopped by SIGINT or SIGTERM\n    1   could not listen (port taken, address not local...), Redis unreachable at start, workers dying too often\n    2   bad usage: unknown option, bad value'],
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
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, HUB_FLAGS)
    const settings = hubSettings(flags, process.env)
    // Made first, in a primary too: a bad URL is exit 2 before anything starts.
    const redis = flags.redis === undefined ? null : await redisBroker(flags.redis, io)
    // The primary forks workers that run this same command line and take the path below.
    if (flags.workers !== undefined && cluster.isPrimary) {
      const { runHubPrimary } = await import('./hub-cluster.js')
      return runHubPrimary({ workers: flags.workers, maxHistory: flags.history }, io)
    }
    if (redis !== null) {
      try {
        await redis.connect()
      } catch (error) {
        io.err(`netserv hub: ${(error as Error).message}\n`)
        return 1
      }
      settings.hub.broker = redis
    }
    const { runHub } = await import('./hub-server.js')
    if (!cluster.isWorker) return runHub(settings, io)
    const [{ workerIo }, { ClusterBroker }] = await Promise.all([import('./hub-cluster.js'), import('../hub/cluster-broker.js')])
    settings.hub.broker ??= new ClusterBroker()
    const status = await runHub(settings, workerIo(io))
    // A worker's IPC channel keeps it alive: let go of it so the worker exits with its status.
    ;(cluster.worker as Worker).disconnect()
    return status
  },
}

/** A RedisBroker reporting to stderr; the Redis client is loaded only when asked for. */
async function redisBroker(url: string, io: CliIo) {
  const { describeRedisStatus, RedisBroker } = await import('../hub/redis-broker.js')
  return new RedisBroker({ url, onStatus: (status) => io.err(`netserv hub: ${describeRedisStatus(status)}\n`) })
}
