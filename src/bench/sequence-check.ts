/**
 * What one soak subscriber checks of every message it gets: hub ids strictly increasing
 * (`<epoch>-<seq>`: a repeated or earlier id is a double, or a reorder) and the publisher's
 * count on the channel without a hole (a jump is that many messages missing). At the end,
 * what never came after the last one it had is missing too.
 */

/** One subscriber's tally; see the file comment. */
export class SequenceCheck {
  /** The last event id seen, for Last-Event-ID on a resume; '' before the first. */
  lastId = ''
  /** The hub sequence of {@link lastId}. */
  lastSeq = 0
  /** The publisher's count of the last message taken. */
  lastN = 0
  /** Messages taken (in order and new). */
  received = 0
  /** Messages never seen: holes in the count, and the tail {@link finish} finds. */
  missing = 0
  /** Messages seen again or out of order: an id not above the last, or a count not above the last. */
  doubled = 0
  /** Ids that are not `<epoch>-<seq>`, or from another epoch than the first. */
  malformed = 0
  #epoch = ''

  /** Checks one message: its event id and the publisher's count in it. */
  accept(id: string, n: number): void {
    const dash = id.lastIndexOf('-')
    const seq = Number(id.slice(dash + 1))
    const epoch = id.slice(0, dash)
    if (dash <= 0 || !Number.isSafeInteger(seq) || seq <= 0 || (this.#epoch !== '' && epoch !== this.#epoch)) {
      this.malformed++
      return
    }
    this.#epoch = epoch
    if (seq <= this.lastSeq || n <= this.lastN) {
      this.doubled++
      return
    }
    this.lastId = id
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
