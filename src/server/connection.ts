import type { Socket } from 'node:net'
import { errorResponse } from '../buffers/error-responses.js'
import type { HeadWriter } from '../buffers/head-writer.js'
import { ErrorCode, NetservError, type ParserError } from '../errors.js'
import type { RequestHead } from '../parser/request-head.js'
import { RequestParser, type RequestParserHandler } from '../parser/request-parser.js'
import { WheelEntry } from '../timers/timer-wheel.js'
import { abortedError, Request } from './request.js'
import type { Response, ResponseChannel } from './response.js'
import { Response as ServerResponse } from './response.js'

/** What a connection needs from its server (kept an interface so the two files stay apart). */
export interface ConnectionHost {
  readonly headWriter: HeadWriter
  readonly closing: boolean
  readonly settings: ConnectionSettings
  /** Runs the application's handler for a request whose turn has come. */
  dispatch(request: Request, response: Response): void
  /** Whether {@link upgrade} takes upgrades; if not, they are answered by the handler. */
  readonly handlesUpgrades: boolean
  /**
   * An Upgrade or CONNECT request, complete; `rest` is what the client sent after it. The
   * socket is the callee's from now on.
   */
  upgrade(request: Request, socket: Socket, rest: Buffer): void
  connectionClosed(connection: Connection): void
  /** A parser for `connection` (from a pool when one is free). */
  acquireParser(connection: Connection): RequestParser
  /** Takes back a parser with nothing in flight. */
  releaseParser(parser: RequestParser): void
}

/** The limits and timeouts a connection enforces, resolved from the server's options. */
export interface ConnectionSettings {
  readonly headerTimeoutMs: number
  readonly bodyTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly maxPipelinedRequests: number
  readonly highWaterMarkBytes: number
  readonly writeTimeoutMs: number
  readonly parser: ConstructorParameters<typeof RequestParser>[1]
  readonly wheel: import('../timers/timer-wheel.js').TimerWheel
}

// Which timeout the connection's one wheel entry stands for: the low bits of #flags.
const TIMER_NONE = 0
const TIMER_HEADER = 1
const TIMER_BODY = 2
const TIMER_IDLE = 3
const TIMER_LINGER = 4
const TIMER_WRITE = 5
const TIMER_BITS = 7

// The connection's booleans, the other bits of #flags. Plain bit operations where they are
// used, not private accessors: those (and private methods) give every connection a field
// more, the class's brand (bench/RESULTS.md).
/** No more requests will be read: the client half-closed, asked to close, or erred. */
const CLOSING = 1 << 3
/** The parser is executing (its state is not up to date). */
const EXECUTING = 1 << 4
/** #next is running; a call from inside it asks for another turn (NEXT_AGAIN). */
const ADVANCING = 1 << 5
const NEXT_AGAIN = 1 << 6
/** The socket is corked until the tick ends. */
const CORKED = 1 << 7
/** A write went above the high-water mark and no 'drain' came since. */
const OUTPUT_BLOCKED = 1 << 8
/** The socket is paused: see #updateReading. */
const READ_PAUSED = 1 << 9
const CLOSED = 1 << 10

const kConnection = Symbol('netserv.connection')

interface ConnectionSocket extends Socket {
  [kConnection]: Connection
}

/**
 * One accepted socket: parses its requests, runs their handlers one at a time in order, and
 * owns its timeouts.
 *
 * Pipelining. Requests are parsed as they arrive; a request whose predecessors have not
 * finished waits in `#queue` (its body still collects) and its handler runs when its turn
 * comes, so responses leave in request order without buffering any response. When
 * `maxPipelinedRequests` wait, or the socket holds more unwritten output than its high-water
 * mark, the parser pauses and the socket stops being read: a client that pipelines without
 * reading cannot grow the server's memory past one chunk.
 *
 * Timeouts. One wheel entry (the connection itself), re-aimed as the connection moves between
 * states (and, once the connection has sent its FIN, limiting how long it lingers):
 * ```
 *   accept / response done --idle--> first byte --header--> head complete --body--> complete
 *        ^                                (not extended by more bytes:     (extended by   |
 *        |                                 a slowloris head is cut off)     each piece)  |
 *        +------------------------------ handler runs: no timeout -----------------------+
 * ```
 * and, whenever no other timeout runs while the output is backed up, the write timeout.
 */
