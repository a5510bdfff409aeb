import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import type { Test } from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { MAX_TIMER_DELAY_MS, TimerEntry, TimerWheel, defaultWheel, type WheelEntry } from '../../src/timers/timer-wheel.js'
import { FakeClock } from '../fixtures/fake-clock.js'

// A stand-in for a connection: the entry's owner, recording when its callback ran.
class Owner {
  readonly name: string
  readonly clock: FakeClock
  readonly firedAtMs: number[] = []
  readonly entry: TimerEntry<Owner>

  constructor(name: string, clock: FakeClock, onTimeout: (owner: Owner) => void = record) {
    this.name = name
    this.clock = clock
    this.entry = new TimerEntry(this, onTimeout)
  }
}

const log: string[] = []

function record(owner: Owner): void {
  owner.firedAtMs.push(owner.clock.now())
  log.push(owner.name)
}

function setup(options: { tickMs?: number; slotCount?: number; startMs?: number } = {}) {
  const clock = new FakeClock(options.startMs ?? 0)
  const errors: unknown[] = []
  const wheel = new TimerWheel({
    clock,
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    ...(options.slotCount === undefined ? {} : { slotCount: options.slotCount }),
    onError(error) {
      errors.push(error)
    },
  })
  log.length = 0
  return { clock, wheel, errors }
}

function invalidArgument(t: Test, fn: () => unknown, message: string): void {
  t.throws(fn, { name: 'NetservError', code: ErrorCode.INVALID_ARGUMENT }, message)
}

t.test('defaults, and an empty wheel holds no timer', async (t) => {
  const { clock, wheel } = setup()
  t.equal(wheel.tickMs, 100)
  t.equal(wheel.slotCount, 1024)
  t.equal(wheel.size, 0)
  t.equal(clock.timers.length, 1, 'one clock timer per wheel')
  t.equal(clock.armedCount, 0, 'not armed while empty')
  clock.advance(3_600_000)
  t.equal(clock.fireCount, 0, 'an empty wheel never wakes')
})

t.test('options out of range are rejected', async (t) => {
  for (const tickMs of [0, -1, 1.5, NaN, Infinity, MAX_TIMER_DELAY_MS + 1]) {
    invalidArgument(t, () => new TimerWheel({ tickMs }), `tickMs ${tickMs}`)
  }
  for (const slotCount of [0, 3, 1000, 1.5, NaN, 2 ** 21]) {
    invalidArgument(t, () => new TimerWheel({ slotCount }), `slotCount ${slotCount}`)
  }
  const clock = new FakeClock()
  t.equal(new TimerWheel({ clock, slotCount: 2 ** 20 }).slotCount, 2 ** 20)
})

t.test('one slot works, as a plain list visited every tick', async (t) => {
  const { clock, wheel } = setup({ tickMs: 10, slotCount: 1 })
  t.equal(wheel.slotCount, 1)
  const late = new Owner('late', clock)
  const early = new Owner('early', clock)
  wheel.schedule(late.entry, 250)
  wheel.schedule(early.entry, 25)
  clock.advance(1000)
  t.same(early.firedAtMs, [30])
  t.same(late.firedAtMs, [250])
  t.same(log, ['early', 'late'])
})

t.test('delays out of range are rejected and schedule nothing', async (t) => {
  const { clock, wheel } = setup()
  const owner = new Owner('a', clock)
  for (const delayMs of [-1, NaN, Infinity, MAX_TIMER_DELAY_MS + 1]) {
    invalidArgument(t, () => wheel.schedule(owner.entry, delayMs), `delayMs ${delayMs}`)
  }
  t.equal(wheel.size, 0)
  t.equal(owner.entry.scheduled, false)
  t.equal(clock.armedCount, 0)
  wheel.schedule(owner.entry, MAX_TIMER_DELAY_MS)
  t.equal(wheel.size, 1, 'the maximum is accepted')
  clock.advance(MAX_TIMER_DELAY_MS - 1)
  t.same(owner.firedAtMs, [])
  clock.advance(100)
  t.equal(owner.firedAtMs.length, 1, 'and fires, after thousands of revolutions')
})

