/**
 * Writes a response head straight into a slab of a {@link SlabPool}: no head string is built,
 * and the result is one Buffer view ready for `socket.write` (or a `cork`ed batch of them).
 *
 * ```
 * writer.begin(200)                             HTTP/1.1 200 OK\r\n        (pre-encoded)
 * writer.line(CONTENT_TYPE_TEXT_PLAIN)          Content-Type: text/plain; charset=utf-8\r\n
 * writer.contentLength(1234)                    Content-Length: 1234\r\n   (digits, no string)
 * writer.date()                                 Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n
 * writer.header('X-Request-Id', id)             X-Request-Id: 6f1c...\r\n  (latin1)
 * const head = writer.end()                     \r\n  -> view of the slab, the caller's
 * ```
 *
 * Writing never validates: names and values must already have passed `isToken` /
 * `isFieldValue` (./byte-classes.ts), normally in `Response.setHeader`. Strings are written as
 * latin1, the low byte of each UTF-16 unit, so an unchecked `'\u010d\u010a'` would become
 * CR LF: header injection. Validate at the boundary, once, not here on every write.
 */
import { ErrorCode, NetservError } from '../errors.js'
import { DATE_LINE_BYTES, sharedDateHeader, type DateHeader } from './date-header.js'
import { CONTENT_LENGTH_PREFIX } from './header-lines.js'
import { SlabPool } from './slab-pool.js'
import { isValidStatus, reasonPhrase, statusLine, STATUS_LINE_PREFIX } from './status-lines.js'

/**
 * Below this many UTF-16 units a JS loop beats `buf.write(s, offset, 'latin1')`, which pays a
 * fixed cost (about 50-80 ns here) to cross into C++. bench/latin1-write.bench.ts, per header
 * line: the loop wins up to 32 characters, the native write from 48 on (2-4x at 200).
 */
const NATIVE_WRITE_MIN_LENGTH = 48

/** `Content-Length: ` + up to 16 digits (2^53) + CRLF. */
const CONTENT_LENGTH_LINE_MAX_BYTES = CONTENT_LENGTH_PREFIX.length + 16 + 2

/** `HTTP/1.1 ` + 3 digits + SP, before a phrase that is written on the fly. */
const STATUS_CODE_BYTES = STATUS_LINE_PREFIX.length + 4

/** Options of {@link HeadWriter}. */
export interface HeadWriterOptions {
  /** Where heads are carved from; default a new pool of 64 KiB slabs. */
  pool?: SlabPool
  /** The Date line source; default the process-wide {@link sharedDateHeader}. */
  date?: DateHeader
  /**
   * Bytes reserved when a head begins; a head that outgrows the rest of its slab is copied
   * to a new one, so this is a hint for speed, never a limit. Default 512.
   */
  headBytesHint?: number
}

/**
 * Writes one head at a time: `begin`, any lines, `end`, all synchronously (the pool allows
 * one open reservation). Calling `begin` again before `end` abandons the unfinished head,
 * so a head interrupted by an exception leaves nothing behind.
 *
 * Who owns a Buffer and for how long: the Buffer returned by {@link end} is a view into a
 * slab whose bytes are never written again (see ./slab-pool.ts); it belongs to the caller
 * and stays valid for as long as anyone holds it, including a socket's write queue. Buffers
 * passed to {@link line} are only read, during the call.
 */
export class HeadWriter {
  readonly #pool: SlabPool
  readonly #date: DateHeader
  readonly #headBytesHint: number
  #slab: Buffer
  #start = 0
  #position = 0
  #open = false

  constructor(options: HeadWriterOptions = {}) {
    this.#pool = options.pool ?? new SlabPool()
    this.#date = options.date ?? sharedDateHeader
    const hint = options.headBytesHint ?? 512
    if (!Number.isSafeInteger(hint) || hint <= 0) {
      throw new NetservError(
        ErrorCode.INVALID_ARGUMENT,
        `headBytesHint must be a positive integer, got ${hint}`,
      )
    }
    this.#headBytesHint = hint
    this.#slab = this.#pool.slab
  }

  /** The pool heads are carved from. */
  get pool(): SlabPool {
    return this.#pool
  }

  /** Bytes written so far into the head being written (0 when none is open). */
  get headBytes(): number {
    return this.#position - this.#start
  }

