/**
 * An incremental reader of an event stream (the WHATWG HTML "event stream interpretation"),
 * for the soak's subscribers: fed text in any pieces, it calls back once per dispatched event
 * with the event's last event id, its data and its type. Lines end in CR, LF or CRLF, also
 * when a CRLF is split between two pieces; comments (heartbeats) and `retry:` are skipped. As
 * in a browser, the last event id carries over to later events that have no `id:` line.
 */

/** Called once per dispatched event; `type` is `message` when the event named none. */
export type SseEventListener = (lastEventId: string, data: string, type: string) => void

/** Reads one event stream; see the file comment. */
export class SseEventReader {
  readonly #onEvent: SseEventListener
  /** The start of a line not ended yet. */
  #partial = ''
  /** The last piece ended in CR: an LF starting the next piece ends nothing. */
  #afterCr = false
  #data = ''
  #hasData = false
  #type = ''
  #lastEventId = ''

  constructor(onEvent: SseEventListener) {
    this.#onEvent = onEvent
  }

  /** Reads `text`. */
  feed(text: string): void {
    let start = 0
    if (this.#afterCr) {
      this.#afterCr = false
      if (text.charCodeAt(0) === 10) start = 1
    }
    const length = text.length
    // The next CR, found once and again only when passed: most streams have none.
    let nextCr = text.indexOf('\r', start)
    while (start < length) {
      const nextLf = text.indexOf('\n', start)
      if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf('\r', start)
      let end: number
      let after: number
      if (nextCr !== -1 && (nextLf === -1 || nextCr < nextLf)) {
        end = nextCr
        if (nextCr + 1 === length) {
          this.#afterCr = true
          after = length
        } else {
          after = text.charCodeAt(nextCr + 1) === 10 ? nextCr + 2 : nextCr + 1
        }
      } else if (nextLf !== -1) {
        end = nextLf
        after = nextLf + 1
      } else {
        this.#partial += text.slice(start)
        return
      }
      const line = this.#partial === '' ? text.slice(start, end) : this.#partial + text.slice(start, end)
      this.#partial = ''
      this.#line(line)
      start = after
    }
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch()
    const colon = line.indexOf(':')
    if (colon === 0) return
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = ''
    if (colon !== -1) value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1)
    if (field === 'data') {
      this.#data = this.#hasData ? `${this.#data}\n${value}` : value
      this.#hasData = true
    } else if (field === 'id') {
      if (!value.includes('\0')) this.#lastEventId = value
    } else if (field === 'event') {
      this.#type = value
    }
  }

  #dispatch(): void {
    const type = this.#type
    this.#type = ''
    if (!this.#hasData) return
    const data = this.#data
    this.#data = ''
    this.#hasData = false
    this.#onEvent(this.#lastEventId, data, type === '' ? 'message' : type)
  }
}
