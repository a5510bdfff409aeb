import type { LongPollSource } from '../push/long-poll.js'
import type { PushMessage } from '../push/push-message.js'

/** What a {@link HubPollSource} needs of the hub. */
export interface PollableHub {
  /** The messages of `channels` after `cursor` (user queue included), the cursor after them, and whether some were lost. */
  pollSince(channels: readonly string[], cursor: string | undefined): { messages: PushMessage[]; cursor: string; gap: boolean }
  /** Calls `listener` at the next message of any of `channels`; returns the cancel. */
  pollWait(channels: readonly string[], listener: () => void): () => void
}

/**
 * A long-poll over several channels of a hub. Cursors are hub-wide message ids: the cursor a
 * reply carries is the newest id of the whole hub when it was made, so every message of these
 * channels up to it was in the reply or is reported lost, and the next poll asks for what
 * follows.
 */
export class HubPollSource implements LongPollSource {
  readonly #hub: PollableHub
  readonly #channels: readonly string[]

  /** `channels`: every channel polled, the user's own among them. */
  constructor(hub: PollableHub, channels: readonly string[]) {
    this.#hub = hub
    this.#channels = channels
  }

  since(cursor: string | undefined): { messages: PushMessage[]; cursor: string; gap: boolean } {
    return this.#hub.pollSince(this.#channels, cursor)
  }

  wait(listener: () => void): () => void {
    return this.#hub.pollWait(this.#channels, listener)
  }
}
