/**
 * A hashed timer wheel: O(1) schedule, cancel and reschedule of long-lived entries, one
 * `unref`ed Node timer for all of them, and no wake-up while nothing is due.
 *
 * Every connection owns a few timeouts (header, body, idle, write) and every push stream a
 * heartbeat; they are pushed back on every request or write and almost never fire. Here each
 * is an entry its owner allocates once (or is: a connection and a push stream extend
 * {@link WheelEntry}): scheduling, pushing back and cancelling are a few pointer writes with no
 * allocation, and all entries share one Node timer.
 *
 * ```
 *             currentTick: every tick up to here has been expired
 *                  |           the Node timer is armed for the first non-empty slot after it
 *                  v           v
 *   slots  +-----+-----+-----+-----+-----+-----+-----+-----+     slot = deadlineTick & mask
 *          |  0  |  1  |  2  |  3  |  4  |  5  |  6  |  7  | ... (slotCount, a power of two)
 *          +-----+-----+-----+--+--+-----+-----+--+--+-----+
 *                               |                 |
 *                   +->(S)<->[a 3]<->[b 1027]<-+  +->(S)<-+      (S) a sentinel entry heading
 *                   +--------------------------+  +-------+      a circular doubly-linked list,
 *                                                                [x n] entry x due at tick n
 *   due    (S) <-> ... entries taken out of a slot because their tick came, fired one by one
 * ```
 *
 * Delays longer than one revolution (slotCount x tickMs: 102.4 s at the defaults) wrap: an
 * entry keeps its absolute deadline tick and sits in the slot of that tick modulo slotCount;
 * visiting a slot fires the entries whose deadline has come and steps over those of a later
 * revolution (`b` above). We chose this over a hierarchical wheel with cascading overflow
 * levels because the timeouts this engine sets are seconds to a minute, inside one revolution
 * at the defaults: the wrap is the rare case, and a cascade would be code and per-entry
 * re-filing paid for nothing. An absolute deadline, rather than a rounds counter decremented
 * on each visit, keeps visits read-only and keeps a catch-up after a stall correct: one
 * revolution of visits then finds every entry that came due, whatever its round.
 *
 * Invariants:
 * - an entry is in exactly one list (a slot or `due`) iff its wheel is set, and every entry in
 *   a slot has a deadline tick greater than `currentTick`;
 * - while the wheel is not empty and not expiring, the clock timer is armed for a tick no
 *   later than the earliest deadline; while empty, no timer is armed at all.
 *
 * @module
 */

import { ErrorCode, NetservError } from '../errors.js'
import { systemClock } from './clock.js'
import type { Clock, ClockTimer } from './clock.js'

/** The longest delay {@link TimerWheel.schedule} accepts: 2^31 - 1 ms (24.8 days), as Node's. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

const DEFAULT_TICK_MS = 100
const DEFAULT_SLOT_COUNT = 1024
const MAX_SLOT_COUNT = 2 ** 20

// The links are the wheel's alone: symbol keys keep them off the entry's public face.
const kOnTimeout = Symbol('onTimeout')
const kPrev = Symbol('prev')
const kNext = Symbol('next')
const kWheel = Symbol('wheel')
const kDeadlineTick = Symbol('deadlineTick')

/**
 * What a {@link TimerWheel} schedules: the wheel's links, and the call it makes when the entry
 * comes due. A long-lived object that owns one timeout extends it and is its own entry (a
 * connection, a push stream: four fields on the object instead of a second object beside it,
 * some 50 B less each, bench/RESULTS.md); anything else uses a {@link TimerEntry}. Scheduling,
 * cancelling and rescheduling allocate nothing.
 */
export abstract class WheelEntry {
  [kPrev]: WheelEntry
  [kNext]: WheelEntry
  [kWheel]: TimerWheel | null
  [kDeadlineTick]: number

  constructor() {
    this[kPrev] = this
    this[kNext] = this
    this[kWheel] = null
    this[kDeadlineTick] = 0
  }

  /** Whether the entry is waiting on a wheel (false from the moment its callback is called). */
  get scheduled(): boolean {
    return this[kWheel] !== null
  }

  /**
   * Called when the entry comes due. It runs inside the wheel's expiry: it may schedule or
   * cancel any entry, this one included.
   */
  abstract onTimeout(): void
}