  /**
   * Starts a head with the status line. A registered status without `reason` copies its
   * pre-encoded line; otherwise the line is formatted here, with `reason` (which must pass
   * `isFieldValue`) or the registered phrase or none (`HTTP/1.1 599 \r\n`).
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` unless `status` is an integer in 100-999
   */
  begin(status: number, reason?: string): void {
    if (!isValidStatus(status)) {
      throw new NetservError(
        ErrorCode.INVALID_ARGUMENT,
        `status must be an integer in 100-999, got ${status}`,
      )
    }
    if (this.#open) this.#pool.cancel()
    this.#slab = this.#pool.reserve(this.#headBytesHint)
    this.#start = this.#position = this.#pool.offset
    this.#open = true
    const preEncoded = reason === undefined ? statusLine(status) : undefined
    if (preEncoded !== undefined) {
      this.#ensure(preEncoded.length)
      this.#slab.set(preEncoded, this.#position)
      this.#position += preEncoded.length
      return
    }
    const phrase = reason ?? reasonPhrase(status)
    this.#ensure(STATUS_CODE_BYTES + phrase.length + 2)
    this.#writeString(STATUS_LINE_PREFIX)
    const slab = this.#slab
    const position = this.#position
    slab[position] = 0x30 + Math.floor(status / 100)
    slab[position + 1] = 0x30 + (Math.floor(status / 10) % 10)
    slab[position + 2] = 0x30 + (status % 10)
    slab[position + 3] = 0x20
    this.#position = position + 4
    this.#writeString(phrase)
    this.#crlf()
  }

  /** Appends `name: value\r\n`; both must already be validated (see the module comment). */
  header(name: string, value: string): void {
    this.#ensure(name.length + value.length + 4)
    const slab = this.#slab
    let position = writeLatin1(slab, this.#position, name)
    slab[position] = 0x3a // :
    slab[position + 1] = 0x20
    position = writeLatin1(slab, position + 2, value)
    slab[position] = 0x0d
    slab[position + 1] = 0x0a
    this.#position = position + 2
  }

  /** Appends pre-encoded bytes, normally a whole line from ./header-lines.ts. */
  line(encoded: Uint8Array): void {
    this.#ensure(encoded.length)
    this.#slab.set(encoded, this.#position)
    this.#position += encoded.length
  }

  /**
   * Appends `Content-Length: <bytes>\r\n`, the digits written without making a string.
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` unless `bytes` is a safe non-negative integer
   */
  contentLength(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new NetservError(
        ErrorCode.INVALID_ARGUMENT,
        `Content-Length must be a non-negative integer, got ${bytes}`,
      )
    }
    this.#ensure(CONTENT_LENGTH_LINE_MAX_BYTES)
    this.#slab.set(CONTENT_LENGTH_PREFIX, this.#position)
    let digits = 1
    for (let rest = bytes; rest >= 10; rest = Math.floor(rest / 10)) digits++
    const slab = this.#slab
    let index = this.#position + CONTENT_LENGTH_PREFIX.length + digits
    this.#position = index
    let rest = bytes
    do {
      slab[--index] = 0x30 + (rest % 10)
      rest = Math.floor(rest / 10)
    } while (rest > 0)
    this.#crlf()
  }

  /** Appends the `Date` line of the current second (RFC 9110 section 6.6.1). */
  date(): void {
    this.#ensure(DATE_LINE_BYTES)
    this.#slab.set(this.#date.line(), this.#position)
    this.#position += DATE_LINE_BYTES
  }

  /**
   * Appends the empty line and returns the head: a view of exactly its bytes, the caller's to
   * write (see the class comment for its lifetime).
   * @throws Error if no head is open
   */
  end(): Buffer {
    if (!this.#open) throw new Error('HeadWriter: end() without begin()')
    this.#ensure(2)
    this.#crlf()
    this.#open = false
    const head = this.#pool.commit(this.#position - this.#start)
    this.#start = this.#position
    return head
  }

  /** Makes room for `bytes` more, moving the head to a new slab if this one is full. */
  #ensure(bytes: number): void {
    if (this.#position + bytes > this.#slab.length) {
      const used = this.#position - this.#start
      this.#slab = this.#pool.extend(used, used + bytes + this.#headBytesHint)
      this.#start = this.#pool.offset
      this.#position = this.#start + used
    }
  }

  /** Room must be ensured by the caller. */
  #writeString(text: string): void {
    this.#position = writeLatin1(this.#slab, this.#position, text)
  }

  #crlf(): void {
    this.#slab[this.#position] = 0x0d
    this.#slab[this.#position + 1] = 0x0a
    this.#position += 2
  }
}

/** Writes `text` as latin1 at `position` (room ensured by the caller); returns the end. */
function writeLatin1(slab: Buffer, position: number, text: string): number {
  const length = text.length
  if (length < NATIVE_WRITE_MIN_LENGTH) {
    for (let i = 0; i < length; i++) slab[position + i] = text.charCodeAt(i)
  } else {
    slab.write(text, position, 'latin1')
  }
  return position + length
}
