/**
 * The `Date` header line, encoded at most once per second.
 *
 * RFC 9110 section 6.6.1: an origin server with a clock MUST send `Date` in its 2xx-5xx
 * responses, in IMF-fixdate form (section 5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
 * Its resolution is one second, so one encoding serves every response of that second.
 *
 * No interval timer: the line is recomputed lazily by the first caller that sees a new
 * second, so an idle process does no work and nothing here keeps the event loop alive.
 */

/** Bytes of an IMF-fixdate value: `Sun, 06 Nov 1994 08:49:37 GMT`. */
export const DATE_VALUE_BYTES = 29

/** Bytes of the whole line: `Date: ` + value + CRLF. */
export const DATE_LINE_BYTES = 6 + DATE_VALUE_BYTES + 2

/** Index of the value within the line. */
export const DATE_VALUE_OFFSET = 6

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const MONTH_NAMES = [
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
] as const

/**
 * Holds the `Date: <IMF-fixdate>\r\n` line of the current second.
 *
 * Who owns a Buffer and for how long: each second gets a new 37-byte Buffer, never written
 * after {@link line} first returns it, so it may be copied or handed to `socket.write`
 * directly and stays valid however long it sits in a write queue. Patching one Buffer in
 * place would save that one allocation per second but could tear a date (half old, half new
 * digits) in a Buffer that a socket has partly written.
 */
export class DateHeader {
  readonly #now: () => number
  readonly #reuseMs: number
  #epochSeconds = Number.NaN
  #line: Buffer = Buffer.alloc(0)
  /** The clock was read less than reuseMs ago: the line may be served without reading it. */
  #fresh = false

  /**
   * @param now wall clock in milliseconds since the epoch; inject a fake one in tests
   * @param reuseMs serve the line without reading the clock for this long after a read (0:
   *   read it on every call). Reading the clock costs some 45 ns on this VM, as much as the
   *   rest of writing a head: a busy server reads it a few times a second instead, at the
   *   price of a Date up to reuseMs late. An unref'ed timer runs only while lines are asked for.
   */
  constructor(now: () => number = Date.now, reuseMs = 0) {
    this.#now = now
    this.#reuseMs = reuseMs
  }

  /**
   * The line for the current second: the same Buffer object for every call within a second,
   * a new one after the clock's second changes (either way, so a clock stepped back is
   * followed too). Compare the returned object with `===` to learn whether it changed.
   */
  line(): Buffer {
    if (this.#fresh) return this.#line
    const epochSeconds = Math.floor(this.#now() / 1000)
    if (epochSeconds !== this.#epochSeconds) {
      this.#epochSeconds = epochSeconds
      this.#line = encodeDateLine(epochSeconds)
    }
    if (this.#reuseMs > 0) {
      this.#fresh = true
      setTimeout(expireDateHeader, this.#reuseMs, this).unref()
    }
    return this.#line
  }

  /** @internal The reuse period is over: the next line() reads the clock. */
  expire(): void {
    this.#fresh = false
  }

  /** The second (since the epoch) that the last returned line shows; NaN before the first. */
  get epochSeconds(): number {
    return this.#epochSeconds
  }
}

function expireDateHeader(header: DateHeader): void {
  header.expire()
}

/**
 * The process-wide instance, on `Date.now`, reading the clock at most every 200 ms: share it
 * so the line is encoded once a second.
 */
export const sharedDateHeader: DateHeader = new DateHeader(Date.now, 200)

/**
 * Encodes `Date: <IMF-fixdate>\r\n` for a second since the epoch into a new Buffer.
 * IMF-fixdate has a 4-digit year (RFC 9110 section 5.6.7): correct for years 0 to 9999;
 * past 9999 only the low four digits are written.
 */
export function encodeDateLine(epochSeconds: number): Buffer {
  const date = new Date(epochSeconds * 1000)
  const out = Buffer.allocUnsafe(DATE_LINE_BYTES)
  out.write('Date: ', 0, 'latin1')
  out.write(DAY_NAMES[date.getUTCDay()] as string, 6, 'latin1')
  out[9] = 0x2c // ,
  out[10] = 0x20
  writeTwoDigits(out, 11, date.getUTCDate())
  out[13] = 0x20
  out.write(MONTH_NAMES[date.getUTCMonth()] as string, 14, 'latin1')
  out[17] = 0x20
  const year = date.getUTCFullYear()
  writeTwoDigits(out, 18, Math.floor(year / 100) % 100)
  writeTwoDigits(out, 20, year % 100)
  out[22] = 0x20
  writeTwoDigits(out, 23, date.getUTCHours())
  out[25] = 0x3a // :
  writeTwoDigits(out, 26, date.getUTCMinutes())
  out[28] = 0x3a
  writeTwoDigits(out, 29, date.getUTCSeconds())
  out.write(' GMT\r\n', 31, 'latin1')
  return out
}

function writeTwoDigits(out: Buffer, offset: number, value: number): void {
  out[offset] = 0x30 + Math.floor(value / 10)
  out[offset + 1] = 0x30 + (value % 10)
}
