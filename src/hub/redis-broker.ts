/**
 * A {@link Broker} over Redis, for hubs on several processes or boxes (`netserv hub --redis`):
 * every instance gets every message, numbered by one counter in Redis.
 *
 * Streams, not pub/sub. An atomic Lua script takes the next number (HINCRBY of one key: ids
 * grow across every instance) and appends the message to one stream with that id (XADD
 * `<epoch>-<seq>`, trimmed to about `maxHistory` entries); every instance reads the stream
 * with a blocking XREAD from the last id it has. With PUBLISH, a message sent while an
 * instance's connection is being re-made is gone for that instance, and its hub's history has
 * a hole that a client resuming there falls into without a gap; the stream keeps it, and the
 * instance reads on from its cursor after a reconnect, so a blip loses nothing. The same
 * stream is the history an instance that starts later loads, and its order is the id order,
 * so `deliver` sees ids in order by construction. The cost, one XREAD round trip per batch
 * rather than a push, is a fraction of a millisecond on a LAN.
 *
 * Keys, under one hash tag so that a Redis Cluster keeps them on one node:
 *   {ns}:ids   hash: `epoch` (ms, shared by every instance), `seq` (the counter)
 *   {ns}:log   stream: one entry per message, id `<epoch>-<seq>`, fields c, d, e, t
 *
 * When Redis is unreachable
 * -------------------------
 * It is reported (`onStatus`), node-redis reconnects with backoff, and publishes go on
 * locally: delivered to this instance's subscribers at once, numbered here. Invariant: ids
 * reach `deliver` strictly increasing; an entry read later at or below the last one delivered
 * is skipped (and counted in a `skipped` status). A local id must therefore be above every id
 * delivered so far, and every id Redis issues afterwards above it. So:
 *   - the first local publish opens a local epoch L = max(now, last epoch + 1), seq 1, 2...:
 *     above everything delivered, and never equal to an epoch Redis issued before (those are
 *     all below L). Ids in L exist on this instance only.
 *   - publishes in flight when the connection drops (sent, the reply or the entry not yet
 *     back) are delivered locally at once, in order, with local ids: whether Redis took them
 *     is unknown, and the publisher must not wait for a Redis that may not come back.
 *   - on reconnect (and with every publish) the instance passes the least epoch it can accept,
 *     L + 1 if it issued local ids, else its last delivered epoch; the scripts raise the
 *     shared epoch to max(now, that) when it is below, and recreate it the same way when Redis
 *     lost it. The counter never goes back within a stored epoch, so every later Redis id is
 *     above every local one. Raising the epoch makes other instances' resuming clients see a
 *     gap: the price of an outage during which this instance published.
 *   - what other instances published during the outage, read after the reconnect, is at or
 *     below the local ids: skipped and reported. Ordered, once, and honest beats complete.
 * Two instances cut off at once can open the same local epoch (same ms); a client that moves
 * between them during the outage may then resume on ids the other instance never had.
 */
import { createClient, RESP_TYPES } from 'redis'
import { ErrorCode, NetservError } from '../errors.js'
import type { Broker, BrokerMessage, BrokerPublishOptions } from './broker.js'
import { compareMessageIds, formatMessageId, type MessageId as HubMessageId } from './message-id.js'

/** What a {@link RedisBroker} reports through {@link RedisBrokerOptions.onStatus}. */
export type RedisBrokerStatus =
  /** Connected (at start and after each outage); `epoch` is the shared one now. */
  | { readonly type: 'up'; readonly epoch: string }
  /** Redis lost (or refusing); publishes are delivered locally until `up`. */
  | { readonly type: 'down'; readonly error: Error }
  /**
   * Entries read from Redis at or below the last id delivered here, not delivered: messages
   * other instances published while this one numbered locally, or this one's own publishes
   * that were in flight at an outage (already delivered here under a local id).
   */
  | { readonly type: 'skipped'; readonly count: number }

/** Options of a {@link RedisBroker}. */
export interface RedisBrokerOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string
  /** Instances with the same namespace on the same Redis are one hub. Default `netserv`. */
  namespace?: string
  /**
   * Messages Redis keeps (about: the stream is trimmed with `MAXLEN ~`) for instances that
   * start later and for instances catching up after an outage. Default 1000.
   */
  maxHistory?: number
  /** How long {@link RedisBroker.start} tries to reach Redis before it rejects, in ms. Default 5000. */
  connectTimeoutMs?: number
  /** The longest wait between two reconnect attempts, in ms (from 25 ms, doubling). Default 2000. */
  maxBackoffMs?: number
  /** Told when Redis is lost and regained, and of skipped entries. Called synchronously. */
  onStatus?: (status: RedisBrokerStatus) => void
}

