/**
 * Pre-encoded status lines (`HTTP/1.1 200 OK\r\n`), one Buffer per registered status, built at
 * load so writing a head copies bytes instead of formatting a number and a phrase.
 *
 * RFC 9112 section 4: `status-line = HTTP-version SP status-code SP [ reason-phrase ]`. The
 * phrase is advisory; a status without one here is written as `HTTP/1.1 599 \r\n`.
 */

/**
 * Reason phrases: RFC 9110 section 15 (all of its codes, without the unused 306 and 418),
 * plus 103 (RFC 8297), 425 (RFC 8470), 428/429/431/511 (RFC 6585) and 451 (RFC 7725).
 */
export const REASON_PHRASES: ReadonlyMap<number, string> = new Map([
  [100, 'Continue'],
  [101, 'Switching Protocols'],
  [103, 'Early Hints'],
  [200, 'OK'],
  [201, 'Created'],
  [202, 'Accepted'],
  [203, 'Non-Authoritative Information'],
  [204, 'No Content'],
  [205, 'Reset Content'],
  [206, 'Partial Content'],
  [300, 'Multiple Choices'],
  [301, 'Moved Permanently'],
  [302, 'Found'],
  [303, 'See Other'],
  [304, 'Not Modified'],
  [305, 'Use Proxy'],
  [307, 'Temporary Redirect'],
  [308, 'Permanent Redirect'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [402, 'Payment Required'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [406, 'Not Acceptable'],
  [407, 'Proxy Authentication Required'],
  [408, 'Request Timeout'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [411, 'Length Required'],
  [412, 'Precondition Failed'],
  [413, 'Content Too Large'],
  [414, 'URI Too Long'],
  [415, 'Unsupported Media Type'],
  [416, 'Range Not Satisfiable'],
  [417, 'Expectation Failed'],
  [421, 'Misdirected Request'],
  [422, 'Unprocessable Content'],
  [425, 'Too Early'],
  [426, 'Upgrade Required'],
  [428, 'Precondition Required'],
  [429, 'Too Many Requests'],
  [431, 'Request Header Fields Too Large'],
  [451, 'Unavailable For Legal Reasons'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Timeout'],
  [505, 'HTTP Version Not Supported'],
  [511, 'Network Authentication Required'],
])

/** `HTTP/1.1 `: the status line up to the code. */
export const STATUS_LINE_PREFIX = 'HTTP/1.1 '

/** Indexed by status code; a hole where no phrase is registered. Shared, never written. */
const STATUS_LINES: Array<Buffer | undefined> = new Array<Buffer | undefined>(1000)
for (const [status, phrase] of REASON_PHRASES) {
  STATUS_LINES[status] = Buffer.from(`${STATUS_LINE_PREFIX}${status} ${phrase}\r\n`, 'latin1')
}

/**
 * The pre-encoded status line of `status`, or `undefined` if no phrase is registered (or the
 * status is not an integer in 100-999). The Buffer is shared by every caller for the life of
 * the process: copy it or write it, never modify it.
 */
export function statusLine(status: number): Buffer | undefined {
  return STATUS_LINES[status]
}

/** The registered reason phrase of `status`, or `''`. */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES.get(status) ?? ''
}

/** Whether `status` is a three-digit integer, the only form RFC 9110 section 15 allows. */
export function isValidStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 100 && status <= 999
}
