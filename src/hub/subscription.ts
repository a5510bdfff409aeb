import type { PushMessage } from '../push/push-message.js'
import type { PushStream } from '../push/push-stream.js'
import type { Channel } from './channel.js'
import type { RetainedMessage } from './channel-history.js'
import type { HubCounters, TransportCounts } from './hub-stats.js'

/** Called when a message cannot be framed for a stream's transport (it is skipped for that stream). */
export type FramingFailureListener = (this: void, error: unknown) => void

const STREAM_TRANSPORTS: ReadonlySet<string> = new Set(['sse', 'iframe', 'multipart', 'chunked'])

/** One stream's place in the hub: the channels it listens to, and whose it is. */
export class Subscription {
  readonly stream: PushStream
  readonly channels: readonly Channel[]
  /** The subscriber's user (`?user=`), or undefined for an anonymous one. */
  readonly user: string | undefined
  /** The `/stats` bucket it counts in; null for a framing of the application's own. */
  readonly transport: keyof TransportCounts | null
  readonly #counters: HubCounters
  readonly #onFramingFailure: FramingFailureListener
  /** Taken out of the hub (its stream closed, or unsubscribed). */
  ended = false

  constructor(stream: PushStream, channels: readonly Channel[], user: string | undefined, counters: HubCounters, onFramingFailure: FramingFailureListener) {
    this.stream = stream
    this.channels = channels
    this.user = user
    const name = stream.framing.name
    this.transport = STREAM_TRANSPORTS.has(name) ? (name as keyof TransportCounts) : null
    this.#counters = counters
    this.#onFramingFailure = onFramingFailure
  }

  /**
   * Queues `message` on the stream, the frame shared with every stream of the same framing.
   * Returns whether the stream took it. A message the transport cannot carry (a multipart
   * part holding the boundary) is skipped for this stream and reported: one subscriber's
   * framing must not keep a message from the others.
   */
  push(message: PushMessage): boolean {
    const stream = this.stream
    let frame: Buffer
    try {
      frame = message.frame(stream.framing, stream.chunked)
    } catch (error) {
      this.#onFramingFailure(error)
      return false
    }
    if (!stream.enqueue(frame)) return false
    if (message.id !== undefined) stream.lastId = message.id
    this.#counters.messagesOut++
    this.#counters.bytesOut += frame.length
    return true
  }

  /** What the subscriber missed, before anything live: a `gap` event first when some of it is lost. */
  replay(messages: readonly RetainedMessage[], gap: boolean): void {
    if (gap) this.stream.replay([], true)
    for (const entry of messages) this.push(entry.message)
  }
}
