import { ErrorCode, NetservError } from '../errors.js'
import { longPoll } from '../push/long-poll.js'
import { PushMessage } from '../push/push-message.js'
import type { PushStream, PushStreamOptions } from '../push/push-stream.js'
import type { Request } from '../server/request.js'
import type { Response } from '../server/response.js'
import { defaultWheel, type TimerWheel } from '../timers/timer-wheel.js'
import { LocalBroker, type Broker, type BrokerMessage } from './broker.js'
import { Channel, type ChannelSettings } from './channel.js'
import type { ChannelHistoryOptions, RetainedMessage } from './channel-history.js'
import { checkChannelList, checkChannelName, checkUserName, isChannelName, USER_CHANNEL_PREFIX, userChannel } from './channel-name.js'
import { HubPollSource, type PollableHub } from './hub-poll.js'
import { HubRoutes } from './hub-routes.js'
import { HubCounters, type HubStats } from './hub-stats.js'
import { compareMessageIds, formatMessageId, parseMessageId, type MessageId } from './message-id.js'
import { positiveOption } from '../positive-option.js'
import { Subscription } from './subscription.js'
import type { UserQueueOptions } from './user-queue.js'
import { report, warn, type ErrorListener } from '../server/error-listener.js'

/** What a client asks of a channel, for {@link HubOptions.authorize}. */
export type HubAction = 'subscribe' | 'publish' | 'send'

/**
 * Decides whether `request` may do `action` on `channel`; asked once per channel of a
 * subscription (not per message), once per publish or send. A refusal is answered 403; a
 * throw or rejection 500, reported through `onError`.
 */
export type Authorize = (this: void, request: Request, channel: string, action: HubAction) => boolean | Promise<boolean>

/** Options of a {@link Hub}; every one has a default. */
export interface HubOptions {
  /** Retention per channel: the last `maxMessages` (100), none older than `maxAgeMs` (1 hour). */
  history?: ChannelHistoryOptions
  /** Settings of the channel called `name` (presence, interactive), asked once when it is made. Default: neither. */
  channel?: (this: void, name: string) => ChannelSettings | undefined
  /** See {@link Authorize}. Default: everything is allowed (publishing still needs the token or loopback). */
  authorize?: Authorize
  /** What `user:<id>` holds while the user has no stream: `maxMessages` (100) for `holdMs` (60 s). */
  userQueue?: UserQueueOptions
  /** Options of every stream `/sub` opens (its `wheel` is also the hub's clock and timers). */
  stream?: PushStreamOptions
  /** How long a long-poll is held, in ms. Default 25 s. */
  longPollTimeoutMs?: number
  /** The largest body `/send` takes, in bytes; larger is answered 413. Default 4096. */
  maxSendBytes?: number
  /** The bearer token `/pub` asks for; without one only loopback clients may publish. */
  token?: string
  /** How messages are numbered and spread over processes. Default a {@link LocalBroker}. */
  broker?: Broker
  /**
   * The most channels held at once. A new channel past it first evicts the channel that has
   * been without subscribers longest (its history is forgotten: later resumes from before it
   * see a gap); when every channel has subscribers it is refused (503 `NETSERV_CHANNEL_LIMIT`).
   * Default 100 000.
   */
  maxChannels?: number
  /**
   * Receives what went wrong outside any caller's reach: an `authorize` that threw, a broker
   * that failed, a message a transport could not carry. Pass the server's `onError` to log
   * both in one place. Default: `process.emitWarning`.
   */
  onError?: ErrorListener
}

/** What {@link Hub.publish} resolves with. */
export interface PublishResult {
  /** The message's hub-wide id, `<epoch>-<seq>`. */
  id: string
  /** Subscribers of the channel on this process it reached (streams and waiting long-polls). */
  subscribers: number
}

/** What {@link Hub.info} returns. */
export interface ChannelInfo {
  subscribers: number
  retained: number
  /** The id of the newest message delivered to the channel, or null. */
  lastId: string | null
}

/** Options of {@link Hub.publish}. */
export interface PublishOptions {
  /** The event type (SSE `event:`). */
  event?: string | undefined
  /** The data's media type (a multipart part's `Content-Type`). */
  contentType?: string | undefined
}

