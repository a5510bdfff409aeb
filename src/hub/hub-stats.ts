/**
 * The hub's counters and the two shapes `/stats` serves them in: JSON for pages and tools,
 * the Prometheus text format (version 0.0.4) for scrapers.
 */

/** Open subscriptions by transport. */
export interface TransportCounts {
  sse: number
  longpoll: number
  iframe: number
  multipart: number
  chunked: number
}

/** What {@link Hub.stats} returns: the `/stats` JSON object. */
export interface HubStats {
  /** Connections the hub holds now: open streams and held long-polls. */
  connections: number
  /** Of those, by transport. */
  subscribers: TransportCounts
  /** Channels the hub holds now (with subscribers, retained messages or a user queue). */
  channels: number
  /** Messages published (received from the broker) since the hub started. */
  messagesIn: number
  /** Messages handed to subscribers (one per subscriber), replays and presence events included. */
  messagesOut: number
  /** Bytes of those messages as framed for each subscriber's transport. */
  bytesOut: number
  /** Streams the hub lost to slow readers (cut when backed up too long or too far). */
  slowReadersDropped: number
}

/** The running totals a hub keeps; {@link Hub.stats} adds what it counts on demand. */
export class HubCounters {
  readonly subscribers: TransportCounts = { sse: 0, longpoll: 0, iframe: 0, multipart: 0, chunked: 0 }
  messagesIn = 0
  messagesOut = 0
  bytesOut = 0
  slowReadersDropped = 0
}

/** Prometheus metric name, type and help of each counter and gauge. */
const METRICS: ReadonlyArray<readonly [keyof HubStats, string, 'gauge' | 'counter', string]> = [
  ['connections', 'netserv_connections', 'gauge', 'Open hub streams and held long-polls.'],
  ['channels', 'netserv_channels', 'gauge', 'Channels held.'],
  ['messagesIn', 'netserv_messages_in_total', 'counter', 'Messages published.'],
  ['messagesOut', 'netserv_messages_out_total', 'counter', 'Messages handed to subscribers.'],
  ['bytesOut', 'netserv_bytes_out_total', 'counter', 'Bytes of messages handed to subscribers.'],
  ['slowReadersDropped', 'netserv_slow_readers_dropped_total', 'counter', 'Streams cut for reading too slowly.'],
]

/** `stats` in the Prometheus text exposition format, one `# HELP` and `# TYPE` per metric. */
export function prometheusText(stats: HubStats): string {
  let text = '# HELP netserv_subscribers Open subscriptions by transport.\n# TYPE netserv_subscribers gauge\n'
  for (const [transport, count] of Object.entries(stats.subscribers)) text += `netserv_subscribers{transport="${transport}"} ${count}\n`
  for (const [key, name, type, help] of METRICS) {
    text += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${stats[key] as number}\n`
  }
  return text
}
