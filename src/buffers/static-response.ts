/**
 * A whole response (status line, headers, Content-Length, body) encoded once at construction
 * and served as the same Buffer to every request of the same second: serving it allocates
 * nothing and costs one comparison.
 *
 * The one part that changes is `Date` (RFC 9110 section 6.6.1: an origin server with a clock
 * MUST send it). Each template holds a fixed-width Date slot right after the status line:
 *
 * ```
 * template   HTTP/1.1 404 Not Found\r\nDate: ............................. GMT\r\nConnection: ...
 *                                    '---- 37 bytes, DATE_LINE_BYTES ----'
 * per second  new Buffer = copy of template, this second's Date line copied into the slot
 * ```
 *
 * Why a new Buffer per second rather than patching one in place: a Buffer handed to
 * `socket.write` may be partly written, the rest queued by libuv and sent later from the same
 * memory. Patching the date at that moment could send a torn value (`31 Dec 1994 23:59:59` +
 * `01 Jan 1995 00:00:00` read as `31 Jan 1995 00:00:00`, a month off) that is well formed and
 * wrong. One copy per second per variant, and only in seconds when the response is served,
 * is cheap for the bodies this is meant for (error pages, small fixed documents, the browser
 * client); for large files, write a head and the body Buffer separately.
 */
import { ErrorCode, NetservError } from '../errors.js'
import { isFieldValue, isToken } from './byte-classes.js'
import { DATE_LINE_BYTES, sharedDateHeader, type DateHeader } from './date-header.js'
import { CONNECTION_CLOSE, CONNECTION_KEEP_ALIVE } from './header-lines.js'
import { isValidStatus, reasonPhrase, STATUS_LINE_PREFIX } from './status-lines.js'

/** What a {@link StaticResponse} is built from. */
export interface StaticResponseInit {
  /** A final status, 200-999 (1xx are interim and cannot be static). */
  status: number
  /** Reason phrase; default the registered one (./status-lines.ts) or none. */
  reason?: string
  /**
   * Header fields in order; names must be tokens and values field values (checked here, at
   * construction). `Content-Length`, `Date`, `Connection` and `Transfer-Encoding` are set by
   * the response itself and rejected here.
   */
  headers?: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>
  /** The body; a string is encoded as UTF-8, bytes are copied. Default empty. */
  body?: string | Uint8Array
  /** The Date line source; default the process-wide `sharedDateHeader`. */
  date?: DateHeader
}

/** Fields whose value depends on the connection or the body, owned by the encoder. */
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'content-length',
  'date',
  'connection',
  'transfer-encoding',
])

/**
 * One encoded variant (keep-alive or close) and its Buffers for the current second.
 * All fields are set in the constructor so every instance keeps one shape.
 */
class EncodedVariant {
  /** Head + body with a blank Date slot; never handed out, never written after build. */
  readonly template: Buffer
  /** Index of the Date line in the template. */
  readonly dateOffset: number
  /** Bytes of the head, CRLF included, i.e. the index where the body starts. */
  readonly headBytes: number
  /** The Date line that {@link full} carries; null before the first use. */
  dateLine: Buffer | null = null
  full: Buffer
  head: Buffer

  constructor(template: Buffer, dateOffset: number, headBytes: number) {
    this.template = template
    this.dateOffset = dateOffset
    this.headBytes = headBytes
    this.full = template
    this.head = template
  }

  /** Fresh Buffers for a new second; the previous ones are left untouched for their holders. */
  refresh(dateLine: Buffer): void {
    const full = Buffer.allocUnsafe(this.template.length)
    full.set(this.template, 0)
    full.set(dateLine, this.dateOffset)
    this.full = full
    this.head = full.subarray(0, this.headBytes)
    this.dateLine = dateLine
  }
}

