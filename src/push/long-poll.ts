import { ErrorCode, NetservError } from '../errors.js'
import type { Response } from '../server/response.js'
import { defaultWheel, TimerEntry, type TimerWheel } from '../timers/timer-wheel.js'
import type { PushMessage } from './push-message.js'

/** Where a long-poll reads from: a channel, or anything that keeps a history with cursors. */
export interface LongPollSource {
  /**
   * The messages after `cursor` (all retained ones... or none: the source decides what a
   * missing cursor means), the cursor that follows the last of them, and whether messages
   * after `cursor` were lost.
   */
  since(cursor: string | undefined): { messages: PushMessage[]; cursor: string; gap: boolean }
  /** Calls `listener` once, at the next message. Returns a function that cancels the wait. */
  wait(listener: () => void): () => void
}

/** Options of {@link longPoll}. */
export interface LongPollOptions {
  /** How long a request is held with nothing to say, in ms; then 204. Default 25 s (under common proxy idle cuts). */
  timeoutMs?: number
  /** The wheel for the hold timeout. Default the process-wide one. */
  wheel?: TimerWheel
}

/** The response header that carries the cursor (on 204 it is the only place). */
export const CURSOR_HEADER = 'X-Netserv-Cursor'

/**
 * Answers a long-poll: at once with every message after `cursor` if there are any, else when
 * the next one arrives, else after `timeoutMs` with `204 No Content`. A reply is JSON:
 *
 * ```
 * {"messages":[{"id":"...","event":"...","data":"...","channel":"..."}],"cursor":"...","gap":false}
 * ```
 *
 * `id`, `event` and `channel` are there when the message has them (a hub message has a channel).
 *
 * `cursor` is what the client sends on its next poll, so nothing published between two polls
 * is lost; `gap` tells it that messages it had not seen were dropped from the history. The
 * cursor is also in the `X-Netserv-Cursor` header. The connection stays open between polls.
 */
export function longPoll(response: Response, source: LongPollSource, cursor: string | undefined, options: LongPollOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? 25_000
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new NetservError(ErrorCode.INVALID_ARGUMENT, `timeoutMs must be a positive integer, got ${timeoutMs}`)
  }
  const now = source.since(cursor)
  if (now.messages.length > 0 || now.gap) {
    reply(response, now)
    return
  }
  // The source's cursor, not the client's: without one the client asked "from now", and asking
  // the source again later would mean a later now, past the message that ends the wait.
  new HeldPoll(response, source, now.cursor, timeoutMs, options.wheel ?? defaultWheel())
}

/** A poll waiting for its first message or its timeout, whichever comes first. */
class HeldPoll {
  readonly #response: Response
  readonly #source: LongPollSource
  readonly #cursor: string
  readonly #wheel: TimerWheel
  readonly #timer: TimerEntry<HeldPoll>
  readonly #cancelWait: () => void
  #done = false

  constructor(response: Response, source: LongPollSource, cursor: string, timeoutMs: number, wheel: TimerWheel) {
    this.#response = response
    this.#source = source
    this.#cursor = cursor
    this.#wheel = wheel
    this.#timer = new TimerEntry(this, heldPollOnTimeout)
    wheel.schedule(this.#timer, timeoutMs)
    this.#cancelWait = source.wait(() => this.#answer())
    // A FIN while held is a client gone: the connection drops it and onClose ends the wait.
    response.holdOpen()
    response.onClose(() => this.#stop())
  }

  /** @internal (#stop cancels the timer: this never runs after an answer.) */
  onTimeout(): void {
    this.#stop()
    const slice = this.#source.since(this.#cursor)
    // A message can be there before its wake-up (a source may batch them): answer it, or the
    // 204's cursor would move the client past it.
    if (slice.messages.length > 0 || slice.gap) {
      reply(this.#response, slice)
      return
    }
    const response = this.#response
    response.status = 204
    response.setHeader(CURSOR_HEADER, slice.cursor)
    response.end()
  }

  #answer(): void {
    if (this.#done) return
    this.#stop()
    reply(this.#response, this.#source.since(this.#cursor))
  }

  #stop(): void {
    if (this.#done) return
    this.#done = true
    this.#wheel.cancel(this.#timer)
    this.#cancelWait()
  }
}

function heldPollOnTimeout(poll: HeldPoll): void {
  poll.onTimeout()
}

function reply(response: Response, slice: { messages: PushMessage[]; cursor: string; gap: boolean }): void {
  if (response.finished) return
  const messages = slice.messages.map((message) => {
    const entry: { id?: string; event?: string; data: string; channel?: string } = { data: message.text }
    if (message.id !== undefined) entry.id = message.id
    if (message.event !== undefined) entry.event = message.event
    if (message.channel !== undefined) entry.channel = message.channel
    return entry
  })
  response.setHeader('Content-Type', 'application/json')
  response.setHeader('Cache-Control', 'no-cache')
  response.setHeader(CURSOR_HEADER, slice.cursor)
  response.end(JSON.stringify({ messages, cursor: slice.cursor, gap: slice.gap }))
}
