import { ErrorCode, NetservError } from '../errors.js'
import type { RequestHead } from '../parser/request-head.js'
import type { ResponseChannel } from './response.js'

/** Called with each body piece as it arrives; the Buffer is the caller's to keep. */
export type BodyListener = (this: void, chunk: Buffer) => void

const EMPTY = Buffer.alloc(0)

/** A request's #outcome once its body is all in. */
const COMPLETE = true

/**
 * One HTTP request as a handler sees it: a thin face on the parser's {@link RequestHead},
 * decoding strings only when asked.
 *
 * The body arrives after the handler is called (the handler runs as soon as the head is
 * complete, so it can refuse early or stream). Read it whole with {@link body}, or piece by
 * piece with {@link onBody}; the pieces are views of the socket's chunks, never copies.
 */
export class Request {
  /** What the parser found: offsets into the socket's buffers. */
  readonly head: RequestHead
  /** The connection it came on, which carries its response too. */
  readonly #channel: ResponseChannel
  #path: string | null = null
  #query: URLSearchParams | null = null
  /**
   * The body pieces arrived so far, or, once {@link onBody} was called, its listener: one field
   * for the two, since a request may be kept for as long as a push stream lives.
   */
  #body: Buffer[] | BodyListener | null = null
  /**
   * How the body ended: {@link COMPLETE}, the error that cut it short, or null while it comes
   * in (one field for the two: see #body).
   */
  #outcome: NetservError | typeof COMPLETE | null = null
  #waiters: Array<{ resolve(): void; reject(error: NetservError): void }> | null = null

  constructor(head: RequestHead, channel: ResponseChannel) {
    this.head = head
    this.#channel = channel
  }

  /**
   * @internal The connection the request came on; its response writes through it (kept here,
   * not in the response too: one field less for every request and response pair).
   */
  get channel(): ResponseChannel {
    return this.#channel
  }

  /**
   * The peer's address, asked of the socket on first use (a syscall, and 88 bytes the socket
   * then keeps and answers from afterwards: not paid by requests that never ask). Empty when
   * the peer was already gone.
   */
  get remoteAddress(): string {
    return this.#channel.socket.remoteAddress ?? ''
  }

  /** The method, an interned string such as `GET`. */
  get method(): string {
    return this.head.method
  }

  /**
   * The request-target as sent: `/path?query`, or an absolute URI, `*`, or an authority.
   * Decoded from the head on each read, not cached: a field more in every request kept for a
   * stream's life ({@link path} and {@link query}, which cost more to make, are).
   */
  get target(): string {
    return this.head.target
  }

  /**
   * The path of the target, up to `?` or `#`, still percent-encoded: `/a/b` for `/a/b?x` and
   * for the absolute form `http://host/a/b?x` (`/` when it has none: RFC 9112 section 3.2.2);
   * the target itself for the asterisk and authority forms (`*`, `host:443`).
   */
  get path(): string {
    return (this.#path ??= pathOf(this.target))
  }

  /** The query parameters, parsed on first use. */
  get query(): URLSearchParams {
    if (this.#query === null) {
      const target = this.target
      const question = target.indexOf('?')
      const hash = target.indexOf('#', question + 1)
      this.#query = new URLSearchParams(question < 0 ? '' : target.slice(question + 1, hash < 0 ? target.length : hash))
    }
    return this.#query
  }

  /** `1.0` or `1.1`. */
  get httpVersion(): string {
    return this.head.versionMinor === 1 ? '1.1' : '1.0'
  }

  /** The first header field called `name` (any case), or undefined. */
  header(name: string): string | undefined {
    return this.head.header(name)
  }

  /** Every header field as sent: name in its case, value without surrounding whitespace. */
  *headers(): IterableIterator<[string, string]> {
    const head = this.head
    for (let i = 0; i < head.headerCount; i++) yield [head.headerName(i), head.headerValue(i)]
  }

  /** True once every body byte has arrived (at once for a request without a body). */
  get complete(): boolean {
    return this.#outcome === COMPLETE
  }

  /** Why the request ended before its body did (connection closed, timeout, bad framing), or null. */
  get error(): NetservError | null {
    const outcome = this.#outcome
    return outcome === COMPLETE ? null : outcome
  }

  /**
   * The whole body, once it has arrived. Rejects with the error that cut it short:
   * `NETSERV_REQUEST_ABORTED`, `NETSERV_REQUEST_TIMEOUT`, or the parser's (`NETSERV_BODY_TOO_LARGE`...).
   */
  async body(): Promise<Buffer> {
    await Request.#whenComplete(this)
    const pieces = this.#body
    if (pieces === null || typeof pieces === 'function') return EMPTY
    return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces)
  }

  /** The body decoded as UTF-8. */
  async text(): Promise<string> {
    return (await this.body()).toString('utf8')
  }

  /**
   * Streams the body: `listener` gets what has arrived so far at once, then each piece as it
   * comes. Resolves when the body is complete; rejects as {@link body} does.
   */
  onBody(listener: BodyListener): Promise<void> {
    const pieces = this.#body
    this.#body = null
    if (Array.isArray(pieces)) for (const piece of pieces) listener(piece)
    this.#body = listener
    return Request.#whenComplete(this)
  }

  /** @internal The connection hands over body bytes `chunk[start..end)`. */
  pushBody(chunk: Buffer, start: number, end: number): void {
    const piece = chunk.subarray(start, end)
    const body = this.#body
    if (typeof body === 'function') body(piece)
    else if (body === null) this.#body = [piece]
    else body.push(piece)
  }

  /** @internal The body is complete. */
  finishBody(): void {
    this.#outcome = COMPLETE
    Request.#settle(this)
  }

  /** @internal The body will never complete. */
  abort(error: NetservError): void {
    if (this.#outcome !== null) return
    this.#outcome = error
    Request.#settle(this)
  }

  // Static, not instance, private methods: those would give every request a field more (the
  // class's brand), and a request lives as long as its push stream.
  static #whenComplete(request: Request): Promise<void> {
    const outcome = request.#outcome
    if (outcome === COMPLETE) return Promise.resolve()
    if (outcome !== null) return Promise.reject(outcome)
    return new Promise((resolve, reject) => {
      ;(request.#waiters ??= []).push({ resolve, reject })
    })
  }

  static #settle(request: Request): void {
    const waiters = request.#waiters
    if (waiters === null) return
    request.#waiters = null
    const outcome = request.#outcome
    for (const waiter of waiters) {
      if (outcome === COMPLETE) waiter.resolve()
      else waiter.reject(outcome as NetservError)
    }
  }
}

function pathOf(target: string): string {
  let start = 0
  if (target.charCodeAt(0) !== 0x2f) {
    const scheme = target.indexOf('://')
    // Asterisk form, authority form: no path to take.
    if (scheme < 0) return target
    start = scheme + 3
    while (start < target.length && !isPathEnd(target.charCodeAt(start)) && target.charCodeAt(start) !== 0x2f) start++
    if (start === target.length || target.charCodeAt(start) !== 0x2f) return '/'
  }
  let end = start
  while (end < target.length && !isPathEnd(target.charCodeAt(end))) end++
  return start === 0 && end === target.length ? target : target.slice(start, end)
}

/** `?` or `#`. */
function isPathEnd(code: number): boolean {
  return code === 0x3f || code === 0x23
}

/** The error a request's body rejects with when its connection went away first. */
export function abortedError(): NetservError {
  return new NetservError(ErrorCode.REQUEST_ABORTED, 'The connection closed before the request body was complete')
}
