import t from 'tap'
import { encodeSoakPayload, monotonicUs } from '../../src/bench/soak-payload.js'

t.test('JSON with the count and the time, padded to its size, never cut below its fields', async (t) => {
  const text = encodeSoakPayload(42, 123456789, 100)
  t.equal(text.length, 100)
  const bare = '{"n":42,"t":123456789,"p":""}'
  t.strictSame(JSON.parse(text), { n: 42, t: 123456789, p: 'x'.repeat(100 - bare.length) })
  t.equal(encodeSoakPayload(1, 2, 10), '{"n":1,"t":2,"p":""}')
})

t.test('the clock is CLOCK_MONOTONIC in µs: it moves forward with time', async (t) => {
  const before = monotonicUs()
  await new Promise((done) => setTimeout(done, 20))
  const elapsed = monotonicUs() - before
  t.ok(elapsed >= 15_000 && elapsed < 5_000_000, `${elapsed} µs`)
  t.ok(Number.isSafeInteger(before))
})
