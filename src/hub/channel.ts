import { PushMessage } from '../push/push-message.js'
import { TimerEntry } from '../timers/timer-wheel.js'
import { ChannelHistory, type ChannelHistoryOptions, type RetainedMessage } from './channel-history.js'
import type { MessageId } from './message-id.js'
import { Presence, presenceData } from './presence.js'
import type { Subscription } from './subscription.js'
import { UserQueue, type UserQueueOptions } from './user-queue.js'

/** What the application says about a channel (`HubOptions.channel`), asked once when it is made. */
export interface ChannelSettings {
  /** Subscribers hear `join` and `leave` events with the users present. */
  presence?: boolean | undefined
  /** Clients may publish to it with `POST /send/<channel>`. */
  interactive?: boolean | undefined
}

/** How a {@link Channel} is made. */
export interface ChannelInit {
  readonly name: string
  readonly settings: ChannelSettings
  readonly history: ChannelHistoryOptions
  /** For `user:<id>` channels: the queue held while the user has no stream; null for others. */
  readonly userQueue: UserQueueOptions | null
  /** What the hub forgot with channels it dropped (see {@link ChannelHistory.forgottenThrough}). */
  readonly forgottenThrough: MessageId | null
  /** Called when the channel's expiry timer comes due. */
  readonly onExpiry: (this: void, channel: Channel) => void
}

/**
 * One channel of the hub: its retained history, its subscribers (streams, and long-polls
 * waiting for its next message), who is present, and, for a user's channel, the queue held
 * for the user's next stream. The hub decides when channels are made and dropped.
 */
export class Channel {
  readonly name: string
  readonly interactive: boolean
  /** Who is present; null when the channel has no presence events. */
  readonly presence: Presence | null
  readonly history: ChannelHistory
  readonly queue: UserQueue | null
  readonly subscriptions = new Set<Subscription>()
  /** Wakes the channel up to drop what expired while nobody listened (see the hub). */
  readonly expiryTimer: TimerEntry<Channel>
  /** The newest message ever delivered to it. */
  lastId: MessageId | null = null
  /** How many subscribers the message {@link lastId} reached, for the publisher's reply. */
  lastReach = 0
  readonly #pollWaiters = new Set<() => void>()

  constructor(init: ChannelInit) {
    this.name = init.name
    this.interactive = init.settings.interactive === true
    this.presence = init.settings.presence === true ? new Presence() : null
    this.history = new ChannelHistory(init.history, init.forgottenThrough)
    this.queue = init.userQueue === null ? null : new UserQueue(init.userQueue)
    this.expiryTimer = new TimerEntry(this, init.onExpiry)
  }

  /** Streams plus long-polls waiting on it now. */
  get subscriberCount(): number {
    return this.subscriptions.size + this.#pollWaiters.size
  }

  /** Nothing retained, nothing queued: a channel without subscribers may go. */
  isEmpty(nowMs: number): boolean {
    return this.history.size(nowMs) === 0 && (this.queue === null || this.queue.size(nowMs) === 0)
  }

  /** When what it holds has all expired, by the hub's clock; -1 when it holds nothing. */
  get expiresAtMs(): number {
    const history = this.history
    let atMs = history.newestTimeMs < 0 ? -1 : history.newestTimeMs + history.maxAgeMs
    const queue = this.queue
    if (queue !== null && queue.newestTimeMs >= 0) atMs = Math.max(atMs, queue.newestTimeMs + queue.holdMs)
    return atMs
  }

  /**
   * Retains `entry` and hands it to every subscriber: streams get its frame queued, waiting
   * long-polls wake up (and read it from the history). On a user's channel with nobody
   * listening it is queued for the user's next stream. How many subscribers it reached is
   * kept in {@link lastReach}.
   */
  deliver(entry: RetainedMessage, nowMs: number): void {
    this.history.append(entry, nowMs)
    this.lastId = entry.id
    let reached = 0
    for (const subscription of this.subscriptions) if (subscription.push(entry.message)) reached++
    reached += this.wakePolls()
    if (this.subscriptions.size === 0 && reached === 0 && this.queue !== null) this.queue.push(entry, nowMs)
    this.lastReach = reached
  }

  /** Sends a message that is not retained (presence events) to every stream. */
  announce(message: PushMessage): void {
    for (const subscription of this.subscriptions) subscription.push(message)
  }

  /** Tells the stream subscribers that `user` joined or left. */
  announcePresence(event: 'join' | 'leave', user: string): void {
    if (this.subscriptions.size === 0) return
    const data = presenceData(this.name, user, (this.presence as Presence).present(), this.subscriberCount)
    this.announce(new PushMessage({ data, event }))
  }

  /** A long-poll waits for this channel's next message. */
  addPollWaiter(listener: () => void): void {
    this.#pollWaiters.add(listener)
  }

  removePollWaiter(listener: () => void): void {
    this.#pollWaiters.delete(listener)
  }

  /** Wakes every waiting long-poll (each answers and stops waiting); returns how many. */
  wakePolls(): number {
    const waiters = this.#pollWaiters
    if (waiters.size === 0) return 0
    const count = waiters.size
    // A waking poll cancels its wait on every channel, this one included: iterate a copy.
    for (const waiter of [...waiters]) waiter()
    return count
  }
}
