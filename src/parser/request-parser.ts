import { ErrorCode, ParserError, type ErrorCodeValue } from '../errors.js'
import { AUTHORITY, FIELD_VALUE, HEX_VALUE, LOWER, QUOTED_TEXT, TARGET, TOKEN } from './byte-classes.js'
import { CONNECT_METHOD, MAX_METHOD_LENGTH, OPTIONS_METHOD, knownMethodPrefix, lookupMethod } from './methods.js'
import { RequestHead } from './request-head.js'

/** Limits and switches of a {@link RequestParser}; every one has a safe default. */
export interface RequestParserOptions {
  /** Longest request line (method, target and version), in bytes; longer is 414. Default 8 KiB. */
  maxRequestLineBytes?: number
  /** Largest header section (and, separately, trailer section), in bytes; larger is 431. Default 16 KiB. */
  maxHeaderBytes?: number
  /** Most header fields (headers and trailers together); more is 431. Default 100. */
  maxHeaderCount?: number
  /** Largest body, in bytes, declared or chunked; larger is 413. Default 1 MiB. */
  maxBodyBytes?: number
  /** Longest chunk extension list on one chunk-size line, in bytes. Default 1 KiB. */
  maxChunkExtensionBytes?: number
  /**
   * Answer an HTTP/1.1 request without `Host` with 400, as RFC 9112 section 3.2 demands.
   * Default true. More than one `Host` is refused either way.
   */
  requireHost?: boolean
}

/**
 * Receives what the parser finds. One object per connection: the parser calls its methods,
 * so no closure is made per connection or per request.
 */
export interface RequestParserHandler {
  /** The head is complete and valid. The body, if any, follows. */
  onRequestHead(head: RequestHead): void
  /**
   * Body bytes `chunk[start..end)` (de-chunked). The parser does not keep or change the chunk;
   * the handler must copy what it needs past this call only if the socket's Buffer is reused,
   * which Node's sockets never do.
   */
  onRequestBody(chunk: Buffer, start: number, end: number): void
  /** The message is complete (body and trailers read). */
  onRequestComplete(head: RequestHead): void
}

const CR = 0x0d
const LF = 0x0a
const SP = 0x20
const HTAB = 0x09
const COLON = 0x3a
const SEMICOLON = 0x3b
const EQUALS = 0x3d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const SLASH = 0x2f
const ASTERISK = 0x2a
const VERSION_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f] // "HTTP/"

// Parser states. Integers in one switch, as ws's Receiver does.
const S_START = 0
const S_START_LF = 1
const S_METHOD = 2
const S_TARGET_START = 3
const S_TARGET = 4
const S_VERSION = 5
const S_REQUEST_LINE_LF = 6
const S_LINE_START = 7
const S_HEAD_END_LF = 8
const S_NAME = 9
const S_VALUE_START = 10
const S_VALUE = 11
const S_VALUE_LF = 12
const S_BODY = 13
const S_CHUNK_SIZE_START = 14
const S_CHUNK_SIZE = 15
const S_CHUNK_EXT_NAME_START = 16
const S_CHUNK_EXT_NAME = 17
const S_CHUNK_EXT_VALUE_START = 18
const S_CHUNK_EXT_TOKEN = 19
const S_CHUNK_EXT_QUOTED = 20
const S_CHUNK_EXT_QUOTED_PAIR = 21
const S_CHUNK_EXT_AFTER_QUOTED = 22
const S_CHUNK_SIZE_LF = 23
const S_CHUNK_DATA = 24
const S_CHUNK_DATA_CR = 25
const S_CHUNK_DATA_LF = 26
const S_CLOSED = 27
const S_UPGRADED = 28
const S_ERROR = 29

// Header fields whose values the parser acts on (RFC 9112 sections 6, 9; RFC 9110 section 7.2).
const FIELD_OTHER = 0
const FIELD_CONTENT_LENGTH = 1
const FIELD_TRANSFER_ENCODING = 2
const FIELD_CONNECTION = 3
const FIELD_HOST = 4
const FIELD_UPGRADE = 5
const FIELD_EXPECT = 6

const KNOWN_FIELDS: ReadonlyArray<[string, number]> = [
  ['content-length', FIELD_CONTENT_LENGTH],
  ['transfer-encoding', FIELD_TRANSFER_ENCODING],
  ['connection', FIELD_CONNECTION],
  // Not a standard field, but Node's llhttp reads it as Connection: so must we, or a
  // `Proxy-Connection: close` would end the connection for one reader and not the other.
  ['proxy-connection', FIELD_CONNECTION],
  ['host', FIELD_HOST],
  ['upgrade', FIELD_UPGRADE],
  ['expect', FIELD_EXPECT],
]
const FIELD_BY_LENGTH: Array<[string, number] | undefined> = []
for (const field of KNOWN_FIELDS) FIELD_BY_LENGTH[field[0].length] = field

/** True when `buf[start..end)` equals the lower-case ASCII `lower`, ignoring case. */
function equalsIgnoringCase(buf: Buffer, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false
  for (let offset = 0; offset < lower.length; offset++) {
    if (LOWER[buf[start + offset] as number] !== lower.charCodeAt(offset)) return false
  }
  return true
}

function classifyField(buf: Buffer, start: number, end: number): number {
  // Every known name has a distinct length: one comparison finds the only candidate.
  const candidate = FIELD_BY_LENGTH[end - start]
  if (candidate === undefined || !equalsIgnoringCase(buf, start, end, candidate[0])) return FIELD_OTHER
  return candidate[1]
}

function isAlpha(byte: number): boolean {
  const lower = LOWER[byte] as number
  return lower >= 0x61 && lower <= 0x7a
}