/** Options of {@link Hub.subscribe}. */
export interface SubscribeOptions {
  /** The last id the client saw (`Last-Event-ID`): what it missed is replayed first. */
  since?: string | undefined
  /** Whose stream it is: it also gets `user:<user>`, and counts in presence. */
  user?: string | undefined
}

/** What {@link Hub.subscribe} returns. */
export interface HubSubscription {
  /** Takes the stream out of the hub (it stays open: closing it is the caller's). */
  unsubscribe(): void
}

const EMPTY = new Uint8Array(0)
const NO_SUBSCRIPTION: HubSubscription = { unsubscribe() {} }

/**
 * Channels over push streams, as APE had them: publish to a channel, and every stream
 * subscribed to it gets the message; a client that comes back resumes from the last id it
 * saw; long-polls, per-user queues and presence on the same channels; and the HTTP interface
 * of `netserv hub` ({@link handle}).
 *
 * Ids and order. Messages are numbered hub-wide by the broker (`<epoch>-<seq>`, see
 * ./message-id.ts) and reach {@link #deliver} in id order, from this process or any other.
 * Everything the hub does with one, retaining it and handing it to each subscriber, happens
 * in that one synchronous call, and a subscription is set up (replay, then joining its
 * channels) in one synchronous call too: no message can fall between a replay and the live
 * stream, or be in both.
 *
 * Channels are made on first use and dropped once nobody listens and nothing is retained
 * (a timer wakes an idle channel when its last message expires); at most `maxChannels` are
 * held.
 */
export class Hub implements PollableHub {
  readonly broker: Broker
  readonly #historyOptions: ChannelHistoryOptions
  readonly #userQueueOptions: UserQueueOptions
  readonly #channelSettings: ((name: string) => ChannelSettings | undefined) | undefined
  readonly #onError: ErrorListener
  readonly #wheel: TimerWheel
  readonly #longPollTimeoutMs: number
  readonly #maxChannels: number
  readonly #routes: HubRoutes
  readonly #started: Promise<void>
  readonly #channels = new Map<string, Channel>()
  /** Channels without subscribers, the longest idle first: the eviction order. */
  readonly #idle = new Map<string, Channel>()
  readonly #subscriptions = new Set<Subscription>()
  readonly #counters = new HubCounters()
  /** The newest message delivered. */
  #lastId: MessageId | null = null
  /** The newest message forgotten with a dropped channel: a channel made later may have had it. */
  #forgotten: MessageId | null = null
  #closed: Promise<void> | null = null
  /** Set first thing in close(): nothing is delivered, made idle or scheduled after it. */
  #closing = false