t.test('a time passed to schedule is used instead of reading the clock', async (t) => {
  const { clock, wheel } = setup()
  t.equal(wheel.now(), clock.now())
  clock.advance(1000)
  t.equal(wheel.now(), 1000)
  const nowMs = wheel.now()
  const owners = Array.from({ length: 3 }, (_, i) => new Owner(`o${i}`, clock))
  for (const owner of owners) wheel.schedule(owner.entry, 500, nowMs)
  clock.advance(500)
  t.same(log, ['o0', 'o1', 'o2'], 'all fired 500 ms after the time passed')
  t.same(
    owners.map((owner) => owner.firedAtMs[0]),
    [1500, 1500, 1500],
  )
})

t.test('a stale time fires early by its age, but the timer is armed by the real clock', async (t) => {
  const { clock, wheel } = setup()
  const staleMs = wheel.now()
  clock.advance(50)
  const a = new Owner('a', clock)
  wheel.schedule(a.entry, 100, staleMs)
  t.equal(clock.timers[0]?.dueMs, 100, 'armed for 50 ms from the real now, not 100')
  clock.advance(100)
  t.same(a.firedAtMs, [100])

  // Older than the tick just expired: the next tick, never a revolution later.
  const b = new Owner('b', clock)
  wheel.schedule(b.entry, 0, staleMs)
  clock.advance(100)
  t.same(b.firedAtMs, [200])
})

t.test('a time that is not finite is rejected and schedules nothing', async (t) => {
  const { clock, wheel } = setup()
  const owner = new Owner('a', clock)
  for (const nowMs of [NaN, Infinity, -Infinity]) {
    invalidArgument(t, () => wheel.schedule(owner.entry, 100, nowMs), `nowMs ${nowMs}`)
  }
  wheel.schedule(owner.entry, 100)
  invalidArgument(t, () => wheel.schedule(owner.entry, 100, NaN), 'rescheduling with NaN')
  t.equal(wheel.size, 1)
  clock.advance(100)
  t.same(owner.firedAtMs, [100], 'a rejected reschedule left the entry as it was')
})

t.test('an entry fires no earlier than its delay and at most one tick late', async (t) => {
  const delays = [0, 0.5, 1, 50, 99, 100, 101, 250, 5_000, 102_399, 102_400, 102_401, 150_000, 1_000_000]
  let checked = 0
  for (const startMs of [0, 1, 37, 99, 100, 12_345.5]) {
    for (const delayMs of delays) {
      const { clock, wheel } = setup({ startMs: 0 })
      clock.advance(startMs)
      const owner = new Owner('a', clock)
      wheel.schedule(owner.entry, delayMs)
      clock.advance(delayMs + 200)
      const [firedAtMs, ...more] = owner.firedAtMs
      if (firedAtMs === undefined || more.length !== 0) {
        t.fail(`start ${startMs} delay ${delayMs}: fired ${owner.firedAtMs.length} times`)
        continue
      }
      const lateMs = firedAtMs - (startMs + delayMs)
      if (lateMs < 0 || lateMs > 100) t.fail(`start ${startMs} delay ${delayMs}: late by ${lateMs} ms`)
      checked++
    }
  }
  t.equal(checked, 6 * delays.length, 'every case fired once within [delay, delay + tick]')
})

t.test('the callback gets its owner and no this', async (t) => {
  const { clock, wheel } = setup()
  const owner = { calls: 0, self: undefined as unknown }
  const entry = new TimerEntry(owner, function (this: unknown, o) {
    o.calls++
    o.self = this
  })
  t.equal(entry.owner, owner)
  wheel.schedule(entry, 100)
  t.equal(entry.scheduled, true)
  clock.advance(100)
  t.equal(owner.calls, 1)
  t.equal(owner.self, undefined)
  t.equal(entry.scheduled, false, 'not scheduled once fired')
  t.equal(wheel.size, 0)
})

t.test('one clock timer for many entries, stopped when the wheel empties', async (t) => {
  const { clock, wheel } = setup()
  const owners = Array.from({ length: 1000 }, (_, i) => new Owner(`o${i}`, clock))
  owners.forEach((owner, i) => wheel.schedule(owner.entry, 1000 + i * 37))
  t.equal(wheel.size, 1000)
  t.equal(clock.armedCount, 1)
  t.equal(clock.armCount, 1, 'later entries do not re-arm')
  for (const owner of owners) wheel.cancel(owner.entry)
  t.equal(wheel.size, 0)
  t.equal(clock.armedCount, 0, 'disarmed when the last entry is cancelled')
  clock.advance(100_000)
  t.equal(clock.fireCount, 0)
  t.equal(log.length, 0, 'nothing cancelled fires')
})

