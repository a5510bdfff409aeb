/**
 * A hub over several processes of one machine (`netserv hub --workers N`, node:cluster): the
 * primary numbers every message and relays it to every worker over IPC; each worker's hub
 * has a {@link ClusterBroker}. Both ends of that protocol are here:
 *
 *   worker                          primary (ClusterSequencer)
 *   start    ------------------->   adds the worker to the relay list
 *            <-------------------   started {epoch, history}
 *   publish {ref, channel, data} -> id = <epoch>-<++seq>, kept in the history,
 *            <-------------------   message {...} to every started worker, this one included,
 *            <-------------------   published {ref, id}, after it
 *
 * One process numbers, so ids only grow, and IPC keeps each channel's order, so every worker
 * gets every message in id order, and the publisher gets its message before the answer: as
 * with LocalBroker, `await publish()` means this process's subscribers have it. A worker
 * started late (a restart) gets the history first, so clients resuming on it lose nothing
 * still retained. The IPC channel must use `serialization: 'advanced'` (data stays binary).
 */
import { ErrorCode, NetservError } from '../errors.js'
import type { Broker, BrokerMessage, BrokerPublishOptions } from './broker.js'

/** What a worker sends the primary. */
export type ClusterRequest =
  | { readonly netservHub: 'start' }
  | {
      readonly netservHub: 'publish'
      readonly ref: number
      readonly channel: string
      readonly data: Uint8Array
      readonly event: string | undefined
      readonly contentType: string | undefined
    }

/** What the primary sends a worker; `stop` asks its hub to shut down (see src/cli/hub-cluster.ts). */
export type ClusterNotice =
  | { readonly netservHub: 'started'; readonly epoch: string; readonly history: readonly BrokerMessage[] }
  | { readonly netservHub: 'message'; readonly message: BrokerMessage }
  | { readonly netservHub: 'published'; readonly ref: number; readonly id: string }
  | { readonly netservHub: 'stop' }

type SendCallback = (error: Error | null) => void

/** A worker's end of the IPC channel: `process` in a cluster worker. */
export interface WorkerChannel {
  send?: ((message: ClusterRequest, sendHandle: undefined, options: undefined, callback: SendCallback) => boolean) | undefined
  on(event: 'message', listener: (message: ClusterNotice) => void): unknown
  off(event: 'message', listener: (message: ClusterNotice) => void): unknown
}

/** The primary's view of a worker: a cluster `Worker`. */
export interface WorkerHandle {
  send(message: ClusterNotice, sendHandle: undefined, options: undefined, callback: SendCallback): boolean
  on(event: 'message', listener: (message: ClusterRequest) => void): unknown
  on(event: 'disconnect', listener: () => void): unknown
}

/**
 * Does nothing. Given as the callback of every send: a send to a process whose channel has
 * closed fails, and without a callback that is an 'error' event, which would kill the sender.
 */
function ignore(): void {}

/** The broker of a hub in a cluster worker; the primary runs a {@link ClusterSequencer}. */
export class ClusterBroker implements Broker {
  readonly #channel: WorkerChannel
  readonly #send: NonNullable<WorkerChannel['send']>
  #epoch = ''
  #deliver: (message: BrokerMessage) => void = ignore
  #onStarted: () => void = ignore
  #nextRef = 0
  readonly #pending = new Map<number, { resolve: (id: string) => void; reject: (error: Error) => void }>()
  readonly #listener = (notice: ClusterNotice): void => this.#receive(notice)

  /**
   * `channel`: this worker's IPC channel, `process` by default.
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` when it has none (not a cluster worker)
   */
  constructor(channel: WorkerChannel = process as unknown as WorkerChannel) {
    const send = channel.send
    if (send === undefined) throw new NetservError(ErrorCode.INVALID_ARGUMENT, 'ClusterBroker needs an IPC channel to the primary: run it in a cluster worker')
    this.#channel = channel
    this.#send = send.bind(channel)
  }