export class Connection extends WheelEntry implements RequestParserHandler, ResponseChannel {
  readonly socket: Socket
  readonly #host: ConnectionHost
  /**
   * Lent by the host while bytes are parsed; null while the connection is idle, so an idle
   * keep-alive connection holds no parser (about 0.9 KiB less each, bench/RESULTS.md).
   */
  #parser: RequestParser | null = null
  /**
   * The timer kind and the booleans below in one small integer: one field where nine would
   * take 64 B more of every connection (bench/RESULTS.md).
   */
  #flags = TIMER_NONE
  /** The request whose body is being read. */
  #reading: Request | null = null
  /** The request whose handler runs or whose response is being written. */
  #active: Response | null = null
  #queue: Response[] | null = null
  /**
   * The bytes the parser has not consumed yet (it was paused), as a view of the rest of their
   * chunk: a view made on the rare pause, rather than an offset field in every connection.
   */
  #pending: Buffer | null = null
  /** An error response to send once the responses before it are done. */
  #failure: ParserError | NetservError | null = null
  #upgrade: Request | null = null

  constructor(socket: Socket, host: ConnectionHost) {
    super()
    this.socket = socket
    this.#host = host
    ;(socket as ConnectionSocket)[kConnection] = this
    socket.setNoDelay(true)
    socket.on('data', socketOnData)
    replaceNodeEndListener(socket)
    socket.on('end', socketOnEnd)
    socket.on('error', socketOnError)
    socket.on('close', socketOnClose)
    socket.on('drain', socketOnDrain)
    // The first head must arrive within the header timeout of the accept.
    Connection.#setTimer(this, TIMER_HEADER, host.settings.headerTimeoutMs)
  }

  get headWriter(): HeadWriter {
    return this.#host.headWriter
  }