t.test('the timer stops after the last entry fires', async (t) => {
  const { clock, wheel } = setup()
  wheel.schedule(new Owner('a', clock).entry, 500)
  clock.advance(500)
  t.same(log, ['a'])
  t.equal(clock.armedCount, 0)
  clock.advance(1_000_000)
  t.equal(clock.fireCount, 1, 'no wake-up after that')
})

t.test('cancel', async (t) => {
  const { clock, wheel } = setup()
  const a = new Owner('a', clock)
  const b = new Owner('b', clock)
  wheel.cancel(a.entry)
  t.equal(wheel.size, 0, 'cancelling an unscheduled entry does nothing')
  wheel.schedule(a.entry, 300)
  wheel.schedule(b.entry, 300)
  wheel.cancel(a.entry)
  wheel.cancel(a.entry)
  t.equal(wheel.size, 1, 'cancelling twice counts once')
  t.equal(a.entry.scheduled, false)
  t.equal(clock.armedCount, 1, 'still armed for b')
  clock.advance(1000)
  t.same(log, ['b'])
})

t.test('reschedule moves an entry in O(1), later or earlier', async (t) => {
  const { clock, wheel } = setup()
  const a = new Owner('a', clock)
  wheel.schedule(a.entry, 1000)
  t.equal(clock.timers[0]?.dueMs, 1000)
  // The per-request pattern: pushed further on every request; the armed timer stays put.
  for (let i = 1; i <= 5; i++) {
    clock.advance(100)
    wheel.schedule(a.entry, 1000)
  }
  t.equal(wheel.size, 1, 'rescheduling does not add')
  t.equal(clock.armCount, 1, 'later deadlines do not re-arm')
  t.equal(clock.timers[0]?.dueMs, 1000)
  for (let i = 1; i <= 10; i++) {
    clock.advance(300)
    wheel.schedule(a.entry, 1000)
  }
  // Wakes at 1000, 1800 and 2700, each time where the deadline was when last armed.
  t.equal(clock.fireCount, 3, 'a busy entry wakes the timer about once per delay, not per reschedule')
  t.equal(clock.armCount, 4, 're-armed only on those wake-ups')
  t.same(a.firedAtMs, [])
  clock.advance(1000)
  t.same(a.firedAtMs, [4500], 'fired once, 1000 ms after the last reschedule')

  // Earlier than what the timer is armed for: re-armed earlier.
  const b = new Owner('b', clock)
  wheel.schedule(b.entry, 60_000)
  t.equal(clock.timers[0]?.dueMs, 64_500)
  wheel.schedule(b.entry, 200)
  t.equal(clock.timers[0]?.dueMs, 4700, 're-armed for the earlier deadline')
  clock.advance(200)
  t.same(b.firedAtMs, [4700])
})

t.test('no wake-up per tick while entries are far away', async (t) => {
  const { clock, wheel } = setup()
  const near = new Owner('near', clock)
  wheel.schedule(near.entry, 60_000)
  clock.advance(120_000)
  t.same(near.firedAtMs, [60_000])
  t.equal(clock.fireCount, 1, 'one wake-up in 1200 ticks')

  // Beyond one revolution (102.4 s): one wake-up per revolution, not per tick.
  const far = new Owner('far', clock)
  wheel.schedule(far.entry, 600_000)
  clock.advance(600_000)
  t.same(far.firedAtMs, [720_000])
  t.ok(clock.fireCount - 1 <= 7, `${clock.fireCount - 1} wake-ups for 6000 ticks`)
})

t.test('entries of the same slot in different revolutions', async (t) => {
  const { clock, wheel } = setup({ slotCount: 8 })
  const soon = new Owner('soon', clock)
  const later = new Owner('later', clock)
  const latest = new Owner('latest', clock)
  wheel.schedule(latest.entry, 300 + 1600)
  wheel.schedule(later.entry, 300 + 800)
  wheel.schedule(soon.entry, 300)
  clock.advance(2000)
  t.same(soon.firedAtMs, [300])
  t.same(later.firedAtMs, [1100])
  t.same(latest.firedAtMs, [1900])
  t.same(log, ['soon', 'later', 'latest'])
})