/**
 * The index of the first byte of `buf[start..end)` that an RFC 3986 authority may not hold
 * (unreserved, sub-delims, `:`, `%`, `[`, `]`, one `@`), or -1. In absolute-form the
 * authority ends at the first `/` or `?`.
 */
function authorityError(buf: Buffer, start: number, end: number, absolute: boolean): number {
  let seenAt = false
  for (let i = start; i < end; i++) {
    const byte = buf[i] as number
    if (absolute && (byte === SLASH || byte === 0x3f)) return -1
    if (byte === 0x40) {
      if (seenAt) return i
      seenAt = true
    } else if (AUTHORITY[byte] !== 1) {
      return i
    }
  }
  return -1
}

function isWhitespace(byte: number | undefined): boolean {
  return byte === SP || byte === HTAB
}

const EMPTY = Buffer.alloc(0)
const IDLE_HEAD = new RequestHead()
/** The largest carry buffer a parser keeps across {@link RequestParser.reset}. */
const MAX_KEPT_CARRY_BYTES = 4096

/**
 * A strict, incremental, zero-copy HTTP/1.1 request parser (RFC 9112).
 *
 * Feed it the socket's chunks with {@link execute}; it calls its handler with a
 * {@link RequestHead} whose tokens are offsets into those chunks. Split the bytes anywhere:
 * the events are the same. A token cut by a chunk boundary is the only thing ever copied.
 *
 * Strict, because a push server lives behind proxies and a lax parser invites request
 * smuggling: it refuses bare CR and LF, obs-fold, whitespace before a colon, control bytes,
 * `Content-Length` with `Transfer-Encoding`, duplicate or malformed `Content-Length`, and a
 * `Transfer-Encoding` that does not end in `chunked`. A refusal stops the parser and leaves a
 * {@link ParserError} in {@link error}, carrying the status to answer with.
 *
 * After an `Upgrade` (with `Connection: upgrade`) or `CONNECT` message the parser stops and
 * sets {@link upgraded}: the bytes from the returned offset on belong to the new protocol.
 */
export class RequestParser {
  #handler: RequestParserHandler
  readonly #maxRequestLineBytes: number
  readonly #maxHeaderBytes: number
  readonly #maxHeaderCount: number
  readonly #maxBodyBytes: number
  readonly #maxChunkExtensionBytes: number
  readonly #requireHost: boolean

  #state = S_START
  /** The message being parsed; between messages a shared placeholder, so an idle parser holds nothing. */
  #head: RequestHead = IDLE_HEAD
  #error: ParserError | null = null
  #paused = false
  /** Bytes consumed since creation: offsets in errors count from here. */
  #fed = 0
  /** Absolute offset of index 0 of the chunk being executed (may be negative). */
  #base = 0
  /** Absolute offset of the first byte past the limit of the section being read. */
  #sectionLimit = 0

  // The token being read, and the part of it carried over from earlier chunks.
  #tokenStart = 0
  /** Absolute offset of the open token's first byte: errors inside a value point into it. */
  #tokenOffset = 0
  #carry: Buffer = EMPTY
  #carryLength = 0
  // The finished token, set by #finishToken.
  #spanBuffer: Buffer = EMPTY
  #spanStart = 0
  #spanEnd = 0
  // The name of the field line being read.
  #nameBuffer: Buffer = EMPTY
  #nameStart = 0
  #nameEnd = 0
  /** End of the finished value before its trailing whitespace was cut off. */
  #valueEnd = 0

  #versionPosition = 0
  #inTrailers = false
  #fieldKind = FIELD_OTHER
  #hostCount = 0
  #connectionClose = false
  #connectionKeepAlive = false
  #connectionUpgrade = false
  #hasUpgrade = false
  #hasTransferEncoding = false
  #chunkedSeen = false
  #lastCodingChunked = false
  #remaining = 0
  #chunkSize = 0
  #bodyBytes = 0
  #extensionBytes = 0

  constructor(handler: RequestParserHandler, options: RequestParserOptions = {}) {
    this.#handler = handler
    this.#maxRequestLineBytes = options.maxRequestLineBytes ?? 8 * 1024
    this.#maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024
    this.#maxHeaderCount = options.maxHeaderCount ?? 100
    this.#maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
    this.#maxChunkExtensionBytes = options.maxChunkExtensionBytes ?? 1024
    this.#requireHost = options.requireHost ?? true
  }

  /** Why the parser stopped, or null while it is fine. Once set, execute consumes nothing. */
  get error(): ParserError | null {
    return this.#error
  }

  /** The parser stopped after an Upgrade or CONNECT message; the rest belongs to the new protocol. */
  get upgraded(): boolean {
    return this.#state === S_UPGRADED
  }

  /** True between messages: nothing of a next request has been read yet. */
  get idle(): boolean {
    return this.#state === S_START || this.#state === S_START_LF
  }

  /**
   * Stop {@link execute} right after the current event (call it from a handler method);
   * execute returns the offset it reached, and the caller feeds the rest after
   * {@link resume}. The server uses this to stop reading a pipeline it cannot answer yet.
   */
  pause(): void {
    this.#paused = true
  }