/**
 * A response encoded once, in four variants: keep-alive or close, with body or head only
 * (for HEAD requests, RFC 9110 section 9.3.2: same fields, Content-Length of the body).
 *
 * Who owns a Buffer and for how long: every Buffer returned by {@link buffer} and {@link head}
 * is shared by all requests of its second and is never written after it is first returned.
 * Callers write it (`socket.write`, a corked batch) and must not modify it; it stays valid
 * for as long as anyone holds it. Within a second the same object is returned every time.
 */
export class StaticResponse {
  /** The status code. */
  readonly status: number
  /** Bytes of the body, the Content-Length. */
  readonly bodyBytes: number
  readonly #date: DateHeader
  readonly #keepAlive: EncodedVariant
  readonly #close: EncodedVariant

  /**
   * Encodes both templates.
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` for a status outside 200-999, a body on
   *   204/205/304, an invalid reason, an invalid or reserved header name, an invalid value
   */
  constructor(init: StaticResponseInit) {
    const status = init.status
    if (!isValidStatus(status) || status < 200) {
      throw invalidArgument(`status must be an integer in 200-999, got ${status}`)
    }
    const reason = init.reason ?? reasonPhrase(status)
    if (!isFieldValue(reason)) {
      throw invalidArgument(`invalid reason phrase ${JSON.stringify(reason)}`)
    }
    const body =
      typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : Buffer.from(init.body ?? [])
    // RFC 9110 sections 15.3.5, 15.3.6, 15.4.5: no content; 204 and 304 no Content-Length
    // either (a 304's would describe the selected representation, which is not known here).
    if ((status === 204 || status === 205 || status === 304) && body.length > 0) {
      throw invalidArgument(`status ${status} must not have a body`)
    }
    let fields = status === 204 || status === 304 ? '' : `Content-Length: ${body.length}\r\n`
    const headers = init.headers ?? []
    const pairs = Array.isArray(headers) ? headers : Object.entries(headers)
    for (const [name, value] of pairs) {
      if (!isToken(name)) throw invalidArgument(`invalid header name ${JSON.stringify(name)}`)
      if (RESERVED_NAMES.has(name.toLowerCase())) {
        throw invalidArgument(`${name} is set by StaticResponse itself`)
      }
      if (!isFieldValue(value)) {
        throw invalidArgument(`invalid value for header ${name}: ${JSON.stringify(value)}`)
      }
      fields += `${name}: ${value}\r\n`
    }
    this.status = status
    this.bodyBytes = body.length
    this.#date = init.date ?? sharedDateHeader
    const statusLineText = `${STATUS_LINE_PREFIX}${status} ${reason}\r\n`
    this.#keepAlive = encode(statusLineText, CONNECTION_KEEP_ALIVE, fields, body)
    this.#close = encode(statusLineText, CONNECTION_CLOSE, fields, body)
  }

  /**
   * The whole response for this second: the same Buffer object on every call until the
   * second changes. `keepAlive` false selects the `Connection: close` variant.
   */
  buffer(keepAlive: boolean): Buffer {
    const variant = keepAlive ? this.#keepAlive : this.#close
    const dateLine = this.#date.line()
    if (variant.dateLine !== dateLine) variant.refresh(dateLine)
    return variant.full
  }

  /** The head alone, for a HEAD request: a view of the same bytes {@link buffer} returns. */
  head(keepAlive: boolean): Buffer {
    const variant = keepAlive ? this.#keepAlive : this.#close
    const dateLine = this.#date.line()
    if (variant.dateLine !== dateLine) variant.refresh(dateLine)
    return variant.head
  }
}

function invalidArgument(message: string): NetservError {
  return new NetservError(ErrorCode.INVALID_ARGUMENT, message)
}

function encode(
  statusLineText: string,
  connection: Buffer,
  fields: string,
  body: Buffer,
): EncodedVariant {
  const dateOffset = statusLineText.length
  const head = Buffer.concat([
    Buffer.from(statusLineText, 'latin1'),
    Buffer.alloc(DATE_LINE_BYTES, 0x20),
    connection,
    Buffer.from(`${fields}\r\n`, 'latin1'),
  ])
  return new EncodedVariant(Buffer.concat([head, body]), dateOffset, head.length)
}