  /**
   * Whether the response being answered may leave the connection open. Not when the
   * connection or the server is closing, unless another answer is still to follow it on
   * this connection (a queued request, an error answer, an upgrade): `Connection: close` must
   * be on the last response only (RFC 9112 section 9.6), and nothing may follow it.
   */
  get canKeepAlive(): boolean {
    if (this.#queue !== null || this.#failure !== null || this.#upgrade !== null) return true
    return (this.#flags & CLOSING) === 0 && !this.#host.closing
  }

  // --- ResponseChannel

  /**
   * Everything written in one tick leaves in one `writev` when the tick ends (the socket is
   * corked until then): a pipeline of 16 answers is one syscall, and the Buffers go as they
   * are, uncopied (a StaticResponse's Buffer is written, not a copy of it). Returns false above
   * the high-water mark.
   */
  write(chunk: Uint8Array): boolean {
    if ((this.#flags & CORKED) === 0) {
      this.#flags |= CORKED
      this.socket.cork()
      process.nextTick(flushConnection, this)
    }
    return Connection.#toSocket(this, chunk)
  }

  /**
   * A frame of a push stream, which batches its own frames: no cork of ours, and in order
   * after anything this tick already wrote.
   */
  writeNow(chunk: Uint8Array): boolean {
    return Connection.#toSocket(this, chunk)
  }

  /** @internal The tick is over: what it wrote leaves now. */
  flush(): void {
    if ((this.#flags & CORKED) === 0) return
    this.#flags &= ~CORKED
    this.socket.uncork()
  }

  static #toSocket(connection: Connection, chunk: Uint8Array): boolean {
    const below = connection.socket.write(chunk)
    if (!below && (connection.#flags & OUTPUT_BLOCKED) === 0) {
      connection.#flags |= OUTPUT_BLOCKED
      Connection.#updateReading(connection)
      Connection.#armWriteTimeout(connection)
    }
    return below
  }

  /**
   * Backed up with no timeout running (a handler's answers, a pipeline waiting behind them):
   * without one, a client that never reads would hold the connection, and the buffers behind
   * it, forever. The other timeouts end a backed-up connection their own way (its socket is
   * not read: a head or body cannot arrive); a push stream has its own write timeout.
   */
  static #armWriteTimeout(connection: Connection): void {
    if ((connection.#flags & OUTPUT_BLOCKED) !== 0 && (connection.#flags & TIMER_BITS) === TIMER_NONE && connection.#active?.heldOpen !== true) {
      Connection.#setTimer(connection, TIMER_WRITE, connection.#host.settings.writeTimeoutMs)
    }
  }

  // Only the active response can finish: queued ones have no handler yet, and one taken out of
  // turn (its connection closed, an error answer took its place) is aborted and finishes no more.
  responseFinished(keepAlive: boolean): void {
    this.#active = null
    if (!keepAlive) {
      // It said Connection: close, or its body ends with the connection: nothing may follow.
      this.#flags |= CLOSING
      this.#failure = null
      Connection.#dropWaiting(this, abortedError())
      Connection.#endSocket(this)
      return
    }
    Connection.#next(this)
  }

  // --- RequestParserHandler

  onRequestHead(head: RequestHead): void {
    const request = new Request(head, this)
    this.#reading = request
    if (!expectsContinue(head) && (head.contentLength > 0 || head.chunked)) {
      Connection.#setTimer(this, TIMER_BODY, this.#host.settings.bodyTimeoutMs)
    } else if ((this.#flags & TIMER_BITS) !== TIMER_WRITE) {
      // The head is in: no header timeout. A write timeout stays: a head parsed behind a
      // handler while the output is backed up (#parseBehindHandler) must not stop it.
      Connection.#setTimer(this, TIMER_NONE, 0)
    }
    if (head.upgrade) {
      // Held back: the handler (or the upgrade callback) runs once the message is complete
      // and every response before it is out.
      this.#upgrade = request
      return
    }
    const response = new ServerResponse(request)
    // A handler starts only while the socket takes output; otherwise it waits for 'drain'.
    if (this.#active === null && this.#queue === null && (this.#flags & OUTPUT_BLOCKED) === 0) {
      Connection.#activate(this, response)
    } else {
      ;(this.#queue ??= []).push(response)
      if (this.#queue.length >= this.#host.settings.maxPipelinedRequests) this.#parser?.pause()
    }
    if ((this.#flags & OUTPUT_BLOCKED) !== 0) this.#parser?.pause()
  }

  onRequestBody(chunk: Buffer, start: number, end: number): void {
    if ((this.#flags & TIMER_BITS) === TIMER_BODY) Connection.#setTimer(this, TIMER_BODY, this.#host.settings.bodyTimeoutMs)
    ;(this.#reading as Request).pushBody(chunk, start, end)
  }

  onRequestComplete(head: RequestHead): void {
    const request = this.#reading as Request
    this.#reading = null
    if ((this.#flags & TIMER_BITS) === TIMER_BODY) {
      Connection.#setTimer(this, TIMER_NONE, 0)
      Connection.#armWriteTimeout(this)
    }
    if (!head.keepAlive) this.#flags |= CLOSING
    // Closing: the body in flight was the last thing read; nothing after it is parsed.
    if ((this.#flags & CLOSING) !== 0) this.#parser?.pause()
    request.finishBody()
    // Most often its handler ran, and opened a stream, before this point (the head alone starts it).
    const active = this.#active
    if (active !== null && active.request === request) active.requestCompleted()
  }

  // --- socket events

  /** @internal */
  onData(chunk: Buffer): void {
    // Closing (a failure or a timeout sets it too): no more requests; what comes is read and
    // dropped, except the rest of a body in flight, whose request is still to be answered.
    if ((this.#flags & CLOSING) !== 0 && this.#reading === null) return
    Connection.#feed(this, chunk)
  }

  /** @internal The client sent FIN: answer what it asked, then close. */
  onEnd(): void {
    // A push stream or a held poll has nothing left to answer but what is yet to happen: its
    // client left (see Response.holdOpen).
    if (this.#active !== null && this.#active.heldOpen) {
      this.socket.destroy()
      return
    }
    const parser = this.#parser
    const failedBefore = parser !== null && parser.error !== null
    const error = parser === null ? null : parser.finish()
    this.#flags |= CLOSING
    // A request cut short by the FIN is a parser rejection like any other: answered with its
    // status (400 NETSERV_UNEXPECTED_EOF) after the answers before it.
    if (error !== null && !failedBefore) Connection.#fail(this, error)
    else if (this.#active === null && this.#queue === null) Connection.#endSocket(this)
  }

  /**
   * @internal 'drain' comes only after a write above the mark (which set #outputBlocked), and
   * never after end(), the one other place that clears it.
   */
  onDrain(): void {
    this.#flags &= ~OUTPUT_BLOCKED
    if ((this.#flags & TIMER_BITS) === TIMER_WRITE) Connection.#setTimer(this, TIMER_NONE, 0)
    this.#active?.drained()
    Connection.#next(this)
    Connection.#updateReading(this)
  }

  /** @internal The socket is gone: settle everything that waited on it. */
  onClose(): void {
    this.#flags |= CLOSED
    Connection.#setTimer(this, TIMER_NONE, 0)
    const aborted = abortedError()
    this.#reading?.abort(aborted)
    const active = this.#active
    this.#active = null
    if (active !== null) {
      active.request.abort(aborted)
      active.abort()
    }
    Connection.#dropWaiting(this, aborted)
    this.#pending = null
    this.#host.connectionClosed(this)
  }

  /** @internal The wheel entry came due. */
  onTimeout(): void {
    const kind = this.#flags & TIMER_BITS
    this.#flags &= ~TIMER_BITS
    if (kind === TIMER_IDLE || kind === TIMER_LINGER || kind === TIMER_WRITE) {
      this.socket.destroy()
      return
    }
    // Header or body timeout: answer 408 if nothing is being answered, then close.
    const error = new NetservError(ErrorCode.REQUEST_TIMEOUT, kind === TIMER_HEADER ? 'Request head not received in time' : 'Request body not received in time', 408)
    this.#flags |= CLOSING
    this.#reading?.abort(error)
    this.#reading = null
    if (this.#active === null && this.#queue === null) {
      this.write(errorResponse(408, error.code).buffer(false))
      Connection.#endSocket(this)
    } else {
      this.socket.destroy()
    }
  }

  /**
   * Ends the connection politely: an idle one now, a busy one after its response. Push
   * streams are ended by their own close hooks (the server calls them).
   */
  shutdown(): void {
    this.#flags |= CLOSING
    const active = this.#active
    if (active === null && this.#queue === null) Connection.#endSocket(this)
    // A push stream ends itself (its terminator, its last chunk), which finishes the response.
    else active?.shutdown()
  }

  // --- internals: static private methods, which cost a connection no brand field (see the flags)

  static #feed(connection: Connection, chunk: Buffer): void {
    const parser = (connection.#parser ??= connection.#host.acquireParser(connection))
    connection.#flags |= EXECUTING
    const reached = parser.execute(chunk)
    connection.#flags &= ~EXECUTING
    if (parser.error !== null) {
      Connection.#fail(connection, parser.error)
      return
    }
    if (parser.upgraded) {
      // What follows belongs to the new protocol: keep it, and leave the rest in the socket.
      connection.#pending = chunk.subarray(reached)
      Connection.#updateReading(connection)
      Connection.#next(connection)
      return
    }
    if (reached < chunk.length) {
      // Paused: keep the rest, stop reading until the queue or the socket drains.
      connection.#pending = chunk.subarray(reached)
      Connection.#updateReading(connection)
      return
    }
    // Ending: no more requests are read, and #endSocket owns the timer.
    if ((connection.#flags & CLOSING) !== 0) return
    if (parser.idle) {
      if (parser.reusable && connection.#reading === null) {
        connection.#parser = null
        connection.#host.releaseParser(parser)
      }
      Connection.#idleIfNothingToDo(connection)
    } else if (connection.#reading === null && (connection.#flags & TIMER_BITS) !== TIMER_HEADER) {
      // The first bytes of a head: from now on it has headerTimeoutMs to complete.
      Connection.#setTimer(connection, TIMER_HEADER, connection.#host.settings.headerTimeoutMs)
    }
  }

  /**
   * Runs the next thing in line: a queued response's handler, pending bytes, or idles. A
   * handler that answers at once calls back in here (through responseFinished): that call only
   * asks the running loop for another turn, so a long pipeline is answered in a loop, not in a
   * recursion as deep as the pipeline.
   */
  static #next(connection: Connection): void {
    if ((connection.#flags & ADVANCING) !== 0) {
      connection.#flags |= NEXT_AGAIN
      return
    }
    connection.#flags |= ADVANCING
    try {
      do {
        connection.#flags &= ~NEXT_AGAIN
        Connection.#step(connection)
      } while ((connection.#flags & NEXT_AGAIN) !== 0)
    } finally {
      connection.#flags &= ~ADVANCING
    }
  }

  static #step(connection: Connection): void {
    if (connection.#active !== null || (connection.#flags & CLOSED) !== 0) return
    const queue = connection.#queue
    if (queue !== null) {
      const response = queue.shift() as Response
      if (queue.length === 0) connection.#queue = null
      Connection.#activate(connection, response)
      if (connection.#active === response) Connection.#parseBehindHandler(connection)
      return
    }
    if (connection.#upgrade !== null && connection.#parser !== null && connection.#parser.upgraded) {
      Connection.#handOver(connection)
      return
    }
    if (connection.#failure !== null) {
      Connection.#sendFailure(connection, connection.#failure)
      return
    }
    if ((connection.#flags & CLOSING) !== 0) {
      Connection.#endSocket(connection)
      return
    }
    const pending = connection.#pending
    if (pending !== null && (connection.#flags & EXECUTING) === 0) {
      if ((connection.#flags & OUTPUT_BLOCKED) === 0) Connection.#resumeParser(connection, connection.#parser as RequestParser)
      return
    }
    // While the parser runs its state is not up to date; #feed decides once it returns.
    if ((connection.#flags & EXECUTING) !== 0) return
    const parser = connection.#parser
    if (parser !== null && parser.paused) {
      // Paused for a full queue right at the end of a chunk: nothing was held back, and the
      // next bytes must find it running.
      parser.resume()
      if (parser.reusable && connection.#reading === null) {
        connection.#parser = null
        connection.#host.releaseParser(parser)
      }
    }
    Connection.#idleIfNothingToDo(connection)
  }

  /**
   * The queue is one shorter and its next handler runs: a parser paused for the full queue goes
   * on now, behind that handler, which may be waiting for its own body (it follows the head
   * that filled the queue: held back in #pending, or not read yet). Waiting for the connection
   * to have nothing active instead hung it, the handler waiting for a body never parsed
   * (test/server/connection.ts, regressions). Safe whatever else paused it: after a message
   * that closes the connection the parser takes no more requests (DATA_AFTER_CLOSE, and the
   * failure is not answered past the close); an upgrade waits unpaused; a blocked output pauses
   * the parser again at the next head and keeps the socket paused, so no more than the queue is
   * ever held; and #pending is null while the parser executes, so it is never fed twice.
   */
  static #parseBehindHandler(connection: Connection): void {
    const parser = connection.#parser
    if (parser === null || !parser.paused || (connection.#flags & CLOSED) !== 0) return
    Connection.#resumeParser(connection, parser)
  }

  /** Resumes the paused parser and feeds it the bytes it held back, if any. */
  static #resumeParser(connection: Connection, parser: RequestParser): void {
    parser.resume()
    const pending = connection.#pending
    if (pending === null) return
    connection.#pending = null
    Connection.#feed(connection, pending)
    Connection.#updateReading(connection)
  }

  /**
   * The socket is read only while the parser can take bytes (none held back in #pending) and
   * its output is below the high-water mark: bytes held back stay in the socket, and a drain
   * alone never resumes a paused parse (its new bytes would overwrite the held ones).
   */
  static #updateReading(connection: Connection): void {
    const pause = (connection.#flags & OUTPUT_BLOCKED) !== 0 || connection.#pending !== null
    if (pause === ((connection.#flags & READ_PAUSED) !== 0)) return
    connection.#flags = pause ? connection.#flags | READ_PAUSED : connection.#flags & ~READ_PAUSED
    if (pause) connection.socket.pause()
    else connection.socket.resume()
  }

  /**
   * Nothing being answered, nothing being read: the keep-alive idle timeout runs. (A parser is
   * lent only while a request is partly read, so holding one means a head is on its way.)
   */
  static #idleIfNothingToDo(connection: Connection): void {
    if ((connection.#flags & TIMER_BITS) === TIMER_NONE && connection.#active === null && connection.#queue === null && connection.#parser === null) {
      Connection.#setTimer(connection, TIMER_IDLE, connection.#host.settings.idleTimeoutMs)
    }
  }

  static #activate(connection: Connection, response: Response): void {
    connection.#active = response
    const request = response.request
    const head = request.head
    if (expectsContinue(head) && !request.complete) {
      connection.write(CONTINUE)
      Connection.#setTimer(connection, TIMER_BODY, connection.#host.settings.bodyTimeoutMs)
    }
    connection.#host.dispatch(request, response)
  }

  /** Gives up the requests that wait their turn: they will not be answered on this connection. */
  static #dropWaiting(connection: Connection, error: NetservError): void {
    const upgrade = connection.#upgrade
    connection.#upgrade = null
    upgrade?.abort(error)
    const queue = connection.#queue
    connection.#queue = null
    if (queue === null) return
    for (const response of queue) {
      response.request.abort(error)
      response.abort()
    }
  }

  static #handOver(connection: Connection): void {
    const request = connection.#upgrade as Request
    connection.#upgrade = null
    Connection.#setTimer(connection, TIMER_NONE, 0)
    // Set by #feed when the parser stopped for the upgrade, possibly at the chunk's end.
    const rest = connection.#pending as Buffer
    connection.#pending = null
    const socket = connection.socket
    if (connection.#host.handlesUpgrades) {
      // The answers before it leave first; after connection the socket is not ours to write to.
      connection.flush()
      // The socket is the application's now: no listener of ours stays on it. Neither flowing
      // nor paused (as node:http leaves it): the bytes wait in the socket until the application
      // listens for 'data' or resumes it, whenever it does.
      socket.removeListener('data', socketOnData)
      socket.removeListener('end', socketOnEnd)
      socket.removeListener('error', socketOnError)
      socket.removeListener('close', socketOnClose)
      socket.removeListener('drain', socketOnDrain)
      if (nodeEndListener !== null) socket.on('end', nodeEndListener)
      ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
      connection.#flags |= CLOSED
      connection.#host.connectionClosed(connection)
      connection.#host.upgrade(request, socket, rest)
      return
    }
    // Nobody takes upgrades: answer it as an ordinary request, then close (the parser has
    // stopped; whatever follows is another protocol).
    connection.#flags |= CLOSING
    Connection.#activate(connection, new ServerResponse(request))
  }

  static #fail(connection: Connection, error: ParserError | NetservError): void {
    connection.#failure = error
    connection.#flags |= CLOSING
    Connection.#setTimer(connection, TIMER_NONE, 0)
    const reading = connection.#reading
    if (reading !== null) {
      connection.#reading = null
      reading.abort(error)
      // A queued request whose body failed will not be answered: the error response is its answer.
      const queue = connection.#queue
      if (queue !== null && (queue[queue.length - 1] as Response).request === reading) {
        ;(queue.pop() as Response).abort()
        if (queue.length === 0) connection.#queue = null
      }
      // The request whose body failed is being answered: replace its answer if we still can.
      const active = connection.#active
      if (active !== null && active.request === reading) {
        if (!active.headersSent) {
          connection.#active = null
          active.abort()
          Connection.#sendFailure(connection, error)
        } else {
          connection.socket.destroy()
        }
        return
      }
    }
    if (connection.#active === null && connection.#queue === null) Connection.#sendFailure(connection, error)
  }

  static #sendFailure(connection: Connection, error: ParserError | NetservError): void {
    connection.#failure = null
    connection.write(errorResponse(error.status, error.code).buffer(false))
    Connection.#endSocket(connection)
  }

  /**
   * Sends FIN after the last answer. Lingering close (RFC 9112 section 9.6): the socket is
   * read, and what comes dropped, until the peer closes its side too, so that a request it
   * was still sending does not turn into a reset that destroys the answer before it is read;
   * but not for longer than the idle timeout, or a peer that never closes holds the socket.
   */
  static #endSocket(connection: Connection): void {
    connection.flush()
    const socket = connection.socket
    if (!socket.destroyed && !socket.writableEnded) socket.end()
    connection.#pending = null
    connection.#flags &= ~OUTPUT_BLOCKED
    Connection.#updateReading(connection)
    Connection.#setTimer(connection, TIMER_LINGER, connection.#host.settings.idleTimeoutMs)
  }

  static #setTimer(connection: Connection, kind: number, delayMs: number): void {
    const wheel = connection.#host.settings.wheel
    connection.#flags = (connection.#flags & ~TIMER_BITS) | kind
    if (kind === TIMER_NONE || delayMs <= 0) {
      if (connection.scheduled) wheel.cancel(connection)
      if (delayMs <= 0) connection.#flags &= ~TIMER_BITS
      return
    }
    wheel.schedule(connection, delayMs)
  }
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1')

/** RFC 9110 section 10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored. */
function expectsContinue(head: RequestHead): boolean {
  return head.expectContinue && head.versionMinor === 1
}

type SocketListener = (this: Socket, ...args: unknown[]) => void

/** net's own 'end' listener, once {@link replaceNodeEndListener} took it off a socket. */
let nodeEndListener: SocketListener | null = null

/**
 * Every net.Socket listens for its own 'end' (net's onReadableStreamEnd), which only stops
 * writes after the peer's FIN when the socket is not half-open. The server's sockets are
 * (allowHalfOpen: a client that half-closes still gets its answers), so it does nothing
 * here; left in place, ours would make `_events.end` an array of two: 64 B per connection
 * (bench/RESULTS.md). It goes back on a socket handed over to an upgrade handler, which may
 * turn half-open off. Matched by name: on a Node where it differs, it simply stays.
 */
function replaceNodeEndListener(socket: Socket): void {
  const [listener] = socket.listeners('end') as SocketListener[]
  if (socket.allowHalfOpen && listener?.name === 'onReadableStreamEnd') {
    nodeEndListener = listener
    socket.removeListener('end', listener)
  }
}

function connectionOf(socket: Socket): Connection {
  return (socket as ConnectionSocket)[kConnection]
}

// Module-level listeners reach their state through the socket: no closure per connection.
function socketOnData(this: Socket, chunk: Buffer): void {
  connectionOf(this).onData(chunk)
}
function socketOnEnd(this: Socket): void {
  connectionOf(this).onEnd()
}
function socketOnError(this: Socket): void {
  // A reset or a write to a closed peer: 'close' follows and cleans up.
}
function socketOnClose(this: Socket): void {
  connectionOf(this).onClose()
}
function socketOnDrain(this: Socket): void {
  connectionOf(this).onDrain()
}
function flushConnection(connection: Connection): void {
  connection.flush()
}
