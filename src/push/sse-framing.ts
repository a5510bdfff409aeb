import { ErrorCode, NetservError } from '../errors.js'
import { allocateFrame, Framing, frameStart } from './framing.js'
import type { PushMessage } from './push-message.js'

/** How an {@link SseFraming} starts its streams. */
export interface SseFramingOptions {
  /**
   * Sent as `retry:` in the preamble: how long the browser waits before reconnecting after
   * the stream drops, in ms. Default: none (browsers pick a few seconds).
   */
  retryMs?: number | undefined
  /**
   * Length of a comment line at the very start of the stream, in bytes; 0 (the default) for
   * none, else at least 2. For clients that hold back the start of a response: Internet
   * Explorer's XDomainRequest, which EventSource polyfills use there, reports nothing before
   * 2 KiB have arrived, so 2048 lets the first event through at once.
   */
  paddingBytes?: number | undefined
}

/** The longest padding accepted, in bytes: more is a mistake, not a need. */
const MAX_PADDING_BYTES = 65536
/** The longest delay every timer accepts (setTimeout's 2^31-1 ms): more is a mistake. */
const MAX_RETRY_MS = 2147483647

/** Line breaks in data (WHATWG "event stream interpretation"): CRLF, CR, LF. */
const LINE_BREAKS = /\r\n|\r|\n/g
const HAS_LINE_BREAK = /[\r\n]/
const CR = 0x0d
const LF = 0x0a
const SPACE = 0x20
const ID_PREFIX: Buffer = Buffer.from('id: ', 'latin1')
const EVENT_PREFIX: Buffer = Buffer.from('event: ', 'latin1')
/** `data: `: bytes of the prefix written before each data line. */
const DATA_PREFIX_BYTES = 6
/** The bytes of `data: ` and the LF after each line. */
const DATA_LINE_OVERHEAD = DATA_PREFIX_BYTES + 1

/**
 * Server-Sent Events (WHATWG HTML, "Server-sent events"): `Content-Type: text/event-stream`,
 * one event per message:
 *
 * ```
 * id: <id>\n            when the message has an id
 * event: <event>\n      when the message has an event type
 * data: <line>\n        one per line of the data
 * \n                    dispatches the event
 * ```
 *
 * The data is split at CRLF, CR and LF alike, as the browser splits the stream: since the
 * browser joins data lines with LF, a client reads back the data with every line break
 * turned into LF; a trailing line break gives an empty last `data:` line, which is what
 * round-trips it. Empty data is one empty `data: ` line: the event is still dispatched, with
 * `""`. Any other byte is sent as is; NUL is fine in data (only an `id` holding NUL is
 * ignored by browsers, which {@link PushMessage} refuses). Ids and event types were checked
 * when the message was built: they cannot hold CR, LF or NUL.
 *
 * Every SSE framing encodes a message to the same bytes (the options only change the
 * preamble), so they share one {@link Framing.frameKey}.
 *
 * Heartbeat: `:\n\n`, a comment and a blank line, 3 bytes. The comment is ignored; the blank
 * line dispatches nothing (no data is buffered between events) and ends the heartbeat the way
 * an event ends, for intermediaries that pass SSE on event by event.
 */
export class SseFraming extends Framing {
  /**
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` for a `retryMs` that is not an integer
   *   in 0..2^31-1, or a `paddingBytes` that is not 0 or an integer in 2..65536
   */
  constructor(options: SseFramingOptions = {}) {
    const { retryMs, paddingBytes = 0 } = options
    if (!Number.isInteger(paddingBytes) || paddingBytes === 1 || paddingBytes < 0 || paddingBytes > MAX_PADDING_BYTES) {
      throw new NetservError(ErrorCode.INVALID_ARGUMENT, `paddingBytes must be 0 or an integer in 2..${MAX_PADDING_BYTES}`)
    }
    let preamble = paddingBytes === 0 ? '' : `:${' '.repeat(paddingBytes - 2)}\n`
    if (retryMs !== undefined) preamble += retryLine(retryMs)
    super(
      'sse',
      'sse',
      'text/event-stream',
      null,
      Buffer.from(preamble, 'latin1'),
      Buffer.from(':\n\n', 'latin1'),
      null,
    )
  }

  /** The event of `message` (see the class). */
  encode(message: PushMessage, chunked = false): Buffer {
    const source = message.source
    return source === null ? encodeBytes(message, message.data, chunked) : encodeText(message, source, chunked)
  }
}

/**
 * A message built from a string: the frame is built as one string and written with one
 * native call (two when chunked, to learn its length first); the regexes run on the string
 * without leaving JS. Equal byte for byte to {@link encodeBytes} of the string's UTF-8 (a
 * test checks): a lone surrogate becomes U+FFFD in both.
 */
