/**
 * The demo's stock ticker: simulated quotes for a few symbols, a random walk each, published
 * to a hub channel several times a second, as event `quote`. Each message is JSON:
 *
 * ```
 * {"symbol":"ACME","price":101.37,"change":0.21,"time":1764201600123}
 * ```
 *
 * `time` is when the quote was published (ms since the epoch), so a page can show how long the
 * message took to reach it: receive time minus `time` (same machine, same clock).
 */

/** One quote as published. */
export interface Quote {
  readonly symbol: string
  /** In dollars, to the cent. */
  readonly price: number
  /** Since the symbol's previous quote, to the cent. */
  readonly change: number
  /** When it was published, ms since the epoch. */
  readonly time: number
}

/** Where quotes go: a `Hub`, or anything else with its `publish`. */
export interface QuotePublisher {
  publish(channel: string, data: string, options?: { event?: string; contentType?: string }): Promise<unknown>
}

/** Options of a {@link Ticker}. */
export interface TickerOptions {
  /** Symbols and their opening prices. Default: four made-up companies. */
  readonly symbols?: Readonly<Record<string, number>>
  /** The channel published to. Default `quotes`. */
  readonly channel?: string
  /** How often a quote is published, in ms (each moves the next symbol in turn). Default 150. */
  readonly intervalMs?: number
  /** Prices kept per symbol for {@link Ticker.history} (the camera draws them). Default 120. */
  readonly historyLength?: number
  /** The source of randomness, [0, 1). Default Math.random; a test passes its own. */
  readonly random?: () => number
  /** The clock, ms since the epoch. Default Date.now. */
  readonly now?: () => number
}

/**
 * The event type of every quote: a page whose one subscription also carries other channels
 * (the demo's: the chat, the server's figures) tells them apart by it.
 */
export const QUOTE_EVENT = 'quote'

/** The largest move of one quote: 0.8% up or down. */
const MAX_STEP = 0.008
/** No price falls below a dollar: a random walk would otherwise wander to zero, given time. */
const FLOOR = 1

export const DEFAULT_SYMBOLS: Readonly<Record<string, number>> = { ACME: 101.5, GLOBEX: 47.2, INITECH: 12.85, UMBRELLA: 230 }

/** The simulated market and its publishing loop. */
export class Ticker {
  readonly channel: string
  readonly symbols: readonly string[]
  readonly #intervalMs: number
  readonly #historyLength: number
  readonly #random: () => number
  readonly #now: () => number
  readonly #history = new Map<string, number[]>()
  #turn = 0
  #timer: NodeJS.Timeout | undefined

  constructor(options: TickerOptions = {}) {
    const symbols = options.symbols ?? DEFAULT_SYMBOLS
    this.channel = options.channel ?? 'quotes'
    this.symbols = Object.keys(symbols)
    if (this.symbols.length === 0) throw new RangeError('a ticker needs at least one symbol')
    this.#intervalMs = options.intervalMs ?? 150
    this.#historyLength = options.historyLength ?? 120
    this.#random = options.random ?? Math.random
    this.#now = options.now ?? Date.now
    for (const symbol of this.symbols) this.#history.set(symbol, [symbols[symbol] as number])
  }

  /** The last prices of `symbol`, oldest first (empty for an unknown symbol). */
  history(symbol: string): readonly number[] {
    return this.#history.get(symbol) ?? []
  }

  /** Moves the next symbol in turn by a random step and returns its quote. */
  next(): Quote {
    const symbol = this.symbols[this.#turn] as string
    this.#turn = (this.#turn + 1) % this.symbols.length
    const prices = this.#history.get(symbol) as number[]
    const previous = prices[prices.length - 1] as number
    const step = (this.#random() * 2 - 1) * MAX_STEP
    const price = Math.max(FLOOR, cents(previous * (1 + step)))
    prices.push(price)
    if (prices.length > this.#historyLength) prices.shift()
    return { symbol, price, change: cents(price - previous), time: this.#now() }
  }

  /** Publishes {@link next} to `publisher` now, then every intervalMs until {@link stop}. */
  start(publisher: QuotePublisher): void {
    this.stop()
    const tick = (): void => {
      // A failed publish (the hub closing) costs one quote; the next tick tries again.
      publisher.publish(this.channel, JSON.stringify(this.next()), { event: QUOTE_EVENT, contentType: 'application/json' }).catch(() => {})
    }
    tick()
    this.#timer = setInterval(tick, this.#intervalMs)
  }

  /** Stops publishing (a no-op when not started). */
  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}

function cents(dollars: number): number {
  return Math.round(dollars * 100) / 100
}
