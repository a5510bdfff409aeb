/**
 * Hub-wide message ids, `<epoch>-<seq>`: the epoch is the hub's start time in ms (shared by
 * every process in a scaled-out hub), the sequence grows by one per message over the whole
 * hub. One id therefore places a client in every channel at once: a subscription to several
 * channels resumes from the last id it saw, whichever channel it came from.
 */

/** An id taken apart. Both parts are non-negative safe integers. */
export interface MessageId {
  readonly epoch: number
  readonly seq: number
}

/** Digits only, no sign, no leading zeros (but `0` itself): one spelling per id. */
const ID_PATTERN = /^(0|[1-9][0-9]{0,15})-(0|[1-9][0-9]{0,15})$/

/**
 * The id in `text`, or null when it is not one netserv could have issued (so a client's
 * `Last-Event-ID` from elsewhere, or tampered with, is never mistaken for a place in the
 * sequence).
 */
export function parseMessageId(text: string): MessageId | null {
  const match = ID_PATTERN.exec(text)
  if (match === null) return null
  const epoch = Number(match[1])
  const seq = Number(match[2])
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(seq)) return null
  return { epoch, seq }
}

/** `<epoch>-<seq>`. */
export function formatMessageId(id: MessageId): string {
  return `${id.epoch}-${id.seq}`
}

/** Negative, zero or positive as `a` is before, the same as, or after `b`: by epoch, then seq. */
export function compareMessageIds(a: MessageId, b: MessageId): number {
  return a.epoch === b.epoch ? a.seq - b.seq : a.epoch - b.epoch
}