/** A message id taken apart; `local`: issued by this instance while Redis was unreachable. */
interface MessageId extends HubMessageId {
  readonly local: boolean
}

/** A publish waiting for its entry to come back through the reader, so that it resolves after local delivery. */
interface PendingPublish {
  readonly channel: string
  readonly data: Uint8Array
  readonly options: BrokerPublishOptions
  readonly resolve: (id: string) => void
  /** Set when Redis answers the script. */
  id: MessageId | undefined
}

type RedisClient = ReturnType<typeof createClient>

// Both scripts first make sure the shared epoch is there and at least ARGV[1], else set it
// to ARGV[2] (the caller's max(now, ARGV[1], its last epoch + 1)); the counter is left alone.
const ENSURE_EPOCH = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch or tonumber(epoch) < tonumber(ARGV[1]) then
  epoch = ARGV[2]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
`
const ENSURE_SCRIPT = `${ENSURE_EPOCH}return epoch`
// KEYS: ids, log. ARGV: min epoch, fresh epoch, max history, channel, data, event, content type.
const PUBLISH_SCRIPT = `${ENSURE_EPOCH}
local id = epoch .. '-' .. string.format('%d', redis.call('HINCRBY', KEYS[1], 'seq', 1))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id, 'c', ARGV[4], 'd', ARGV[5], 'e', ARGV[6], 't', ARGV[7])
return id`

/** Replies with bulk strings as Buffers: data is binary. */
const AS_BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } }
/** XREAD blocks this long at most, so a loss seen by the publishing connection alone is acted on soon. */
const READ_BLOCK_MS = 1000
const READ_BATCH = 512
/** How often an instance cut off from Redis checks whether both connections are back. */
const RECOVERY_POLL_MS = 50

/**
 * Every instance's hub sees every message, in id order, once; ids `<epoch>-<seq>` with the
 * epoch shared through Redis. `publish` resolves once this instance's `deliver` has the
 * message (as with LocalBroker). See the top of this file for what happens during an outage.
 */
export class RedisBroker implements Broker {
  readonly #url: string
  /** The URL without its password, for messages. */
  readonly #label: string
  readonly #idsKey: string
  readonly #logKey: string
  readonly #maxHistory: number
  readonly #connectTimeoutMs: number
  readonly #maxBackoffMs: number
  readonly #onStatus: (status: RedisBrokerStatus) => void
  #writer: RedisClient | undefined
  #reader: RedisClient | undefined
  #deliver: (message: BrokerMessage) => void = ignore
  #publishSha = ''
  #up = false
  #closed = false
  /** The last id handed to `deliver`. */
  #last: MessageId = { epoch: 0, seq: 0, local: false }
  /** The stream entry the reader goes on after. */
  #cursor = '0-0'
  #epochMs = 0
  readonly #pending = new Set<PendingPublish>()
  #reading: Promise<void> = Promise.resolve()
  #connecting: Promise<void> | undefined
  /** Read by connect, delivered by start. */
  #history: StreamEntry[] = []

  constructor(options: RedisBrokerOptions) {
    const namespace = options.namespace ?? 'netserv'
    this.#url = options.url
    this.#label = redisUrlLabel(options.url)
    this.#idsKey = `{${namespace}}:ids`
    this.#logKey = `{${namespace}}:log`
    this.#maxHistory = options.maxHistory ?? 1000
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000
    this.#maxBackoffMs = options.maxBackoffMs ?? 2000
    this.#onStatus = options.onStatus ?? ignore
  }

  /** The epoch of the ids delivered here now: the shared one, or a local one during an outage. */
  get epoch(): string {
    return String(this.#epochMs)
  }

  /** Whether Redis is reachable: publishes go through it (else they are delivered locally). */
  get connected(): boolean {
    return this.#up
  }

  /**
   * Connects (two connections: one blocks reading the stream), sets or reads the shared epoch
   * and reads the history Redis keeps. {@link start} does it if not done: call it first to
   * fail before serving. Once only; later calls return the first call's promise.
   * @throws NetservError `NETSERV_REDIS_UNAVAILABLE` when Redis cannot be reached (and used)
   *   within `connectTimeoutMs`
   */
  connect(): Promise<void> {
    this.#connecting ??= this.#connect()
    return this.#connecting
  }

  /** Connects if not done, delivers the history, then follows the stream. */
  async start(deliver: (message: BrokerMessage) => void): Promise<void> {
    await this.connect()
    this.#deliver = deliver
    this.#acceptEntries(this.#history)
    this.#history = []
    this.#up = true
    this.#onStatus({ type: 'up', epoch: this.epoch })
    this.#reading = this.#follow()
  }

  async #connect(): Promise<void> {
    const giveUpAt = Date.now() + this.#connectTimeoutMs
    const writer = createClient({
      url: this.#url,
      name: 'netserv-hub',
      // A command sent while the connection is down fails at once: the publish is then
      // delivered locally rather than waiting for a Redis that may not come back.
      disableOfflineQueue: true,
      socket: {
        // Until connected, give up after connectTimeoutMs; after, retry for ever.
        reconnectStrategy: (retries) =>
          this.#writer === undefined && Date.now() > giveUpAt
            ? false
            : Math.min(this.#maxBackoffMs, 25 * 2 ** Math.min(retries, 16)) * (0.5 + Math.random() / 2),
      },
    })
    const reader = writer.duplicate({ name: 'netserv-hub-reader' })
    // node-redis throws an 'error' event without a listener: each is a loss of Redis.
    for (const client of [writer, reader]) client.on('error', (error: Error) => this.#goDown(error))
    try {
      // Settled both: a connection still trying must not outlive a failure.
      for (const connected of await Promise.allSettled([writer.connect(), reader.connect()])) {
        if (connected.status === 'rejected') throw connected.reason
      }
      this.#writer = writer
      this.#reader = reader
      await this.#ensureEpoch()
      // The newest maxHistory entries, oldest first: an instance that starts late has the others' history.
      const newestFirst = (await writer.sendCommand(['XREVRANGE', this.#logKey, '+', '-', 'COUNT', String(this.#maxHistory)], AS_BUFFERS)) as StreamEntry[]
      this.#history = newestFirst.reverse()
    } catch (error) {
      this.#writer = undefined
      this.#reader = undefined
      for (const client of [writer, reader]) if (client.isOpen) client.destroy()
      const failure = new NetservError(ErrorCode.REDIS_UNAVAILABLE, `cannot use Redis at ${this.#label}: ${(error as Error).message}`)
      failure.cause = error
      throw failure
    }
  }

  publish(channel: string, data: Uint8Array, options: BrokerPublishOptions): Promise<string> {
    if (!this.#up) return Promise.resolve(this.#deliverLocally(channel, data, options))
    return new Promise((resolve) => {
      const pending: PendingPublish = { channel, data, options, resolve, id: undefined }
      this.#pending.add(pending)
      const floor = this.#floorEpoch()
      ;(this.#writer as RedisClient)
        .sendCommand([
          'EVALSHA', this.#publishSha, '2', this.#idsKey, this.#logKey,
          String(floor), String(this.#freshEpoch(floor)), String(this.#maxHistory),
          channel, Buffer.from(data.buffer, data.byteOffset, data.byteLength), options.event ?? '', options.contentType ?? '',
        ])
        .then(
          (reply) => {
            // Settled already: delivered locally when Redis was lost meanwhile.
            if (!this.#pending.has(pending)) return
            pending.id = parseId(String(reply))
            // The reader may have been quicker than the reply.
            if (compareMessageIds(pending.id, this.#last) <= 0) this.#settle(pending)
          },
          (error: Error) => this.#goDown(error),
        )
    })
  }

  /** Stops reading, closes both connections; publishes still waiting are delivered locally first. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#up = false
    this.#flushPending()
    // Interrupts the blocking XREAD; the reader loop sees #closed and ends.
    this.#reader?.destroy()
    this.#writer?.destroy()
    await this.#reading
    this.#deliver = ignore
  }

  /** The reader loop: XREAD after the cursor while up; while down, waits for both connections, then re-ensures the epoch. */
  async #follow(): Promise<void> {
    const reader = this.#reader as RedisClient
    const clients = [reader, this.#writer as RedisClient]
    while (!this.#closed) {
      if (!this.#up) {
        await new Promise((resolve) => setTimeout(resolve, RECOVERY_POLL_MS))
        if (!clients.every((client) => client.isReady)) continue
        try {
          await this.#ensureEpoch()
        } catch (error) {
          // Connected but refused (a wrong key type, a read-only replica...): say so, retry later.
          this.#onStatus({ type: 'down', error: error as Error })
          await new Promise((resolve) => setTimeout(resolve, this.#maxBackoffMs))
          continue
        }
        this.#up = true
        this.#onStatus({ type: 'up', epoch: this.epoch })
        continue
      }
      let reply: unknown
      try {
        reply = await reader.sendCommand(['XREAD', 'COUNT', String(READ_BATCH), 'BLOCK', String(READ_BLOCK_MS), 'STREAMS', this.#logKey, this.#cursor], AS_BUFFERS)
      } catch (error) {
        this.#goDown(error as Error)
        continue
      }
      // null: nothing within READ_BLOCK_MS. Else [[key, entries]].
      if (reply !== null) this.#acceptEntries((reply as [[Buffer, StreamEntry[]]])[0][1])
    }
  }

  async #ensureEpoch(): Promise<void> {
    const writer = this.#writer as RedisClient
    this.#publishSha = String(await writer.sendCommand(['SCRIPT', 'LOAD', PUBLISH_SCRIPT]))
    const floor = this.#floorEpoch()
    const epoch = Number(await writer.sendCommand(['EVAL', ENSURE_SCRIPT, '1', this.#idsKey, String(floor), String(this.#freshEpoch(floor))]))
    this.#epochMs = Math.max(this.#epochMs, epoch)
  }

  #acceptEntries(entries: StreamEntry[]): void {
    let skipped = 0
    for (const [rawId, fields] of entries) {
      this.#cursor = rawId.toString('latin1')
      const id = parseId(this.#cursor)
      if (compareMessageIds(id, this.#last) <= 0) {
        skipped++
        continue
      }
      this.#last = id
      this.#epochMs = Math.max(this.#epochMs, id.epoch)
      this.#deliver(messageOf(this.#cursor, fields))
      // Publishes from here resolve once their entry is through (they are in id order).
      for (const pending of this.#pending) {
        if (pending.id === undefined || compareMessageIds(pending.id, id) > 0) break
        this.#settle(pending)
      }
    }
    if (skipped > 0) this.#onStatus({ type: 'skipped', count: skipped })
  }

  #settle(pending: PendingPublish): void {
    this.#pending.delete(pending)
    pending.resolve(formatMessageId(pending.id as MessageId))
  }

  #goDown(error: Error): void {
    if (!this.#up) return
    this.#up = false
    this.#onStatus({ type: 'down', error })
    this.#flushPending()
  }

  /** Publishes in flight: delivered here now, in order, with local ids. */
  #flushPending(): void {
    for (const pending of this.#pending) {
      this.#pending.delete(pending)
      pending.resolve(this.#deliverLocally(pending.channel, pending.data, pending.options))
    }
  }

  #deliverLocally(channel: string, data: Uint8Array, options: BrokerPublishOptions): string {
    const last = this.#last
    this.#last = last.local ? { epoch: last.epoch, seq: last.seq + 1, local: true } : { epoch: this.#freshEpoch(last.epoch + 1), seq: 1, local: true }
    this.#epochMs = Math.max(this.#epochMs, this.#last.epoch)
    const id = formatMessageId(this.#last)
    this.#deliver({ channel, id, data, event: options.event, contentType: options.contentType })
    return id
  }

  /** The least shared epoch whose ids are all above what this instance delivered. */
  #floorEpoch(): number {
    return this.#last.local ? this.#last.epoch + 1 : this.#last.epoch
  }

  /** A new epoch, should Redis need one: now, unless the clock is behind what was seen. */
  #freshEpoch(floor: number): number {
    return Math.max(Date.now(), floor, this.#last.epoch + 1)
  }
}

function ignore(): void {}

/** One line for a log, without a newline. */
export function describeRedisStatus(status: RedisBrokerStatus): string {
  switch (status.type) {
    case 'up':
      return `Redis connected, epoch ${status.epoch}`
    case 'down':
      return `Redis unreachable (${status.error.message}): publishes are delivered on this process only until it is back`
    case 'skipped':
      return `${status.count} messages from Redis skipped: published elsewhere while this process numbered locally, or its own already delivered`
  }
}

/**
 * `url` with its password replaced by `***`, fit for a log.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` when it is not a redis: or rediss: URL
 */
export function redisUrlLabel(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : null
  if (parsed === null || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new NetservError(ErrorCode.INVALID_ARGUMENT, `not a Redis URL (redis://host:port): ${JSON.stringify(url)}`)
  }
  if (parsed.password !== '') parsed.password = '***'
  return parsed.href
}

/** A stream entry as XREAD and XREVRANGE reply: [id, [field, value, ...]]. */
type StreamEntry = [Buffer, Buffer[]]

function parseId(id: string): MessageId {
  const dash = id.indexOf('-')
  return { epoch: Number(id.slice(0, dash)), seq: Number(id.slice(dash + 1)), local: false }
}

function messageOf(id: string, fields: Buffer[]): BrokerMessage {
  // Written by PUBLISH_SCRIPT: c, d, e, t in this order.
  const event = (fields[5] as Buffer).toString()
  const contentType = (fields[7] as Buffer).toString()
  return {
    channel: (fields[1] as Buffer).toString(),
    id,
    // A copy: the reply's Buffer is a view of the socket's chunk, which the history would keep alive.
    data: new Uint8Array(fields[3] as Buffer),
    event: event === '' ? undefined : event,
    contentType: contentType === '' ? undefined : contentType,
  }
}
