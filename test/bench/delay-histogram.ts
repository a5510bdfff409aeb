import t from 'tap'
import { DelayHistogram } from '../../src/bench/delay-histogram.js'
import { ErrorCode } from '../../src/errors.js'

t.test('quantiles to the bucket upper edge, never above the longest', async (t) => {
  const histogram = new DelayHistogram(1000)
  t.ok(Number.isNaN(histogram.quantile(0.5)), 'empty: NaN')
  for (let ms = 0; ms < 100; ms++) histogram.record(ms + 0.5)
  t.equal(histogram.count, 100)
  t.equal(histogram.quantile(0.5), 50)
  t.equal(histogram.quantile(0.99), 99)
  t.equal(histogram.quantile(1), 99.5, 'the top bucket answers with the longest')
  t.equal(histogram.quantile(0), 1, 'at least the first')
  t.equal(histogram.maxMs, 99.5)
  histogram.record(-3)
  t.equal(histogram.quantile(0), 1, 'a negative delay counts as 0')
})

t.test('delays past the bound count in the overflow, answered with the longest', async (t) => {
  const histogram = new DelayHistogram(10)
  histogram.record(5)
  histogram.record(25)
  histogram.record(12)
  t.equal(histogram.quantile(0.3), 6)
  t.equal(histogram.quantile(0.9), 25)
  t.equal(histogram.maxMs, 25)
})

t.test('merged across processes through toData; bounds must match', async (t) => {
  const a = new DelayHistogram(10)
  const b = new DelayHistogram(10)
  a.record(1)
  b.record(3)
  b.record(3.5)
  b.record(40)
  const data = JSON.parse(JSON.stringify(b.toData()))
  t.strictSame(data, { boundMs: 10, buckets: [[3, 2]], overflow: 1, maxMs: 40 })
  a.merge(data)
  t.equal(a.count, 4)
  t.equal(a.quantile(0.5), 4)
  t.equal(a.maxMs, 40)
  a.merge(new DelayHistogram(10).toData())
  t.equal(a.maxMs, 40, 'a shorter longest does not lower it')
  t.throws(() => a.merge(new DelayHistogram(20).toData()), { code: ErrorCode.INVALID_ARGUMENT })
  t.equal(new DelayHistogram().boundMs, 120_000, '2 minutes by default')
})
