/**
 * What a connection-count run (./connection-ramp.ts) says, as figures and as text: per step a
 * table row, per run the memory one connection costs, and whether heartbeats kept time.
 */
import { perConnection, slopePerConnection, type MemoryReading, type RampResult, type RampStep } from './connection-ramp.js'
import { formatBytes, formatCount, formatTable } from './text-table.js'

/**
 * A stream is on time when its longest silence stays within this many heartbeat intervals:
 * some slack for a loaded machine delivering to many streams at once, far less than a missed
 * heartbeat (which shows as two intervals of silence).
 */
export const ON_TIME_FACTOR = 1.2

/** Memory one connection costs, bytes, each way of reading it. */
export interface ConnectionCost {
  /** (last step - baseline) / connections open at the last step. */
  readonly rssBytes: number
  readonly pssBytes: number
  readonly ussBytes: number
  readonly heapBytes: number
  /** Least-squares slope over the steps. */
  readonly rssSlopeBytes: number
  readonly pssSlopeBytes: number
  readonly ussSlopeBytes: number
  readonly heapSlopeBytes: number
}

const RSS = (reading: MemoryReading): number => reading.rssBytes
const PSS = (reading: MemoryReading): number => reading.pssBytes
const USS = (reading: MemoryReading): number => reading.ussBytes
const HEAP = (reading: MemoryReading): number => reading.heapBytes

/** The cost per connection of a run; NaN everywhere when it has no step. */
export function connectionCost(result: RampResult): ConnectionCost {
  const last = result.steps.at(-1)
  const from = (pick: (reading: MemoryReading) => number): number => (last === undefined ? Number.NaN : perConnection(result.baseline, last, pick))
  return {
    rssBytes: from(RSS),
    pssBytes: from(PSS),
    ussBytes: from(USS),
    heapBytes: from(HEAP),
    rssSlopeBytes: slopePerConnection(result.steps, RSS),
    pssSlopeBytes: slopePerConnection(result.steps, PSS),
    ussSlopeBytes: slopePerConnection(result.steps, USS),
    heapSlopeBytes: slopePerConnection(result.steps, HEAP),
  }
}

/** Whether the step's streams all heard from the server within {@link ON_TIME_FACTOR} intervals. */
export function heartbeatsOnTime(step: RampStep, heartbeatMs: number): boolean {
  return step.maxGapMs <= heartbeatMs * ON_TIME_FACTOR
}

/** Whether every step's streams were on time; null with no step to judge. */
export function allHeartbeatsOnTime(steps: readonly RampStep[], heartbeatMs: number): boolean | null {
  return steps.length === 0 ? null : steps.every((step) => heartbeatsOnTime(step, heartbeatMs))
}

/** The verdict as a line of text. */
export function heartbeatLine(onTime: boolean, heartbeatMs: number): string {
  return `heartbeats (every ${heartbeatMs} ms): ${onTime ? 'on time at every step' : 'LATE at some step'}\n`
}

/** A share of a core as a percentage, `-` when unknown. */
function percent(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(2)}%` : '-'
}

/** One row per step (and the baseline), as a Markdown table. */
export function stepTable(result: RampResult, heartbeatMs: number): string {
  const row = (name: string, reading: MemoryReading, step: RampStep | null): string[] => [
    name,
    step === null ? '0' : formatCount(step.open),
    step === null ? '' : formatCount(step.refused),
    step === null ? '' : formatCount(step.dropped),
    formatBytes(reading.rssBytes),
    formatBytes(reading.pssBytes),
    formatBytes(reading.ussBytes),
    formatBytes(reading.heapBytes),
    step === null ? '' : percent(step.cpuShare),
    step === null || Number.isNaN(step.maxGapMs) ? '' : `${formatCount(step.maxGapMs)} ms${heartbeatsOnTime(step, heartbeatMs) ? '' : ' LATE'}`,
  ]
  return formatTable(
    [
      { heading: 'step' },
      { heading: 'open', numeric: true },
      { heading: 'refused', numeric: true },
      { heading: 'dropped', numeric: true },
      { heading: 'RSS', numeric: true },
      { heading: 'PSS', numeric: true },
      { heading: 'USS', numeric: true },
      { heading: 'V8 heap', numeric: true },
      { heading: 'CPU at rest', numeric: true },
      { heading: 'longest silence', numeric: true },
    ],
    [row('baseline', result.baseline, null), ...result.steps.map((step, index) => row(`${index + 1}: ${formatCount(step.connections)}`, step, step))],
  )
}

/** Two lines: the cost per connection, from the baseline and as a slope. */
export function costLines(cost: ConnectionCost): string {
  const line = (how: string, rss: number, pss: number, uss: number, heap: number): string =>
    `per connection (${how}): RSS ${formatBytes(rss)}, PSS ${formatBytes(pss)}, USS ${formatBytes(uss)}, V8 heap ${formatBytes(heap)}\n`
  return (
    line('last step - baseline', cost.rssBytes, cost.pssBytes, cost.ussBytes, cost.heapBytes) +
    line('slope over the steps', cost.rssSlopeBytes, cost.pssSlopeBytes, cost.ussSlopeBytes, cost.heapSlopeBytes)
  )
}
