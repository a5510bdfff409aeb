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
  readonly #channel: ResponseChannel
  /** name, value, name, value... in the order set. */
  #fields: string[] | null = null
  /** The state and the booleans below in one small integer: a push stream keeps its response for its life. */
  #flags = STATE_OPEN | KEEP_ALIVE
  /** Content-Length set by hand, or -1. */
  #declaredLength = -1
  #writtenBytes = 0
  #closeListeners: ListenerList<ResponseCloseListener> = null
  #stream: StreamHooks | null = null

  get #state(): number {
    return this.#flags & STATE_BITS
  }
  set #state(state: number) {
    this.#flags = (this.#flags & ~STATE_BITS) | state
  }
  get #chunked(): boolean {
    return (this.#flags & CHUNKED) !== 0
  }
  set #chunked(on: boolean) {
    this.#setFlag(CHUNKED, on)
  }
  get #keepAlive(): boolean {
    return (this.#flags & KEEP_ALIVE) !== 0
  }
  set #keepAlive(on: boolean) {
    this.#setFlag(KEEP_ALIVE, on)
  }
  get #heldOpen(): boolean {
    return (this.#flags & HELD_OPEN) !== 0
  }
  set #heldOpen(on: boolean) {
    this.#setFlag(HELD_OPEN, on)
  }
  #setFlag(flag: number, on: boolean): void {
    this.#flags = on ? this.#flags | flag : this.#flags & ~flag
  }

  constructor(request: Request, channel: ResponseChannel) {
    this.request = request
    this.#channel = channel
  }

  /** True once the head has been written. */
  get headersSent(): boolean {
    return this.#state !== STATE_OPEN
  }

  /** True once the response is complete or its connection gone: further writes are refused. */
  get finished(): boolean {
    return this.#state >= STATE_FINISHED
  }

  /** True when the connection closed before the response finished. */
  get aborted(): boolean {
    return this.#state === STATE_ABORTED
  }

  /** The socket underneath: for push streams and for reading the peer's address. */
  get socket(): Socket {
    return this.#channel.socket
  }

  /**
   * Sets a header, replacing any of the same name (any case). Numbers are written in decimal.
   * @throws NetservError `NETSERV_INVALID_RESPONSE_HEADER` for a name that is not a token, a
   *   value a field may not hold, or a framing field (`Connection`, `Transfer-Encoding`,
   *   `Date`: the response writes those itself); `NETSERV_HEADERS_SENT` after the head went out.
   */
  setHeader(name: string, value: string | number): this {
    const text = this.#checkField(name, value)
    this.#remove(name)
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
    const text = this.#checkField(name, value)
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
    this.#checkOpen()
    this.#remove(name)
    return this
  }

  /** Sets the status and headers in one call; the head is still written with the first byte. */
  writeHead(status: number, headers?: Readonly<Record<string, string | number>>): this {
    this.#checkOpen()
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
    if (this.#state === STATE_ABORTED) return false
    this.#checkWritable()
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    if (this.#state === STATE_OPEN) this.#sendHead(-1)
    return this.#writeBody(bytes)
  }

  /**
   * Finishes the response, with `chunk` as the last (or only) piece of the body. A response
   * ended without a prior write goes out as one head with `Content-Length` and the body.
   * @throws NetservError `NETSERV_WRITE_AFTER_END` when already ended;
   *   `NETSERV_CONTENT_LENGTH_MISMATCH` when a hand-set `Content-Length` was not met (the
   *   connection is closed, since the peer can no longer find the next response)
   */
  end(chunk?: string | Uint8Array): void {
    if (this.#state === STATE_ABORTED) return
    this.#checkWritable()
    const bytes = chunk === undefined ? null : typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    if (this.#state === STATE_OPEN) {
      this.#sendHead(bytes === null ? 0 : bytes.length)
      if (bytes !== null && bytes.length > 0) this.#writeBody(bytes)
    } else {
      if (bytes !== null && bytes.length > 0) this.#writeBody(bytes)
      if (this.#chunked) this.#channel.write(LAST_CHUNK)
    }
    this.#finish()
  }

  /**
   * Sends a prebuilt {@link StaticResponse} as the whole response: the same Buffer every time,
   * nothing encoded. Headers set on this response are not used.
   * @throws NetservError `NETSERV_HEADERS_SENT` when the head is already out
   */
  send(response: StaticResponse): void {
    if (this.#state === STATE_ABORTED) return
    this.#checkOpen()
    // head.keepAlive is already false for HTTP/1.0 unless it asked for keep-alive, and the
    // prebuilt keep-alive variant says Connection: keep-alive, which a 1.0 peer needs to see.
    this.#keepAlive = this.request.head.keepAlive && this.#channel.canKeepAlive
    this.status = response.status
    this.#state = STATE_STREAMING
    const isHead = this.request.head.methodIndex === HEAD_METHOD
    this.#channel.write(isHead ? response.head(this.#keepAlive) : response.buffer(this.#keepAlive))
    this.#finish()
  }

  /**
   * Calls `listener` once when the response is over: `aborted` false when it finished, true
   * when its connection closed first (a push stream's cue to stop).
   */
  onClose(listener: ResponseCloseListener): void {
    if (this.#state >= STATE_FINISHED) {
      listener(this.#state === STATE_ABORTED)
      return
    }
    this.#closeListeners = addListener(this.#closeListeners, listener)
  }

  /** @internal The connection closed: nothing more will be written. */
  abort(): void {
    if (this.#state >= STATE_FINISHED) return
    this.#state = STATE_ABORTED
    this.#stream?.onAborted()
    this.#notifyClose(true)
  }

  /**
   * @internal For the push layer: this response is answered only when something happens (a
   * held long-poll; {@link startStream} marks push streams), so once its request is in, a FIN
   * from the client means it left, not that it waits for the answer (browsers close, they do
   * not half-close; node:http and nginx read it so too): the connection drops it at once,
   * instead of holding it until a write fails a heartbeat or a timeout later.
   */
  holdOpen(): void {
    this.#heldOpen = true
    this.#compactRequest()
  }

  /** @internal See {@link holdOpen}. */
  get heldOpen(): boolean {
    return this.#heldOpen
  }

  /**
   * @internal For the push layer: sends the head with `headers` for a body of unknown length
   * (chunked on HTTP/1.1, close-delimited on HTTP/1.0), after which `hooks` hear of drains,
   * shutdown and aborts, and frames go out raw through {@link writeStream}. Returns whether
   * the frames must be chunk-wrapped. A response to HEAD is finished at once (head only).
   */
  startStream(headers: Readonly<Record<string, string>>, hooks: StreamHooks): boolean {
    if (this.#state === STATE_ABORTED) return false
    this.#checkOpen()
    const streamFields = streamFieldsOf(headers)
    const fields = this.#fields
    if (fields === null) {
      // Frozen and shared: never written to, since the head goes out now (every change to
      // the fields is refused from then on).
      this.#fields = streamFields as string[]
    } else {
      // Headers the application set come first; the stream's replace any of the same name.
      for (let i = 0; i < streamFields.length; i += 2) {
        this.#remove(streamFields[i] as string)
        fields.push(streamFields[i] as string, streamFields[i + 1] as string)
      }
      // Kept as long as the stream: no room for more (pushes left it some 17 slots long).
      this.#fields = fields.slice()
    }
    this.#stream = hooks
    this.#heldOpen = true
    this.#compactRequest()
    this.#sendHead(-1)
    if (this.request.head.methodIndex === HEAD_METHOD) this.#finish()
    return this.#chunked
  }

  /** @internal A frame of a push stream, already framed (and chunk-wrapped when needed). */
  writeStream(frame: Uint8Array): boolean {
    if (this.#state !== STATE_STREAMING) return true
    return this.#channel.writeNow(frame)
  }

  /** @internal Ends a push stream with its last bytes (for chunked, they hold the last chunk). */
  endStream(last: Uint8Array | null): void {
    if (this.#state !== STATE_STREAMING) return
    if (last !== null) this.#channel.write(last)
    this.#finish()
  }

  /** @internal The socket drained. */
  drained(): void {
    this.#stream?.onWritable()
  }

  /** @internal The server is closing; returns whether a stream took it (and will end itself). */
  shutdown(): boolean {
    const stream = this.#stream
    if (stream === null || this.#state !== STATE_STREAMING) return false
    stream.onShutdown()
    return true
  }

  /** @internal The request's message is complete (its body, if any, is in). */
  requestCompleted(): void {
    if (this.#heldOpen) this.#compactRequest()
  }

  /**
   * The request is kept as long as this response, a stream or a held poll, which may be hours:
   * its head lets go of the socket's chunk (see RequestHead.compact). Not while the message
   * is still coming in (trailers would be added to the head): {@link requestCompleted} does
   * it then.
   */
  #compactRequest(): void {
    const request = this.request
    if (request.complete) request.head.compact()
  }

  /**
   * Writes the head. `bodyBytes` is the whole body's length when known, -1 while streaming.
   * Decides the framing: Content-Length, chunked, or close-delimited (RFC 9112 section 6.3).
   */
  #sendHead(bodyBytes: number): void {
    const request = this.request
    const head = request.head
    const status = this.status
    const http11 = head.versionMinor === 1
    const noBody = (status >= 100 && status < 200) || status === 204 || status === 304
    let keepAlive = head.keepAlive && this.#channel.canKeepAlive
    const writer = this.#channel.headWriter
    writer.begin(status)
    const fields = this.#fields
    if (fields !== null) for (let i = 0; i < fields.length; i += 2) writer.header(fields[i] as string, fields[i + 1] as string)
    writer.date()
    if (noBody) {
      this.#declaredLength = 0
    } else if (this.#declaredLength < 0) {
      if (bodyBytes >= 0) {
        writer.contentLength(bodyBytes)
        this.#declaredLength = bodyBytes
      } else if (http11) {
        writer.line(TRANSFER_ENCODING_CHUNKED)
        this.#chunked = head.methodIndex !== HEAD_METHOD
      } else {
        // An HTTP/1.0 peer knows no chunks: the body ends when the connection does.
        keepAlive = false
      }
    }
    if (!keepAlive) writer.line(CONNECTION_CLOSE)
    else if (!http11) writer.line(CONNECTION_KEEP_ALIVE)
    this.#keepAlive = keepAlive
    this.#state = STATE_STREAMING
    this.#channel.write(writer.end())
    if (head.methodIndex === HEAD_METHOD || noBody) this.#declaredLength = 0
  }

  #writeBody(bytes: Uint8Array): boolean {
    const length = bytes.length
    if (length === 0) return true
    const request = this.request.head
    // HEAD and bodiless statuses: the body is counted against nothing and never sent.
    if (request.methodIndex === HEAD_METHOD || this.status === 204 || this.status === 304 || this.status < 200) return true
    if (this.#declaredLength >= 0 && this.#writtenBytes + length > this.#declaredLength) {
      this.#failLength()
    }
    this.#writtenBytes += length
    const channel = this.#channel
    if (!this.#chunked) return channel.write(bytes)
    channel.write(Buffer.from(length.toString(16) + '\r\n', 'latin1'))
    channel.write(bytes)
    return channel.write(CRLF)
  }

  #finish(): void {
    const declared = this.#declaredLength
    if (declared >= 0 && this.#writtenBytes !== declared && this.request.head.methodIndex !== HEAD_METHOD) this.#failLength()
    this.#state = STATE_FINISHED
    this.#channel.responseFinished(this.#keepAlive)
    this.#notifyClose(false)
  }

  #failLength(): never {
    const declared = this.#declaredLength
    // The peer would read the next response from the wrong byte: the connection must go.
    this.#channel.socket.destroy()
    this.#state = STATE_ABORTED
    this.#notifyClose(true)
    throw new NetservError(ErrorCode.CONTENT_LENGTH_MISMATCH, `Content-Length was ${declared} but the body was not (${this.#writtenBytes} bytes so far)`)
  }

  #notifyClose(aborted: boolean): void {
    const listeners = this.#closeListeners
    this.#closeListeners = null
    callListeners(listeners, aborted, undefined)
  }

  #checkField(name: string, value: string | number): string {
    this.#checkOpen()
    return checkedField(name, value)
  }

  #remove(name: string): void {
    const fields = this.#fields
    if (fields === null) return
    const lower = name.toLowerCase()
    for (let i = fields.length - 2; i >= 0; i -= 2) {
      if ((fields[i] as string).toLowerCase() === lower) fields.splice(i, 2)
    }
    if (lower === CONTENT_LENGTH) this.#declaredLength = -1
  }

  /** Header changes: refused once the head is out; harmless when the connection is gone. */
  #checkOpen(): void {
    if (this.#state === STATE_STREAMING || this.#state === STATE_FINISHED) {
      throw new NetservError(ErrorCode.HEADERS_SENT, 'The response head was already sent')
    }
  }

  #checkWritable(): void {
    if (this.#state === STATE_FINISHED) throw new NetservError(ErrorCode.WRITE_AFTER_END, 'The response has ended')
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