/**
 * A timeout owned by a long-lived object, allocated once and rescheduled any number of times
 * through {@link TimerWheel.schedule}.
 *
 * @typeParam T - the owner handed to `onTimeout`.
 */
export class TimerEntry<T = unknown> extends WheelEntry {
  /** The object passed to `onTimeout`, fixed at construction. */
  readonly owner: T
  // Stored with the owner erased: the constructor already checked that they match.
  readonly [kOnTimeout]: (this: void, owner: unknown) => void

  /**
   * @param owner - handed to `onTimeout` when the entry fires.
   * @param onTimeout - called with no `this` when the entry comes due; pass a module-level
   *   function, not a closure, so owners share it. It runs inside the wheel's expiry: it may
   *   schedule or cancel any entry, this one included.
   */
  constructor(owner: T, onTimeout: (this: void, owner: T) => void) {
    super()
    this.owner = owner
    this[kOnTimeout] = onTimeout as (this: void, owner: unknown) => void
  }

  /** @internal Called by the wheel: calls `onTimeout` with the owner. */
  onTimeout(): void {
    const onTimeout = this[kOnTimeout]
    onTimeout(this.owner)
  }
}

/** Options of {@link TimerWheel}. */
export interface TimerWheelOptions {
  /** Resolution in milliseconds: a positive integer. Default 100. */
  tickMs?: number
  /**
   * Number of slots, a power of two up to 2^20. One revolution (slotCount x tickMs) should
   * exceed the usual delays; longer ones still work, see the module comment. Default 1024.
   */
  slotCount?: number
  /** Time source and timer. Default {@link systemClock}. */
  clock?: Clock
  /**
   * Receives what an entry's callback threw, after which the other due entries still fire.
   * Default: rethrow it from `process.nextTick`, which crashes the process the way a throwing
   * `setTimeout` callback would, unless an `uncaughtException` handler takes it. Something this
   * function throws is rethrown the same way.
   */
  onError?: (this: void, error: unknown, entry: WheelEntry) => void
}

/**
 * A hashed timer wheel driven by one clock timer.
 *
 * Precision: an entry fires no earlier than `delayMs` after it was scheduled (by the clock's
 * `now()`, or after the `nowMs` passed to `schedule`), and at most one `tickMs` after that,
 * plus however late the event loop runs the Node timer. A whole tick late happens only to a
 * zero delay scheduled exactly on the boundary of the tick being expired (as from a callback):
 * that slot's visit is over. Entries due in the same tick fire in the order they were
 * scheduled.
 *
 * The clock timer is armed only while entries exist, for the first slot after the current
 * tick that holds any: an idle wheel does nothing, and entries far ahead cost one wake-up per
 * revolution at most, not one per tick.
 */
export class TimerWheel {
  /** Resolution in milliseconds. */
  readonly tickMs: number
  /** Number of slots (a power of two). */
  readonly slotCount: number
  readonly #mask: number
  readonly #clock: Clock
  readonly #timer: ClockTimer
  readonly #onError: (this: void, error: unknown, entry: WheelEntry) => void
  readonly #slots: WheelEntry[]
  readonly #due: WheelEntry
  #size = 0
  #currentTick: number
  // The tick the clock timer is armed for; Infinity while disarmed.
  #armedTick = Infinity
  // True while due entries are being expired: arming waits until the end of the pass.
  #expiring = false

