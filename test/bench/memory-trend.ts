import t from 'tap'
import { fitLine, memoryTrend } from '../../src/bench/memory-trend.js'

t.test('fitLine: exact on a line, the least-squares line through noise, NaN without two x', async (t) => {
  t.strictSame(fitLine([[0, 1], [1, 3], [2, 5]]), { slope: 2, intercept: 1 })
  const noisy = fitLine([[0, 0], [1, 2], [2, 0], [3, 2]])
  t.ok(Math.abs(noisy.slope - 0.4) < 1e-12 && Math.abs(noisy.intercept - 0.4) < 1e-12, JSON.stringify(noisy))
  for (const points of [[], [[1, 1]], [[2, 1], [2, 5]]] as Array<Array<[number, number]>>) {
    const line = fitLine(points)
    t.ok(Number.isNaN(line.slope) && Number.isNaN(line.intercept), JSON.stringify(points))
  }
})

t.test('memoryTrend: warm-up left out; growth first to last and along the fitted line; slope per minute', async (t) => {
  const readings = [
    { atMs: 0, bytes: 10 },
    { atMs: 30_000, bytes: 500 },
    { atMs: 60_000, bytes: 1000 },
    { atMs: 120_000, bytes: 1100 },
    { atMs: 180_000, bytes: 1200 },
  ]
  const trend = memoryTrend(readings, 60_000)
  t.equal(trend.readings, 3)
  t.equal(trend.firstBytes, 1000)
  t.equal(trend.lastBytes, 1200)
  t.ok(Math.abs(trend.growth - 0.2) < 1e-12)
  t.ok(Math.abs(trend.slopeBytesPerMinute - 100) < 1e-9)
  t.ok(Math.abs(trend.fittedGrowth - 0.2) < 1e-12)
  const flat = memoryTrend([100, 110, 90, 90, 110, 100].map((bytes, atMs) => ({ atMs, bytes })), 0)
  t.equal(flat.fittedGrowth, 0, 'noise around a level: no trend')
  t.ok(Math.abs(flat.growth) < 1e-12)
})

t.test('memoryTrend: fewer than two readings after warm-up give NaN', async (t) => {
  const one = memoryTrend([{ atMs: 0, bytes: 5 }, { atMs: 10, bytes: 7 }], 5)
  t.equal(one.readings, 1)
  t.equal(one.firstBytes, 7)
  t.equal(one.lastBytes, 7)
  t.ok(Number.isNaN(one.growth) && Number.isNaN(one.slopeBytesPerMinute) && Number.isNaN(one.fittedGrowth))
  const none = memoryTrend([], 0)
  t.ok(Number.isNaN(none.firstBytes) && Number.isNaN(none.lastBytes))
})
