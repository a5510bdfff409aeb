// Skeleton: the public face of the hub, so the scale-out work can build on it. The body lands next.
import type { PushStream, PushStreamOptions } from '../push/push-stream.js'
import type { Request } from '../server/request.js'
import type { Response } from '../server/response.js'
import { LocalBroker, type Broker } from './broker.js'

/** What a hub may be asked to authorize. */
export type HubAction = 'subscribe' | 'publish' | 'send'

/** Per-channel settings, from {@link HubOptions.channel}. */
export interface ChannelSettings {
  /** Join and leave events with the users present. */
  presence?: boolean
  /** Clients may POST /send/<channel>. */
  interactive?: boolean
}

/** Options of a {@link Hub}. */
export interface HubOptions {
  history?: { maxMessages?: number; maxAgeMs?: number }
  channel?: (name: string) => ChannelSettings | undefined
  authorize?: (request: Request, channel: string, action: HubAction) => boolean | Promise<boolean>
  userQueue?: { maxMessages?: number; holdMs?: number }
  stream?: PushStreamOptions
  longPollTimeoutMs?: number
  maxSendBytes?: number
  token?: string
  broker?: Broker
}

/** What {@link Hub.stats} returns (the `/stats` JSON). */
export interface HubStats {
  connections: number
  subscribers: { sse: number; longpoll: number; iframe: number; multipart: number; chunked: number }
  channels: number
  messagesIn: number
  messagesOut: number
  bytesOut: number
  slowReadersDropped: number
}

export class Hub {
  readonly broker: Broker

  constructor(options: HubOptions = {}) {
    this.broker = options.broker ?? new LocalBroker()
  }

  publish(_channel: string, _data: string | Uint8Array, _options: { event?: string; contentType?: string } = {}): Promise<{ id: string; subscribers: number }> {
    throw new Error('not yet')
  }

  subscribe(_stream: PushStream, _channels: string[], _options: { since?: string; user?: string } = {}): { unsubscribe(): void } {
    throw new Error('not yet')
  }

  poll(_response: Response, _channels: string[], _cursor: string | undefined, _options: { user?: string } = {}): void {
    throw new Error('not yet')
  }

  handle(_request: Request, _response: Response): boolean {
    return false
  }

  info(_channel: string): { subscribers: number; retained: number; lastId: string | null } {
    throw new Error('not yet')
  }

  closeChannel(_channel: string): number {
    throw new Error('not yet')
  }

  stats(): HubStats {
    throw new Error('not yet')
  }

  close(): Promise<void> {
    return this.broker.close()
  }
}