t.test('entries due in the same tick fire in schedule order', async (t) => {
  const { clock, wheel } = setup()
  const owners = ['a', 'b', 'c', 'd'].map((name) => new Owner(name, clock))
  for (const owner of owners) wheel.schedule(owner.entry, 150)
  wheel.schedule(owners[1]!.entry, 160)
  clock.advance(200)
  t.same(log, ['a', 'c', 'd', 'b'], 'a rescheduled entry goes to the back')
})

t.test('a throwing callback does not break the wheel', async (t) => {
  const { clock, wheel, errors } = setup()
  const boom = new Error('boom')
  const thrower = new Owner('thrower', clock, (owner) => {
    record(owner)
    throw boom
  })
  const before = new Owner('before', clock)
  const after = new Owner('after', clock)
  const next = new Owner('next', clock)
  wheel.schedule(before.entry, 100)
  wheel.schedule(thrower.entry, 100)
  wheel.schedule(after.entry, 100)
  wheel.schedule(next.entry, 300)
  clock.advance(1000)
  t.same(log, ['before', 'thrower', 'after', 'next'], 'the rest of the tick and later ticks fire')
  t.same(errors, [boom], 'reported to onError')
  t.equal(wheel.size, 0)
})

// process.nextTick is swapped for a recorder around a synchronous expiry: what the wheel hands
// it is then run by hand, so the default report path is checked in this process too (the
// child processes below show the real crash).
function recordNextTicks(run: () => void): (() => void)[] {
  const original = process.nextTick
  const calls: (() => void)[] = []
  process.nextTick = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
    calls.push(() => callback(...args))
  }) as typeof process.nextTick
  try {
    run()
  } finally {
    process.nextTick = original
  }
  return calls
}

t.test('without onError, a callback error is rethrown from process.nextTick', async (t) => {
  const clock = new FakeClock()
  const wheel = new TimerWheel({ clock })
  const boom = new Error('boom')
  log.length = 0
  wheel.schedule(new Owner('thrower', clock, () => {
    throw boom
  }).entry, 100)
  wheel.schedule(new Owner('after', clock).entry, 100)
  const calls = recordNextTicks(() => clock.advance(100))
  t.same(log, ['after'], 'the rest of the tick fired')
  t.equal(calls.length, 1)
  t.throws(() => calls[0]?.(), boom, 'the deferred call throws the error')
})

t.test('an onError that throws is rethrown from process.nextTick', async (t) => {
  const clock = new FakeClock()
  const reportError = new Error('report')
  const wheel = new TimerWheel({
    clock,
    onError() {
      throw reportError
    },
  })
  log.length = 0
  wheel.schedule(new Owner('thrower', clock, () => {
    throw new Error('boom')
  }).entry, 100)
  wheel.schedule(new Owner('after', clock).entry, 100)
  const calls = recordNextTicks(() => clock.advance(100))
  t.same(log, ['after'])
  t.equal(calls.length, 1)
  t.throws(() => calls[0]?.(), reportError)
  t.equal(wheel.size, 0)
})

t.test('onError receives the entry', async (t) => {
  const clock = new FakeClock()
  // The wheel reports a WheelEntry: a TimerEntry here.
  const reports: [unknown, WheelEntry][] = []
  const wheel = new TimerWheel({
    clock,
    onError(error, entry) {
      reports.push([error, entry])
    },
  })
  const owner = new Owner('x', clock, () => {
    throw new Error('x')
  })
  wheel.schedule(owner.entry, 1)
  clock.advance(100)
  t.equal(reports.length, 1)
  t.equal(reports[0]?.[1], owner.entry)
  t.equal((reports[0]?.[1] as TimerEntry).owner, owner)
})

