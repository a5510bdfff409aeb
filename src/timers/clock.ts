/**
 * The time source a timer wheel reads and the one timer it arms. Abstracted so tests
 * drive a wheel through a fake clock (test/fixtures/fake-clock.ts) deterministically, and so a
 * wheel never touches `setTimeout` or `performance` directly.
 *
 * @module
 */

/**
 * A single one-shot timer. At most one call is pending at a time: `arm` replaces it.
 *
 * A timer may call back a little early by the clock's own {@link Clock.now} (Node's timers
 * run on the event loop's cached millisecond time); its user must check `now()` when called.
 */
export interface ClockTimer {
  /**
   * Calls back once, about `delayMs` milliseconds from now, replacing any pending call.
   * `delayMs` is finite and not negative; it may be fractional.
   */
  arm(delayMs: number): void
  /** Cancels the pending call, if any. */
  disarm(): void
}

/** A monotonic time source that can create timers. */
export interface Clock {
  /** Milliseconds since an arbitrary fixed origin; monotonic, may be fractional. */
  now(): number
  /**
   * A new timer that calls `onTimer` (with no `this`) each time it goes off. The clock keeps no
   * reference to an unarmed timer.
   */
  createTimer(onTimer: (this: void) => void): ClockTimer
}

class SystemTimer implements ClockTimer {
  #timeout: NodeJS.Timeout | null = null
  // Bound once per timer (one per wheel), so arming passes no arguments and builds no closure.
  readonly #fire: () => void

  constructor(onTimer: (this: void) => void) {
    this.#fire = () => {
      // Forget the spent Timeout before calling back: the callback usually re-arms.
      this.#timeout = null
      onTimer()
    }
  }

  arm(delayMs: number): void {
    if (this.#timeout !== null) clearTimeout(this.#timeout)
    // Node has no call that moves a pending Timeout to a new delay, so re-arming costs one
    // Timeout object; a wheel re-arms once per wake-up, or when a new entry becomes the
    // earliest. unref: an idle server must not keep the process alive.
    this.#timeout = setTimeout(this.#fire, Math.ceil(delayMs))
    this.#timeout.unref()
  }

  disarm(): void {
    if (this.#timeout !== null) {
      clearTimeout(this.#timeout)
      this.#timeout = null
    }
  }
}

/**
 * The real clock: `performance.now()` and one `unref`ed `setTimeout` per armed timer, so a
 * process with nothing else to do exits even while timers are armed.
 */
export const systemClock: Clock = {
  now(): number {
    return performance.now()
  },
  createTimer(onTimer: (this: void) => void): ClockTimer {
    return new SystemTimer(onTimer)
  },
}
