/**
 * The event stream reader of the soak's subscribers: an event stream (the WHATWG HTML "event
 * stream interpretation": fields, CR / LF / CRLF line ends, comments, dispatch on a blank
 * line, the last event id carried over) read from bytes in any pieces, that takes each
 * message apart as it goes: the hub's id `<epoch>-<seq>` and the payload's count and
 * timestamp (`{"n":N,"t":T,...}`, ./soak-payload.ts) become numbers, byte by byte, with no
 * string made. A soak subscriber process reads a quarter of a million messages a second on a
 * machine it shares with the server it measures: decoding text for each, as EventSource
 * would, cost it 1-2 µs a message (measured), which made the clients, not the server, the
 * bottleneck. Only what the soak needs: one data line per message, ASCII.
 */

/** What the reader finds. */
export interface SoakEventListener {
  /** A message (an unnamed event, or `message`) with a soak payload, under the last event id. */
  onMessage(epoch: number, seq: number, n: number, publishedUs: number): void
  /** An event with another name (the hub's `gap`). */
  onNamedEvent(type: string): void
  /** A message whose id is not `<epoch>-<seq>` or whose data is not a soak payload. */
  onMalformed(): void
}

const LF = 10
const CR = 13
const COLON = 58
const SPACE = 32
const DASH = 45

// Fields, recognised as their bytes come.
const FIELD_NAMES = ['id', 'data', 'event'] as const
const ID = 0
const DATA = 1
const EVENT = 2
const OTHER = 3
const COMMENT = 4

// Where in the line: its field's name, the one space that may follow the colon, the value.
const IN_NAME = 0
const AFTER_COLON = 1
const IN_VALUE = 2

/** The payload's fixed parts: `{"n":` digits `,"t":` digits `,`... */
const PAYLOAD_START = Buffer.from('{"n":')
const PAYLOAD_MIDDLE = Buffer.from(',"t":')
// Payload states: matching PAYLOAD_START, n's digits, matching PAYLOAD_MIDDLE, t's digits, done, bad.
const P_START = 0
const P_N = 1
const P_MIDDLE = 2
const P_T = 3
const P_DONE = 4
const P_BAD = 5

/** Reads one event stream; see the file comment. */
export class SoakEventReader {
  readonly #listener: SoakEventListener
  #where = IN_NAME
  #field = OTHER
  /** Bytes of the field name so far, and which of FIELD_NAMES still match them (bits). */
  #nameLength = 0
  #candidates = 0b111
  /** The last byte was a CR: an LF right after it ends nothing. */
  #afterCr = false
  // The last event id, as numbers; valid when #idValid.
  #epoch = 0
  #seq = 0
  #idValid = false
  // The id being read: its epoch, whether past the dash, its seq, whether well formed.
  #readEpoch = 0
  #readSeq = 0
  #readPart = 0
  #readDigits = 0
  #readBad = false
  // The event being built.
  #dataLines = 0
  #payload = P_START
  #matched = 0
  #digits = 0
  #n = 0
  #t = 0
  #type = ''

  constructor(listener: SoakEventListener) {
    this.#listener = listener
  }

