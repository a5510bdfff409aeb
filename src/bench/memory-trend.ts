/**
 * Whether a server's memory stayed flat over a soak: readings taken every few seconds, the
 * warm-up left out, then the first reading against the last and the least-squares line
 * through all of them (one reading is noise: a GC that ran late, a pool that grew once; a
 * leak shows as a slope that every reading agrees on).
 */

/** One reading: when (ms since the run began) and how much (bytes). */
export interface MemoryReading {
  readonly atMs: number
  readonly bytes: number
}

/** A straight line y = intercept + slope x. */
export interface FittedLine {
  readonly slope: number
  readonly intercept: number
}

/** What {@link memoryTrend} finds. */
export interface MemoryTrend {
  /** Readings after the warm-up. */
  readonly readings: number
  /** The first reading after the warm-up, and the last (bytes). */
  readonly firstBytes: number
  readonly lastBytes: number
  /** last / first - 1. */
  readonly growth: number
  /** The fitted line's slope, bytes per minute. */
  readonly slopeBytesPerMinute: number
  /** The fitted line's rise from the first reading's time to the last one's, over its value at the first. */
  readonly fittedGrowth: number
}

/** The least-squares line through `points` ([x, y]); NaN slope and intercept with fewer than two distinct x. */
export function fitLine(points: ReadonlyArray<readonly [number, number]>): FittedLine {
  const count = points.length
  let sumX = 0
  let sumY = 0
  for (const [x, y] of points) {
    sumX += x
    sumY += y
  }
  const meanX = sumX / count
  const meanY = sumY / count
  let sxx = 0
  let sxy = 0
  for (const [x, y] of points) {
    sxx += (x - meanX) * (x - meanX)
    sxy += (x - meanX) * (y - meanY)
  }
  if (!(sxx > 0)) return { slope: Number.NaN, intercept: Number.NaN }
  const slope = sxy / sxx
  return { slope, intercept: meanY - slope * meanX }
}

/** The trend of the readings taken at or after `warmupMs`; NaN figures when fewer than two. */
export function memoryTrend(readings: readonly MemoryReading[], warmupMs: number): MemoryTrend {
  const judged = readings.filter((reading) => reading.atMs >= warmupMs)
  const first = judged[0]
  const last = judged.at(-1)
  if (first === undefined || last === undefined || judged.length < 2) {
    return { readings: judged.length, firstBytes: first?.bytes ?? Number.NaN, lastBytes: last?.bytes ?? Number.NaN, growth: Number.NaN, slopeBytesPerMinute: Number.NaN, fittedGrowth: Number.NaN }
  }
  const line = fitLine(judged.map((reading) => [reading.atMs, reading.bytes] as const))
  const atFirst = line.intercept + line.slope * first.atMs
  return {
    readings: judged.length,
    firstBytes: first.bytes,
    lastBytes: last.bytes,
    growth: last.bytes / first.bytes - 1,
    slopeBytesPerMinute: line.slope * 60_000,
    fittedGrowth: (line.slope * (last.atMs - first.atMs)) / atFirst,
  }
}