function encodeText(message: PushMessage, data: string, chunked: boolean): Buffer {
  const { id, event } = message
  let body = id === undefined ? '' : `id: ${id}\n`
  if (event !== undefined) body += `event: ${event}\n`
  body += `data: ${HAS_LINE_BREAK.test(data) ? data.replace(LINE_BREAKS, '\ndata: ') : data}\n\n`
  if (!chunked) return Buffer.from(body, 'utf8')
  // The chunk head and tail in the same string: one Buffer.from beats allocateFrame and a
  // write at an offset (bench/push-encode.bench.ts), and the layout stays chunkedFrame's.
  return Buffer.from(`${Buffer.byteLength(body, 'utf8').toString(16)}\r\n${body}\r\n`, 'utf8')
}

/** A message built from bytes: measured, then written into one Buffer. */
function encodeBytes(message: PushMessage, data: Buffer, chunked: boolean): Buffer {
  const { id, event } = message
  const idBytes = id === undefined ? 0 : Buffer.byteLength(id, 'utf8')
  const eventBytes = event === undefined ? 0 : Buffer.byteLength(event, 'utf8')
  const bodyBytes =
    (id === undefined ? 0 : ID_PREFIX.length + idBytes + 1) +
    (event === undefined ? 0 : EVENT_PREFIX.length + eventBytes + 1) +
    dataLines(data, null, 0) +
    1
  const frame = allocateFrame(bodyBytes, chunked)
  let at = frameStart(bodyBytes, chunked)
  if (id !== undefined) at = writeField(frame, at, ID_PREFIX, id, idBytes)
  if (event !== undefined) at = writeField(frame, at, EVENT_PREFIX, event, eventBytes)
  at = dataLines(data, frame, at)
  frame[at] = LF
  return frame
}

/**
 * A frame that sets how long the browser waits before reconnecting, in ms, to send at any
 * point of a stream: `retry: <retryMs>\n\n`. The blank line keeps the stream at an event
 * boundary; it dispatches nothing.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` for a `retryMs` that is not an integer in 0..2^31-1
 */
export function sseRetryFrame(retryMs: number): Buffer {
  return Buffer.from(retryLine(retryMs), 'latin1')
}

function retryLine(retryMs: number): string {
  if (!Number.isInteger(retryMs) || retryMs < 0 || retryMs > MAX_RETRY_MS) {
    throw new NetservError(ErrorCode.INVALID_ARGUMENT, `retryMs must be an integer in 0..${MAX_RETRY_MS}`)
  }
  return `retry: ${retryMs}\n\n`
}

function writeField(frame: Buffer, at: number, prefix: Buffer, value: string, valueBytes: number): number {
  prefix.copy(frame, at)
  at += prefix.length
  if (valueBytes === value.length) {
    // ASCII (a UTF-8 length equal to the UTF-16 length means no unit above 0x7f): short ids
    // and event names are written faster by hand than by a native call.
    for (let i = 0; i < valueBytes; i++) frame[at + i] = value.charCodeAt(i)
  } else {
    frame.write(value, at, valueBytes, 'utf8')
  }
  at += valueBytes
  frame[at] = LF
  return at + 1
}

/**
 * The `data:` lines of `data`. With `target` null, counts their bytes and returns the count;
 * else writes them into `target` from `at` and returns where they end. One function for both,
 * so the count and the writing cannot disagree on where lines break.
 *
 * Lines break at CRLF, CR or LF (WHATWG "event stream interpretation"). The next CR and the
 * next LF are each found by a native `indexOf`, searched again only once passed, so data
 * without line breaks costs two scans.
 */
function dataLines(data: Buffer, target: Buffer | null, at: number): number {
  const length = data.length
  let start = 0
  let cr = data.indexOf(CR)
  let lf = data.indexOf(LF)
  for (;;) {
    let end = length
    let next = -1
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      end = cr
      next = lf === cr + 1 ? cr + 2 : cr + 1
    } else if (lf >= 0) {
      end = lf
      next = lf + 1
    }
    if (target === null) {
      at += DATA_LINE_OVERHEAD + end - start
    } else {
      target[at] = 0x64 // d
      target[at + 1] = 0x61 // a
      target[at + 2] = 0x74 // t
      target[at + 3] = 0x61 // a
      target[at + 4] = 0x3a // :
      target[at + 5] = SPACE
      at += DATA_PREFIX_BYTES
      if (end > start) at += data.copy(target, at, start, end)
      target[at++] = LF
    }
    if (next < 0) return at
    start = next
    if (cr >= 0 && cr < start) cr = data.indexOf(CR, start)
    if (lf >= 0 && lf < start) lf = data.indexOf(LF, start)
  }
}
