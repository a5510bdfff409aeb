/**
 * The timer wheel against Node's own timers, same run, same delays (30 s, never reached):
 *
 * - schedule+cancel: 100k timers set then cancelled, the way connections arm a timeout and
 *   clear it when the awaited bytes arrive. Wheel: `schedule` + `cancel` of preallocated
 *   entries (the wheel is empty before and after, so each run also arms and stops its one
 *   Node timer). Peer: `setTimeout` + `clearTimeout`.
 * - reschedule: 100k timers already pending, each pushed back once, the per-request pattern
 *   of a keep-alive idle timeout. Wheel: `schedule` of an already-scheduled entry. Peer:
 *   `timeout.refresh()`.
 *
 * Each wheel task runs twice: reading the clock in every `schedule` (performance.now(), the
 * default), and with one `wheel.now()` per batch passed to every call, as a connection does
 * for the requests of one chunk. Node's timers read the event loop's cached time instead.
 *
 * One task iteration handles all 100k; the figures below are per timer (iterations x 100k).
 *
 * Run: npx tsx bench/wheel.bench.ts   (against src/; lib/ is the same code compiled)
 */
import { Bench } from 'tinybench'
import { TimerEntry, TimerWheel } from '../src/timers/timer-wheel.js'

const COUNT = 100_000
const DELAY_MS = 30_000

let sink = 0
function onTimeout(owner: number): void {
  sink += owner
}
function noop(): void {}

const scheduleWheel = new TimerWheel()
const scheduleEntries = Array.from({ length: COUNT }, (_, i) => new TimerEntry(i, onTimeout))
const timeouts: (NodeJS.Timeout | undefined)[] = new Array<NodeJS.Timeout | undefined>(COUNT).fill(undefined)

const rescheduleWheel = new TimerWheel()
const rescheduleEntries = Array.from({ length: COUNT }, (_, i) => new TimerEntry(i, onTimeout))
for (const entry of rescheduleEntries) rescheduleWheel.schedule(entry, DELAY_MS)
const refreshTimeouts = Array.from({ length: COUNT }, () => setTimeout(noop, DELAY_MS).unref())

function wheelScheduleCancel(): void {
  for (let i = 0; i < COUNT; i++) scheduleWheel.schedule(scheduleEntries[i]!, DELAY_MS)
  sink += scheduleWheel.size
  for (let i = 0; i < COUNT; i++) scheduleWheel.cancel(scheduleEntries[i]!)
}

function setClearTimeout(): void {
  for (let i = 0; i < COUNT; i++) timeouts[i] = setTimeout(noop, DELAY_MS)
  sink += timeouts.length
  for (let i = 0; i < COUNT; i++) clearTimeout(timeouts[i])
}

function wheelScheduleCancelBatched(): void {
  const nowMs = scheduleWheel.now()
  for (let i = 0; i < COUNT; i++) scheduleWheel.schedule(scheduleEntries[i]!, DELAY_MS, nowMs)
  sink += scheduleWheel.size
  for (let i = 0; i < COUNT; i++) scheduleWheel.cancel(scheduleEntries[i]!)
}

function wheelReschedule(): void {
  for (let i = 0; i < COUNT; i++) rescheduleWheel.schedule(rescheduleEntries[i]!, DELAY_MS)
  sink += rescheduleWheel.size
}

function wheelRescheduleBatched(): void {
  const nowMs = rescheduleWheel.now()
  for (let i = 0; i < COUNT; i++) rescheduleWheel.schedule(rescheduleEntries[i]!, DELAY_MS, nowMs)
  sink += rescheduleWheel.size
}

function timeoutRefresh(): void {
  for (let i = 0; i < COUNT; i++) refreshTimeouts[i]!.refresh()
  sink += refreshTimeouts.length
}

// Check once before timing: every task leaves what it should.
for (const run of [wheelScheduleCancel, wheelScheduleCancelBatched]) {
  const sinkBefore = sink
  run()
  if (sink - sinkBefore !== COUNT) throw new Error(`${run.name} did not schedule them all`)
  if (scheduleWheel.size !== 0 || scheduleEntries.some((entry) => entry.scheduled)) throw new Error(`${run.name} left entries`)
}
setClearTimeout()
if (timeouts.some((timeout) => timeout === undefined || timeout.hasRef() !== true)) throw new Error('setTimeout did not run')
for (const run of [wheelReschedule, wheelRescheduleBatched]) {
  run()
  if (rescheduleWheel.size !== COUNT || !rescheduleEntries.every((entry) => entry.scheduled)) throw new Error(`${run.name} lost entries`)
}
timeoutRefresh()

const bench = new Bench({ time: 2000, warmupTime: 500 })
bench
  .add('wheel schedule+cancel', wheelScheduleCancel)
  .add('wheel schedule+cancel, batched now', wheelScheduleCancelBatched)
  .add('setTimeout+clearTimeout', setClearTimeout)
  .add('wheel reschedule', wheelReschedule)
  .add('wheel reschedule, batched now', wheelRescheduleBatched)
  .add('timeout.refresh()', timeoutRefresh)

await bench.run()

const timersPerSecond = new Map<string, number>()
for (const task of bench.tasks) {
  const result = task.result
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`)
  timersPerSecond.set(task.name, (1000 / result.period) * COUNT)
}
function line(name: string, peer: string): void {
  const ops = timersPerSecond.get(name)!
  const ratio = ops / timersPerSecond.get(peer)!
  const formatted = Math.round(ops).toLocaleString('en-US').padStart(13)
  process.stdout.write(`${name.padEnd(35)} ${formatted} timers/s  x${ratio.toFixed(1)} vs ${peer}\n`)
}
process.stdout.write(`${process.version} ${process.arch}, ${COUNT} timers per iteration\n`)
line('wheel schedule+cancel', 'setTimeout+clearTimeout')
line('wheel schedule+cancel, batched now', 'setTimeout+clearTimeout')
line('setTimeout+clearTimeout', 'setTimeout+clearTimeout')
line('wheel reschedule', 'timeout.refresh()')
line('wheel reschedule, batched now', 'timeout.refresh()')
line('timeout.refresh()', 'timeout.refresh()')
for (const timeout of refreshTimeouts) clearTimeout(timeout)
rescheduleWheel.close()
process.stdout.write(`(sink ${sink !== 0})\n`)
