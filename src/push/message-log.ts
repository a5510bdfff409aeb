import { ErrorCode, NetservError } from '../errors.js'
import { positiveOption } from '../positive-option.js'
import type { PushMessage } from './push-message.js'

/** Options of a {@link MessageLog}. */
export interface MessageLogOptions {
  /** Most messages kept. Default 100. */
  maxMessages?: number
  /** Oldest message kept, in ms. Default 1 hour. */
  maxAgeMs?: number
  /** Wall clock in ms; inject a fake one in tests. Default `Date.now`. */
  now?: () => number
}

/** What {@link MessageLog.since} found. */
export interface LogSlice {
  /** The retained messages after the asked sequence number, oldest first. */
  messages: PushMessage[]
  /** Messages after the asked sequence number were dropped before anyone read them. */
  gap: boolean
}

/**
 * The retained history of one stream of messages, for resume and long-poll: a ring of the
 * last `maxMessages`, none older than `maxAgeMs`, each with a sequence number that only grows
 * (1, 2, 3...). A client that remembers the last number it saw gets exactly what followed,
 * and learns when some of it is gone.
 *
 * ```
 *  seq     41  42  43  44  45       oldest = 41, last = 45, size 5 (of maxMessages)
 *  ring   [44][45][41][42][43]      start = 2: the slot of the oldest
 * ```
 */
export class MessageLog {
  readonly maxMessages: number
  readonly maxAgeMs: number
  readonly #now: () => number
  readonly #messages: Array<PushMessage | undefined>
  readonly #times: number[]
  #start = 0
  #size = 0
  #lastSeq = 0

  /** @throws NetservError `NETSERV_INVALID_ARGUMENT` for a limit that is not a positive integer */
  constructor(options: MessageLogOptions = {}) {
    this.maxMessages = positiveOption(options.maxMessages, 100, 'maxMessages')
    this.maxAgeMs = positiveOption(options.maxAgeMs, 3_600_000, 'maxAgeMs')
    this.#now = options.now ?? Date.now
    this.#messages = new Array<PushMessage | undefined>(this.maxMessages).fill(undefined)
    this.#times = new Array<number>(this.maxMessages).fill(0)
  }

  /** The sequence number of the newest message (0 before the first). */
  get lastSeq(): number {
    return this.#lastSeq
  }

  /** Messages retained now. */
  get size(): number {
    this.#expire()
    return this.#size
  }

  /** Keeps `message`; returns its sequence number. The oldest message goes when the log is full. */
  append(message: PushMessage): number {
    this.#expire()
    const capacity = this.maxMessages
    let slot: number
    if (this.#size === capacity) {
      slot = this.#start
      this.#start = (this.#start + 1) % capacity
    } else {
      slot = (this.#start + this.#size) % capacity
      this.#size++
    }
    this.#messages[slot] = message
    this.#times[slot] = this.#now()
    return ++this.#lastSeq
  }

  /**
   * The retained messages with a sequence number above `after` (0 for everything retained).
   * `gap` is true when some message above `after` is no longer retained.
   *
   * An `after` this log never issued (above {@link lastSeq}: a client from before a restart,
   * whose numbers started again at 1; or not a whole number >= 0) cannot be placed: every
   * retained message, with `gap` true, so the client starts over rather than waiting for
   * numbers it believes it has seen.
   */
  since(after: number): LogSlice {
    this.#expire()
    const lastSeq = this.#lastSeq
    const firstSeq = lastSeq - this.#size + 1
    const known = Number.isSafeInteger(after) && after >= 0 && after <= lastSeq
    const from = known ? Math.max(after + 1, firstSeq) : firstSeq
    const messages: PushMessage[] = []
    for (let seq = from; seq <= lastSeq; seq++) {
      messages.push(this.#messages[(this.#start + seq - firstSeq) % this.maxMessages] as PushMessage)
    }
    // after + 1 < firstSeq: the message numbered after + 1 was issued (firstSeq <= lastSeq + 1) and is gone.
    return { messages, gap: !known || after + 1 < firstSeq }
  }

  /** Drops messages older than maxAgeMs. */
  #expire(): void {
    const oldest = this.#now() - this.maxAgeMs
    while (this.#size > 0 && (this.#times[this.#start] as number) < oldest) {
      this.#messages[this.#start] = undefined
      this.#start = (this.#start + 1) % this.maxMessages
      this.#size--
    }
  }
}

