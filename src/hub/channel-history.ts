import type { PushMessage } from '../push/push-message.js'
import { compareMessageIds, type MessageId } from './message-id.js'
import { positiveOption } from '../positive-option.js'

/** A message as a channel keeps it: with its id taken apart, and when it arrived. */
export interface RetainedMessage {
  readonly message: PushMessage
  readonly id: MessageId
  /** When this process received it, by the hub's clock, in ms. */
  readonly timeMs: number
}

/** Options of a {@link ChannelHistory}. */
export interface ChannelHistoryOptions {
  /** Most messages kept. Default 100. */
  maxMessages?: number
  /** Oldest message kept, in ms. Default 1 hour. */
  maxAgeMs?: number
}

/** What {@link ChannelHistory.after} found. */
export interface HistorySlice {
  /** The retained messages after the asked id, oldest first. */
  readonly messages: RetainedMessage[]
  /** Some message of the channel after the asked id is no longer retained. */
  readonly gap: boolean
}

/**
 * The retained history of one channel: its last `maxMessages` messages, none older than
 * `maxAgeMs`, for resume and long-poll.
 *
 * Not a {@link MessageLog}: that log numbers its own messages 1, 2, 3..., so a missing number
 * is a lost message. Here ids are hub-wide, and a channel's are far apart (42, 57, 1003), so
 * whether a client missed something is known only by remembering the newest message this
 * channel has let go of ({@link forgottenThrough}): a client whose last id is older missed it.
 *
 * Memory follows what is retained, not `maxMessages`: a hub has many quiet channels, and a
 * ring of 100 slots each would be paid by every one of them.
 */
export class ChannelHistory {
  readonly maxMessages: number
  readonly maxAgeMs: number
  /**
   * The newest message of this channel that is no longer retained (dropped for room or age),
   * or that may have existed before the channel was made (the hub passes what it forgot with
   * channels it dropped); null when nothing is known to be lost.
   */
  forgottenThrough: MessageId | null
  /** Retained messages from #head on, oldest first (slots before #head are spent). */
  #entries: Array<RetainedMessage | undefined> = []
  #head = 0

  /** @throws NetservError `NETSERV_INVALID_ARGUMENT` for a limit that is not a positive integer */
  constructor(options: ChannelHistoryOptions = {}, forgottenThrough: MessageId | null = null) {
    this.maxMessages = positiveOption(options.maxMessages, 100, 'maxMessages')
    this.maxAgeMs = positiveOption(options.maxAgeMs, 3_600_000, 'maxAgeMs')
    this.forgottenThrough = forgottenThrough
  }

  /** Messages retained at `nowMs`. */
  size(nowMs: number): number {
    this.expire(nowMs)
    return this.#entries.length - this.#head
  }

  /** When the newest retained message arrived, or -1 when none is. */
  get newestTimeMs(): number {
    const length = this.#entries.length
    return length === this.#head ? -1 : (this.#entries[length - 1] as RetainedMessage).timeMs
  }

  /** Keeps `entry`, whose id is above every id kept before; the oldest goes when full. */
  append(entry: RetainedMessage, nowMs: number): void {
    this.expire(nowMs)
    this.#entries.push(entry)
    if (this.#entries.length - this.#head > this.maxMessages) this.#dropOldest()
  }

  /**
   * The retained messages with an id after `since`; `gap` when some message of the channel
   * after `since` is no longer retained.
   */
  after(since: MessageId, nowMs: number): HistorySlice {
    this.expire(nowMs)
    const entries = this.#entries
    // Ids grow along the array: find the first after `since` by bisection.
    let low = this.#head
    let high = entries.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareMessageIds((entries[middle] as RetainedMessage).id, since) <= 0) low = middle + 1
      else high = middle
    }
    const forgotten = this.forgottenThrough
    return { messages: entries.slice(low) as RetainedMessage[], gap: forgotten !== null && compareMessageIds(forgotten, since) > 0 }
  }

  /** Every retained message, oldest first. */
  all(nowMs: number): RetainedMessage[] {
    this.expire(nowMs)
    return this.#entries.slice(this.#head) as RetainedMessage[]
  }

  /** Drops the messages older than maxAgeMs at `nowMs`. */
  expire(nowMs: number): void {
    const oldest = nowMs - this.maxAgeMs
    // #dropOldest may replace the array: read it afresh each time.
    while (this.#head < this.#entries.length && (this.#entries[this.#head] as RetainedMessage).timeMs < oldest) this.#dropOldest()
  }

  #dropOldest(): void {
    const entries = this.#entries
    this.forgottenThrough = (entries[this.#head] as RetainedMessage).id
    entries[this.#head] = undefined
    this.#head++
    // Spent slots are reclaimed in one move once they are half the array: O(1) amortized.
    if (this.#head === entries.length) {
      this.#entries = []
      this.#head = 0
    } else if (this.#head >= 32 && this.#head * 2 >= entries.length) {
      this.#entries = entries.slice(this.#head)
      this.#head = 0
    }
  }
}
