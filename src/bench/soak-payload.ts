/**
 * What each soak message carries: its number on its channel (1, 2, 3...: the publisher's
 * count, so a subscriber knows what it should have had) and when it was published, on the
 * clock every process of the machine shares (CLOCK_MONOTONIC, µs), so a subscriber in another
 * process can tell the delay. JSON, as a backend would send, padded to a size. Subscribers
 * read it back byte by byte (./soak-event-reader.ts), in this order of fields.
 */

/** `{"n":N,"t":T,"p":"xxx"}`, padded with `x` to `bytes` when it is shorter. */
export function encodeSoakPayload(n: number, publishedUs: number, bytes: number): string {
  const bare = `{"n":${n},"t":${publishedUs},"p":""}`
  return bytes > bare.length ? `{"n":${n},"t":${publishedUs},"p":"${'x'.repeat(bytes - bare.length)}"}` : bare
}

/** The shared clock of the payload's `t`: CLOCK_MONOTONIC in µs. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}