  /**
   * True when nothing of a request is in flight (between messages, no bytes carried over,
   * not paused): the parser may then be {@link reset} for another connection.
   */
  get reusable(): boolean {
    return (this.#state === S_START || this.#state === S_START_LF) && this.#carryLength === 0 && !this.#paused
  }

  /**
   * Makes the parser new again for `handler`, keeping its options: a server lends parsers to
   * connections only while bytes are being parsed, so an idle keep-alive connection holds no
   * parser at all. Offsets in errors count from here again.
   */
  reset(handler: RequestParserHandler): void {
    this.#handler = handler
    this.#state = S_START
    this.#error = null
    this.#paused = false
    this.#fed = 0
    this.#carryLength = 0
    // A carry grown by a long split token is not kept for the next connection.
    if (this.#carry.length > MAX_KEPT_CARRY_BYTES) this.#carry = EMPTY
    this.#resetMessage()
  }

  /** Undo {@link pause}. */
  resume(): void {
    this.#paused = false
  }

  /** True while paused. */
  get paused(): boolean {
    return this.#paused
  }

  /**
   * Parse `buf[start..end)`. Returns the offset where parsing stopped: `end` when everything
   * was consumed; less when the parser was paused, stopped for an upgrade, or failed (see
   * {@link error}), and then the caller keeps `buf[returned..end)` if it wants it.
   */
  execute(buf: Buffer, start = 0, end: number = buf.length): number {
    let state = this.#state
    if (state === S_ERROR || state === S_UPGRADED || this.#paused) return start
    const base = this.#fed - start
    this.#base = base
    let i = start
    // Index in buf of the first byte past the current section's limit (request line, header
    // or trailer section): the same absolute byte however the input is split.
    let limit = this.#sectionLimit - base
    // Module bindings are read through a cell on every access; locals keep the loops tight.
    const token = TOKEN
    const target = TARGET
    const fieldValue = FIELD_VALUE
    // A token left open by the previous chunk continues at the start of this one.
    this.#tokenStart = start

    loop: while (i < end) {
      if (state >= S_METHOD && state <= S_VALUE_LF && i >= limit) return this.#failTooLarge(state, i)
      switch (state) {
        case S_START: {
          const byte = buf[i] as number
          if (byte === CR) {
            state = S_START_LF
            i++
            continue
          }
          // RFC 9112 section 2.2: a server SHOULD ignore at least one empty line before a request.
          this.#head = new RequestHead()
          this.#sectionLimit = base + i + this.#maxRequestLineBytes
          limit = this.#sectionLimit - base
          this.#tokenStart = i
          this.#tokenOffset = base + i
          state = S_METHOD
          continue
        }
        case S_START_LF: {
          if (buf[i] !== LF) return this.#fail(ErrorCode.INVALID_LINE_ENDING, 'CR without LF before the request line', 400, i)
          state = S_START
          i++
          continue
        }
        case S_METHOD: {
          const stop = end < limit ? end : limit
          // Four bytes per test while they last: the loop's compare and branch cost more than the loads.
          while (i + 4 <= stop && (token[buf[i] as number] as number) & (token[buf[i + 1] as number] as number) & (token[buf[i + 2] as number] as number) & (token[buf[i + 3] as number] as number)) i += 4
          while (i < stop && token[buf[i] as number] === 1) i++
          if (i - this.#tokenStart + this.#carryLength > MAX_METHOD_LENGTH) return this.#failMethod(this.#openToken(buf, i), false, i)
          if (i === end) break loop
          if (i === limit) return this.#failTooLarge(state, i)
          if (buf[i] !== SP) return this.#failMethod(this.#openToken(buf, i), true, i)
          this.#finishToken(buf, i)
          const method = lookupMethod(this.#spanBuffer, this.#spanStart, this.#spanEnd)
          if (method < 0) return this.#failMethod(this.#spanBuffer.subarray(this.#spanStart, this.#spanEnd), false, i)
          this.#head.methodIndex = method
          state = S_TARGET_START
          i++
          continue
        }
        case S_TARGET_START: {
          const byte = buf[i] as number
          if (target[byte] !== 1) {
            return byte === SP
              ? this.#fail(ErrorCode.INVALID_REQUEST_LINE, 'More than one space after the method', 400, i)
              : this.#fail(ErrorCode.INVALID_TARGET, 'Invalid character in request-target', 400, i)
          }
          this.#tokenStart = i
          this.#tokenOffset = base + i
          state = S_TARGET
          continue
        }
        case S_TARGET: {
          const stop = end < limit ? end : limit
          // Four bytes per test while they last: the loop's compare and branch cost more than the loads.
          while (i + 4 <= stop && (target[buf[i] as number] as number) & (target[buf[i + 1] as number] as number) & (target[buf[i + 2] as number] as number) & (target[buf[i + 3] as number] as number)) i += 4
          while (i < stop && target[buf[i] as number] === 1) i++
          if (i === end) break loop
          if (i === limit) return this.#failTooLarge(state, i)
          const byte = buf[i] as number
          if (byte !== SP) {
            return byte === CR || byte === LF
              ? this.#fail(ErrorCode.VERSION_NOT_SUPPORTED, 'HTTP/0.9 requests are not supported', 505, i)
              : this.#fail(ErrorCode.INVALID_TARGET, 'Invalid character in request-target', 400, i)
          }
          this.#finishToken(buf, i)
          const head = this.#head
          const formError = this.#targetFormError(head.methodIndex)
          if (formError >= 0) {
            return this.#fail(ErrorCode.INVALID_TARGET, 'Request-target of the wrong form', 400, i, this.#tokenOffset + formError - this.#spanStart)
          }
          head.pushSpan(this.#spanBuffer, this.#spanStart, this.#spanEnd)
          this.#versionPosition = 0
          state = S_VERSION
          i++
          continue
        }
        case S_VERSION: {
          const byte = buf[i] as number
          const head = this.#head
          const position = this.#versionPosition
          if (position < 5) {
            if (byte !== VERSION_PREFIX[position]) return this.#fail(ErrorCode.INVALID_VERSION, 'Expected HTTP/', 400, i)
          } else if (position === 5 || position === 7) {
            if (byte < 0x30 || byte > 0x39) return this.#fail(ErrorCode.INVALID_VERSION, 'Invalid HTTP version', 400, i)
            if (position === 5) head.versionMajor = byte - 0x30
            else head.versionMinor = byte - 0x30
          } else if (position === 6) {
            if (byte !== 0x2e) return this.#fail(ErrorCode.INVALID_VERSION, 'Invalid HTTP version', 400, i)
          } else {
            if (byte !== CR) return this.#fail(ErrorCode.INVALID_REQUEST_LINE, 'Expected CRLF after the version', 400, i)
            if (head.versionMajor !== 1 || head.versionMinor > 1) {
              return this.#fail(ErrorCode.VERSION_NOT_SUPPORTED, 'Only HTTP/1.0 and HTTP/1.1 are supported', 505, i)
            }
            state = S_REQUEST_LINE_LF
          }
          this.#versionPosition = position + 1
          i++
          continue
        }
        case S_REQUEST_LINE_LF: {
          if (buf[i] !== LF) return this.#fail(ErrorCode.INVALID_LINE_ENDING, 'Expected LF after CR', 400, i)
          i++
          this.#sectionLimit = base + i + this.#maxHeaderBytes
          limit = this.#sectionLimit - base
          state = S_LINE_START
          continue
        }
        // The five states of a field line fall through into each other, so a line that is
        // whole in this chunk costs one dispatch.
        case S_LINE_START: {
          const byte = buf[i] as number
          const head = this.#head
          if (byte === CR) {
            state = S_HEAD_END_LF
            i++
            continue
          }
          if (token[byte] !== 1) {
            if (byte === LF) return this.#fail(ErrorCode.INVALID_LINE_ENDING, 'LF without CR', 400, i)
            if (isWhitespace(byte)) {
              // RFC 9112 section 5.2: obs-fold is refused; section 2.2: so is whitespace
              // between the start line and the first field.
              return head.headerCount + head.trailerCount === 0
                ? this.#fail(ErrorCode.INVALID_HEADER_NAME, 'Whitespace before the first header field', 400, i)
                : this.#fail(ErrorCode.OBS_FOLD, 'Obsolete line folding', 400, i)
            }
            return this.#fail(ErrorCode.INVALID_HEADER_NAME, 'Invalid character in header name', 400, i)
          }
          if (head.headerCount + head.trailerCount >= this.#maxHeaderCount) {
            return this.#fail(ErrorCode.TOO_MANY_HEADERS, 'Too many header fields', 431, i)
          }
          this.#tokenStart = i
          state = S_NAME
        }
        // falls through
        case S_NAME: {
          const stop = end < limit ? end : limit
          // Four bytes per test while they last: the loop's compare and branch cost more than the loads.
          while (i + 4 <= stop && (token[buf[i] as number] as number) & (token[buf[i + 1] as number] as number) & (token[buf[i + 2] as number] as number) & (token[buf[i + 3] as number] as number)) i += 4
          while (i < stop && token[buf[i] as number] === 1) i++
          if (i === end) break loop
          if (i === limit) return this.#failTooLarge(state, i)
          if (buf[i] !== COLON) return this.#fail(ErrorCode.INVALID_HEADER_NAME, 'Invalid character in header name', 400, i)
          this.#finishToken(buf, i)
          // Kept until the value is in: the field is added to the head in one go.
          this.#nameBuffer = this.#spanBuffer
          this.#nameStart = this.#spanStart
          this.#nameEnd = this.#spanEnd
          this.#fieldKind = classifyField(this.#spanBuffer, this.#spanStart, this.#spanEnd)
          state = S_VALUE_START
          i++
        }
        // falls through
        case S_VALUE_START: {
          const stop = end < limit ? end : limit
          while (i < stop && isWhitespace(buf[i])) i++
          if (i === end) break loop
          if (i === limit) return this.#failTooLarge(state, i)
          const byte = buf[i] as number
          this.#tokenOffset = base + i
          if (byte === CR) {
            this.#spanBuffer = buf
            this.#spanStart = i
            this.#spanEnd = i
            this.#valueEnd = i
            if (!this.#acceptField()) return i
            state = S_VALUE_LF
            i++
            continue
          }
          if (fieldValue[byte] !== 1) return this.#failValueByte(byte, i)
          this.#tokenStart = i
          state = S_VALUE
        }
        // falls through
        case S_VALUE: {
          const stop = end < limit ? end : limit
          // Four bytes per test while they last: the loop's compare and branch cost more than the loads.
          while (i + 4 <= stop && (fieldValue[buf[i] as number] as number) & (fieldValue[buf[i + 1] as number] as number) & (fieldValue[buf[i + 2] as number] as number) & (fieldValue[buf[i + 3] as number] as number)) i += 4
          while (i < stop && fieldValue[buf[i] as number] === 1) i++
          if (i === end) break loop
          if (i === limit) return this.#failTooLarge(state, i)
          const byte = buf[i] as number
          if (byte !== CR) return this.#failValueByte(byte, i)
          this.#finishToken(buf, i)
          const spanBuffer = this.#spanBuffer
          let spanEnd = this.#spanEnd
          this.#valueEnd = spanEnd
          while (isWhitespace(spanBuffer[spanEnd - 1])) spanEnd--
          this.#spanEnd = spanEnd
          if (!this.#acceptField()) return i
          state = S_VALUE_LF
          i++
          if (i === end) break loop
          if (i === limit) return this.#failTooLarge(state, i)
        }
        // falls through
        case S_VALUE_LF: {
          if (buf[i] !== LF) return this.#fail(ErrorCode.INVALID_LINE_ENDING, 'CR without LF after a header value', 400, i)
          i++
          state = S_LINE_START
          continue
        }
        case S_HEAD_END_LF: {
          if (buf[i] !== LF) return this.#fail(ErrorCode.INVALID_LINE_ENDING, 'CR without LF at the end of the header section', 400, i)
          i++
          state = this.#inTrailers ? this.#completeMessage() : this.#completeHead(i)
          if (state === S_ERROR || state === S_UPGRADED || this.#paused) return this.#stop(i)
          continue
        }
        case S_BODY:
        case S_CHUNK_DATA: {
          const take = Math.min(end - i, this.#remaining)
          this.#handler.onRequestBody(buf, i, i + take)
          i += take
          this.#remaining -= take
          if (this.#remaining > 0) continue
          if (state === S_CHUNK_DATA) {
            state = S_CHUNK_DATA_CR
            continue
          }
          state = this.#completeMessage()
          if (state === S_UPGRADED || this.#paused) return this.#stop(i)
          continue
        }
        case S_CHUNK_SIZE_START: {
          const digit = HEX_VALUE[buf[i] as number] as number
          if (digit === 255) return this.#fail(ErrorCode.INVALID_CHUNK, 'Invalid character in chunk size', 400, i)
          this.#chunkSize = digit
          this.#extensionBytes = 0
          state = S_CHUNK_SIZE
          i++
          continue
        }
        case S_CHUNK_SIZE: {
          let size = this.#chunkSize
          let digit = 0
          while (i < end && (digit = HEX_VALUE[buf[i] as number] as number) !== 255) {
            size = size * 16 + digit
            // Refuse before precision is lost: 2^53 bytes is no chunk anyway.
            if (size > Number.MAX_SAFE_INTEGER) return this.#fail(ErrorCode.INVALID_CHUNK, 'Chunk size overflow', 400, i)
            i++
          }
          this.#chunkSize = size
          if (i === end) break loop
          const byte = buf[i] as number
          if (byte === CR) state = S_CHUNK_SIZE_LF
          else if (byte === SEMICOLON) state = S_CHUNK_EXT_NAME_START
          else return this.#fail(ErrorCode.INVALID_CHUNK, 'Invalid character in chunk size', 400, i)
          i++
          continue
        }
        case S_CHUNK_EXT_NAME_START:
        case S_CHUNK_EXT_NAME:
        case S_CHUNK_EXT_VALUE_START:
        case S_CHUNK_EXT_TOKEN:
        case S_CHUNK_EXT_QUOTED:
        case S_CHUNK_EXT_QUOTED_PAIR:
        case S_CHUNK_EXT_AFTER_QUOTED: {
          // Chunk extensions (RFC 9112 section 7.1.1) are checked and skipped: nobody uses them,
          // so they are validated byte by byte and bounded, never kept.
          if (++this.#extensionBytes > this.#maxChunkExtensionBytes) {
            return this.#fail(ErrorCode.INVALID_CHUNK, 'Chunk extensions too long', 400, i)
          }
          const next = this.#chunkExtension(state, buf[i] as number)
          if (next < 0) return this.#fail(ErrorCode.INVALID_CHUNK, 'Invalid character in chunk extensions', 400, i)
          state = next
          i++
          continue
        }
        case S_CHUNK_SIZE_LF: {
          if (buf[i] !== LF) return this.#fail(ErrorCode.INVALID_CHUNK, 'Expected LF after chunk size', 400, i)
          i++
          const size = this.#chunkSize
          if (size === 0) {
            this.#inTrailers = true
            this.#sectionLimit = base + i + this.#maxHeaderBytes
            limit = this.#sectionLimit - base
            state = S_LINE_START
            continue
          }
          this.#bodyBytes += size
          if (this.#bodyBytes > this.#maxBodyBytes) return this.#fail(ErrorCode.BODY_TOO_LARGE, 'Body too large', 413, i)
          this.#remaining = size
          state = S_CHUNK_DATA
          continue
        }
        case S_CHUNK_DATA_CR: {
          if (buf[i] !== CR) return this.#fail(ErrorCode.INVALID_CHUNK, 'Expected CRLF after chunk data', 400, i)
          state = S_CHUNK_DATA_LF
          i++
          continue
        }
        case S_CHUNK_DATA_LF: {
          if (buf[i] !== LF) return this.#fail(ErrorCode.INVALID_CHUNK, 'Expected LF after chunk data', 400, i)
          state = S_CHUNK_SIZE_START
          i++
          continue
        }
        default: {
          // S_CLOSED: the last message ended the connection (RFC 9112 section 9.6); empty lines
          // are tolerated as between requests, anything else is refused.
          const byte = buf[i] as number
          if (byte !== CR && byte !== LF) return this.#fail(ErrorCode.DATA_AFTER_CLOSE, 'Data after a request that closes the connection', 400, i)
          i++
          continue
        }
      }
    }

    // Out of bytes in the middle of something.
    if (state === S_METHOD || state === S_TARGET || state === S_NAME || state === S_VALUE) {
      this.#carryToken(buf, end)
    }
    this.#state = state
    this.#fed = base + end
    return end
  }

  /**
   * Call when the connection's input ended. Returns null when the input ended between
   * messages (a clean end), else the error for a request cut short.
   */
  finish(): ParserError | null {
    const state = this.#state
    if (state === S_ERROR) return this.#error
    if (state === S_START || state === S_START_LF || state === S_CLOSED || state === S_UPGRADED) return null
    this.#state = S_ERROR
    this.#error = new ParserError(ErrorCode.UNEXPECTED_EOF, 'Connection ended in the middle of a request', 400, this.#fed)
    return this.#error
  }

  /** Record where the parser stopped early (pause, upgrade or error set by a callee). */
  #stop(i: number): number {
    if (this.#state !== S_ERROR) this.#fed = this.#base + i
    return i
  }

  /** Stop at index `i` of the chunk; the error points at `offset` (default: that same byte). */
  #fail(code: ErrorCodeValue, message: string, status: number, i: number, offset: number = this.#base + i): number {
    this.#state = S_ERROR
    this.#error = new ParserError(code, message, status, offset)
    this.#fed = this.#base + i
    return i
  }

  /**
   * A method that is not one of ours, or holds a byte no method has. Like llhttp, point at the
   * first byte where `method` stops being the start of a known method, so the offset does not
   * depend on where the token happens to end. `invalidByte`: a non-token byte ended it.
   */
  #failMethod(method: Uint8Array, invalidByte: boolean, i: number): number {
    const prefix = knownMethodPrefix(method)
    const offset = this.#tokenOffset + prefix
    this.#state = S_ERROR
    this.#error = prefix === method.length && invalidByte
      ? new ParserError(ErrorCode.INVALID_METHOD, 'Invalid character in method', 400, offset)
      : new ParserError(ErrorCode.METHOD_NOT_IMPLEMENTED, 'Unknown method', 501, offset)
    return i
  }

  /** A copy of the open token so far (carry and `buf[tokenStart..i)`), for error reports. */
  #openToken(buf: Buffer, i: number): Buffer {
    return Buffer.concat([this.#carry.subarray(0, this.#carryLength), buf.subarray(this.#tokenStart, i)])
  }

  /** The byte at `i` would take the current section past its limit. */
  #failTooLarge(state: number, i: number): number {
    if (state <= S_REQUEST_LINE_LF) return this.#fail(ErrorCode.REQUEST_LINE_TOO_LONG, 'Request line too long', 414, i)
    return this.#fail(ErrorCode.HEADER_TOO_LARGE, this.#inTrailers ? 'Trailer section too large' : 'Header section too large', 431, i)
  }

  #failValueByte(byte: number, i: number): number {
    return byte === LF
      ? this.#fail(ErrorCode.INVALID_LINE_ENDING, 'LF without CR after a header value', 400, i)
      : this.#fail(ErrorCode.INVALID_HEADER_VALUE, 'Invalid character in header value', 400, i)
  }

  /** Keep the open token's bytes `buf[tokenStart..end)`: the only copy the parser makes. */
  #carryToken(buf: Buffer, end: number): void {
    const length = end - this.#tokenStart
    const needed = this.#carryLength + length
    if (needed > this.#carry.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#carry.length * 2, 64))
      this.#carry.copy(grown, 0, 0, this.#carryLength)
      this.#carry = grown
    }
    buf.copy(this.#carry, this.#carryLength, this.#tokenStart, end)
    this.#carryLength = needed
  }

  /** Close the token ending at `buf[i]` into #spanBuffer/#spanStart/#spanEnd. */
  #finishToken(buf: Buffer, i: number): void {
    if (this.#carryLength === 0) {
      this.#spanBuffer = buf
      this.#spanStart = this.#tokenStart
      this.#spanEnd = i
      return
    }
    // The token began in an earlier chunk: give it a Buffer of its own (the carry is reused).
    const carried = this.#carryLength
    const joined = Buffer.allocUnsafe(carried + i - this.#tokenStart)
    this.#carry.copy(joined, 0, 0, carried)
    buf.copy(joined, carried, this.#tokenStart, i)
    this.#carryLength = 0
    this.#spanBuffer = joined
    this.#spanStart = 0
    this.#spanEnd = joined.length
  }

  /**
   * RFC 9112 section 3.2: origin-form, absolute-form, authority-form (CONNECT) or
   * asterisk-form (OPTIONS). Returns the index in #spanBuffer of the first byte that breaks
   * the form, or -1. Absolute-form must be `scheme://authority`, with an ALPHA-only scheme as
   * Node's llhttp demands (RFC 3986 allows more; no server needs it).
   */
  #targetFormError(method: number): number {
    const buf = this.#spanBuffer
    const start = this.#spanStart
    const end = this.#spanEnd
    const first = buf[start] as number
    if (method === CONNECT_METHOD) {
      return first === SLASH || first === ASTERISK ? start : authorityError(buf, start, end, false)
    }
    if (first === SLASH) return -1
    if (first === ASTERISK) {
      if (method !== OPTIONS_METHOD) return start
      return end - start === 1 ? -1 : start + 1
    }
    let i = start
    while (i < end && isAlpha(buf[i] as number)) i++
    if (i === start) return start
    if (buf[i] !== COLON) return i
    if (buf[i + 1] !== SLASH) return i + 1
    if (buf[i + 2] !== SLASH) return i + 2
    return authorityError(buf, i + 3, end, true)
  }

  /**
   * Keep the field value in #span*, and act on the fields that frame the message. Returns
   * false when the field is refused (the error is set).
   */
  #acceptField(): boolean {
    const head = this.#head
    const buf = this.#spanBuffer
    const start = this.#spanStart
    const end = this.#spanEnd
    head.pushField(this.#nameBuffer, this.#nameStart, this.#nameEnd, buf, start, end)
    const kind = this.#fieldKind
    if (this.#inTrailers) {
      head.trailerCount++
      // RFC 9110 section 6.5.1: a trailer must not frame the message or manage the
      // connection (llhttp would act on them; refusing keeps both readings the same).
      if (kind === FIELD_CONTENT_LENGTH || kind === FIELD_TRANSFER_ENCODING || kind === FIELD_CONNECTION) {
        return this.#refuse(ErrorCode.FORBIDDEN_TRAILER, 'A framing or connection field in trailers', start)
      }
      return true
    }
    head.headerCount++
    switch (kind) {
      case FIELD_CONTENT_LENGTH: {
        // RFC 9112 section 6.3: a second Content-Length, even an equal one, is refused: the
        // two could be read differently by a proxy in front of us.
        if (head.contentLength >= 0) return this.#refuse(ErrorCode.INVALID_CONTENT_LENGTH, 'Duplicate Content-Length', start)
        if (this.#hasTransferEncoding) return this.#failContentLengthWithTransferEncoding(start)
        if (start === end) return this.#refuse(ErrorCode.INVALID_CONTENT_LENGTH, 'Empty Content-Length', start)
        let length = 0
        for (let offset = start; offset < end; offset++) {
          const digit = (buf[offset] as number) - 0x30
          if (digit < 0 || digit > 9) return this.#refuse(ErrorCode.INVALID_CONTENT_LENGTH, 'Invalid character in Content-Length', offset)
          length = length * 10 + digit
          if (length > Number.MAX_SAFE_INTEGER) return this.#refuse(ErrorCode.INVALID_CONTENT_LENGTH, 'Content-Length overflow', offset)
        }
        const tab = this.#trailingTab()
        if (tab >= 0) return this.#refuse(ErrorCode.INVALID_CONTENT_LENGTH, 'Invalid character in Content-Length', tab)
        head.contentLength = length
        return true
      }
      case FIELD_TRANSFER_ENCODING: {
        if (head.contentLength >= 0) return this.#failContentLengthWithTransferEncoding(start)
        this.#hasTransferEncoding = true
        const tab = this.#trailingTab()
        if (tab >= 0) return this.#refuse(ErrorCode.INVALID_TRANSFER_ENCODING, 'Invalid transfer coding', tab)
        return this.#acceptTransferCodings(buf, start, end)
      }
      case FIELD_CONNECTION:
        this.#acceptConnectionOptions(buf, start, this.#valueEnd)
        return true
      case FIELD_HOST:
        this.#hostCount++
        return true
      case FIELD_UPGRADE:
        // An empty Upgrade names no protocol: Node's llhttp does not hand the socket over.
        if (start < end) this.#hasUpgrade = true
        return true
      case FIELD_EXPECT:
        if (equalsIgnoringCase(buf, start, end, '100-continue')) head.expectContinue = true
        return true
      default:
        return true
    }
  }

  /**
   * Where the finished value had an HTAB among its trailing whitespace, or -1. Node's llhttp
   * refuses `Content-Length: 4<HTAB>` and reads `chunked<HTAB>` as not chunked; netserv
   * refuses both rather than read a framing field more leniently than the proxy beside it.
   */
  #trailingTab(): number {
    const buf = this.#spanBuffer
    for (let offset = this.#spanEnd; offset < this.#valueEnd; offset++) {
      if (buf[offset] === HTAB) return offset
    }
    return -1
  }

  #failContentLengthWithTransferEncoding(offset: number): boolean {
    // RFC 9112 section 6.1: a server MAY reject such a request, and a push server behind a
    // proxy should: it is the classic request smuggling vector.
    return this.#refuse(ErrorCode.CONTENT_LENGTH_WITH_TRANSFER_ENCODING, 'Content-Length together with Transfer-Encoding', offset)
  }

  /**
   * Fail with 400 at the byte `offset` of the finished value (an index into #spanBuffer), from a
   * method that answers whether to go on.
   */
  #refuse(code: ErrorCodeValue, message: string, offset: number): false {
    this.#state = S_ERROR
    this.#error = new ParserError(code, message, 400, this.#tokenOffset + offset - this.#spanStart)
    return false
  }

  /**
   * `Transfer-Encoding: coding, coding` (RFC 9112 section 6.1). `chunked` must come last and
   * only once; other codings are tokens. Several fields make one list, in order.
   */
  #acceptTransferCodings(buf: Buffer, start: number, end: number): boolean {
    let element = start
    while (element <= end) {
      let elementEnd = element
      while (elementEnd < end && buf[elementEnd] !== 0x2c) elementEnd++
      let first = element
      let last = elementEnd
      while (first < last && isWhitespace(buf[first])) first++
      while (last > first && isWhitespace(buf[last - 1])) last--
      if (first === last) return this.#refuse(ErrorCode.INVALID_TRANSFER_ENCODING, 'Empty transfer coding', first)
      if (this.#chunkedSeen) return this.#refuse(ErrorCode.INVALID_TRANSFER_ENCODING, 'A transfer coding after chunked', first)
      if (equalsIgnoringCase(buf, first, last, 'chunked')) {
        this.#chunkedSeen = true
      } else {
        for (let offset = first; offset < last; offset++) {
          if (TOKEN[buf[offset] as number] !== 1) {
            return this.#refuse(ErrorCode.INVALID_TRANSFER_ENCODING, 'Invalid transfer coding', offset)
          }
        }
      }
      this.#lastCodingChunked = this.#chunkedSeen
      element = elementEnd + 1
    }
    return true
  }

  /**
   * `Connection` options (RFC 9110 section 7.6.1): close, keep-alive and upgrade matter here.
   * `end` includes the value's trailing whitespace: Node's llhttp does not match a token
   * followed by HTAB, so netserv reads `keep-alive<HTAB>` and `upgrade<HTAB>` as nothing
   * either (never keeping open or handing over what a proxy beside it would not), while it
   * still honours `close<HTAB>`.
   */
  #acceptConnectionOptions(buf: Buffer, start: number, end: number): void {
    let element = start
    while (element < end) {
      let elementEnd = element
      while (elementEnd < end && buf[elementEnd] !== 0x2c) elementEnd++
      let first = element
      let last = elementEnd
      let tabAfter = false
      while (first < last && isWhitespace(buf[first])) first++
      while (last > first && isWhitespace(buf[last - 1])) {
        if (buf[last - 1] === HTAB) tabAfter = true
        last--
      }
      if (equalsIgnoringCase(buf, first, last, 'close')) this.#connectionClose = true
      else if (tabAfter) {
        // see above: not recognised
      } else if (equalsIgnoringCase(buf, first, last, 'keep-alive')) this.#connectionKeepAlive = true
      else if (equalsIgnoringCase(buf, first, last, 'upgrade')) this.#connectionUpgrade = true
      element = elementEnd + 1
    }
  }

  /** The header section ended at `i` (after its final CRLF). Returns the next state. */
  #completeHead(i: number): number {
    const head = this.#head
    const http11 = head.versionMinor === 1
    if (this.#hostCount > 1) return this.#failState(ErrorCode.DUPLICATE_HOST, 'More than one Host header', i)
    if (this.#hostCount === 0 && http11 && this.#requireHost) {
      return this.#failState(ErrorCode.MISSING_HOST, 'HTTP/1.1 request without Host', i)
    }
    if (this.#hasTransferEncoding) {
      // RFC 9112 section 6.1: chunked must be the final coding of a request; and an HTTP/1.0
      // request with Transfer-Encoding is faulty framing.
      if (!this.#lastCodingChunked) return this.#failState(ErrorCode.INVALID_TRANSFER_ENCODING, 'Transfer-Encoding does not end in chunked', i)
      if (!http11) return this.#failState(ErrorCode.INVALID_TRANSFER_ENCODING, 'Transfer-Encoding in an HTTP/1.0 request', i)
      head.chunked = true
    }
    if (head.contentLength > this.#maxBodyBytes) {
      this.#fail(ErrorCode.BODY_TOO_LARGE, 'Body too large', 413, i)
      return S_ERROR
    }
    head.keepAlive = this.#connectionClose ? false : http11 || this.#connectionKeepAlive
    const connect = head.methodIndex === CONNECT_METHOD
    head.upgrade = connect || (this.#connectionUpgrade && this.#hasUpgrade)
    this.#handler.onRequestHead(head)
    // CONNECT has no content (RFC 9110 section 9.3.6): what follows is the tunnel.
    if (connect) return this.#completeMessage()
    if (head.chunked) {
      this.#bodyBytes = 0
      return (this.#state = S_CHUNK_SIZE_START)
    }
    if (head.contentLength > 0) {
      this.#remaining = head.contentLength
      return (this.#state = S_BODY)
    }
    return this.#completeMessage()
  }

  #failState(code: ErrorCodeValue, message: string, i: number): number {
    this.#fail(code, message, 400, i)
    return S_ERROR
  }

  /** The message ended: tell the handler and get ready for what may follow. Returns the next state. */
  #completeMessage(): number {
    const head = this.#head
    this.#handler.onRequestComplete(head)
    let next: number
    if (head.upgrade) next = S_UPGRADED
    else if (!head.keepAlive) next = S_CLOSED
    else next = S_START
    this.#resetMessage()
    this.#state = next
    return next
  }

  /** Forget the message: what the parser keeps between messages is only its state. */
  #resetMessage(): void {
    this.#head = IDLE_HEAD
    this.#spanBuffer = EMPTY
    this.#nameBuffer = EMPTY
    this.#inTrailers = false
    this.#hostCount = 0
    this.#connectionClose = false
    this.#connectionKeepAlive = false
    this.#connectionUpgrade = false
    this.#hasUpgrade = false
    this.#hasTransferEncoding = false
    this.#chunkedSeen = false
    this.#lastCodingChunked = false
  }

  /** One byte of a chunk extension list; returns the next state or -1 for an invalid byte. */
  #chunkExtension(state: number, byte: number): number {
    switch (state) {
      case S_CHUNK_EXT_NAME_START:
        return TOKEN[byte] === 1 ? S_CHUNK_EXT_NAME : -1
      case S_CHUNK_EXT_NAME:
        if (TOKEN[byte] === 1) return S_CHUNK_EXT_NAME
        return byte === EQUALS ? S_CHUNK_EXT_VALUE_START : this.#afterExtension(byte)
      case S_CHUNK_EXT_VALUE_START:
        if (byte === QUOTE) return S_CHUNK_EXT_QUOTED
        return TOKEN[byte] === 1 ? S_CHUNK_EXT_TOKEN : -1
      case S_CHUNK_EXT_TOKEN:
        return TOKEN[byte] === 1 ? S_CHUNK_EXT_TOKEN : this.#afterExtension(byte)
      case S_CHUNK_EXT_QUOTED:
        if (byte === QUOTE) return S_CHUNK_EXT_AFTER_QUOTED
        if (byte === BACKSLASH) return S_CHUNK_EXT_QUOTED_PAIR
        return QUOTED_TEXT[byte] === 1 ? S_CHUNK_EXT_QUOTED : -1
      case S_CHUNK_EXT_QUOTED_PAIR:
        // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        return byte === HTAB || (byte >= 0x20 && byte !== 0x7f) ? S_CHUNK_EXT_QUOTED : -1
      default:
        return this.#afterExtension(byte)
    }
  }

  #afterExtension(byte: number): number {
    if (byte === SEMICOLON) return S_CHUNK_EXT_NAME_START
    return byte === CR ? S_CHUNK_SIZE_LF : -1
  }
}
