/**
 * The flags of `npm run soak` (bench/soak.ts): how many subscribers, how fast, for how long,
 * and what counts as memory growth. Parsed here, apart from the harness, so that every
 * default and every refusal has a test.
 */
import { parseArgs } from 'node:util'
import { ErrorCode, NetservError } from '../errors.js'

/** What one soak run does. Durations in ms, shares as fractions (0.01 = 1%). */
export interface SoakSettings {
  readonly subscribers: number
  /** Client processes the subscribers are spread over, each bound to its own source address. */
  readonly clients: number
  /** Channels; subscriber i listens to channel i mod channels, message k goes to k mod channels. */
  readonly channels: number
  /** Messages published per second, over all channels. */
  readonly ratePerSecond: number
  readonly durationMs: number
  /** Memory samples before this are warm-up: not judged. */
  readonly warmupMs: number
  readonly sampleEveryMs: number
  /** Subscribers of each client that drop and resume with Last-Event-ID, every `reconnectEveryMs`. */
  readonly reconnectShare: number
  readonly reconnectEveryMs: number
  /** The verdict fails when the heap grew by more than this after warm-up. */
  readonly maxHeapGrowth: number
  /** Messages the hub retains per channel (`netserv hub --history`), what a resume replays from. */
  readonly history: number
  /** Bytes of each message's data. */
  readonly payloadBytes: number
  /** The last byte of the first client's source address, 127.0.1.x. */
  readonly firstAddress: number
  readonly json: string | null
  readonly lib: string | null
}

/** One process may hold at most 20000 open files here: a client holds fewer sockets than that. */
export const MAX_SOCKETS_PER_CLIENT = 19_000
const SECOND = 1000
const MINUTE = 60 * SECOND
const UNITS: Readonly<Record<string, number>> = { ms: 1, s: SECOND, m: MINUTE, h: 60 * MINUTE }

function invalid(message: string): NetservError {
  return new NetservError(ErrorCode.INVALID_ARGUMENT, message)
}

/**
 * `10m`, `30s`, `1.5h`, `250ms` in ms; a bare number is seconds.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` for anything else, or not above zero
 */
export function parseDurationMs(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  const value = match === null ? Number.NaN : Number(match[1]) * (UNITS[match[2] ?? 's'] as number)
  if (!(value > 0)) throw invalid(`--${flag} must be a duration such as 30s, 10m or 1h, got ${JSON.stringify(text)}`)
  return Math.round(value)
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value <= 0) throw invalid(`--${flag} must be a positive integer, got ${JSON.stringify(text)}`)
  return value
}

function percent(text: string, flag: string): number {
  const value = Number(text)
  if (text.trim() === '' || !(value >= 0 && value <= 100)) throw invalid(`--${flag} must be a percentage from 0 to 100, got ${JSON.stringify(text)}`)
  return value / 100
}

/**
 * The settings `argv` (without node and the script) asks for.
 *
 * Defaults: 10,000 subscribers on 1 channel, 100 messages a second for 10 minutes; clients
 * enough for 5,000 sockets each and at least 4; warm-up a quarter of the run, at most a
 * minute; a memory sample every tenth of the run, at most every 10 s; 1% of the subscribers
 * resume every fifth of the run, at most every minute (so a short run resumes too); heap
 * growth after warm-up under 5%; 1000 messages retained per channel.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` for a flag out of range or unknown
 */
export function parseSoakFlags(argv: readonly string[]): SoakSettings {
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        subscribers: { type: 'string', default: '10000' },
        clients: { type: 'string' },
        channels: { type: 'string', default: '1' },
        rate: { type: 'string', default: '100' },
        duration: { type: 'string', default: '10m' },
        warmup: { type: 'string' },
        'sample-every': { type: 'string' },
        'reconnect-percent': { type: 'string', default: '1' },
        'reconnect-every': { type: 'string' },
        'max-heap-growth-percent': { type: 'string', default: '5' },
        history: { type: 'string', default: '1000' },
        'payload-bytes': { type: 'string', default: '100' },
        'first-address': { type: 'string', default: '101' },
        json: { type: 'string' },
        lib: { type: 'string' },
      },
    }))
  } catch (error) {
    throw invalid((error as Error).message)
  }
  const subscribers = positiveInteger(values.subscribers, 'subscribers')
  const clients = values.clients === undefined ? Math.max(4, Math.ceil(subscribers / 5000)) : positiveInteger(values.clients, 'clients')
  if (Math.ceil(subscribers / clients) > MAX_SOCKETS_PER_CLIENT) {
    throw invalid(`--clients ${clients} would hold ${Math.ceil(subscribers / clients)} sockets each, over ${MAX_SOCKETS_PER_CLIENT}: use more`)
  }
  const firstAddress = positiveInteger(values['first-address'], 'first-address')
  if (firstAddress + clients - 1 > 254) throw invalid(`--first-address ${firstAddress} leaves no room for ${clients} clients in 127.0.1.1-254`)
  const channels = positiveInteger(values.channels, 'channels')
  if (channels > subscribers) throw invalid(`--channels ${channels} is more than the ${subscribers} subscribers`)
  const durationMs = parseDurationMs(values.duration, 'duration')
  const warmupMs = values.warmup === undefined ? Math.min(MINUTE, Math.round(durationMs / 4)) : parseDurationMs(values.warmup, 'warmup')
  const sampleEveryMs = values['sample-every'] === undefined ? Math.min(10 * SECOND, Math.round(durationMs / 10)) : parseDurationMs(values['sample-every'], 'sample-every')
  // Two samples after warm-up at least, or there is no trend to fit.
  if (warmupMs + sampleEveryMs >= durationMs) throw invalid(`--warmup plus --sample-every must leave room for two samples in --duration`)
  const payloadBytes = positiveInteger(values['payload-bytes'], 'payload-bytes')
  return {
    subscribers,
    clients,
    channels,
    ratePerSecond: positiveInteger(values.rate, 'rate'),
    durationMs,
    warmupMs,
    sampleEveryMs,
    reconnectShare: percent(values['reconnect-percent'], 'reconnect-percent'),
    reconnectEveryMs: values['reconnect-every'] === undefined ? Math.min(MINUTE, Math.round(durationMs / 5)) : parseDurationMs(values['reconnect-every'], 'reconnect-every'),
    maxHeapGrowth: percent(values['max-heap-growth-percent'], 'max-heap-growth-percent'),
    history: positiveInteger(values.history, 'history'),
    payloadBytes,
    firstAddress,
    json: values.json ?? null,
    lib: values.lib ?? null,
  }
}
