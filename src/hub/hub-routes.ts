/**
 * The hub's HTTP interface, what `netserv hub` serves (README "Hub", HUB-SPEC.md):
 *
 * ```
 * GET  /sub/<ch>[,<ch>...]?transport=&since=&user=&callback=   subscribe (any transport)
 * POST /pub/<ch>            publish (bearer token, or loopback)  GET: info  DELETE: close
 * POST /send/<ch>           a client's message on an interactive channel
 * GET  /stats               counters, JSON or Prometheus text
 * ```
 *
 * Errors are JSON, `{"error":"NETSERV_...","message":"..."}`, with the error's status; the
 * connection stays usable.
 */
import { ErrorCode, NetservError } from '../errors.js'
import { CURSOR_HEADER } from '../push/long-poll.js'
import { lastEventIdOf } from '../push/last-event-id.js'
import { framingFor, type StreamTransport } from '../push/open-stream.js'
import { PushStream, type PushStreamOptions } from '../push/push-stream.js'
import type { Request } from '../server/request.js'
import type { Response } from '../server/response.js'
import { checkChannelList, checkChannelName, checkUserName, userChannel } from './channel-name.js'
import type { Authorize, Hub, HubAction } from './hub.js'
import { prometheusText } from './hub-stats.js'
import { hasBearerToken, isLoopback } from './publisher-check.js'

/** What the routes need besides the hub. */
export interface HubRoutesContext {
  readonly token: string | undefined
  readonly authorize: Authorize | undefined
  readonly maxSendBytes: number
  readonly stream: PushStreamOptions
  /** Reports a failure that is not the client's (an `authorize` that threw). */
  report(this: void, error: unknown, request: Request): void
}

/** Every transport `/sub` serves. */
export type HubTransport = StreamTransport | 'longpoll'

const TRANSPORTS: ReadonlySet<string> = new Set(['sse', 'longpoll', 'iframe', 'multipart', 'chunked'])

/** The header a publisher may name the event in, instead of `?event=`. */
export const EVENT_HEADER = 'X-Netserv-Event'

/** Handles the hub's paths; see the file comment. */
export class HubRoutes {
  readonly #hub: Hub
  readonly #context: HubRoutesContext

  constructor(hub: Hub, context: HubRoutesContext) {
    this.#hub = hub
    this.#context = context
  }

