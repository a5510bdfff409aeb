import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import { errorResponse } from '../buffers/error-responses.js'
import { HeadWriter } from '../buffers/head-writer.js'
import { ErrorCode, NetservError } from '../errors.js'
import { positiveOption } from '../positive-option.js'
import { RequestParser, type RequestParserOptions } from '../parser/request-parser.js'
import { defaultWheel, type TimerWheel } from '../timers/timer-wheel.js'
import { Connection, type ConnectionHost, type ConnectionSettings } from './connection.js'
import type { Request } from './request.js'
import type { Response } from './response.js'
import { report, warn, type ErrorListener } from './error-listener.js'

/** The application: called once per request, in order per connection, as soon as the head is in. */
export type Handler = (this: void, request: Request, response: Response) => void | Promise<void>

/** Takes over the socket of an `Upgrade` (or `CONNECT`) request; `head` is what followed it. */
export type UpgradeHandler = (this: void, request: Request, socket: Socket, head: Buffer) => void

export type { ErrorListener } from './error-listener.js'

/** Options of {@link createServer}; the parser's limits are among them. */
export interface ServerOptions extends RequestParserOptions {
  /** Time for a whole request head to arrive, from its first byte (or from the accept). Default 10 s. */
  headerTimeoutMs?: number
  /** Longest silence while a body is being read. Default 30 s. */
  bodyTimeoutMs?: number
  /** How long a keep-alive connection may sit idle between requests. Default 30 s. */
  idleTimeoutMs?: number
  /** Requests parsed ahead of the one being answered before reading pauses. Default 16. */
  maxPipelinedRequests?: number
  /** Unwritten bytes on a socket above which it is no longer read. Default 64 KiB. */
  highWaterMarkBytes?: number
  /**
   * How long a connection may stay backed up (output above the high-water mark, no drain)
   * before it is cut: a client that sends requests and never reads the answers would
   * otherwise hold its connection, and the buffers behind it, forever. Push streams have
   * their own (`PushStreamOptions.writeTimeoutMs`). Default 30 s.
   */
  writeTimeoutMs?: number
  /** The timer wheel for every timeout; default the process-wide one. */
  wheel?: TimerWheel
  /** See {@link ErrorListener}. Default: `process.emitWarning`. */
  onError?: ErrorListener
  /** See {@link UpgradeHandler}. Without it, upgrade requests reach the handler and the connection closes after. */
  onUpgrade?: UpgradeHandler
}

/** Options of {@link Server.close}. */
export interface CloseOptions {
  /** After this long, connections still open are destroyed. Default 5 s. */
  deadlineMs?: number
}

/** Counters for `/stats` and for tests. */
export interface ServerStats {
  /** Connections accepted since start. */
  accepted: number
  /** Requests handed to the handler. */
  requests: number
  /** Handlers that threw or rejected. */
  handlerErrors: number
  /** Accepts that failed (EMFILE, ENFILE...). */
  acceptErrors: number
}

/** Called when the server starts closing, so long-lived responses (push streams) can end properly. */
export type ShutdownListener = (this: void) => void

/**
 * An HTTP/1.1 server on `net` sockets. {@link createServer} makes one; `listen` starts it.
 *
 * Each connection parses with netserv's own parser and calls the handler per request; see
 * ./connection.ts for pipelining, backpressure and timeouts.
 */
export class Server implements ConnectionHost {
  readonly headWriter = new HeadWriter()
  readonly settings: ConnectionSettings
  readonly stats: ServerStats = { accepted: 0, requests: 0, handlerErrors: 0, acceptErrors: 0 }
  readonly #handler: Handler
  readonly #onError: ErrorListener
  readonly #onUpgrade: UpgradeHandler | null
  readonly #net: NetServer
  readonly #connections = new Set<Connection>()
  /**
   * Parsers with nothing in flight, lent to connections while they parse: as many exist as
   * connections parse at once, not as connections are open.
   */
  readonly #parsers: RequestParser[] = []
  readonly #shutdownListeners = new Set<ShutdownListener>()
  #closing = false
  /** What {@link close} returned, returned again by later calls. */
  #closed: Promise<void> | null = null
  #whenEmpty: (() => void) | null = null

