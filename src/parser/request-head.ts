import { LOWER } from './byte-classes.js'
import { METHODS } from './methods.js'

const NO_BUFFER = Buffer.alloc(0)

/** Strings of at most this many bytes are decoded in JS (see spanString). */
const SHORT_STRING = 8

// RequestHead's #packed: method index + 1 (0: not known yet), the two version digits, the booleans.
const METHOD_MASK = 0x3f
const MAJOR_SHIFT = 6
const MINOR_SHIFT = 10
const DIGIT_MASK = 0xf
const CHUNKED = 1 << 14
const KEEP_ALIVE = 1 << 15
const UPGRADE = 1 << 16
const EXPECT_CONTINUE = 1 << 17
/** HTTP/1.1, keep-alive, the method not known yet. */
const PACKED_DEFAULT = (1 << MAJOR_SHIFT) | (1 << MINOR_SHIFT) | KEEP_ALIVE

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
 * {@link compact}ed: its spans' bytes become one latin1 string of their own, one LF between
 * spans (a byte no span may hold: the parser refuses it in a target and in a field), and the
 * chunks and the offsets go; spans are found by scanning that string.
 */
export class RequestHead {
  /**
   * The method's index (plus one), the version digits and the booleans in one small integer,
   * behind accessors of their own names: one field where seven took 48 B more of every head,
   * and a push stream keeps its request's head for its life (bench/RESULTS.md).
   */
  #packed = PACKED_DEFAULT
  /** Number of header fields (not counting trailers). */
  headerCount = 0
  /** Number of trailer fields after a chunked body. */
  trailerCount = 0
  /** The declared `Content-Length`, or -1 when the request has none. */
  contentLength = -1
  /** The Buffers of the spans that are not in {@link buffer}: a later chunk, or a split token's own. */
  otherBuffers: Map<number, Buffer> | null = null
  /**
   * Start and end offset of each span while parsing; null once compacted, until
   * {@link spanOffsets} is read.
   */
  #offsets: number[] | null = []
  /** What {@link buffer} returns; once compacted, the spans' bytes as one latin1 string, LF between them. */
  #bytes: Buffer | string = NO_BUFFER

