import t from 'tap'
import { DEFAULT_SYMBOLS, type Quote, type QuotePublisher, Ticker } from '../../../src/examples/demo/ticker.js'
import { until } from '../../fixtures/wire-client.js'

/** A source of "randomness" that plays back `values` in a loop. */
function sequence(...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length] as number
}

/** Collects what a ticker publishes; `fail` makes every publish reject. */
class Recorder implements QuotePublisher {
  readonly published: Array<{ channel: string; quote: Quote; event: string | undefined; contentType: string | undefined }> = []
  fail = false
  async publish(channel: string, data: string, options?: { event?: string; contentType?: string }): Promise<unknown> {
    this.published.push({ channel, quote: JSON.parse(data) as Quote, event: options?.event, contentType: options?.contentType })
    if (this.fail) throw new Error('hub closed')
    return { id: String(this.published.length) }
  }
}

t.test('next: the symbols in turn, each a step of at most 0.8% from its last price, to the cent', async (t) => {
  // random() 1 is the largest step up, 0 the largest down, 0.5 no move.
  const ticker = new Ticker({ symbols: { A: 100, B: 50 }, random: sequence(0.999999, 0, 0.5), now: () => 1234 })
  t.strictSame(ticker.symbols, ['A', 'B'])
  t.strictSame(ticker.next(), { symbol: 'A', price: 100.8, change: 0.8, time: 1234 }, 'A up 0.8%')
  t.strictSame(ticker.next(), { symbol: 'B', price: 49.6, change: -0.4, time: 1234 }, 'B down 0.8%')
  t.strictSame(ticker.next(), { symbol: 'A', price: 100.8, change: 0, time: 1234 }, 'A unchanged')
  t.strictSame(ticker.history('A'), [100, 100.8, 100.8], 'the opening price, then each quote')
  t.strictSame(ticker.history('B'), [50, 49.6])
  t.strictSame(ticker.history('C'), [], 'an unknown symbol has no history')
})

t.test('next: prices never fall below a dollar, and the history keeps historyLength prices', async (t) => {
  const ticker = new Ticker({ symbols: { PENNY: 1.01 }, random: () => 0, historyLength: 3 })
  const prices = Array.from({ length: 5 }, () => ticker.next().price)
  t.strictSame(prices, [1, 1, 1, 1, 1], '1.01 down 0.8% rounds to 1.00; then the floor')
  t.strictSame(ticker.history('PENNY'), [1, 1, 1], 'the last three')
})

t.test('defaults: four symbols, the quotes channel, the real clock, random steps', async (t) => {
  const ticker = new Ticker()
  t.strictSame(ticker.symbols, Object.keys(DEFAULT_SYMBOLS))
  t.equal(ticker.channel, 'quotes')
  const before = Date.now()
  for (const symbol of ticker.symbols) {
    const quote = ticker.next()
    const opening = DEFAULT_SYMBOLS[symbol] as number
    t.equal(quote.symbol, symbol)
    t.ok(Math.abs(quote.price - opening) <= opening * 0.008 + 0.005, `${symbol} moved at most 0.8%`)
    t.ok(quote.time >= before && quote.time <= Date.now(), 'stamped with the time of publishing')
  }
})

t.test('a ticker needs a symbol', async (t) => {
  t.throws(() => new Ticker({ symbols: {} }), RangeError)
})

t.test('start publishes a quote at once and then every intervalMs, as JSON to its channel; stop stops', async (t) => {
  const recorder = new Recorder()
  const ticker = new Ticker({ symbols: { A: 10, B: 20 }, channel: 'market', intervalMs: 10 })
  t.teardown(() => ticker.stop())
  ticker.start(recorder)
  t.equal(recorder.published.length, 1, 'the first quote at once')
  await until(() => recorder.published.length >= 4, 5000, 'three more quotes')
  ticker.stop()
  const count = recorder.published.length
  t.strictSame(
    recorder.published.slice(0, 4).map(({ channel, quote, event, contentType }) => [channel, quote.symbol, event, contentType]),
    [
      ['market', 'A', 'quote', 'application/json'],
      ['market', 'B', 'quote', 'application/json'],
      ['market', 'A', 'quote', 'application/json'],
      ['market', 'B', 'quote', 'application/json'],
    ],
  )
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(recorder.published.length, count, 'nothing after stop')
  ticker.stop() // twice is harmless
})

t.test('a failed publish costs one quote, not the loop; start again restarts without a second timer', async (t) => {
  const recorder = new Recorder()
  recorder.fail = true
  const ticker = new Ticker({ intervalMs: 10 })
  t.teardown(() => ticker.stop())
  ticker.start(recorder)
  ticker.start(recorder)
  await until(() => recorder.published.length >= 4, 5000, 'quotes despite the failures')
  ticker.stop()
  const count = recorder.published.length
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(recorder.published.length, count, 'one stop ended it: no timer left behind')
})