  /** Serves `request` when its path is the hub's; false (nothing touched) otherwise. */
  handle(request: Request, response: Response): boolean {
    const path = request.path
    let route: (request: Request, response: Response, rest: string) => void
    let rest = ''
    if (path.startsWith('/sub/')) {
      route = this.#sub
      rest = path.slice(5)
    } else if (path.startsWith('/pub/')) {
      route = this.#pub
      rest = path.slice(5)
    } else if (path.startsWith('/send/')) {
      route = this.#send
      rest = path.slice(6)
    } else if (path === '/stats') {
      route = this.#stats
    } else {
      return false
    }
    try {
      if (this.#hub.closed) throw new NetservError(ErrorCode.HUB_CLOSED, 'the hub is closed', 503)
      route.call(this, request, response, rest)
    } catch (error) {
      this.#fail(request, response, error)
    }
    return true
  }

  // --- /sub

  #sub(request: Request, response: Response, rest: string): void {
    cors(response)
    if (preflight(request, response)) return
    allow(request, 'GET, HEAD, OPTIONS')
    const channels = checkChannelList(decodePath(rest).split(','))
    const query = request.query
    const userParam = query.get('user')
    const user = userParam === null ? undefined : checkUserName(userParam)
    const transport = transportOf(request)
    const since = lastEventIdOf(request) ?? nonEmpty(query.get('since'))
    const callback = nonEmpty(query.get('callback'))
    // Built before the head goes out, so a bad callback is still a 400.
    const framing = transport === 'longpoll' ? null : framingFor(transport, callback === undefined ? {} : { callback })
    const asked = user === undefined ? channels : [...channels, userChannel(user)]
    this.#authorized(request, response, asked, 'subscribe', () => {
      if (framing === null) {
        response.setHeader('Access-Control-Expose-Headers', CURSOR_HEADER)
        this.#hub.poll(response, channels, since, { user })
        return
      }
      const stream = new PushStream(response, framing, this.#context.stream)
      try {
        this.#hub.subscribe(stream, channels, { since, user })
      } catch (error) {
        // The head is out (the hub is full, or closed meanwhile): end the stream, report why.
        stream.close()
        throw error
      }
    })
  }

  // --- /pub

  #pub(request: Request, response: Response, rest: string): void {
    const method = request.method
    if (method === 'GET' || method === 'HEAD') {
      cors(response)
      json(response, 200, this.#hub.info(checkChannelName(decodePath(rest))))
      return
    }
    allow(request, 'GET, HEAD, POST, DELETE', 'POST', 'DELETE')
    this.#checkPublisher(request)
    const channel = checkChannelName(decodePath(rest))
    this.#authorized(request, response, [channel], 'publish', () => {
      if (method === 'DELETE') {
        json(response, 200, { closed: this.#hub.closeChannel(channel) })
        return
      }
      request.body().then(
        (body) => this.#publish(request, response, channel, Buffer.from(body)),
        (error: unknown) => this.#bodyFailed(request, response, error),
      )
    })
  }

  #checkPublisher(request: Request): void {
    const token = this.#context.token
    const allowed = token === undefined ? isLoopback(request.remoteAddress) : hasBearerToken(request, token)
    if (!allowed) {
      throw new NetservError(
        ErrorCode.FORBIDDEN,
        'publishing needs Authorization: Bearer <the hub token>, or a client on this machine when the hub has no token',
        403,
      )
    }
  }

  // --- /send

  #send(request: Request, response: Response, rest: string): void {
    allow(request, 'POST', 'POST')
    const channel = checkChannelName(decodePath(rest))
    if (!this.#hub.channelSettings(channel).interactive) {
      throw new NetservError(ErrorCode.NOT_INTERACTIVE, `${channel} does not take messages from clients`, 403)
    }
    const maxBytes = this.#context.maxSendBytes
    if (request.head.contentLength > maxBytes) throw tooLarge(maxBytes)
    this.#authorized(request, response, [channel], 'send', () => {
      const pieces: Buffer[] = []
      let bytes = 0
      request
        .onBody((piece) => {
          bytes += piece.length
          // Over the cap (a chunked body has no length to refuse it by): answered now; the
          // rest is read and dropped by the connection.
          if (bytes > maxBytes) {
            if (!response.headersSent) this.#fail(request, response, tooLarge(maxBytes))
            return
          }
          pieces.push(piece)
        })
        .then(
          () => {
            if (bytes <= maxBytes) this.#publish(request, response, channel, Buffer.concat(pieces))
          },
          (error: unknown) => this.#bodyFailed(request, response, error),
        )
    })
  }

  #publish(request: Request, response: Response, channel: string, body: Buffer): void {
    const event = nonEmpty(request.query.get('event')) ?? nonEmpty(request.header(EVENT_HEADER) ?? null)
    const contentType = request.header('content-type')
    this.#hub.publish(channel, body, { event, contentType }).then(
      (result) => json(response, 200, result),
      (error: unknown) => this.#fail(request, response, error),
    )
  }

  // --- /stats

  #stats(request: Request, response: Response): void {
    cors(response)
    if (preflight(request, response)) return
    allow(request, 'GET, HEAD, OPTIONS')
    const stats = this.#hub.stats()
    if ((request.header('accept') ?? '').includes('text/plain')) {
      response.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
      response.setHeader('Cache-Control', 'no-store')
      response.end(prometheusText(stats))
      return
    }
    json(response, 200, stats)
  }

  // --- shared

  /**
   * Runs `then` once `authorize` allowed every one of `channels` (at once when it answers
   * synchronously). A refusal is 403; a throw or rejection 500, reported.
   */
  #authorized(request: Request, response: Response, channels: readonly string[], action: HubAction, then: () => void): void {
    const authorize = this.#context.authorize
    if (authorize === undefined) return then()
    const answers = channels.map((channel) => authorize(request, channel, action))
    if (answers.every((answer) => typeof answer === 'boolean')) {
      checkAnswers(answers as boolean[], action)
      then()
      return
    }
    Promise.all(answers).then(
      (results) => {
        // The client left while the answer was awaited: nothing to open.
        if (response.finished) return
        try {
          checkAnswers(results, action)
          then()
        } catch (error) {
          this.#fail(request, response, error)
        }
      },
      (error: unknown) => this.#fail(request, response, error),
    )
  }

  /** The request's body failed: the engine answered (413, 408) or the client left; nothing to add. */
  #bodyFailed(request: Request, response: Response, error: unknown): void {
    if (error !== request.error) this.#fail(request, response, error)
  }

  /**
   * Answers a failure: a NetservError meant for the client (status 400-599) with its status
   * and code; anything else is the hub's or the application's fault: reported, 500.
   */
  #fail(request: Request, response: Response, error: unknown): void {
    const client = error instanceof NetservError && error.status >= 400
    if (!client) this.#context.report(error, request)
    if (response.finished) return
    if (response.headersSent) {
      response.socket.destroy()
      return
    }
    if (client) {
      if (error.status === 405) response.setHeader('Allow', (error as MethodNotAllowed).allow)
      json(response, error.status, { error: error.code, message: error.message })
      return
    }
    json(response, 500, { error: ErrorCode.HANDLER_FAILED, message: 'the hub failed to answer; the failure was reported' })
  }
}

