import t from 'tap'
import type { MemoryReading, RampResult, RampStep } from '../../src/bench/connection-ramp.js'
import { allHeartbeatsOnTime, connectionCost, costLines, heartbeatLine, heartbeatsOnTime, ON_TIME_FACTOR, stepTable } from '../../src/bench/connection-report.js'

const KIB = 1024
const baseline: MemoryReading = { rssBytes: 50 * KIB * KIB, pssBytes: 20 * KIB * KIB, ussBytes: 10 * KIB * KIB, heapBytes: 4 * KIB * KIB, processes: 1 }

function step(open: number, perConnection: number, extra: Partial<RampStep> = {}): RampStep {
  return {
    connections: open,
    open,
    refused: 0,
    dropped: 0,
    rssBytes: baseline.rssBytes + open * perConnection * 2,
    pssBytes: baseline.pssBytes + open * perConnection * 1.5,
    ussBytes: baseline.ussBytes + open * perConnection,
    heapBytes: baseline.heapBytes + open * (perConnection / 2),
    processes: 1,
    cpuShare: 0.0123,
    maxGapMs: 1000,
    holdMs: 2000,
    ...extra,
  }
}

t.test('connectionCost: from the baseline and as the slope', async (t) => {
  const result: RampResult = { baseline, steps: [step(1000, 3 * KIB), step(2000, 3 * KIB)], firstError: null, aborted: false }
  t.strictSame(connectionCost(result), {
    rssBytes: 6 * KIB,
    pssBytes: 4.5 * KIB,
    ussBytes: 3 * KIB,
    heapBytes: 1.5 * KIB,
    rssSlopeBytes: 6 * KIB,
    pssSlopeBytes: 4.5 * KIB,
    ussSlopeBytes: 3 * KIB,
    heapSlopeBytes: 1.5 * KIB,
  })
  // The slope leaves out what the first connections allocate once.
  const once: RampResult = { baseline, steps: [step(1000, 3 * KIB, { ussBytes: baseline.ussBytes + 1000 * 3 * KIB + KIB * KIB }), step(2000, 3 * KIB, { ussBytes: baseline.ussBytes + 2000 * 3 * KIB + KIB * KIB })], firstError: null, aborted: false }
  t.equal(connectionCost(once).ussSlopeBytes, 3 * KIB)
  t.ok(connectionCost(once).ussBytes > 3 * KIB)
})

t.test('connectionCost: one step has no slope; no step has nothing', async (t) => {
  const one = connectionCost({ baseline, steps: [step(1000, KIB)], firstError: null, aborted: false })
  t.equal(one.ussBytes, KIB)
  t.ok(Number.isNaN(one.ussSlopeBytes))
  const none = connectionCost({ baseline, steps: [], firstError: null, aborted: true })
  t.ok(Number.isNaN(none.ussBytes) && Number.isNaN(none.heapSlopeBytes))
})

t.test('heartbeatsOnTime: within the factor of the interval', async (t) => {
  t.equal(ON_TIME_FACTOR, 1.2)
  t.ok(heartbeatsOnTime(step(1, 1, { maxGapMs: 1200 }), 1000))
  t.notOk(heartbeatsOnTime(step(1, 1, { maxGapMs: 1201 }), 1000))
  t.notOk(heartbeatsOnTime(step(1, 1, { maxGapMs: Number.NaN }), 1000), 'unknown is not on time')
})

t.test('allHeartbeatsOnTime and heartbeatLine: every step, or null without one', async (t) => {
  t.equal(allHeartbeatsOnTime([step(1, 1, { maxGapMs: 900 }), step(2, 1, { maxGapMs: 1100 })], 1000), true)
  t.equal(allHeartbeatsOnTime([step(1, 1, { maxGapMs: 900 }), step(2, 1, { maxGapMs: 2100 })], 1000), false)
  t.equal(allHeartbeatsOnTime([], 1000), null)
  t.equal(heartbeatLine(true, 25_000), 'heartbeats (every 25000 ms): on time at every step\n')
  t.equal(heartbeatLine(false, 5), 'heartbeats (every 5 ms): LATE at some step\n')
})

t.test('stepTable: the baseline, then a row per step; unknowns as -', async (t) => {
  const result: RampResult = {
    baseline: { ...baseline, heapBytes: Number.NaN },
    steps: [step(1000, KIB), step(2000, KIB, { refused: 3, dropped: 2, maxGapMs: 5000, cpuShare: Number.NaN }), step(3000, KIB, { maxGapMs: Number.NaN })],
    firstError: null,
    aborted: false,
  }
  const lines = stepTable(result, 1000).split('\n')
  t.match(lines[0], /^\| step +\| +open \| refused \| dropped \| +RSS \| +PSS \| +USS \| +V8 heap \| CPU at rest \| longest silence \|$/)
  t.match(lines[2], /^\| baseline +\| +0 \| +\| +\| 50.00 MiB \| 20.00 MiB \| 10.00 MiB \| +- \| +\| +\|$/)
  t.match(lines[3], /^\| 1: 1,000 +\| +1,000 \| +0 \| +0 \| .* \| +1.23% \| +1,000 ms \|$/)
  t.match(lines[4], /^\| 2: 2,000 +\| +2,000 \| +3 \| +2 \| .* \| +- \| +5,000 ms LATE \|$/)
  t.match(lines[5], /^\| 3: 3,000 .* \| +\|$/, 'idle: no silence column')
})

t.test('costLines: both readings, every figure', async (t) => {
  const text = costLines(connectionCost({ baseline, steps: [step(1000, KIB), step(2000, KIB)], firstError: null, aborted: false }))
  t.equal(
    text,
    'per connection (last step - baseline): RSS 2.00 KiB, PSS 1.50 KiB, USS 1.00 KiB, V8 heap 512 B\n' +
      'per connection (slope over the steps): RSS 2.00 KiB, PSS 1.50 KiB, USS 1.00 KiB, V8 heap 512 B\n',
  )
})
