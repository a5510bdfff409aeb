/**
 * Who is on a presence channel: each user with at least one open stream there, counted by
 * streams so that a second tab neither joins twice nor leaves while the first stays.
 */
export class Presence {
  /** User -> open streams on the channel. Insertion order: who came first is listed first. */
  readonly #streams = new Map<string, number>()

  /** A stream of `user` opened; true when it is the user's first (the user joined). */
  join(user: string): boolean {
    const streams = this.#streams.get(user) ?? 0
    this.#streams.set(user, streams + 1)
    return streams === 0
  }

  /** A stream of `user` closed; true when it was the user's last (the user left). */
  leave(user: string): boolean {
    const streams = this.#streams.get(user) as number
    if (streams > 1) {
      this.#streams.set(user, streams - 1)
      return false
    }
    this.#streams.delete(user)
    return true
  }

  /** The users present, in the order they came. */
  present(): string[] {
    return [...this.#streams.keys()]
  }
}

/**
 * The data of a `join` or `leave` event: who came or went, who is there now, and how many
 * subscribers the channel has (anonymous ones included). `channel` tells a subscription to
 * several channels which one the event is about.
 */
export function presenceData(channel: string, user: string, present: readonly string[], subscribers: number): string {
  return JSON.stringify({ channel, user, present, subscribers })
}