/** A 405 with the methods that would have been allowed. */
class MethodNotAllowed extends NetservError {
  readonly allow: string

  constructor(method: string, allow: string) {
    super(ErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed here (${allow})`, 405)
    this.allow = allow
  }
}

/**
 * @throws MethodNotAllowed unless the request's method is among `methods` (default: the
 *   `Allow` list's GET, HEAD, OPTIONS, the read-only ones)
 */
function allow(request: Request, allowHeader: string, ...methods: string[]): void {
  const method = request.method
  const allowed = methods.length === 0 ? method === 'GET' || method === 'HEAD' : methods.includes(method)
  if (!allowed) throw new MethodNotAllowed(method, allowHeader)
}

/** A CORS preflight (OPTIONS) on a read-only path: answered 204, true. */
function preflight(request: Request, response: Response): boolean {
  if (request.method !== 'OPTIONS') return false
  response.status = 204
  response.setHeader('Access-Control-Allow-Methods', 'GET, HEAD')
  response.setHeader('Access-Control-Allow-Headers', 'Last-Event-ID, Accept, Cache-Control')
  response.setHeader('Access-Control-Max-Age', 86_400)
  response.end()
  return true
}

/** Read-only paths may be read by a page of any origin (it may subscribe from anywhere). */
function cors(response: Response): void {
  response.setHeader('Access-Control-Allow-Origin', '*')
}

function checkAnswers(answers: readonly boolean[], action: HubAction): void {
  if (!answers.every((answer) => answer === true)) throw new NetservError(ErrorCode.FORBIDDEN, `not authorized to ${action}`, 403)
}

/**
 * The transport asked for: `?transport=`, else by `Accept` (`text/event-stream` SSE,
 * `multipart/x-mixed-replace` multipart), else SSE.
 * @throws NetservError `NETSERV_INVALID_TRANSPORT` (400) for an unknown name
 */
function transportOf(request: Request): HubTransport {
  const asked = request.query.get('transport')
  if (asked !== null) {
    if (!TRANSPORTS.has(asked)) {
      throw new NetservError(ErrorCode.INVALID_TRANSPORT, `transport must be sse, longpoll, iframe, multipart or chunked, got ${JSON.stringify(asked.slice(0, 40))}`, 400)
    }
    return asked as HubTransport
  }
  const accept = request.header('accept') ?? ''
  if (accept.includes('text/event-stream')) return 'sse'
  if (accept.includes('multipart/x-mixed-replace')) return 'multipart'
  return 'sse'
}

/** A path segment, percent-decoded (a client may encode `:` as `%3A`); malformed: a bad channel. */
function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new NetservError(ErrorCode.INVALID_CHANNEL, 'the channel list is not valid percent-encoding', 400)
  }
}

function nonEmpty(value: string | null): string | undefined {
  return value === null || value.length === 0 ? undefined : value
}

function tooLarge(maxBytes: number): NetservError {
  return new NetservError(ErrorCode.BODY_TOO_LARGE, `a message sent by a client may be at most ${maxBytes} bytes`, 413)
}

function json(response: Response, status: number, body: unknown): void {
  response.status = status
  response.setHeader('Content-Type', 'application/json')
  response.setHeader('Cache-Control', 'no-store')
  response.end(JSON.stringify(body))
}
