/**
 * What each soak message carries: its number on its channel (1, 2, 3...: the publisher's
 * count, so a subscriber knows what it should have had) and when it was published, on the
 * clock every process of the machine shares (CLOCK_MONOTONIC, µs), so a subscriber in another
 * process can tell the delay. JSON, as a backend would send, padded to a size; read back
 * without JSON.parse: a subscriber reads a million of these a second.
 */

/** What a subscriber reads back from one message. */
export interface SoakPayload {
  readonly n: number
  readonly publishedUs: number
}

/** `{"n":N,"t":T,"p":"xxx"}`, padded with `x` to `bytes` when it is shorter. */
export function encodeSoakPayload(n: number, publishedUs: number, bytes: number): string {
  const bare = `{"n":${n},"t":${publishedUs},"p":""}`
  return bytes > bare.length ? `{"n":${n},"t":${publishedUs},"p":"${'x'.repeat(bytes - bare.length)}"}` : bare
}

/** The payload of `data`, or null when it is not one {@link encodeSoakPayload} made. */
export function decodeSoakPayload(data: string): SoakPayload | null {
  if (!data.startsWith('{"n":')) return null
  const comma = data.indexOf(',"t":', 5)
  const end = data.indexOf(',"p":', comma + 5)
  if (comma === -1 || end === -1) return null
  const n = Number(data.slice(5, comma))
  const publishedUs = Number(data.slice(comma + 5, end))
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(publishedUs) || comma === 5 || end === comma + 5) return null
  return { n, publishedUs }
}

/** The shared clock of {@link SoakPayload.publishedUs}: CLOCK_MONOTONIC in µs. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}