t.test('callbacks that schedule and cancel', async (t) => {
  t.test('rescheduling itself: a heartbeat', async (t) => {
    const { clock, wheel } = setup()
    const heartbeat = new Owner('hb', clock, (owner) => {
      record(owner)
      wheel.schedule(owner.entry, 1000)
    })
    wheel.schedule(heartbeat.entry, 1000)
    clock.advance(5000)
    t.same(heartbeat.firedAtMs, [1000, 2000, 3000, 4000, 5000])
    t.equal(wheel.size, 1)
    t.equal(clock.armedCount, 1)
  })

  t.test('cancelling another entry due in the same tick', async (t) => {
    const { clock, wheel } = setup()
    const victim = new Owner('victim', clock)
    const killer = new Owner('killer', clock, (owner) => {
      record(owner)
      wheel.cancel(victim.entry)
    })
    const bystander = new Owner('bystander', clock)
    wheel.schedule(killer.entry, 100)
    wheel.schedule(victim.entry, 100)
    wheel.schedule(bystander.entry, 100)
    clock.advance(500)
    t.same(log, ['killer', 'bystander'])
    t.equal(victim.entry.scheduled, false)
    t.equal(wheel.size, 0)
    t.equal(clock.armedCount, 0)
  })

  t.test('rescheduling another entry due in the same tick', async (t) => {
    const { clock, wheel } = setup()
    const moved = new Owner('moved', clock)
    const mover = new Owner('mover', clock, (owner) => {
      record(owner)
      wheel.schedule(moved.entry, 1000)
    })
    wheel.schedule(mover.entry, 100)
    wheel.schedule(moved.entry, 100)
    clock.advance(2000)
    t.same(log, ['mover', 'moved'])
    t.same(moved.firedAtMs, [1100])
  })

  t.test('cancelling an entry of a later tick, and the last one', async (t) => {
    const { clock, wheel } = setup()
    const later = new Owner('later', clock)
    const canceller = new Owner('canceller', clock, (owner) => {
      record(owner)
      wheel.cancel(later.entry)
    })
    wheel.schedule(canceller.entry, 100)
    wheel.schedule(later.entry, 5000)
    clock.advance(10_000)
    t.same(log, ['canceller'])
    t.equal(wheel.size, 0)
    t.equal(clock.armedCount, 0, 'no timer left once the pass ends empty')
    t.equal(clock.fireCount, 1)
  })

  t.test('an entry scheduled with no delay fires on the next tick, never the current one', async (t) => {
    const { clock, wheel } = setup()
    const fresh = new Owner('fresh', clock)
    const spawner = new Owner('spawner', clock, (owner) => {
      record(owner)
      // now() is exactly on the boundary of the tick being expired.
      wheel.schedule(fresh.entry, 0)
      wheel.schedule(owner.entry, 0)
    })
    wheel.schedule(spawner.entry, 100)
    clock.advance(100)
    t.same(spawner.firedAtMs, [100])
    t.same(fresh.firedAtMs, [], 'not in the same pass')
    clock.advance(100)
    t.same(fresh.firedAtMs, [200])
    t.same(spawner.firedAtMs, [100, 200], 'a zero-delay self-reschedule runs once per tick')
    wheel.cancel(spawner.entry)
  })

  t.test('closing the wheel from a callback', async (t) => {
    const { clock, wheel } = setup()
    const other = new Owner('other', clock)
    const later = new Owner('later', clock)
    const closer = new Owner('closer', clock, (owner) => {
      record(owner)
      wheel.close()
    })
    wheel.schedule(closer.entry, 100)
    wheel.schedule(other.entry, 100)
    wheel.schedule(later.entry, 300)
    clock.advance(1000)
    t.same(log, ['closer'])
    t.equal(other.entry.scheduled, false)
    t.equal(later.entry.scheduled, false)
    t.equal(wheel.size, 0)
    t.equal(clock.armedCount, 0)
  })
})

t.test('a zero delay scheduled exactly on a processed boundary goes to the next tick', async (t) => {
  const { clock, wheel } = setup()
  const a = new Owner('a', clock)
  const b = new Owner('b', clock)
  wheel.schedule(a.entry, 100)
  clock.advance(100)
  t.same(a.firedAtMs, [100])
  wheel.schedule(b.entry, 0)
  clock.advance(99)
  t.same(b.firedAtMs, [])
  clock.advance(1)
  t.same(b.firedAtMs, [200], 'not a revolution later')
})

t.test('after slow callbacks the timer is armed from the time they ended', async (t) => {
  const { clock, wheel } = setup()
  const slow = new Owner('slow', clock, (owner) => {
    record(owner)
    clock.stall(250)
  })
  const next = new Owner('next', clock)
  wheel.schedule(slow.entry, 100)
  wheel.schedule(next.entry, 300)
  clock.advance(1000)
  t.same(slow.firedAtMs, [100])
  t.same(next.firedAtMs, [350], 'right after the slow callback, not 200 ms after it')
})

