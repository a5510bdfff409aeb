import type { Socket } from 'node:net'
import { isFieldValue, isToken } from '../buffers/byte-classes.js'
import type { HeadWriter } from '../buffers/head-writer.js'
import { CONNECTION_CLOSE, CONNECTION_KEEP_ALIVE, CRLF, TRANSFER_ENCODING_CHUNKED } from '../buffers/header-lines.js'
import type { StaticResponse } from '../buffers/static-response.js'
import { ErrorCode, NetservError } from '../errors.js'
import { HEAD_METHOD } from '../parser/methods.js'
import { addListener, callListeners, type ListenerList } from './listener-list.js'
import type { Request } from './request.js'

/**
 * What a {@link Response} needs from the connection that carries it. The connection
 * implements it; keeping it an interface keeps response.ts free of connection.ts.
 */
export interface ResponseChannel {
  readonly socket: Socket
  readonly headWriter: HeadWriter
  /** May the connection stay open after this response (the server is not closing...)? */
  readonly canKeepAlive: boolean
  /** Write `chunk` now, batched with whatever else this tick writes. Returns false when above the high-water mark. */
  write(chunk: Uint8Array): boolean
  /** Write a push frame after what this tick wrote, straight to the socket (streams batch their own frames). */
  writeNow(chunk: Uint8Array): boolean
  /** The response being answered wrote its last byte; `keepAlive` false: it said close. */
  responseFinished(keepAlive: boolean): void
}

/**
 * What a push stream riding on a response hears from it. The connection tells the response,
 * the response tells its stream: no listener or closure per stream on the socket.
 */
export interface StreamHooks {
  /** The socket drained: queued frames may go. */
  onWritable(): void
  /** The server is closing: end the stream properly. */
  onShutdown(): void
  /** The connection closed under the stream. */
  onAborted(): void
}

/** Called once when the response is over: finished (`aborted` false) or its connection gone. */
export type ResponseCloseListener = (this: void, aborted: boolean) => void

const STATE_OPEN = 0
const STATE_STREAMING = 1
const STATE_FINISHED = 2
const STATE_ABORTED = 3
// The state is the low bits of #flags; the booleans are the others.
const STATE_BITS = 3
const CHUNKED = 1 << 2
const KEEP_ALIVE = 1 << 3
const HELD_OPEN = 1 << 4

/** Fields the response frames itself; setting them by hand would break the connection. */
const FRAMING_NAMES: ReadonlySet<string> = new Set(['connection', 'transfer-encoding', 'date'])

const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1')

const CONTENT_LENGTH = 'content-length'

/**
 * The checked field list (name, value, ...) of each stream head a push framing passes to
 * {@link Response.startStream}: one frozen array per framing, shared by its streams, where a
 * list of its own would cost each stream 200 B for as long as it lives (bench/RESULTS.md).
 */
const streamHeadFields = new WeakMap<Readonly<Record<string, string>>, readonly string[]>()

/**
 * The answer to one {@link Request}. Set `status` and headers, then `end(body)` (one write,
 * `Content-Length`) or `write` pieces and `end()` (chunked on HTTP/1.1, close-delimited on
 * HTTP/1.0). A response to HEAD sends the head alone; 1xx, 204 and 304 never have a body.
 *
 * Headers are validated when set: a name that is not a token, or a value with CR, LF or any
 * other byte a field may not hold, throws `NETSERV_INVALID_RESPONSE_HEADER` at the call, so
 * no request data can inject a header or split the response.
 *
 * Once the connection is gone ({@link aborted}, {@link onClose} called with true), every call
 * is a harmless no-op (`write` returns false): a handler finishing after its client left is
 * not an error. Bad input still throws.
 */
export class Response {
  /** The status code; settable until the head is sent. */
  status = 200
  readonly request: Request
  /** name, value, name, value... in the order set. */
  #fields: string[] | null = null
  /**
   * The state (STATE_*) and the booleans CHUNKED (the body goes in chunks), KEEP_ALIVE (the
   * connection may stay open after it) and HELD_OPEN (see {@link holdOpen}) in one small
   * integer: a push stream keeps its response for its life.
   */
  #flags = STATE_OPEN | KEEP_ALIVE
  /** Content-Length set by hand, or -1. */
  #declaredLength = -1
  #writtenBytes = 0
  #closeListeners: ListenerList<ResponseCloseListener> = null
  #stream: StreamHooks | null = null