  /** Index into {@link METHODS}; -1 until the method is known. */
  get methodIndex(): number {
    return (this.#packed & METHOD_MASK) - 1
  }
  set methodIndex(index: number) {
    this.#packed = (this.#packed & ~METHOD_MASK) | (index + 1)
  }
  get versionMajor(): number {
    return (this.#packed >> MAJOR_SHIFT) & DIGIT_MASK
  }
  set versionMajor(digit: number) {
    this.#packed = (this.#packed & ~(DIGIT_MASK << MAJOR_SHIFT)) | (digit << MAJOR_SHIFT)
  }
  get versionMinor(): number {
    return (this.#packed >> MINOR_SHIFT) & DIGIT_MASK
  }
  set versionMinor(digit: number) {
    this.#packed = (this.#packed & ~(DIGIT_MASK << MINOR_SHIFT)) | (digit << MINOR_SHIFT)
  }
  /** The body is chunked (`Transfer-Encoding` ending in `chunked`). */
  get chunked(): boolean {
    return (this.#packed & CHUNKED) !== 0
  }
  set chunked(on: boolean) {
    this.#packed = on ? this.#packed | CHUNKED : this.#packed & ~CHUNKED
  }
  /** The connection stays open after this request (RFC 9112 section 9.3). */
  get keepAlive(): boolean {
    return (this.#packed & KEEP_ALIVE) !== 0
  }
  set keepAlive(on: boolean) {
    this.#packed = on ? this.#packed | KEEP_ALIVE : this.#packed & ~KEEP_ALIVE
  }
  /**
   * The parser stopped after this message to hand the connection over: an `Upgrade` request
   * with `Connection: upgrade`, or `CONNECT`.
   */
  get upgrade(): boolean {
    return (this.#packed & UPGRADE) !== 0
  }
  set upgrade(on: boolean) {
    this.#packed = on ? this.#packed | UPGRADE : this.#packed & ~UPGRADE
  }
  /** `Expect: 100-continue` was sent (RFC 9110 section 10.1.1). */
  get expectContinue(): boolean {
    return (this.#packed & EXPECT_CONTINUE) !== 0
  }
  set expectContinue(on: boolean) {
    this.#packed = on ? this.#packed | EXPECT_CONTINUE : this.#packed & ~EXPECT_CONTINUE
  }

  /**
   * Start and end offset of each span, two numbers per span, in the Buffer the span lies in
   * ({@link bufferOf}). Once compacted, offsets into {@link buffer}'s copy, made when first
   * read: a head kept for a stream's life holds no offsets array (128 B and up) unless asked.
   */
  get spanOffsets(): number[] {
    return (this.#offsets ??= compactedOffsets(this.#bytes as string))
  }

  /**
   * The Buffer of span 0 (the chunk the request line came in), and of every span not in
   * {@link otherBuffers}. Once compacted, a new copy of the spans' bytes, back to back, on
   * every read.
   */
  get buffer(): Buffer {
    const bytes = this.#bytes
    return typeof bytes === 'string' ? Buffer.from(bytes.replaceAll(SEPARATOR, ''), 'latin1') : bytes
  }

  /** The Buffer span `span` lies in (once compacted, a copy: see {@link buffer}). */
  bufferOf(span: number): Buffer {
    const other = this.otherBuffers
    if (other === null) return this.buffer
    return other.get(span) ?? (this.#bytes as Buffer)
  }

  /**
   * @internal For a complete head kept long after its parse (its response is a push stream or
   * a held poll): its spans' bytes are copied into one latin1 string, LF between spans, and the
   * offsets array goes too. The socket's chunk (a Buffer, its ArrayBuffer and store: 250 B of
   * heap beside the bytes) and the offsets array (128 B for a 2-header request, 77 numbers and
   * up for a browser's dozen headers) are no longer held for the stream's life: a few LF bytes
   * more in the string, and a scan of it to find a span (bench/RESULTS.md). Only for a complete
   * message: no span is added after.
   */
  compact(): void {
    if (typeof this.#bytes === 'string') return
    const offsets = this.#offsets as number[]
    const spanCount = offsets.length >> 1
    let length = Math.max(spanCount - 1, 0)
    for (let i = 0; i < offsets.length; i += 2) length += (offsets[i + 1] as number) - (offsets[i] as number)
    const text = Buffer.allocUnsafe(length)
    let at = 0
    for (let span = 0; span < spanCount; span++) {
      if (span > 0) text[at++] = LF
      at += this.bufferOf(span).copy(text, at, offsets[2 * span] as number, offsets[2 * span + 1] as number)
    }
    // One flat string decoded at once (built with += it would be a rope of pieces).
    this.#bytes = text.toString('latin1')
    this.otherBuffers = null
    this.#offsets = null
  }

  /** @internal The parser adds a span. */
  pushSpan(buf: Buffer, start: number, end: number): void {
    const offsets = this.#offsets as number[]
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
      ;(this.#offsets as number[]).push(nameStart, nameEnd, valueStart, valueEnd)
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
    if (typeof text === 'string') return indexOfHeaderIn(this.headerCount, text, name, from)
    const offsets = this.#offsets as number[]
    const length = name.length
    for (let i = from; i < this.headerCount; i++) {
      const span = 1 + 2 * i
      const start = offsets[2 * span] as number
      if ((offsets[2 * span + 1] as number) - start !== length) continue
      const buf = this.bufferOf(span)
      let offset = 0
      while (offset < length && LOWER[buf[start + offset] as number] === LOWER[name.charCodeAt(offset) & 0xff]) offset++
      if (offset === length) return i
    }
    return -1
  }

  /** The bytes of span `span` as a view into the buffer that holds them (no copy; once compacted, a copy). */
  spanBytes(span: number): Buffer {
    const text = this.#bytes
    if (typeof text === 'string') return Buffer.from(spanIn(text, span), 'latin1')
    const offsets = this.#offsets as number[]
    return this.bufferOf(span).subarray(offsets[2 * span] as number, offsets[2 * span + 1] as number)
  }

  /** Span `span` decoded as latin1. */
  spanString(span: number): string {
    const bytes = this.#bytes
    if (typeof bytes === 'string') return spanIn(bytes, span)
    const offsets = this.#offsets as number[]
    const start = offsets[2 * span] as number
    const end = offsets[2 * span + 1] as number
    const buf = this.bufferOf(span)
    // Crossing into C++ costs more than a few chars in JS (`/`, `1`, `close`): 40 ns against
    // 80 for one char on this VM; from about 10 chars the native decoder wins.
    if (end - start > SHORT_STRING) return buf.toString('latin1', start, end)
    let text = ''
    for (let i = start; i < end; i++) text += String.fromCharCode(buf[i] as number)
    return text
  }
}

/** Between the spans of a compacted head. */
const SEPARATOR = '\n'
const LF = 0x0a

/** Where span `span` of a compacted head's text starts. */
function spanStartIn(text: string, span: number): number {
  let start = 0
  for (let i = 0; i < span; i++) start = text.indexOf(SEPARATOR, start) + 1
  return start
}

/** Where the span starting at `start` of a compacted head's text ends. */
function spanEndIn(text: string, start: number): number {
  const end = text.indexOf(SEPARATOR, start)
  return end < 0 ? text.length : end
}

/** Span `span` of a compacted head's text. */
function spanIn(text: string, span: number): string {
  const start = spanStartIn(text, span)
  return text.slice(start, spanEndIn(text, start))
}

/** The offsets of a compacted head's spans in its bytes back to back (its {@link RequestHead.buffer}). */
function compactedOffsets(text: string): number[] {
  const offsets: number[] = []
  let start = 0
  let removed = 0
  for (;;) {
    const end = spanEndIn(text, start)
    offsets.push(start - removed, end - removed)
    if (end === text.length) return offsets
    start = end + 1
    removed++
  }
}

/**
 * {@link RequestHead.indexOfHeader} on a compacted head: the same comparison, on its text,
 * walking its spans. A function, not a private method: a class with private methods gives
 * each instance a field more (its brand), and heads are kept by the thousand.
 */
function indexOfHeaderIn(headerCount: number, text: string, name: string, from: number): number {
  const length = name.length
  // Span 0 is the target; header i's name is span 1 + 2i.
  let start = spanStartIn(text, 1 + 2 * from)
  for (let i = from; i < headerCount; i++) {
    const nameEnd = spanEndIn(text, start)
    if (nameEnd - start === length) {
      let offset = 0
      while (offset < length && LOWER[text.charCodeAt(start + offset)] === LOWER[name.charCodeAt(offset) & 0xff]) offset++
      if (offset === length) return i
    }
    // Past the value, to the next name.
    start = spanEndIn(text, nameEnd + 1) + 1
  }
  return -1
}
