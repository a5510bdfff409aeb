/**
 * The median the harnesses report over rounds and sessions. A value not measured (NaN, or null
 * once it has gone through JSON) is left out rather than sorted in: NaN breaks the sort's order.
 */
export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => typeof value === 'number' && !Number.isNaN(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}
