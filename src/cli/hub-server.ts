/**
 * What `netserv hub` runs: the hub and its server, served until a signal. Apart from
 * ./hub-command.ts (flags, help) so that only this command loads the hub.
 */
import { clientScript } from '../client/client-script.js'
import { ErrorCode } from '../errors.js'
import { Hub, type HubOptions } from '../hub/hub.js'
import type { Request } from '../server/request.js'
import type { Response } from '../server/response.js'
import { createServer, type ErrorListener, type Server } from '../server/server.js'
import type { CliIo } from './command.js'
import type { HubCommandSettings } from './hub-command.js'
import { serveUntilShutdown } from './serve.js'

const INDEX = `netserv hub

GET  /sub/<channel>[,<channel>...]?transport=sse|longpoll|iframe|multipart|chunked&since=<id>&user=<name>
POST /pub/<channel>      publish the body (Authorization: Bearer <token>, or from this machine)
GET  /pub/<channel>      subscribers, retained, lastId        DELETE /pub/<channel>: end its streams
POST /send/<channel>     a client's message, on interactive channels
GET  /stats              counters (Accept: text/plain for Prometheus)
GET  /netserv.js         the browser client, a module (/netserv.classic.js: a classic script)
`

/**
 * The hub and its server (not yet listening): the hub's paths, its browser client at
 * `/netserv.js` (pages anywhere may load it from the hub they subscribe to), `/` a one-page
 * index, 404 elsewhere. `onError` receives the failures of both.
 */
export function hubServer(options: HubOptions, onError: ErrorListener): { hub: Hub; server: Server } {
  const hub = new Hub({ ...options, onError })
  const server = createServer({ onError }, (request: Request, response: Response) => {
    if (hub.handle(request, response)) return
    const readable = request.method === 'GET' || request.method === 'HEAD'
    if (readable && request.path === '/netserv.js') return response.send(clientScript())
    if (readable && request.path === '/netserv.classic.js') return response.send(clientScript('classic'))
    if (readable && request.path === '/') {
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
