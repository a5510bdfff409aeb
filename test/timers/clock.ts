import t from 'tap'
import { systemClock } from '../../src/timers/clock.js'

// The system clock's timers are unref'ed: a ref'ed timer keeps this process up while waiting.
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function refedTimeouts(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}

t.test('now() is performance.now(): monotonic milliseconds', async (t) => {
  const before = performance.now()
  const a = systemClock.now()
  await sleep(20)
  const b = systemClock.now()
  const after = performance.now()
  t.ok(a >= before && b <= after, 'between two readings of performance.now()')
  t.ok(b - a >= 19, `advanced ${(b - a).toFixed(1)} ms over a 20 ms sleep`)
})

t.test('a timer goes off once, after its delay', async (t) => {
  const times: number[] = []
  const timer = systemClock.createTimer(() => {
    times.push(performance.now())
  })
  const startMs = performance.now()
  timer.arm(30)
  await sleep(200)
  t.equal(times.length, 1, 'once')
  // Node runs timers on the loop's cached millisecond time: allow one millisecond early.
  t.ok((times[0] ?? 0) - startMs >= 29, `after ${((times[0] ?? 0) - startMs).toFixed(1)} ms`)
})

t.test('a fractional delay is rounded up, not down to nothing', async (t) => {
  let calls = 0
  const timer = systemClock.createTimer(() => {
    calls++
  })
  timer.arm(0.25)
  t.equal(calls, 0, 'never synchronously')
  await sleep(50)
  t.equal(calls, 1)
})

t.test('arm replaces a pending call', async (t) => {
  const times: number[] = []
  const timer = systemClock.createTimer(() => {
    times.push(performance.now())
  })
  const startMs = performance.now()
  timer.arm(10_000)
  timer.arm(20)
  await sleep(100)
  t.equal(times.length, 1)
  t.ok((times[0] ?? Infinity) - startMs < 10_000, 'the earlier call, not the first one armed')
  timer.arm(20)
  timer.arm(60)
  await sleep(40)
  t.equal(times.length, 1, 'the replaced 20 ms call did not happen')
  await sleep(100)
  t.equal(times.length, 2, 'the 60 ms one did')
})

t.test('disarm cancels; disarming an idle timer does nothing', async (t) => {
  let calls = 0
  const timer = systemClock.createTimer(() => {
    calls++
  })
  timer.disarm()
  timer.arm(20)
  timer.disarm()
  timer.disarm()
  await sleep(100)
  t.equal(calls, 0)
})

t.test('the callback may re-arm its own timer', async (t) => {
  let calls = 0
  const timer = systemClock.createTimer(() => {
    if (++calls < 3) timer.arm(5)
  })
  timer.arm(5)
  await sleep(200)
  t.equal(calls, 3)
})

t.test('an armed timer does not keep the process alive', async (t) => {
  const keepAlive = setTimeout(() => {}, 10_000)
  const before = refedTimeouts()
  const timer = systemClock.createTimer(() => {})
  timer.arm(60_000)
  t.equal(refedTimeouts(), before, 'no ref-ed Timeout added')
  timer.disarm()
  clearTimeout(keepAlive)
})