t.test('a timer that goes off early fires nothing and re-arms', async (t) => {
  const { clock, wheel } = setup()
  const a = new Owner('a', clock)
  wheel.schedule(a.entry, 1000)
  clock.advance(999)
  clock.fireArmedEarly()
  t.same(a.firedAtMs, [], 'never early')
  t.equal(clock.timers[0]?.dueMs, 1000, 're-armed for the same tick')
  clock.advance(1)
  t.same(a.firedAtMs, [1000])
})

t.test('catching up after the event loop stalled', async (t) => {
  t.test('less than a revolution: every due entry once, in tick order', async (t) => {
    const { clock, wheel } = setup()
    const owners = [5000, 300, 2500, 9000, 100].map((delayMs) => new Owner(`d${delayMs}`, clock))
    owners.forEach((owner) => wheel.schedule(owner.entry, Number(owner.name.slice(1))))
    const notYet = new Owner('notYet', clock)
    wheel.schedule(notYet.entry, 20_000)
    clock.stall(10_000)
    clock.advance(0)
    t.same(log, ['d100', 'd300', 'd2500', 'd5000', 'd9000'])
    t.same(notYet.firedAtMs, [])
    t.equal(wheel.size, 1)
    clock.advance(10_000)
    t.same(notYet.firedAtMs, [20_000])
  })

  t.test('more than a revolution: one revolution of visits finds them all', async (t) => {
    const { clock, wheel } = setup({ slotCount: 16 })
    const delays = [100, 1500, 1600, 1700, 3300, 250_000]
    const owners = delays.map((delayMs) => new Owner(`d${delayMs}`, clock))
    owners.forEach((owner, i) => wheel.schedule(owner.entry, delays[i]!))
    const notYet = new Owner('notYet', clock)
    wheel.schedule(notYet.entry, 400_000)
    clock.stall(300_000)
    clock.advance(0)
    t.same(log.slice().sort(), delays.map((d) => `d${d}`).sort(), 'every due entry fired once')
    t.same(notYet.firedAtMs, [])
    t.equal(wheel.size, 1)
    clock.advance(100_000)
    t.same(notYet.firedAtMs, [400_000])
  })

  t.test('after a long idle time with an empty wheel', async (t) => {
    const { clock, wheel } = setup()
    clock.advance(10_000_000)
    const a = new Owner('a', clock)
    wheel.schedule(a.entry, 100)
    clock.advance(100)
    t.same(a.firedAtMs, [10_000_100])
  })
})

t.test('close cancels everything without firing; the wheel stays usable', async (t) => {
  const { clock, wheel } = setup()
  const owners = Array.from({ length: 10 }, (_, i) => new Owner(`o${i}`, clock))
  owners.forEach((owner, i) => wheel.schedule(owner.entry, i * 1000))
  wheel.close()
  t.equal(wheel.size, 0)
  t.equal(clock.armedCount, 0)
  t.ok(owners.every((owner) => !owner.entry.scheduled))
  clock.advance(100_000)
  t.same(log, [])
  wheel.close()
  t.equal(wheel.size, 0, 'closing twice is fine')
  const [first] = owners
  wheel.schedule(first!.entry, 100)
  clock.advance(100)
  t.same(log, ['o0'], 'a closed wheel can be used again')
})

t.test('an entry moves between wheels', async (t) => {
  const clock = new FakeClock()
  const one = new TimerWheel({ clock })
  const two = new TimerWheel({ clock })
  log.length = 0
  const a = new Owner('a', clock)
  one.schedule(a.entry, 100)
  two.schedule(a.entry, 500)
  t.equal(one.size, 0)
  t.equal(two.size, 1)
  t.equal(clock.timers[0]?.armed, false, 'the wheel it left holds no timer')
  clock.advance(1000)
  t.same(a.firedAtMs, [500])
  two.schedule(a.entry, 100)
  one.cancel(a.entry)
  t.equal(two.size, 0, 'cancel through any wheel cancels it where it is')
  t.equal(a.entry.scheduled, false)
  t.equal(clock.timers[1]?.armed, false)
})

t.test('a callback moving an entry off another wheel', async (t) => {
  const clock = new FakeClock()
  const one = new TimerWheel({ clock, tickMs: 10 })
  const two = new TimerWheel({ clock })
  log.length = 0
  const moved = new Owner('moved', clock)
  const mover = new Owner('mover', clock, (owner) => {
    record(owner)
    one.schedule(moved.entry, 10)
  })
  two.schedule(moved.entry, 5000)
  one.schedule(mover.entry, 10)
  clock.advance(100)
  t.same(log, ['mover', 'moved'])
  t.equal(two.size, 0)
  t.equal(clock.timers[1]?.armed, false)
})

