/**
 * What one soak subscriber checks of every message it gets: hub ids strictly increasing
 * (`<epoch>-<seq>`: a repeated or earlier id is a double, or a reorder) and the publisher's
 * count on the channel without a hole (a jump is that many messages missing). At the end,
 * what never came after the last one it had is missing too.
 */

/** One subscriber's tally; see the file comment. */
export class SequenceCheck {
  /** The hub epoch of the last message taken; 0 before the first. */
  lastEpoch = 0
  /** The hub sequence of the last message taken. */
  lastSeq = 0
  /** The publisher's count of the last message taken. */
  lastN = 0
  /** Messages taken (in order and new). */
  received = 0
  /** Messages never seen: holes in the count, and the tail {@link finish} finds. */
  missing = 0
  /** Messages seen again or out of order: an id not above the last, or a count not above the last. */
  doubled = 0
  /** Messages from another epoch than the first (a hub that restarted: not in a soak). */
  foreign = 0

  /** The last id taken, `<epoch>-<seq>`, for Last-Event-ID on a resume; '' before the first. */
  get lastId(): string {
    return this.lastEpoch === 0 ? '' : `${this.lastEpoch}-${this.lastSeq}`
  }

  /** Checks one message: its event id, taken apart, and the publisher's count in it. */
  accept(epoch: number, seq: number, n: number): void {
    if (this.lastEpoch !== 0 && epoch !== this.lastEpoch) {
      this.foreign++
      return
    }
    if (seq <= this.lastSeq || n <= this.lastN) {
      this.doubled++
      return
    }
    this.lastEpoch = epoch
    this.lastSeq = seq
    this.missing += n - this.lastN - 1
    this.lastN = n
    this.received++
  }

  /** The run is over and `published` messages went to this subscriber's channel. */
  finish(published: number): void {
    if (published > this.lastN) this.missing += published - this.lastN
  }
}