  /** @throws NetservError `NETSERV_INVALID_ARGUMENT` for an option out of range */
  constructor(options: HubOptions = {}) {
    this.#historyOptions = { ...options.history }
    this.#userQueueOptions = { ...options.userQueue }
    this.#channelSettings = options.channel
    this.#onError = options.onError ?? warn
    this.#wheel = options.stream?.wheel ?? defaultWheel()
    this.#longPollTimeoutMs = positiveOption(options.longPollTimeoutMs, 25_000, 'longPollTimeoutMs')
    this.#maxChannels = positiveOption(options.maxChannels, 100_000, 'maxChannels')
    // Checked now rather than when the first channel or user queue is made.
    new Channel({ name: 'check', settings: {}, history: this.#historyOptions, userQueue: this.#userQueueOptions, forgottenThrough: null, onExpiry: noop })
    this.#routes = new HubRoutes(this, {
      token: options.token,
      authorize: options.authorize,
      maxSendBytes: positiveOption(options.maxSendBytes, 4096, 'maxSendBytes'),
      stream: options.stream ?? {},
      report: (error, request) => report(this.#onError, error, request),
    })
    this.broker = options.broker ?? new LocalBroker()
    this.#started = this.broker.start((message) => this.#deliver(message))
    // Reported once here; publish() still rejects with it.
    this.#started.catch((error: unknown) => report(this.#onError, error, null))
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closing
  }

  /**
   * The settings the hub applies to `channel`: those it was made with, or, for a channel not
   * held now, what `HubOptions.channel` says (asked without making it).
   */
  channelSettings(channel: string): { presence: boolean; interactive: boolean } {
    const found = this.#channels.get(channel)
    if (found !== undefined) return { presence: found.presence !== null, interactive: found.interactive }
    const settings = this.#settingsOf(channel)
    return { presence: settings.presence === true, interactive: settings.interactive === true }
  }

  /**
   * Publishes `data` on `channel` through the broker; resolves once it is numbered (and, with
   * the local broker, queued on every subscriber of this process).
   * @throws NetservError `NETSERV_INVALID_CHANNEL` (400) for a bad name,
   *   `NETSERV_INVALID_EVENT_FIELD` for an event with CR, LF or NUL,
   *   `NETSERV_INVALID_RESPONSE_HEADER` for a content type a header may not hold,
   *   `NETSERV_HUB_CLOSED` (503) after {@link close}; the broker's failure
   */
  async publish(channel: string, data: string | Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    this.#checkOpen()
    checkChannelName(channel)
    const { event, contentType } = options
    // Checked here, where the publisher hears of it, not when every process builds the message.
    new PushMessage({ data: EMPTY, event, contentType })
    await this.#started
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    const brokerOptions: { event?: string; contentType?: string } = {}
    if (event !== undefined) brokerOptions.event = event
    if (contentType !== undefined) brokerOptions.contentType = contentType
    const id = await this.broker.publish(channel, bytes, brokerOptions)
    const delivered = this.#channels.get(channel)
    if (delivered === undefined) return { id, subscribers: 0 }
    // Its reach, unless a later message of the channel has come in since.
    const reachedNow = delivered.lastId !== null && formatMessageId(delivered.lastId) === id
    return { id, subscribers: reachedNow ? delivered.lastReach : delivered.subscriberCount }
  }

  /**
   * Adds `stream` to `channels` (and, with a `user`, to `user:<user>`): first what it missed
   * after `since` (a `gap` event first when some of it is lost, or when `since` is no id of
   * this hub's epoch: then every retained message), with the user's queued messages, in id
   * order; then every new message. The subscription ends when the stream closes.
   * @throws NetservError `NETSERV_INVALID_CHANNEL`, `NETSERV_TOO_MANY_CHANNELS`,
   *   `NETSERV_INVALID_USER` (400); `NETSERV_CHANNEL_LIMIT`, `NETSERV_HUB_CLOSED` (503)
   */
  subscribe(stream: PushStream, channels: readonly string[], options: SubscribeOptions = {}): HubSubscription {
    this.#checkOpen()
    const { since, user } = options
    const names = this.#namesOf(channels, user)
    const list = this.#channelsFor(names)
    if (stream.closed) {
      for (const channel of list) this.#settle(channel)
      return NO_SUBSCRIPTION
    }
    const nowMs = this.#wheel.now()
    const { messages, gap } = this.#collect(list, since, nowMs)
    const subscription = new Subscription(stream, list, user, this.#counters, (error) => report(this.#onError, error, stream.response.request))
    subscription.replay(messages, gap)
    this.#subscriptions.add(subscription)
    if (subscription.transport !== null) this.#counters.subscribers[subscription.transport]++
    for (const channel of list) {
      channel.subscriptions.add(subscription)
      this.#busy(channel)
    }
    if (user !== undefined) {
      for (const channel of list) if (channel.presence !== null && channel.presence.join(user)) channel.announcePresence('join', user)
    }
    stream.onClose((reason) => {
      if (reason === 'slow-reader' || reason === 'write-timeout') this.#counters.slowReadersDropped++
      this.#unsubscribe(subscription)
    })
    return { unsubscribe: () => this.#unsubscribe(subscription) }
  }

  /**
   * Answers a long-poll on `channels` (and `user:<user>`): at once with what followed
   * `cursor` (a hub message id; none: from now, plus the user's queue), else at their next
   * message, else 204 after `longPollTimeoutMs`. See ../push/long-poll.ts for the reply.
   * @throws NetservError as {@link subscribe}
   */
  poll(response: Response, channels: readonly string[], cursor: string | undefined, options: { user?: string | undefined } = {}): void {
    this.#checkOpen()
    const names = this.#namesOf(channels, options.user)
    // Made (or refused) before the poll starts waiting: longPoll has no way back once it waits.
    const list = this.#channelsFor(names)
    longPoll(response, new HubPollSource(this, names), cursor, { timeoutMs: this.#longPollTimeoutMs, wheel: this.#wheel })
    // Answered at once: the channels made for it may hold nothing.
    for (const channel of list) this.#settle(channel)
  }

  /**
   * Serves the hub's HTTP interface (`/sub/`, `/pub/`, `/send/`, `/stats`: README "Hub");
   * returns false, touching nothing, for any other path.
   */
  handle(request: Request, response: Response): boolean {
    return this.#routes.handle(request, response)
  }

  /**
   * The channel's subscribers on this process, its retained messages and its newest id.
   * @throws NetservError `NETSERV_INVALID_CHANNEL` (400)
   */
  info(channel: string): ChannelInfo {
    checkChannelName(channel)
    const found = this.#channels.get(channel)
    if (found === undefined) return { subscribers: 0, retained: 0, lastId: null }
    return {
      subscribers: found.subscriberCount,
      retained: found.history.size(this.#wheel.now()),
      lastId: found.lastId === null ? null : formatMessageId(found.lastId),
    }
  }

  /**
   * Ends the channel's streams (a stream on several channels ends for all of them) and
   * answers its waiting long-polls; its history stays. Returns how many were ended.
   * @throws NetservError `NETSERV_INVALID_CHANNEL` (400)
   */
  closeChannel(channel: string): number {
    checkChannelName(channel)
    const found = this.#channels.get(channel)
    if (found === undefined) return 0
    const subscriptions = [...found.subscriptions]
    // Every stream of the channel ends: none is to hear the others leave it (one leave per
    // stream to every stream not ended yet, each with everyone still present).
    found.subscriptions.clear()
    for (const subscription of subscriptions) subscription.stream.close()
    return subscriptions.length + found.wakePolls()
  }

  /** The counters `/stats` serves. */
  stats(): HubStats {
    const counters = this.#counters
    const subscribers = { ...counters.subscribers }
    return {
      connections: this.#subscriptions.size + subscribers.longpoll,
      subscribers,
      channels: this.#channels.size,
      messagesIn: counters.messagesIn,
      messagesOut: counters.messagesOut,
      bytesOut: counters.bytesOut,
      slowReadersDropped: counters.slowReadersDropped,
    }
  }

  /**
   * Ends every stream and answers every long-poll, forgets every channel, closes the broker.
   * Later publishes and subscriptions are refused; the HTTP interface answers 503. Calling it
   * again returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed
    this.#closing = true
    const closing = (async () => {
      // Every stream ends: as in closeChannel, none is to hear the others leave.
      for (const channel of this.#channels.values()) channel.subscriptions.clear()
      for (const subscription of [...this.#subscriptions]) subscription.stream.close()
      for (const channel of this.#channels.values()) {
        channel.wakePolls()
        this.#wheel.cancel(channel.expiryTimer)
      }
      this.#channels.clear()
      this.#idle.clear()
      // A broker that never started has nothing to close (its failure was reported).
      await this.#started.then(() => this.broker.close(), noop)
    })()
    this.#closed = closing
    return closing
  }

  /**
   * @internal Makes the channels a subscription will need, or refuses it (the hub is full):
   * the HTTP interface asks before a stream's head goes out, while a 503 can still be sent.
   * The subscription that follows in the same tick settles them.
   */
  reserve(channels: readonly string[], user: string | undefined): void {
    this.#channelsFor(this.#namesOf(channels, user))
  }

  // --- PollableHub (for HubPollSource)

  /** @internal */
  pollSince(names: readonly string[], cursor: string | undefined): { messages: PushMessage[]; cursor: string; gap: boolean } {
    const list: Channel[] = []
    for (const name of names) {
      const channel = this.#channels.get(name)
      if (channel !== undefined) list.push(channel)
    }
    // A channel missing here was dropped when the poll stopped waiting (it held nothing, so
    // nothing after the cursor): it has nothing to add.
    const { messages, gap } = this.#collect(list, cursor, this.#wheel.now())
    const counters = this.#counters
    counters.messagesOut += messages.length
    const out: PushMessage[] = []
    for (const entry of messages) {
      counters.bytesOut += entry.message.data.length
      out.push(entry.message)
    }
    return { messages: out, cursor: this.#cursor(), gap }
  }

  /** @internal */
  pollWait(names: readonly string[], listener: () => void): () => void {
    // Every channel exists: poll() made them, and a channel with a waiting poll is never dropped.
    const list = names.map((name) => this.#channels.get(name) as Channel)
    for (const channel of list) {
      channel.addPollWaiter(listener)
      this.#busy(channel)
    }
    this.#counters.subscribers.longpoll++
    return () => {
      this.#counters.subscribers.longpoll--
      for (const channel of list) {
        channel.removePollWaiter(listener)
        this.#settle(channel)
      }
    }
  }

  // --- internals

  #checkOpen(): void {
    if (this.#closing) throw new NetservError(ErrorCode.HUB_CLOSED, 'the hub is closed', 503)
  }

  /** The checked, de-duplicated channel names of a subscription, the user's own channel last. */
  #namesOf(channels: readonly string[], user: string | undefined): string[] {
    const names = checkChannelList(channels)
    if (user !== undefined) {
      const own = userChannel(checkUserName(user))
      if (!names.includes(own)) names.push(own)
    }
    return names
  }

  /** A message from the broker: retained, handed to every subscriber on this process. */
  #deliver(message: BrokerMessage): void {
    if (this.#closing) return
    const id = parseMessageId(message.id)
    if (id === null || !isChannelName(message.channel) || (this.#lastId !== null && compareMessageIds(id, this.#lastId) <= 0)) {
      report(this.#onError, new NetservError(ErrorCode.INVALID_ARGUMENT, `the broker delivered a message with a bad or repeated id ${JSON.stringify(message.id)} on ${JSON.stringify(message.channel)}`), null)
      return
    }
    let pushMessage: PushMessage
    try {
      pushMessage = new PushMessage({ data: message.data, id: message.id, event: message.event, contentType: message.contentType, channel: message.channel })
    } catch (error) {
      report(this.#onError, error, null)
      return
    }
    this.#lastId = id
    this.#counters.messagesIn++
    const channel = this.#channels.get(message.channel) ?? this.#make(message.channel, null)
    if (channel === null) {
      // No room, and every channel has subscribers, so this one has none: only its history is lost.
      this.#forget(id)
      return
    }
    const nowMs = this.#wheel.now()
    channel.deliver({ message: pushMessage, id, timeMs: nowMs }, nowMs)
    // Idle: it now expires later, and it is the most recently used idle channel.
    if (channel.subscriberCount === 0) this.#settle(channel)
  }

  /**
   * The channels called `names`, made where missing.
   * @throws NetservError `NETSERV_CHANNEL_LIMIT` (503) when they do not fit; none is made then
   */
  #channelsFor(names: readonly string[]): Channel[] {
    let missing = 0
    for (const name of names) if (!this.#channels.has(name)) missing++
    this.#makeRoom(missing, names)
    if (this.#channels.size + missing > this.#maxChannels) {
      throw new NetservError(ErrorCode.CHANNEL_LIMIT, `the hub holds its limit of ${this.#maxChannels} channels, each with subscribers`, 503)
    }
    return names.map((name) => this.#channels.get(name) ?? (this.#make(name, names) as Channel))
  }

  /** Makes a channel, evicting an idle one if the hub is full; null when there is no room. */
  #make(name: string, keep: readonly string[] | null): Channel | null {
    this.#makeRoom(1, keep ?? [name])
    if (this.#channels.size >= this.#maxChannels) return null
    const channel = new Channel({
      name,
      settings: this.#settingsOf(name),
      history: this.#historyOptions,
      userQueue: name.startsWith(USER_CHANNEL_PREFIX) ? this.#userQueueOptions : null,
      forgottenThrough: this.#forgotten,
      onExpiry: (expired) => this.#settle(expired),
    })
    this.#channels.set(name, channel)
    return channel
  }

  /** What the application says of `name`; a throw is reported and counts as no settings. */
  #settingsOf(name: string): ChannelSettings {
    try {
      return this.#channelSettings?.(name) ?? {}
    } catch (error) {
      report(this.#onError, error, null)
      return {}
    }
  }

  /** Evicts the longest-idle channels (not those in `keep`) until `count` more fit. */
  #makeRoom(count: number, keep: readonly string[]): void {
    for (const [name, channel] of this.#idle) {
      if (this.#channels.size + count <= this.#maxChannels) return
      if (!keep.includes(name)) this.#drop(channel)
    }
  }

  /** A channel gained a subscriber: not idle, no expiry. */
  #busy(channel: Channel): void {
    this.#idle.delete(channel.name)
    this.#wheel.cancel(channel.expiryTimer)
  }

  /**
   * After a change to a channel: with subscribers, nothing to do; without, dropped when it
   * holds nothing, else idle (the most recently used) until its holdings expire.
   */
  #settle(channel: Channel): void {
    if (this.#closing || channel.subscriberCount > 0 || this.#channels.get(channel.name) !== channel) return
    const nowMs = this.#wheel.now()
    if (channel.isEmpty(nowMs)) {
      this.#drop(channel)
      return
    }
    this.#idle.delete(channel.name)
    this.#idle.set(channel.name, channel)
    // Expiry drops messages older than maxAgeMs: strictly older, so a millisecond after.
    this.#wheel.schedule(channel.expiryTimer, Math.max(0, channel.expiresAtMs - nowMs + 1), nowMs)
  }

  #drop(channel: Channel): void {
    this.#channels.delete(channel.name)
    this.#idle.delete(channel.name)
    this.#wheel.cancel(channel.expiryTimer)
    if (channel.lastId !== null) this.#forget(channel.lastId)
  }

  #forget(id: MessageId): void {
    if (this.#forgotten === null || compareMessageIds(id, this.#forgotten) > 0) this.#forgotten = id
  }

  /**
   * What a subscriber to `channels` missed after `since`, in id order, with the user queue
   * of a user channel among them.
   */
  #collect(channels: readonly Channel[], since: string | undefined, nowMs: number): { messages: RetainedMessage[]; gap: boolean } {
    const sinceId = since === undefined ? null : parseMessageId(since)
    const known = sinceId !== null && this.#isKnown(sinceId)
    let gap = since !== undefined && !known
    let messages: RetainedMessage[] = []
    for (const channel of channels) {
      if (since !== undefined) {
        if (known) {
          const slice = channel.history.after(sinceId as MessageId, nowMs)
          if (slice.gap) gap = true
          messages = messages.concat(slice.messages)
        } else {
          messages = messages.concat(channel.history.all(nowMs))
        }
      }
      if (channel.queue !== null) {
        for (const entry of channel.queue.take(nowMs)) {
          if (!known || compareMessageIds(entry.id, sinceId as MessageId) > 0) messages.push(entry)
        }
      }
    }
    if (messages.length > 1) {
      messages.sort((a, b) => compareMessageIds(a.id, b.id))
      // A queued message is often retained too.
      messages = messages.filter((entry, i) => i === 0 || compareMessageIds((messages[i - 1] as RetainedMessage).id, entry.id) !== 0)
    }
    return { messages, gap }
  }

  /** An id this hub could have issued: of its current epoch, and not beyond its newest message. */
  #isKnown(id: MessageId): boolean {
    if (String(id.epoch) !== this.broker.epoch) return false
    if (id.seq === 0) return true
    return this.#lastId !== null && compareMessageIds(id, this.#lastId) <= 0
  }

  /** The cursor of "everything so far": the newest id, or seq 0 of the epoch before any. */
  #cursor(): string {
    return this.#lastId === null ? `${this.broker.epoch}-0` : formatMessageId(this.#lastId)
  }

  #unsubscribe(subscription: Subscription): void {
    if (subscription.ended) return
    subscription.ended = true
    this.#subscriptions.delete(subscription)
    if (subscription.transport !== null) this.#counters.subscribers[subscription.transport]--
    const user = subscription.user
    for (const channel of subscription.channels) {
      channel.subscriptions.delete(subscription)
      if (user !== undefined && channel.presence !== null && channel.presence.leave(user)) channel.announcePresence('leave', user)
      this.#settle(channel)
    }
  }

}

function noop(): void {}

