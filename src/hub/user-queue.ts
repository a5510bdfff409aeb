import type { RetainedMessage } from './channel-history.js'
import { positiveOption } from '../positive-option.js'

/** Options of a {@link UserQueue}. */
export interface UserQueueOptions {
  /** Most messages held; the oldest goes first. Default 100. */
  maxMessages?: number
  /** How long a message waits for the user's next stream, in ms. Default 60 s. */
  holdMs?: number
}

/**
 * What was published to `user:<id>` while the user had no stream and no poll waiting: held
 * (bounded in number and in time) for the user's next stream, which gets it whatever id it
 * resumes from. A page that reloads still sees the note sent while it was loading; a user
 * gone for good costs at most `maxMessages` for `holdMs`.
 */
export class UserQueue {
  readonly maxMessages: number
  readonly holdMs: number
  /** Oldest first; `timeMs` of each is when it was queued. Short: shifting is cheap. */
  #entries: RetainedMessage[] = []

  /** @throws NetservError `NETSERV_INVALID_ARGUMENT` for a limit that is not a positive integer */
  constructor(options: UserQueueOptions = {}) {
    this.maxMessages = positiveOption(options.maxMessages, 100, 'userQueue.maxMessages')
    this.holdMs = positiveOption(options.holdMs, 60_000, 'userQueue.holdMs')
  }

  /** Messages held at `nowMs`. */
  size(nowMs: number): number {
    this.#expire(nowMs)
    return this.#entries.length
  }

  /** When the newest held message was queued, or -1 when none is. */
  get newestTimeMs(): number {
    const last = this.#entries[this.#entries.length - 1]
    return last === undefined ? -1 : last.timeMs
  }

  /** Holds `entry` (queued at its `timeMs`). */
  push(entry: RetainedMessage, nowMs: number): void {
    this.#expire(nowMs)
    this.#entries.push(entry)
    if (this.#entries.length > this.maxMessages) this.#entries.shift()
  }

  /** Everything held, oldest first; the queue is empty after. */
  take(nowMs: number): RetainedMessage[] {
    this.#expire(nowMs)
    const entries = this.#entries
    this.#entries = []
    return entries
  }

  #expire(nowMs: number): void {
    const oldest = nowMs - this.holdMs
    const entries = this.#entries
    let expired = 0
    while (expired < entries.length && (entries[expired] as RetainedMessage).timeMs < oldest) expired++
    if (expired > 0) entries.splice(0, expired)
  }
}