  /** @throws NetservError `NETSERV_INVALID_ARGUMENT` when an option is out of range. */
  constructor(options: TimerWheelOptions = {}) {
    const tickMs = options.tickMs ?? DEFAULT_TICK_MS
    const slotCount = options.slotCount ?? DEFAULT_SLOT_COUNT
    if (!Number.isInteger(tickMs) || tickMs < 1 || tickMs > MAX_TIMER_DELAY_MS) {
      throw new NetservError(ErrorCode.INVALID_ARGUMENT, `tickMs must be a positive integer, got ${tickMs}`)
    }
    if (!Number.isInteger(slotCount) || slotCount < 1 || slotCount > MAX_SLOT_COUNT || (slotCount & (slotCount - 1)) !== 0) {
      throw new NetservError(
        ErrorCode.INVALID_ARGUMENT,
        `slotCount must be a power of two from 1 to ${MAX_SLOT_COUNT}, got ${slotCount}`,
      )
    }
    this.tickMs = tickMs
    this.slotCount = slotCount
    this.#mask = slotCount - 1
    this.#clock = options.clock ?? systemClock
    this.#onError = options.onError ?? rethrowLater
    // Sentinels are entries too, so every list node has one shape and unlinking never branches.
    this.#slots = Array.from({ length: slotCount }, newSentinel)
    this.#due = newSentinel()
    // The tick before the current one: a zero delay scheduled right away may fire right away.
    this.#currentTick = Math.floor(this.#clock.now() / tickMs) - 1
    this.#timer = this.#clock.createTimer(() => {
      this.#onTimer()
    })
  }

  /** How many entries are scheduled: for stats and leak tests. */
  get size(): number {
    return this.#size
  }

  /** The current time by this wheel's clock, to pass to {@link TimerWheel.schedule}. */
  now(): number {
    return this.#clock.now()
  }

  /**
   * Schedules `entry` to fire `delayMs` after `nowMs`, or moves it there if it is already
   * scheduled (on this wheel or another). O(1), allocation-free.
   *
   * Reading the clock costs more than the rest of a schedule (performance.now() is some 45 ns
   * on the bench machine, the wheel's own work a few ns: see bench/RESULTS.md), so a caller
   * that schedules several entries for one event (a chunk of pipelined requests, a fan-out)
   * reads {@link TimerWheel.now} once and passes it to each call. The precision guarantee
   * holds from `nowMs`: a time read some while before the call makes the entry fire that much
   * earlier than `delayMs` after the call.
   *
   * @param delayMs - from 0 to {@link MAX_TIMER_DELAY_MS}; fractions are fine.
   * @param nowMs - a time read from this wheel's clock; read here when omitted.
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` when `delayMs` is out of range or NaN, or
   *   `nowMs` is not finite.
   */
  schedule(entry: WheelEntry, delayMs: number, nowMs: number = this.#clock.now()): void {
    if (!(delayMs >= 0 && delayMs <= MAX_TIMER_DELAY_MS)) {
      throw new NetservError(ErrorCode.INVALID_ARGUMENT, `delayMs must be from 0 to ${MAX_TIMER_DELAY_MS}, got ${delayMs}`)
    }
    // The first tick boundary at or after the deadline: never early, under a tick late.
    let tick = Math.ceil((nowMs + delayMs) / this.tickMs)
    // A nowMs that is NaN or infinite (delayMs was checked above) would corrupt the lists.
    if (!(tick < Infinity && tick > -Infinity)) {
      throw new NetservError(ErrorCode.INVALID_ARGUMENT, `nowMs must be a finite time of the wheel's clock, got ${nowMs}`)
    }
    // When nowMs sits exactly on the boundary of the tick just expired, or was read before
    // that expiry: the visit of that slot is over, so the next tick is the earliest to come.
    if (tick <= this.#currentTick) tick = this.#currentTick + 1
    const wheel = entry[kWheel]
    if (wheel === this) {
      unlink(entry)
    } else {
      if (wheel !== null) wheel.cancel(entry)
      entry[kWheel] = this
      this.#size++
    }
    entry[kDeadlineTick] = tick
    linkLast(this.#slots[tick & this.#mask]!, entry)
    // The clock is read again rather than trusting nowMs, which may be stale: the timer would
    // go off that much late. This is the rare path: the entry became the earliest one.
    if (tick < this.#armedTick && !this.#expiring) this.#arm(tick, this.#clock.now())
  }

  /**
   * Cancels `entry` if it is scheduled (on this wheel or another); does nothing otherwise.
   * O(1), allocation-free. Stops the clock timer when the wheel becomes empty.
   */
  cancel(entry: WheelEntry): void {
    const wheel = entry[kWheel]
    if (wheel === null) return
    unlink(entry)
    entry[kWheel] = null
    // An armed timer left behind would wake once for nothing; an empty wheel holds none.
    if (--wheel.#size === 0 && !wheel.#expiring) wheel.#disarm()
  }

  /**
   * Cancels every entry without calling it and stops the clock timer. The wheel stays usable:
   * a later `schedule` arms it again.
   */
  close(): void {
    for (const sentinel of this.#slots) dropAll(sentinel)
    dropAll(this.#due)
    this.#size = 0
    this.#disarm()
  }

  #arm(tick: number, nowMs: number): void {
    this.#armedTick = tick
    // max: a deadline computed from `nowMs` can land a rounding error before it.
    this.#timer.arm(Math.max(0, tick * this.tickMs - nowMs))
  }

  #disarm(): void {
    this.#armedTick = Infinity
    this.#timer.disarm()
  }

  #onTimer(): void {
    this.#armedTick = Infinity
    const now = this.#clock.now()
    // The timer may come a little early (see ClockTimer) or late: trust only now().
    const target = Math.floor(now / this.tickMs)
    let tick = this.#currentTick
    // After a stall longer than a revolution one revolution of visits is enough: a slot holds
    // every entry due in it, whatever its round.
    if (target - tick > this.slotCount) tick = target - this.slotCount
    this.#expiring = true
    while (tick < target) {
      this.#currentTick = ++tick
      this.#expire(tick)
    }
    this.#expiring = false
    if (this.#size !== 0) this.#armNext()
  }

  #expire(tick: number): void {
    const slot = this.#slots[tick & this.#mask]!
    const due = this.#due
    // Move first, fire second: a callback may cancel or reschedule any entry, the next one of
    // a walk included, so no walk is in progress while user code runs. `due` is a list, not a
    // local array, so that a callback can cancel an entry still waiting in it.
    let entry = slot[kNext]
    while (entry !== slot) {
      const next = entry[kNext]
      if (entry[kDeadlineTick] <= tick) {
        unlink(entry)
        linkLast(due, entry)
      }
      entry = next
    }
    while ((entry = due[kNext]) !== due) {
      unlink(entry)
      entry[kWheel] = null
      this.#size--
      try {
        entry.onTimeout()
      } catch (error) {
        this.#report(error, entry)
      }
    }
  }

  // Arms for the first non-empty slot after the current tick: a slot holding only entries of
  // a later revolution costs one wake-up that finds nothing due, once per revolution.
  #armNext(): void {
    const slots = this.#slots
    const mask = this.#mask
    let tick = this.#currentTick + 1
    // Terminates: the wheel is not empty and every entry is in a slot between expiries.
    while (isEmpty(slots[tick & mask]!)) tick++
    // The clock again: the callbacks just run may have taken a while.
    this.#arm(tick, this.#clock.now())
  }

  #report(error: unknown, entry: WheelEntry): void {
    try {
      this.#onError(error, entry)
    } catch (reportError) {
      rethrowLater(reportError)
    }
  }
}