  /** Reads `bytes[start..end)`. */
  feed(bytes: Uint8Array, start: number, end: number): void {
    for (let i = start; i < end; i++) {
      const byte = bytes[i] as number
      if (this.#afterCr) {
        this.#afterCr = false
        if (byte === LF) continue
      }
      if (byte === LF || byte === CR) {
        this.#afterCr = byte === CR
        this.#endLine()
        continue
      }
      if (this.#where === IN_VALUE) {
        if (this.#skipsValue()) {
          // The rest of the value does not matter (the payload's padding, a comment): jump to
          // the line's end with the native scans, not byte by byte.
          const lf = bytes.indexOf(LF, i)
          const cr = bytes.indexOf(CR, i)
          const next = lf === -1 || lf >= end ? (cr === -1 || cr >= end ? end : cr) : cr === -1 || cr > lf ? lf : cr
          i = next - 1
          continue
        }
        this.#value(byte)
      } else if (this.#where === IN_NAME) {
        if (byte === COLON) {
          this.#startValue(this.#nameLength === 0 ? COMMENT : this.#fieldOfName())
        } else {
          const index = this.#nameLength++
          let candidates = this.#candidates
          for (let k = 0; k < FIELD_NAMES.length; k++) if ((FIELD_NAMES[k] as string).charCodeAt(index) !== byte) candidates &= ~(1 << k)
          this.#candidates = candidates
        }
      } else {
        this.#where = IN_VALUE
        if (byte !== SPACE && !this.#skipsValue()) this.#value(byte)
      }
    }
  }

  /** True when nothing more of the value being read is needed. */
  #skipsValue(): boolean {
    const field = this.#field
    return field === OTHER || field === COMMENT || (field === DATA && (this.#payload === P_DONE || this.#payload === P_BAD))
  }

  /** The field the name read so far is, if it is whole. */
  #fieldOfName(): number {
    for (let k = 0; k < FIELD_NAMES.length; k++) {
      if ((this.#candidates & (1 << k)) !== 0 && (FIELD_NAMES[k] as string).length === this.#nameLength) return k
    }
    return OTHER
  }

  #startValue(field: number): void {
    this.#field = field
    this.#where = AFTER_COLON
    if (field === ID) {
      this.#readEpoch = 0
      this.#readSeq = 0
      this.#readPart = 0
      this.#readDigits = 0
      this.#readBad = false
    } else if (field === DATA) {
      this.#dataLines++
    } else if (field === EVENT) {
      this.#type = ''
    }
  }

  /** A byte of a value that matters (see #skipsValue): of an id, a payload, an event name. */
  #value(byte: number): void {
    const field = this.#field
    if (field === ID) {
      if (byte >= 48 && byte <= 57) {
        this.#readDigits++
        if (this.#readPart === 0) this.#readEpoch = this.#readEpoch * 10 + (byte - 48)
        else this.#readSeq = this.#readSeq * 10 + (byte - 48)
      } else if (byte === DASH && this.#readPart === 0 && this.#readDigits > 0) {
        this.#readPart = 1
        this.#readDigits = 0
      } else {
        this.#readBad = true
      }
    } else if (field === DATA) {
      this.#payloadByte(byte)
    } else {
      this.#type += String.fromCharCode(byte)
    }
  }

  /** A byte of the payload, before its fields are all read (P_DONE and P_BAD skip the rest). */
  #payloadByte(byte: number): void {
    const state = this.#payload
    if (state === P_START || state === P_MIDDLE) {
      const expected = state === P_START ? PAYLOAD_START : PAYLOAD_MIDDLE
      if (byte !== expected[this.#matched]) {
        this.#payload = P_BAD
      } else if (++this.#matched === expected.length) {
        this.#payload = state + 1
        this.#matched = 0
        this.#digits = 0
      }
    } else if (byte >= 48 && byte <= 57) {
      this.#digits++
      if (state === P_N) this.#n = this.#n * 10 + (byte - 48)
      else this.#t = this.#t * 10 + (byte - 48)
    } else if (byte === 44 && this.#digits > 0) {
      // The comma after n is the first byte of PAYLOAD_MIDDLE.
      if (state === P_N) {
        this.#payload = P_MIDDLE
        this.#matched = 1
      } else {
        this.#payload = P_DONE
      }
    } else {
      this.#payload = P_BAD
    }
  }

  #endLine(): void {
    const where = this.#where
    const emptyLine = where === IN_NAME && this.#nameLength === 0
    if (where === IN_NAME && !emptyLine) this.#startValue(this.#fieldOfName())
    if (this.#field === ID && !emptyLine) {
      // `id` with NUL would be ignored by a browser; the hub never sends one, and it is bad here anyway.
      this.#idValid = !this.#readBad && this.#readPart === 1 && this.#readDigits > 0
      this.#epoch = this.#readEpoch
      this.#seq = this.#readSeq
    }
    this.#where = IN_NAME
    this.#field = OTHER
    this.#nameLength = 0
    this.#candidates = 0b111
    if (emptyLine) this.#dispatch()
  }

  #dispatch(): void {
    const dataLines = this.#dataLines
    const type = this.#type
    const complete = this.#payload === P_DONE
    const n = this.#n
    const t = this.#t
    this.#dataLines = 0
    this.#payload = P_START
    this.#matched = 0
    this.#n = 0
    this.#t = 0
    this.#type = ''
    if (dataLines === 0) return
    if (type !== '' && type !== 'message') {
      this.#listener.onNamedEvent(type)
    } else if (this.#idValid && complete && dataLines === 1) {
      this.#listener.onMessage(this.#epoch, this.#seq, n, t)
    } else {
      this.#listener.onMalformed()
    }
  }
}