  /** The request's channel carries the response too: no field of its own for it (see {@link Request.channel}). */
  constructor(request: Request) {
    this.request = request
  }

  /** True once the head has been written. */
  get headersSent(): boolean {
    return (this.#flags & STATE_BITS) !== STATE_OPEN
  }

  /** True once the response is complete or its connection gone: further writes are refused. */
  get finished(): boolean {
    return (this.#flags & STATE_BITS) >= STATE_FINISHED
  }

  /** True when the connection closed before the response finished. */
  get aborted(): boolean {
    return (this.#flags & STATE_BITS) === STATE_ABORTED
  }

  /** The socket underneath: for push streams and for reading the peer's address. */
  get socket(): Socket {
    return this.request.channel.socket
  }

  /**
   * Sets a header, replacing any of the same name (any case). Numbers are written in decimal.
   * @throws NetservError `NETSERV_INVALID_RESPONSE_HEADER` for a name that is not a token, a
   *   value a field may not hold, or a framing field (`Connection`, `Transfer-Encoding`,
   *   `Date`: the response writes those itself); `NETSERV_HEADERS_SENT` after the head went out.
   */
  setHeader(name: string, value: string | number): this {
    const text = Response.#checkField(this, name, value)
    Response.#remove(this, name)
    ;(this.#fields ??= []).push(name, text)
    // After #remove, which forgets a declared length along with the field it removes.
    if (name.length === CONTENT_LENGTH.length && name.toLowerCase() === CONTENT_LENGTH) this.#declaredLength = Number(text)
    return this
  }

  /**
   * Adds a header even if one of the same name exists (`Set-Cookie`, `Link`). Checked as
   * {@link setHeader}. `Content-Length` is never doubled: appending it replaces it.
   */
  appendHeader(name: string, value: string | number): this {
    if (name.length === CONTENT_LENGTH.length && name.toLowerCase() === CONTENT_LENGTH) return this.setHeader(name, value)
    const text = Response.#checkField(this, name, value)
    ;(this.#fields ??= []).push(name, text)
    return this
  }

  /** The value of the first header called `name` that was set, or undefined. */
  getHeader(name: string): string | undefined {
    const fields = this.#fields
    if (fields === null) return undefined
    const lower = name.toLowerCase()
    for (let i = 0; i < fields.length; i += 2) {
      if ((fields[i] as string).toLowerCase() === lower) return fields[i + 1]
    }
    return undefined
  }

  /** Removes every header called `name`. @throws NetservError `NETSERV_HEADERS_SENT` after the head went out */
  removeHeader(name: string): this {
    Response.#checkOpen(this)
    Response.#remove(this, name)
    return this
  }

  /** Sets the status and headers in one call; the head is still written with the first byte. */
  writeHead(status: number, headers?: Readonly<Record<string, string | number>>): this {
    Response.#checkOpen(this)
    this.status = status
    if (headers !== undefined) for (const name of Object.keys(headers)) this.setHeader(name, headers[name] as string | number)
    return this
  }

  /**
   * Writes a piece of the body, sending the head first if needed. Returns false when the
   * socket holds more than its high-water mark: wait for `drain` on {@link socket}.
   * @throws NetservError `NETSERV_WRITE_AFTER_END` after {@link end}
   */
  write(chunk: string | Uint8Array): boolean {
    if ((this.#flags & STATE_BITS) === STATE_ABORTED) return false
    Response.#checkWritable(this)
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    if ((this.#flags & STATE_BITS) === STATE_OPEN) Response.#sendHead(this, -1)
    return Response.#writeBody(this, bytes)
  }

  /**
   * Finishes the response, with `chunk` as the last (or only) piece of the body. A response
   * ended without a prior write goes out as one head with `Content-Length` and the body.
   * @throws NetservError `NETSERV_WRITE_AFTER_END` when already ended;
   *   `NETSERV_CONTENT_LENGTH_MISMATCH` when a hand-set `Content-Length` was not met (the
   *   connection is closed, since the peer can no longer find the next response)
   */
  end(chunk?: string | Uint8Array): void {
    if ((this.#flags & STATE_BITS) === STATE_ABORTED) return
    Response.#checkWritable(this)
    const bytes = chunk === undefined ? null : typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    if ((this.#flags & STATE_BITS) === STATE_OPEN) {
      Response.#sendHead(this, bytes === null ? 0 : bytes.length)
      if (bytes !== null && bytes.length > 0) Response.#writeBody(this, bytes)
    } else {
      if (bytes !== null && bytes.length > 0) Response.#writeBody(this, bytes)
      if ((this.#flags & CHUNKED) !== 0) this.request.channel.write(LAST_CHUNK)
    }
    Response.#finish(this)
  }

  /**
   * Sends a prebuilt {@link StaticResponse} as the whole response: the same Buffer every time,
   * nothing encoded. Headers set on this response are not used.
   * @throws NetservError `NETSERV_HEADERS_SENT` when the head is already out
   */
  send(response: StaticResponse): void {
    if ((this.#flags & STATE_BITS) === STATE_ABORTED) return
    Response.#checkOpen(this)
    // head.keepAlive is already false for HTTP/1.0 unless it asked for keep-alive, and the
    // prebuilt keep-alive variant says Connection: keep-alive, which a 1.0 peer needs to see.
    this.#flags = (this.request.head.keepAlive && this.request.channel.canKeepAlive) ? this.#flags | KEEP_ALIVE : this.#flags & ~KEEP_ALIVE
    this.status = response.status
    this.#flags = (this.#flags & ~STATE_BITS) | STATE_STREAMING
    const isHead = this.request.head.methodIndex === HEAD_METHOD
    this.request.channel.write(isHead ? response.head((this.#flags & KEEP_ALIVE) !== 0) : response.buffer((this.#flags & KEEP_ALIVE) !== 0))
    Response.#finish(this)
  }

  /**
   * Calls `listener` once when the response is over: `aborted` false when it finished, true
   * when its connection closed first (a push stream's cue to stop).
   */
  onClose(listener: ResponseCloseListener): void {
    if ((this.#flags & STATE_BITS) >= STATE_FINISHED) {
      listener((this.#flags & STATE_BITS) === STATE_ABORTED)
      return
    }
    this.#closeListeners = addListener(this.#closeListeners, listener)
  }

  /** @internal The connection closed: nothing more will be written. */
  abort(): void {
    if ((this.#flags & STATE_BITS) >= STATE_FINISHED) return
    this.#flags = (this.#flags & ~STATE_BITS) | STATE_ABORTED
    // Header calls are taken again, harmlessly, once the connection is gone: a stream's head
    // fields may be the list its framing's streams share (startStream), frozen; this one's own.
    const fields = this.#fields
    if (fields !== null && Object.isFrozen(fields)) this.#fields = fields.slice()
    this.#stream?.onAborted()
    Response.#notifyClose(this, true)
  }

  /**
   * @internal For the push layer: this response is answered only when something happens (a
   * held long-poll; {@link startStream} marks push streams), so once its request is in, a FIN
   * from the client means it left, not that it waits for the answer (browsers close, they do
   * not half-close; node:http and nginx read it so too): the connection drops it at once,
   * instead of holding it until a write fails a heartbeat or a timeout later.
   */
  holdOpen(): void {
    this.#flags |= HELD_OPEN
    Response.#compactRequest(this)
  }

  /** @internal See {@link holdOpen}. */
  get heldOpen(): boolean {
    return (this.#flags & HELD_OPEN) !== 0
  }

  /**
   * @internal For the push layer: sends the head with `headers` for a body of unknown length
   * (chunked on HTTP/1.1, close-delimited on HTTP/1.0), after which `hooks` hear of drains,
   * shutdown and aborts, and frames go out raw through {@link writeStream}. Returns whether
   * the frames must be chunk-wrapped. A response to HEAD is finished at once (head only).
   */
  startStream(headers: Readonly<Record<string, string>>, hooks: StreamHooks): boolean {
    if ((this.#flags & STATE_BITS) === STATE_ABORTED) return false
    Response.#checkOpen(this)
    const streamFields = streamFieldsOf(headers)
    const fields = this.#fields
    if (fields === null) {
      // Frozen and shared: never written to, since the head goes out now (every change to
      // the fields is refused from then on).
      this.#fields = streamFields as string[]
    } else {
      // Headers the application set come first; the stream's replace any of the same name.
      for (let i = 0; i < streamFields.length; i += 2) {
        Response.#remove(this, streamFields[i] as string)
        fields.push(streamFields[i] as string, streamFields[i + 1] as string)
      }
      // Kept as long as the stream: no room for more (pushes left it some 17 slots long).
      this.#fields = fields.slice()
    }
    this.#stream = hooks
    this.holdOpen()
    Response.#sendHead(this, -1)
    if (this.request.head.methodIndex === HEAD_METHOD) Response.#finish(this)
    return (this.#flags & CHUNKED) !== 0
  }

  /** @internal A frame of a push stream, already framed (and chunk-wrapped when needed). */
  writeStream(frame: Uint8Array): boolean {
    if ((this.#flags & STATE_BITS) !== STATE_STREAMING) return true
    return this.request.channel.writeNow(frame)
  }

  /** @internal Ends a push stream with its last bytes (for chunked, they hold the last chunk). */
  endStream(last: Uint8Array | null): void {
    if ((this.#flags & STATE_BITS) !== STATE_STREAMING) return
    if (last !== null) this.request.channel.write(last)
    Response.#finish(this)
  }

  /** @internal The socket drained. */
  drained(): void {
    this.#stream?.onWritable()
  }

  /** @internal The server is closing; returns whether a stream took it (and will end itself). */
  shutdown(): boolean {
    const stream = this.#stream
    if (stream === null || (this.#flags & STATE_BITS) !== STATE_STREAMING) return false
    stream.onShutdown()
    return true
  }

  /** @internal The request's message is complete (its body, if any, is in). */
  requestCompleted(): void {
    if ((this.#flags & HELD_OPEN) !== 0) Response.#compactRequest(this)
  }

  // The helpers below are static, not instance, private methods, and the booleans plain bit
  // operations on #flags: private methods or accessors give every response a field more (the
  // class's brand), and a push stream keeps its response for its life (bench/RESULTS.md).

  /**
   * The request is kept as long as this response, a stream or a held poll, which may be hours:
   * its head lets go of the socket's chunk (see RequestHead.compact). Not while the message
   * is still coming in (trailers would be added to the head): {@link requestCompleted} does
   * it then.
   */
  static #compactRequest(response: Response): void {
    const request = response.request
    if (request.complete) request.head.compact()
  }

  /**
   * Writes the head. `bodyBytes` is the whole body's length when known, -1 while streaming.
   * Decides the framing: Content-Length, chunked, or close-delimited (RFC 9112 section 6.3).
   */
  static #sendHead(response: Response, bodyBytes: number): void {
    const request = response.request
    const head = request.head
    const status = response.status
    const http11 = head.versionMinor === 1
    const noBody = (status >= 100 && status < 200) || status === 204 || status === 304
    let keepAlive = head.keepAlive && response.request.channel.canKeepAlive
    const writer = response.request.channel.headWriter
    writer.begin(status)
    const fields = response.#fields
    if (fields !== null) for (let i = 0; i < fields.length; i += 2) writer.header(fields[i] as string, fields[i + 1] as string)
    writer.date()
    if (noBody) {
      response.#declaredLength = 0
    } else if (response.#declaredLength < 0) {
      if (bodyBytes >= 0) {
        writer.contentLength(bodyBytes)
        response.#declaredLength = bodyBytes
      } else if (http11) {
        writer.line(TRANSFER_ENCODING_CHUNKED)
        if (head.methodIndex !== HEAD_METHOD) response.#flags |= CHUNKED
      } else {
        // An HTTP/1.0 peer knows no chunks: the body ends when the connection does.
        keepAlive = false
      }
    }
    if (!keepAlive) writer.line(CONNECTION_CLOSE)
    else if (!http11) writer.line(CONNECTION_KEEP_ALIVE)
    response.#flags = keepAlive ? response.#flags | KEEP_ALIVE : response.#flags & ~KEEP_ALIVE
    response.#flags = (response.#flags & ~STATE_BITS) | STATE_STREAMING
    response.request.channel.write(writer.end())
    if (head.methodIndex === HEAD_METHOD || noBody) response.#declaredLength = 0
  }

  static #writeBody(response: Response, bytes: Uint8Array): boolean {
    const length = bytes.length
    if (length === 0) return true
    const request = response.request.head
    // HEAD and bodiless statuses: the body is counted against nothing and never sent.
    if (request.methodIndex === HEAD_METHOD || response.status === 204 || response.status === 304 || response.status < 200) return true
    if (response.#declaredLength >= 0 && response.#writtenBytes + length > response.#declaredLength) {
      Response.#failLength(response)
    }
    response.#writtenBytes += length
    const channel = response.request.channel
    if ((response.#flags & CHUNKED) === 0) return channel.write(bytes)
    channel.write(Buffer.from(length.toString(16) + '\r\n', 'latin1'))
    channel.write(bytes)
    return channel.write(CRLF)
  }

  static #finish(response: Response): void {
    const declared = response.#declaredLength
    if (declared >= 0 && response.#writtenBytes !== declared && response.request.head.methodIndex !== HEAD_METHOD) Response.#failLength(response)
    response.#flags = (response.#flags & ~STATE_BITS) | STATE_FINISHED
    response.request.channel.responseFinished((response.#flags & KEEP_ALIVE) !== 0)
    Response.#notifyClose(response, false)
  }

  static #failLength(response: Response): never {
    const declared = response.#declaredLength
    // The peer would read the next response from the wrong byte: the connection must go.
    response.request.channel.socket.destroy()
    response.#flags = (response.#flags & ~STATE_BITS) | STATE_ABORTED
    Response.#notifyClose(response, true)
    throw new NetservError(ErrorCode.CONTENT_LENGTH_MISMATCH, `Content-Length was ${declared} but the body was not (${response.#writtenBytes} bytes so far)`)
  }

  static #notifyClose(response: Response, aborted: boolean): void {
    const listeners = response.#closeListeners
    response.#closeListeners = null
    callListeners(listeners, aborted, undefined)
  }

  static #checkField(response: Response, name: string, value: string | number): string {
    Response.#checkOpen(response)
    return checkedField(name, value)
  }

  static #remove(response: Response, name: string): void {
    const fields = response.#fields
    if (fields === null) return
    const lower = name.toLowerCase()
    for (let i = fields.length - 2; i >= 0; i -= 2) {
      if ((fields[i] as string).toLowerCase() === lower) fields.splice(i, 2)
    }
    if (lower === CONTENT_LENGTH) response.#declaredLength = -1
  }

  /** Header changes: refused once the head is out; harmless when the connection is gone. */
  static #checkOpen(response: Response): void {
    if ((response.#flags & STATE_BITS) === STATE_STREAMING || (response.#flags & STATE_BITS) === STATE_FINISHED) {
      throw new NetservError(ErrorCode.HEADERS_SENT, 'The response head was already sent')
    }
  }

  static #checkWritable(response: Response): void {
    if ((response.#flags & STATE_BITS) === STATE_FINISHED) throw new NetservError(ErrorCode.WRITE_AFTER_END, 'The response has ended')
  }
}

/**
 * The fields of a stream head, checked as {@link Response.setHeader} checks them, once per
 * `headers` object; a Content-Length is refused too: a stream's length is not known.
 */
function streamFieldsOf(headers: Readonly<Record<string, string>>): readonly string[] {
  let fields = streamHeadFields.get(headers)
  if (fields === undefined) {
    const list: string[] = []
    for (const name of Object.keys(headers)) {
      const value = checkedField(name, headers[name] as string)
      if (name.toLowerCase() === CONTENT_LENGTH) throw invalidHeader(`${name} in the head of a stream, whose length is not known`)
      list.push(name, value)
    }
    fields = Object.freeze(list)
    streamHeadFields.set(headers, fields)
  }
  return fields
}

/** The value as written, once the field is known to be one a response may carry. */
function checkedField(name: string, value: string | number): string {
  const text = typeof value === 'number' ? String(value) : value
  if (!isToken(name)) throw invalidHeader(`Invalid header name ${JSON.stringify(name)}`)
  if (!isFieldValue(text)) throw invalidHeader(`Invalid value for header ${name}: ${JSON.stringify(text)}`)
  const lower = name.toLowerCase()
  if (FRAMING_NAMES.has(lower)) throw invalidHeader(`${name} is written by the response itself`)
  if (lower === CONTENT_LENGTH && (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text)))) {
    throw invalidHeader(`Invalid Content-Length ${JSON.stringify(text)}`)
  }
  return text
}

function invalidHeader(message: string): NetservError {
  return new NetservError(ErrorCode.INVALID_RESPONSE_HEADER, message)
}