let processWheel: TimerWheel | null = null

/**
 * The process-wide wheel with the default options and the system clock, created on first use.
 * Servers take a wheel of their own where they need other options or a fake clock.
 */
export function defaultWheel(): TimerWheel {
  if (processWheel === null) processWheel = new TimerWheel()
  return processWheel
}

/** The head of a circular list of entries (a slot, or `due`). */
class Sentinel extends WheelEntry {
  // Sentinels head lists and are never due, so this never runs.
  /* c8 ignore next */
  onTimeout(): void {}
}

function newSentinel(): WheelEntry {
  return new Sentinel()
}

function isEmpty(sentinel: WheelEntry): boolean {
  return sentinel[kNext] === sentinel
}

function linkLast(sentinel: WheelEntry, entry: WheelEntry): void {
  const last = sentinel[kPrev]
  entry[kPrev] = last
  entry[kNext] = sentinel
  last[kNext] = entry
  sentinel[kPrev] = entry
}

function unlink(entry: WheelEntry): void {
  const prev = entry[kPrev]
  const next = entry[kNext]
  prev[kNext] = next
  next[kPrev] = prev
  // Self-links: a dropped entry must not keep its old neighbours (and their owners) reachable.
  entry[kPrev] = entry
  entry[kNext] = entry
}

function dropAll(sentinel: WheelEntry): void {
  let entry = sentinel[kNext]
  while (entry !== sentinel) {
    const next = entry[kNext]
    entry[kPrev] = entry
    entry[kNext] = entry
    entry[kWheel] = null
    entry = next
  }
  sentinel[kPrev] = sentinel
  sentinel[kNext] = sentinel
}

function rethrowLater(error: unknown): void {
  process.nextTick(rethrow, error)
}

function rethrow(error: unknown): never {
  throw error
}