t.test('size stays exact over many schedule, reschedule and cancel cycles', async (t) => {
  const { clock, wheel } = setup({ tickMs: 10, slotCount: 64 })
  const owners = Array.from({ length: 200 }, (_, i) => new Owner(`o${i}`, clock))
  let expected = 0
  let seed = 1
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  let mismatches = 0
  for (let step = 0; step < 20_000; step++) {
    const owner = owners[random(owners.length)]!
    if (random(3) === 0) {
      if (owner.entry.scheduled) expected--
      wheel.cancel(owner.entry)
    } else {
      if (!owner.entry.scheduled) expected++
      wheel.schedule(owner.entry, random(2000))
    }
    if (random(10) === 0) {
      const before = log.length
      clock.advance(random(50))
      expected -= log.length - before
    }
    if (wheel.size !== expected) mismatches++
    if ((wheel.size === 0) !== (clock.armedCount === 0)) mismatches++
  }
  t.equal(mismatches, 0, 'size matches, and a timer is armed iff entries exist')
  for (const owner of owners) wheel.cancel(owner.entry)
  t.equal(wheel.size, 0)
  t.equal(clock.armedCount, 0)
})

t.test('the default wheel fires through a real, unref-ed Node timer', async (t) => {
  const wheel = defaultWheel()
  t.equal(defaultWheel(), wheel, 'one per process')
  t.equal(wheel.tickMs, 100)
  // The wheel's timer is unref'ed: this test needs something else to keep the process up.
  const keepAlive = setTimeout(() => {}, 10_000)
  const timeoutsBefore = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
  const fired = new Promise<number>((resolve) => {
    const entry = new TimerEntry(resolve, (done) => {
      done(performance.now())
    })
    const far = new TimerEntry(null, () => {
      t.fail('cancelled entry fired')
    })
    wheel.schedule(far, 60_000)
    // Earlier than the armed timer: re-arms the real timer.
    wheel.schedule(entry, 20)
    wheel.cancel(far)
  })
  const scheduledAtMs = performance.now()
  const timeoutsArmed = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
  t.equal(timeoutsArmed, timeoutsBefore, 'the armed timer does not keep the process alive')
  const firedAtMs = await fired
  t.ok(firedAtMs - scheduledAtMs >= 19, `fired after ${(firedAtMs - scheduledAtMs).toFixed(1)} ms`)
  t.equal(wheel.size, 0)
  // Cancelling the last entry stops the real timer.
  const idle = new TimerEntry(null, () => {
    t.fail('cancelled entry fired')
  })
  wheel.schedule(idle, 10)
  wheel.cancel(idle)
  await new Promise((resolve) => setTimeout(resolve, 250))
  clearTimeout(keepAlive)
})

const root = fileURLToPath(new URL('../..', import.meta.url))

// Children run with coverage off (tap's processinfo reads this variable): coverage must come
// from this process, where it is checked, not from children that load the sources through
// another compiler and so map their lines differently.
const childEnv = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }

function runChild(mode: string): Promise<{ code: number | null; stdout: string; stderr: string; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const startMs = performance.now()
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/wheel-child.ts', mode], { cwd: root, env: childEnv })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      resolve({ code, stdout, stderr, elapsedMs: performance.now() - startMs })
    })
  })
}

t.test('processes', async (t) => {
  t.test('an idle wheel does not keep the process alive', async (t) => {
    const { code, stdout, elapsedMs } = await runChild('idle')
    t.equal(code, 0)
    t.equal(stdout, 'scheduled\n')
    t.ok(elapsedMs < 30_000, `exited after ${Math.round(elapsedMs)} ms with an entry due in 60 s`)
  })

  t.test('without onError, a throwing callback crashes the process after the tick', async (t) => {
    const { code, stdout, stderr } = await runChild('throw')
    t.not(code, 0)
    t.equal(stdout, 'fired second\n', 'the other entry of the tick fired first')
    t.match(stderr, 'thrown by first')
  })

  t.test('an onError that throws crashes the process the same way', async (t) => {
    const { code, stdout, stderr } = await runChild('throw-in-on-error')
    t.not(code, 0)
    t.equal(stdout, 'fired second\n')
    t.match(stderr, 'onError got: thrown by first')
  })
})
