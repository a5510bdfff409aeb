import { LOWER } from './byte-classes.js'
import { METHODS } from './methods.js'

const NO_BUFFER = Buffer.alloc(0)

/** Strings of at most this many bytes are decoded in JS (see spanString). */
const SHORT_STRING = 8

/**
 * What the parser knows about one request once its head is complete: offsets into the
 * socket's buffers, decoded to strings only when asked.
 *
 * Spans. Every token the parser keeps is a span: a Buffer and a start and end offset into it.
 * Span 0 is the request-target; header k is spans 1 + 2k (name) and 2 + 2k (value); trailer k
 * follows the headers the same way. A span's Buffer is the chunk the socket delivered, or, for
 * the rare token split between two chunks, a Buffer made for that token alone. The head keeps
 * those Buffers alive for as long as it is referenced; the parser never writes into them.
 *
 * Values are the field-value of RFC 9110 section 5.5: leading and trailing SP and HTAB are not
 * part of the span.
 *
 * A head kept long after its parse (the request of a push stream or a held poll) is
 * {@link compact}ed: its spans' bytes become one latin1 string of their own, and the chunks go.
 */
export class RequestHead {
  /** Index into {@link METHODS}. */
  methodIndex = -1
  versionMajor = 1
  versionMinor = 1
  /** Number of header fields (not counting trailers). */
  headerCount = 0
  /** Number of trailer fields after a chunked body. */
  trailerCount = 0
  /** The declared `Content-Length`, or -1 when the request has none. */
  contentLength = -1
  /** The body is chunked (`Transfer-Encoding` ending in `chunked`). */
  chunked = false
  /** The connection stays open after this request (RFC 9112 section 9.3). */
  keepAlive = true
  /**
   * The parser stopped after this message to hand the connection over: an `Upgrade` request
   * with `Connection: upgrade`, or `CONNECT`.
   */
  upgrade = false
  /** `Expect: 100-continue` was sent (RFC 9110 section 10.1.1). */
  expectContinue = false
  /** The Buffers of the spans that are not in {@link buffer}: a later chunk, or a split token's own. */
  otherBuffers: Map<number, Buffer> | null = null
  /** Start and end offset of each span, two numbers per span (replaced, not changed, by {@link compact}). */
  spanOffsets: number[] = []
  /** What {@link buffer} returns; once compacted, the spans' bytes as one latin1 string. */
  #bytes: Buffer | string = NO_BUFFER

  /**
   * The Buffer of span 0 (the chunk the request line came in), and of every span not in
   * {@link otherBuffers}. Once compacted, a new copy of the spans' bytes on every read.
   */
  get buffer(): Buffer {
    const bytes = this.#bytes
    return typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes
  }