  /** The primary's epoch, known once started. */
  get epoch(): string {
    return this.#epoch
  }

  /** Resolves once the primary answered, after the history it keeps has reached `deliver`. */
  start(deliver: (message: BrokerMessage) => void): Promise<void> {
    this.#deliver = deliver
    this.#channel.on('message', this.#listener)
    return new Promise((resolve) => {
      this.#onStarted = resolve
      this.#send({ netservHub: 'start' }, undefined, undefined, ignore)
    })
  }

  publish(channel: string, data: Uint8Array, options: BrokerPublishOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const ref = ++this.#nextRef
      this.#pending.set(ref, { resolve, reject })
      this.#send({ netservHub: 'publish', ref, channel, data, event: options.event, contentType: options.contentType }, undefined, undefined, ignore)
    })
  }

  /** Stops listening; publishes not yet answered reject with `NETSERV_HUB_CLOSED`. */
  close(): Promise<void> {
    this.#channel.off('message', this.#listener)
    this.#deliver = ignore
    for (const [ref, pending] of this.#pending) {
      this.#pending.delete(ref)
      pending.reject(new NetservError(ErrorCode.HUB_CLOSED, 'the broker closed before the primary numbered the message', 503))
    }
    return Promise.resolve()
  }

  #receive(notice: ClusterNotice): void {
    switch (notice.netservHub) {
      case 'message':
        this.#deliver(notice.message)
        break
      case 'published': {
        const pending = this.#pending.get(notice.ref) as { resolve: (id: string) => void }
        this.#pending.delete(notice.ref)
        pending.resolve(notice.id)
        break
      }
      case 'started':
        this.#epoch = notice.epoch
        for (const message of notice.history) this.#deliver(message)
        this.#onStarted()
        break
      // 'stop' is for the worker's command, not its broker.
    }
  }
}

/** Options of a {@link ClusterSequencer}. */
export interface ClusterSequencerOptions {
  /** The epoch of every id, in ms. Default: Date.now() at construction. */
  epochMs?: number
  /** Messages kept for workers that start later (restarts). Default 1000. */
  maxHistory?: number
}

/** The primary's end: numbers every worker's publishes and relays them to every worker. */
export class ClusterSequencer {
  readonly epoch: string
  readonly #maxHistory: number
  #seq = 0
  readonly #history: BrokerMessage[] = []
  /** Workers whose broker started, in start order. */
  readonly #workers = new Set<WorkerHandle>()

  constructor(options: ClusterSequencerOptions = {}) {
    this.epoch = String(options.epochMs ?? Date.now())
    this.#maxHistory = options.maxHistory ?? 1000
  }

  /** How many workers the messages go to now. */
  get workerCount(): number {
    return this.#workers.size
  }

  /** Serves `worker`'s {@link ClusterBroker} until its channel closes. */
  attach(worker: WorkerHandle): void {
    worker.on('message', (request) => this.#receive(worker, request))
    worker.on('disconnect', () => this.#workers.delete(worker))
  }

  #receive(worker: WorkerHandle, request: ClusterRequest): void {
    if (request.netservHub === 'start') {
      worker.send({ netservHub: 'started', epoch: this.epoch, history: this.#history }, undefined, undefined, ignore)
      this.#workers.add(worker)
      return
    }
    const message: BrokerMessage = {
      channel: request.channel,
      id: `${this.epoch}-${++this.#seq}`,
      data: request.data,
      event: request.event,
      contentType: request.contentType,
    }
    this.#history.push(message)
    if (this.#history.length > this.#maxHistory) this.#history.shift()
    const notice: ClusterNotice = { netservHub: 'message', message }
    for (const each of this.#workers) each.send(notice, undefined, undefined, ignore)
    worker.send({ netservHub: 'published', ref: request.ref, id: message.id }, undefined, undefined, ignore)
  }
}
