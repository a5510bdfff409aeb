/**
 * Prebuilt error responses. When the parser rejects a request the connection answers with one
 * of these and closes: nothing is formatted while under attack, and a flood of bad requests
 * costs one cache lookup each.
 *
 * ```
 * HTTP/1.1 431 Request Header Fields Too Large
 * Date: Sun, 06 Nov 1994 08:49:37 GMT
 * Connection: close
 * Content-Length: 62
 * Content-Type: text/plain; charset=utf-8
 * Cache-Control: no-store
 *
 * 431 Request Header Fields Too Large: NETSERV_HEADER_TOO_LARGE
 * ```
 *
 * Serve the `Connection: close` variant (`buffer(false)`, or `head(false)` for HEAD): after a
 * framing error the rest of the input cannot be trusted (RFC 9112 section 9.6).
 */
import { ErrorCode, NetservError, type ErrorCodeValue } from '../errors.js'
import { sharedDateHeader, type DateHeader } from './date-header.js'
import { reasonPhrase } from './status-lines.js'
import { StaticResponse } from './static-response.js'

/** The statuses the engine answers bad input with; built eagerly, without a code. */
export const ERROR_STATUSES: readonly number[] = [400, 413, 414, 431, 500, 501, 503, 505]

/** Key of the response without a code in a per-status cache. */
const NO_CODE = ''

/**
 * Caches one {@link StaticResponse} per (status, code) pair, built on first use. Statuses and
 * codes are fixed sets, so the cache is bounded (about 8 x 25 entries).
 */
export class ErrorResponses {
  readonly #date: DateHeader
  readonly #byStatus = new Map<number, Map<string, StaticResponse>>()

  /** @param date the Date line source; default the process-wide `sharedDateHeader` */
  constructor(date: DateHeader = sharedDateHeader) {
    this.#date = date
    for (const status of ERROR_STATUSES) this.get(status)
  }

  /**
   * The response for `status` whose body names `code`:
   * `400 Bad Request: NETSERV_INVALID_HEADER_NAME\n`, or `503 Service Unavailable\n` without
   * a code. The same object for the same pair, every time.
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` unless `status` is an integer in 400-599
   */
  get(status: number, code?: ErrorCodeValue): StaticResponse {
    const key = code ?? NO_CODE
    let byCode = this.#byStatus.get(status)
    const cached = byCode?.get(key)
    if (cached !== undefined) return cached
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new NetservError(
        ErrorCode.INVALID_ARGUMENT,
        `an error status must be an integer in 400-599, got ${status}`,
      )
    }
    if (byCode === undefined) {
      byCode = new Map()
      this.#byStatus.set(status, byCode)
    }
    const title = `${status} ${reasonPhrase(status)}`.trimEnd()
    const response = new StaticResponse({
      status,
      headers: [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Cache-Control', 'no-store'],
      ],
      body: code === undefined ? `${title}\n` : `${title}: ${code}\n`,
      date: this.#date,
    })
    byCode.set(key, response)
    return response
  }
}

/** The process-wide cache, on `sharedDateHeader`. */
export const sharedErrorResponses: ErrorResponses = new ErrorResponses()

/**
 * The shared prebuilt response for `status` and `code`; see {@link ErrorResponses.get}.
 * Write `errorResponse(status, code).buffer(false)` and close.
 */
export function errorResponse(status: number, code?: ErrorCodeValue): StaticResponse {
  return sharedErrorResponses.get(status, code)
}