  constructor(options: ServerOptions, handler: Handler) {
    this.#handler = handler
    this.#onError = options.onError ?? warn
    this.#onUpgrade = options.onUpgrade ?? null
    const parser: RequestParserOptions = {}
    for (const key of ['maxRequestLineBytes', 'maxHeaderBytes', 'maxHeaderCount', 'maxBodyBytes', 'maxChunkExtensionBytes'] as const) {
      const value = options[key]
      if (value !== undefined) parser[key] = positiveOption(value, 0, key)
    }
    if (options.requireHost !== undefined) parser.requireHost = options.requireHost
    this.settings = {
      headerTimeoutMs: positiveOption(options.headerTimeoutMs, 10_000, 'headerTimeoutMs'),
      bodyTimeoutMs: positiveOption(options.bodyTimeoutMs, 30_000, 'bodyTimeoutMs'),
      idleTimeoutMs: positiveOption(options.idleTimeoutMs, 30_000, 'idleTimeoutMs'),
      maxPipelinedRequests: positiveOption(options.maxPipelinedRequests, 16, 'maxPipelinedRequests'),
      highWaterMarkBytes: positiveOption(options.highWaterMarkBytes, 64 * 1024, 'highWaterMarkBytes'),
      writeTimeoutMs: positiveOption(options.writeTimeoutMs, 30_000, 'writeTimeoutMs'),
      parser,
      wheel: options.wheel ?? defaultWheel(),
    }
    // allowHalfOpen: a client that sends FIN after its request still gets the answer.
    // highWaterMark: a socket's write() turns false, and reading stops, above highWaterMarkBytes.
    this.#net = createNetServer(
      { allowHalfOpen: true, noDelay: true, highWaterMark: this.settings.highWaterMarkBytes },
      (socket) => this.#accept(socket),
    )
    this.#net.on('error', (error: NodeJS.ErrnoException) => this.#onNetError(error))
  }

  /** True from the moment {@link close} is called. */
  get closing(): boolean {
    return this.#closing
  }

  /** Open connections (upgraded ones are no longer counted: they are the application's). */
  get connectionCount(): number {
    return this.#connections.size
  }

  /** The bound address, once listening. */
  address(): AddressInfo {
    return this.#net.address() as AddressInfo
  }

  /**
   * Starts accepting. Resolves with the bound address; rejects with the listen error
   * (`EADDRINUSE`...), or `NETSERV_SERVER_CLOSED` once {@link close} was called (a closed
   * server stays closed). Port 0 picks a free port.
   */
  listen(port = 0, host?: string): Promise<AddressInfo> {
    if (this.#closing) return Promise.reject(new NetservError(ErrorCode.SERVER_CLOSED, 'The server was closed'))
    return new Promise((resolve, reject) => {
      const onListenError = (error: Error): void => reject(error)
      this.#net.once('error', onListenError)
      const onListening = (): void => {
        this.#net.removeListener('error', onListenError)
        resolve(this.address())
      }
      if (host === undefined) this.#net.listen(port, onListening)
      else this.#net.listen(port, host, onListening)
    })
  }

  /**
   * Stops accepting, lets responses in flight finish, ends push streams (through the
   * shutdown listeners) and idle keep-alive connections, and resolves once every connection
   * is gone; whatever is still open at the deadline is destroyed. Upgraded sockets are the
   * application's: neither waited for nor destroyed (end them from a shutdown listener).
   * Calling it again returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const deadlineMs = positiveOption(options.deadlineMs, 5_000, 'deadlineMs')
    if (this.#closed !== null) return this.#closed
    this.#closing = true
    // The listening socket closes at once; net's own 'close' would also wait for upgraded
    // sockets, which are not ours to wait for.
    this.#net.close()
    for (const listener of this.#shutdownListeners) {
      try {
        listener()
      } catch (error) {
        report(this.#onError, error, null)
      }
    }
    this.#shutdownListeners.clear()
    for (const connection of this.#connections) connection.shutdown()
    const drained = new Promise<void>((resolve) => {
      if (this.#connections.size === 0) return resolve()
      this.#whenEmpty = resolve
    })
    // Not unref'ed: a process whose last sockets sit idle must still see close() settle.
    const deadline = setTimeout(destroyAll, deadlineMs, this.#connections)
    this.#closed = drained.then(() => clearTimeout(deadline))
    return this.#closed
  }

  /** Registers a listener for {@link close}; returns a function that removes it. */
  onShutdown(listener: ShutdownListener): () => void {
    if (this.#closing) {
      listener()
      return noop
    }
    this.#shutdownListeners.add(listener)
    return () => this.#shutdownListeners.delete(listener)
  }

  // --- ConnectionHost

  dispatch(request: Request, response: Response): void {
    this.stats.requests++
    try {
      const result = this.#handler(request, response)
      if (result !== undefined && typeof result.then === 'function') {
        result.then(undefined, (error: unknown) => this.#handlerFailed(error, response))
      }
    } catch (error) {
      this.#handlerFailed(error, response)
    }
  }

  get handlesUpgrades(): boolean {
    return this.#onUpgrade !== null
  }

  upgrade(request: Request, socket: Socket, rest: Buffer): void {
    try {
      ;(this.#onUpgrade as UpgradeHandler)(request, socket, rest)
    } catch (error) {
      // Thrown from inside a socket event: reported like a handler's failure, never a crash.
      this.stats.handlerErrors++
      report(this.#onError, error, request)
      socket.destroy()
    }
  }

  acquireParser(connection: Connection): RequestParser {
    const parser = this.#parsers.pop()
    if (parser === undefined) return new RequestParser(connection, this.settings.parser)
    parser.reset(connection)
    return parser
  }

  releaseParser(parser: RequestParser): void {
    // Enough for every connection of a busy tick; more would be memory kept for nothing.
    if (this.#parsers.length < MAX_POOLED_PARSERS) this.#parsers.push(parser)
  }

  connectionClosed(connection: Connection): void {
    this.#connections.delete(connection)
    if (this.#connections.size === 0 && this.#whenEmpty !== null) {
      const resolve = this.#whenEmpty
      this.#whenEmpty = null
      resolve()
    }
  }

  // --- internals

  // After close() no accept can come: the listening socket is closed at once, and listen()
  // refuses a closed server.
  #accept(socket: Socket): void {
    this.stats.accepted++
    this.#connections.add(new Connection(socket, this))
  }

  #handlerFailed(error: unknown, response: Response): void {
    const request = response.request
    // The request's own failure (its client left, its body was refused or too slow), passed
    // on by a handler that awaited its body: the engine has answered it or the connection is
    // gone, and no handler is at fault.
    if (error === request.error) {
      if (!response.finished) response.socket.destroy()
      return
    }
    this.stats.handlerErrors++
    report(this.#onError, error, request)
    if (response.finished) return
    if (!response.headersSent) response.send(errorResponse(500, ErrorCode.HANDLER_FAILED))
    else response.socket.destroy()
  }

  #onNetError(error: NodeJS.ErrnoException): void {
    // A listen error is listen()'s to reject with.
    if (error.syscall !== 'accept') return
    // Out of file descriptors: the accept failed, the server and its connections go on.
    // (libuv mostly sheds the load itself: see test/server/server.ts.)
    this.stats.acceptErrors++
    const failure = new NetservError(ErrorCode.ACCEPT_FAILED, `accept failed: ${error.code ?? error.message}`)
    failure.cause = error
    report(this.#onError, failure, null)
  }

}

function noop(): void {}

const MAX_POOLED_PARSERS = 256

function destroyAll(connections: ReadonlySet<Connection>): void {
  for (const connection of connections) connection.socket.destroy()
}

/**
 * Makes a {@link Server}: `createServer(handler)` or `createServer(options, handler)`.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` for an option out of range
 */
export function createServer(handler: Handler): Server
export function createServer(options: ServerOptions, handler: Handler): Server
export function createServer(optionsOrHandler: ServerOptions | Handler, maybeHandler?: Handler): Server {
  if (typeof optionsOrHandler === 'function') return new Server({}, optionsOrHandler)
  if (maybeHandler === undefined) throw new NetservError(ErrorCode.INVALID_ARGUMENT, 'createServer needs a handler')
  return new Server(optionsOrHandler, maybeHandler)
}
