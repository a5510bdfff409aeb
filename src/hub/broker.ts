/** One published message as a {@link Broker} hands it to every process's hub. */
export interface BrokerMessage {
  /** The channel it was published on. */
  channel: string
  /** Its hub-wide id, `<epoch>-<seq>`. */
  id: string
  /** The payload. Shared with every subscriber: never modify it. */
  data: Uint8Array
  /** The event type (SSE `event:`), if published with one. */
  event?: string | undefined
  /** The payload's media type (a multipart part's `Content-Type`), if published with one. */
  contentType?: string | undefined
}

/** What the publisher may attach to a message besides its data. */
export interface BrokerPublishOptions {
  event?: string
  contentType?: string
}

/**
 * How one hub spans processes: the hub never numbers or fans out messages itself, a broker
 * does. In one process that is {@link LocalBroker}; across workers (IPC) or boxes (Redis) the
 * same interface carries every publish to every process, so each hub keeps the same history
 * and resume works on whichever process a client reaches.
 */
export interface Broker {
  /** Starts; from now on every message published anywhere reaches `deliver`, in id order, once. */
  start(deliver: (message: BrokerMessage) => void): Promise<void>
  /**
   * Numbers the message (ids only grow across every process sharing the broker) and hands it
   * to every process's `deliver` (this one's included); resolves with its id.
   */
  publish(channel: string, data: Uint8Array, options: BrokerPublishOptions): Promise<string>
  /** The epoch ids carry now (resume from another epoch = gap). */
  readonly epoch: string
  close(): Promise<void>
}

/**
 * The broker of a hub alone in its process: the epoch is the time it was built, in ms, and
 * the sequence a counter. It delivers synchronously inside `publish`, so once
 * `await hub.publish()` returns every local subscriber has the message queued.
 */
export class LocalBroker implements Broker {
  readonly epoch: string
  #seq = 0
  #deliver: ((message: BrokerMessage) => void) | null = null

  /** `epochMs`: the epoch to number with (tests pin it); default `Date.now()`. */
  constructor(epochMs: number = Date.now()) {
    this.epoch = String(epochMs)
  }

  start(deliver: (message: BrokerMessage) => void): Promise<void> {
    this.#deliver = deliver
    return Promise.resolve()
  }

  publish(channel: string, data: Uint8Array, options: BrokerPublishOptions): Promise<string> {
    const id = `${this.epoch}-${++this.#seq}`
    const deliver = this.#deliver
    if (deliver !== null) deliver({ channel, id, data, event: options.event, contentType: options.contentType })
    return Promise.resolve(id)
  }

  close(): Promise<void> {
    this.#deliver = null
    return Promise.resolve()
  }
}
