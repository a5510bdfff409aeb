/**
 * The demo server, whole: one netserv server, one hub, and three publishers feeding it.
 *
 * ```
 * GET  /              the page (./page.ts)
 * GET  /netserv.js    the browser client
 * GET  /sub/quotes    the ticker, on any transport      <- Ticker publishes, ~7 a second
 * GET  /sub/camera    PNG frames (multipart for <img>)  <- Camera publishes, one a second
 * GET  /sub/chat      the chat room, with presence
 * POST /send/chat     a chat message from a page        (the channel is interactive)
 * GET  /sub/stats     the hub's figures                 <- published here, once a second
 * GET  /stats         the same figures, on request
 * ```
 *
 * Everything but the page is the hub's own HTTP interface (`hub.handle`): the demo only says
 * which channel is interactive and has presence, and publishes.
 */
import { clientScript, createServer, Hub, StaticResponse, type HubOptions, type Server } from '../../index.js'
import { Camera } from './camera.js'
import { PAGE_HTML } from './page.js'
import { Ticker } from './ticker.js'

/** The chat room's channel: pages may send to it, and it tells who is here. */
export const CHAT_CHANNEL = 'chat'

/**
 * The server's figures (`hub.stats()` and `time`, ms since the epoch) as event `stats`: pushed
 * rather than fetched, so they come over a connection the page holds already.
 */
export const STATS_CHANNEL = 'stats'

/** Options of {@link createDemo}; the defaults are the demo's, tests shorten them. */
export interface DemoOptions {
  /** How often the ticker publishes a quote, in ms. Default 150. */
  tickerIntervalMs?: number
  /** How often the camera publishes a frame, in ms. Default 1000. */
  cameraIntervalMs?: number
  /** How often the hub's figures are published on {@link STATS_CHANNEL}, in ms. Default 1000. */
  statsIntervalMs?: number
  /** The hub's options, but for `channel` (the demo's own). */
  hub?: Omit<HubOptions, 'channel'>
}

/** A running demo (not yet listening: `demo.server.listen(port, host)`). */
export interface Demo {
  readonly server: Server
  readonly hub: Hub
  readonly ticker: Ticker
  readonly camera: Camera
  /** Stops the publishers, closes the server (ending every stream) and the hub. */
  close(): Promise<void>
}

const PAGE = new StaticResponse({
  status: 200,
  headers: [
    ['Content-Type', 'text/html; charset=utf-8'],
    ['Cache-Control', 'no-cache'],
  ],
  body: PAGE_HTML,
})
const NOT_FOUND = new StaticResponse({ status: 404, headers: [['Content-Type', 'text/plain']], body: 'not found\n' })

/** Makes the demo: its hub, its server, and the ticker and camera publishing already. */
export function createDemo(options: DemoOptions = {}): Demo {
  const hub = new Hub({
    ...options.hub,
    channel: (name) => (name === CHAT_CHANNEL ? { interactive: true, presence: true } : undefined),
  })
  const server = createServer((request, response) => {
    if (request.path === '/') return response.send(PAGE)
    if (request.path === '/netserv.js') return response.send(clientScript())
    if (!hub.handle(request, response)) response.send(NOT_FOUND)
  })
  const ticker = new Ticker(options.tickerIntervalMs === undefined ? {} : { intervalMs: options.tickerIntervalMs })
  const camera = new Camera({ symbol: ticker.symbols[0] as string, prices: ticker, intervalMs: options.cameraIntervalMs ?? 1000 })
  ticker.start(hub)
  camera.start(hub)
  const stats = setInterval(() => {
    const figures = JSON.stringify({ ...hub.stats(), time: Date.now() })
    // A failed publish (the hub closing) costs one update; the next one tries again.
    hub.publish(STATS_CHANNEL, figures, { event: 'stats', contentType: 'application/json' }).catch(() => {})
  }, options.statsIntervalMs ?? 1000)
  return {
    server,
    hub,
    ticker,
    camera,
    async close() {
      ticker.stop()
      camera.stop()
      clearInterval(stats)
      await server.close({ deadlineMs: 1000 })
      await hub.close()
    },
  }
}
