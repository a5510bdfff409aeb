/**
 * Header lines that most responses of a push server carry, encoded once at load. The head
 * writer copies them with one `Buffer.copy`; nothing is formatted per response.
 *
 * Every Buffer here is shared by the whole process for its whole life: copy it or pass it to
 * `socket.write`, never modify it.
 */

function line(text: string): Buffer {
  return Buffer.from(`${text}\r\n`, 'latin1')
}

/** The empty line that ends a head (RFC 9112 section 2.1). */
export const CRLF: Buffer = Buffer.from('\r\n', 'latin1')

/**
 * `Connection: keep-alive`: the HTTP/1.1 default, but HTTP/1.0 clients keep the connection
 * only when they see it (RFC 9112 section 9.3), so it is sent to both.
 */
export const CONNECTION_KEEP_ALIVE: Buffer = line('Connection: keep-alive')

/** `Connection: close`: this is the last response on the connection (RFC 9112 section 9.6). */
export const CONNECTION_CLOSE: Buffer = line('Connection: close')

/** `Transfer-Encoding: chunked` (RFC 9112 section 7.1). */
export const TRANSFER_ENCODING_CHUNKED: Buffer = line('Transfer-Encoding: chunked')

/** `Content-Type: text/plain; charset=utf-8`. */
export const CONTENT_TYPE_TEXT_PLAIN: Buffer = line('Content-Type: text/plain; charset=utf-8')

/** `Content-Type: text/html; charset=utf-8`. */
export const CONTENT_TYPE_TEXT_HTML: Buffer = line('Content-Type: text/html; charset=utf-8')

/** `Content-Type: application/json` (JSON is UTF-8 by definition: RFC 8259 section 8.1). */
export const CONTENT_TYPE_JSON: Buffer = line('Content-Type: application/json')

/** `Content-Type: application/javascript; charset=utf-8` (the browser client). */
export const CONTENT_TYPE_JAVASCRIPT: Buffer = line(
  'Content-Type: application/javascript; charset=utf-8',
)

/** `Content-Type: text/event-stream` (SSE is UTF-8 by definition). */
export const CONTENT_TYPE_EVENT_STREAM: Buffer = line('Content-Type: text/event-stream')

/** `Cache-Control: no-store`: push streams and poll answers must not be cached. */
export const CACHE_CONTROL_NO_STORE: Buffer = line('Cache-Control: no-store')

/** `X-Content-Type-Options: nosniff`: keeps browsers from sniffing streamed bodies. */
export const X_CONTENT_TYPE_OPTIONS_NOSNIFF: Buffer = line('X-Content-Type-Options: nosniff')

/** `Content-Length: ` up to the digits, for writers that append the digits themselves. */
export const CONTENT_LENGTH_PREFIX: Buffer = Buffer.from('Content-Length: ', 'latin1')
