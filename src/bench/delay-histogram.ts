/**
 * Delays from publish to receipt, counted in 1 ms buckets up to a bound (longer ones in one
 * overflow count, the longest kept exactly), so that a soak's hundreds of millions of
 * deliveries cost a fixed array, and client processes can merge theirs.
 */
import { ErrorCode, NetservError } from '../errors.js'

/** A histogram's counts as sent between processes: [bucket, count] pairs where count > 0. */
export interface DelayHistogramData {
  readonly boundMs: number
  readonly buckets: ReadonlyArray<readonly [number, number]>
  readonly overflow: number
  readonly maxMs: number
}

/** See the file comment. */
export class DelayHistogram {
  readonly boundMs: number
  readonly #counts: Float64Array
  #overflow = 0
  #count = 0
  #maxMs = 0

  /** Buckets 0 ms, 1 ms, ... `boundMs - 1` ms; 120 s by default. */
  constructor(boundMs = 120_000) {
    this.boundMs = boundMs
    this.#counts = new Float64Array(boundMs)
  }

  /** Delays counted. */
  get count(): number {
    return this.#count
  }

  /** The longest delay counted, ms (0 for none). */
  get maxMs(): number {
    return this.#maxMs
  }

  /** Counts one delay, ms; a negative one (clock jitter between processes) counts as 0. */
  record(delayMs: number): void {
    const bucket = delayMs < 0 ? 0 : Math.floor(delayMs)
    if (bucket < this.boundMs) this.#counts[bucket] = (this.#counts[bucket] as number) + 1
    else this.#overflow++
    this.#count++
    if (delayMs > this.#maxMs) this.#maxMs = delayMs
  }

  /**
   * The delay that a share `q` (0 to 1) of the counted ones do not exceed, to the bucket's upper
   * edge (ms): a bound, never an understatement. The overflow answers with the longest. NaN when
   * empty.
   */
  quantile(q: number): number {
    if (this.#count === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil(q * this.#count))
    let seen = 0
    for (let bucket = 0; bucket < this.boundMs; bucket++) {
      seen += this.#counts[bucket] as number
      if (seen >= rank) return Math.min(bucket + 1, this.#maxMs)
    }
    return this.#maxMs
  }

  /**
   * Adds the counts of another histogram of the same bound.
   * @throws NetservError `NETSERV_INVALID_ARGUMENT` when the bounds differ
   */
  merge(data: DelayHistogramData): void {
    if (data.boundMs !== this.boundMs) {
      throw new NetservError(ErrorCode.INVALID_ARGUMENT, `cannot merge a ${data.boundMs} ms histogram into a ${this.boundMs} ms one`)
    }
    for (const [bucket, count] of data.buckets) {
      this.#counts[bucket] = (this.#counts[bucket] as number) + count
      this.#count += count
    }
    this.#overflow += data.overflow
    this.#count += data.overflow
    if (data.maxMs > this.#maxMs) this.#maxMs = data.maxMs
  }

  /** The counts, to send to another process. */
  toData(): DelayHistogramData {
    const buckets: Array<[number, number]> = []
    for (let bucket = 0; bucket < this.boundMs; bucket++) {
      const count = this.#counts[bucket] as number
      if (count > 0) buckets.push([bucket, count])
    }
    return { boundMs: this.boundMs, buckets, overflow: this.#overflow, maxMs: this.#maxMs }
  }
}
