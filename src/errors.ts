/**
 * Every failure netserv reports has a stable `code` (`NETSERV_*`). Protocol errors also carry
 * the HTTP status a server answers with, so the engine can pick a prebuilt response instead of
 * formatting one while under attack.
 *
 * The README lists every code; add a code here and there together.
 */

/** The stable codes, one per failure. */
export const ErrorCode = {
  // Request line (RFC 9112 section 3)
  INVALID_METHOD: 'NETSERV_INVALID_METHOD',
  METHOD_NOT_IMPLEMENTED: 'NETSERV_METHOD_NOT_IMPLEMENTED',
  INVALID_TARGET: 'NETSERV_INVALID_TARGET',
  INVALID_VERSION: 'NETSERV_INVALID_VERSION',
  VERSION_NOT_SUPPORTED: 'NETSERV_VERSION_NOT_SUPPORTED',
  INVALID_REQUEST_LINE: 'NETSERV_INVALID_REQUEST_LINE',
  REQUEST_LINE_TOO_LONG: 'NETSERV_REQUEST_LINE_TOO_LONG',
  // Fields (RFC 9112 section 5, RFC 9110 section 5)
  INVALID_HEADER_NAME: 'NETSERV_INVALID_HEADER_NAME',
  INVALID_HEADER_VALUE: 'NETSERV_INVALID_HEADER_VALUE',
  OBS_FOLD: 'NETSERV_OBS_FOLD',
  INVALID_LINE_ENDING: 'NETSERV_INVALID_LINE_ENDING',
  HEADER_TOO_LARGE: 'NETSERV_HEADER_TOO_LARGE',
  TOO_MANY_HEADERS: 'NETSERV_TOO_MANY_HEADERS',
  MISSING_HOST: 'NETSERV_MISSING_HOST',
  DUPLICATE_HOST: 'NETSERV_DUPLICATE_HOST',
  // Framing (RFC 9112 section 6)
  INVALID_CONTENT_LENGTH: 'NETSERV_INVALID_CONTENT_LENGTH',
  CONTENT_LENGTH_WITH_TRANSFER_ENCODING: 'NETSERV_CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
  INVALID_TRANSFER_ENCODING: 'NETSERV_INVALID_TRANSFER_ENCODING',
  INVALID_CHUNK: 'NETSERV_INVALID_CHUNK',
  FORBIDDEN_TRAILER: 'NETSERV_FORBIDDEN_TRAILER',
  BODY_TOO_LARGE: 'NETSERV_BODY_TOO_LARGE',
  DATA_AFTER_CLOSE: 'NETSERV_DATA_AFTER_CLOSE',
  UNEXPECTED_EOF: 'NETSERV_UNEXPECTED_EOF',
  // API misuse (status 0): an argument or option outside its documented range
  INVALID_ARGUMENT: 'NETSERV_INVALID_ARGUMENT',
  // Responses (status 0: the application's mistake, thrown at the call)
  INVALID_RESPONSE_HEADER: 'NETSERV_INVALID_RESPONSE_HEADER',
  HEADERS_SENT: 'NETSERV_HEADERS_SENT',
  WRITE_AFTER_END: 'NETSERV_WRITE_AFTER_END',
  CONTENT_LENGTH_MISMATCH: 'NETSERV_CONTENT_LENGTH_MISMATCH',
  // Connections
  REQUEST_ABORTED: 'NETSERV_REQUEST_ABORTED',
  REQUEST_TIMEOUT: 'NETSERV_REQUEST_TIMEOUT',
  HANDLER_FAILED: 'NETSERV_HANDLER_FAILED',
  ACCEPT_FAILED: 'NETSERV_ACCEPT_FAILED',
  SERVER_CLOSED: 'NETSERV_SERVER_CLOSED',
  // Push framings (status 0 unless the value came from the request)
  INVALID_EVENT_FIELD: 'NETSERV_INVALID_EVENT_FIELD',
  BOUNDARY_IN_PART: 'NETSERV_BOUNDARY_IN_PART',
  INVALID_CALLBACK: 'NETSERV_INVALID_CALLBACK',
  // Hub (src/hub/): statuses 400, 403, 404, 405, 503 as named in README
  INVALID_CHANNEL: 'NETSERV_INVALID_CHANNEL',
  TOO_MANY_CHANNELS: 'NETSERV_TOO_MANY_CHANNELS',
  INVALID_USER: 'NETSERV_INVALID_USER',
  INVALID_TRANSPORT: 'NETSERV_INVALID_TRANSPORT',
  FORBIDDEN: 'NETSERV_FORBIDDEN',
  NOT_INTERACTIVE: 'NETSERV_NOT_INTERACTIVE',
  NOT_FOUND: 'NETSERV_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'NETSERV_METHOD_NOT_ALLOWED',
  CHANNEL_LIMIT: 'NETSERV_CHANNEL_LIMIT',
  HUB_CLOSED: 'NETSERV_HUB_CLOSED',
} as const

/** One of the values of {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode]

/** The base of every error netserv throws or reports. */
export class NetservError extends Error {
  /** Stable, documented: match on this, never on the message. */
  readonly code: ErrorCodeValue
  /** The HTTP status a server answers with; 0 where the error is not the client's. */
  readonly status: number

  constructor(code: ErrorCodeValue, message: string, status = 0) {
    super(message)
    this.name = 'NetservError'
    this.code = code
    this.status = status
  }
}

/**
 * A request the parser rejected. `offset` counts bytes from the start of everything the
 * parser was fed since it was created or reset, so a rejection can be located in a capture.
 */
export class ParserError extends NetservError {
  readonly offset: number

  constructor(code: ErrorCodeValue, message: string, status: number, offset: number) {
    super(code, message, status)
    this.name = 'ParserError'
    this.offset = offset
  }
}