  /** The Buffer span `span` lies in (once compacted, a copy: see {@link buffer}). */
  bufferOf(span: number): Buffer {
    const other = this.otherBuffers
    if (other === null) return this.buffer
    return other.get(span) ?? (this.#bytes as Buffer)
  }

  /**
   * @internal For a complete head kept long after its parse (its response is a push stream or
   * a held poll): its spans' bytes are copied into one latin1 string, and {@link spanOffsets}
   * into an exactly sized array pointing into it. The socket's chunk (a Buffer, its
   * ArrayBuffer and store: 250 B of heap beside the bytes) and the offsets array grown by
   * pushes (17 numbers and up, 77 for a browser's dozen headers) are no longer held for the
   * stream's life (bench/RESULTS.md). Only for a complete message: no span is added after.
   */
  compact(): void {
    if (typeof this.#bytes === 'string') return
    const offsets = this.spanOffsets
    const compacted = offsets.slice()
    const pieces: Buffer[] = []
    let length = 0
    for (let span = 0; 2 * span < offsets.length; span++) {
      const start = offsets[2 * span] as number
      const end = offsets[2 * span + 1] as number
      pieces.push(this.bufferOf(span).subarray(start, end))
      compacted[2 * span] = length
      length += end - start
      compacted[2 * span + 1] = length
    }
    // One flat string decoded at once (built with += it would be a rope of pieces).
    this.#bytes = Buffer.concat(pieces, length).toString('latin1')
    this.otherBuffers = null
    this.spanOffsets = compacted
  }

  /** @internal The parser adds a span. */
  pushSpan(buf: Buffer, start: number, end: number): void {
    const offsets = this.spanOffsets
    if (offsets.length === 0) this.#bytes = buf
    else if (buf !== this.#bytes) (this.otherBuffers ??= new Map()).set(offsets.length >> 1, buf)
    offsets.push(start, end)
  }

  /**
   * @internal The parser adds a field line: its name and value spans at once (one push of
   * four numbers where both lie in {@link buffer}, the usual case).
   */
  pushField(nameBuffer: Buffer, nameStart: number, nameEnd: number, valueBuffer: Buffer, valueStart: number, valueEnd: number): void {
    if (nameBuffer === this.#bytes && valueBuffer === this.#bytes) {
      this.spanOffsets.push(nameStart, nameEnd, valueStart, valueEnd)
      return
    }
    this.pushSpan(nameBuffer, nameStart, nameEnd)
    this.pushSpan(valueBuffer, valueStart, valueEnd)
  }

  /** The method, one of the interned strings of {@link METHODS}. */
  get method(): string {
    return METHODS[this.methodIndex] as string
  }

  /** The request-target as sent (latin1; it is ASCII by the grammar). */
  get target(): string {
    return this.spanString(0)
  }

  /** The i-th header field's name, as sent (not lower-cased). */
  headerName(i: number): string {
    return this.spanString(1 + 2 * i)
  }

  /** The i-th header field's value, latin1-decoded (obs-text bytes keep their byte values). */
  headerValue(i: number): string {
    return this.spanString(2 + 2 * i)
  }

  /** The i-th trailer field's name. */
  trailerName(i: number): string {
    return this.spanString(1 + 2 * (this.headerCount + i))
  }

  /** The i-th trailer field's value. */
  trailerValue(i: number): string {
    return this.spanString(2 + 2 * (this.headerCount + i))
  }

  /**
   * The value of the first header field called `name` (compared without regard to case), or
   * undefined. Compares bytes, so a miss decodes nothing.
   */
  header(name: string): string | undefined {
    const index = this.indexOfHeader(name)
    return index < 0 ? undefined : this.headerValue(index)
  }

  /**
   * Index of the first header field called `name` at or after `from`, or -1. `name` is
   * compared case-insensitively byte for byte with what the client sent.
   */
  indexOfHeader(name: string, from = 0): number {
    const text = this.#bytes
    if (typeof text === 'string') return indexOfHeaderIn(this, text, name, from)
    const length = name.length
    for (let i = from; i < this.headerCount; i++) {
      const span = 1 + 2 * i
      const start = this.spanOffsets[2 * span] as number
      if ((this.spanOffsets[2 * span + 1] as number) - start !== length) continue
      const buf = this.bufferOf(span)
      let offset = 0
      while (offset < length && LOWER[buf[start + offset] as number] === LOWER[name.charCodeAt(offset) & 0xff]) offset++
      if (offset === length) return i
    }
    return -1
  }

  /** The bytes of span `span` as a view into the buffer that holds them (no copy; once compacted, a copy). */
  spanBytes(span: number): Buffer {
    const start = this.spanOffsets[2 * span] as number
    const end = this.spanOffsets[2 * span + 1] as number
    const text = this.#bytes
    if (typeof text === 'string') return Buffer.from(text.slice(start, end), 'latin1')
    return this.bufferOf(span).subarray(start, end)
  }

  /** Span `span` decoded as latin1. */
  spanString(span: number): string {
    const start = this.spanOffsets[2 * span] as number
    const end = this.spanOffsets[2 * span + 1] as number
    const bytes = this.#bytes
    if (typeof bytes === 'string') return bytes.slice(start, end)
    const buf = this.bufferOf(span)
    // Crossing into C++ costs more than a few chars in JS (`/`, `1`, `close`): 40 ns against
    // 80 for one char on this VM; from about 10 chars the native decoder wins.
    if (end - start > SHORT_STRING) return buf.toString('latin1', start, end)
    let text = ''
    for (let i = start; i < end; i++) text += String.fromCharCode(buf[i] as number)
    return text
  }
}

/**
 * {@link RequestHead.indexOfHeader} on a compacted head: the same comparison, on its text. A
 * function, not a private method: a class with private methods gives each instance a field
 * more (its brand), and heads are kept by the thousand.
 */
function indexOfHeaderIn(head: RequestHead, text: string, name: string, from: number): number {
  const length = name.length
  const offsets = head.spanOffsets
  for (let i = from; i < head.headerCount; i++) {
    const span = 1 + 2 * i
    const start = offsets[2 * span] as number
    if ((offsets[2 * span + 1] as number) - start !== length) continue
    let offset = 0
    while (offset < length && LOWER[text.charCodeAt(start + offset)] === LOWER[name.charCodeAt(offset) & 0xff]) offset++
    if (offset === length) return i
  }
  return -1
}
