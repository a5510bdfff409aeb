/**
 * Memory of a held connection: V8 heap and RSS per connection at 10k connections, for
 * netserv (lib/, what ships), node:http and the raw `net` floor (a bare net.Socket kept in a
 * Set). Two workloads:
 *
 * - `idle` (default): an idle keep-alive connection after one request and its answer;
 * - `sse`: an SSE subscriber, a stream held open after its head (netserv: `openStream(res,
 *   'sse')` kept in a Set and left on close, as bench/peers/fanout-server.js does; raw net:
 *   the socket that got a prebuilt 200 head, in a Set; node:http: writeHead + flushHeaders).
 *
 *   npm run build && npx tsx bench/connection-memory.ts [--workload idle|sse]
 *       [--close-listener closure|shared] [--connections 10000] [--rounds 3] [--snapshot] [--top 20]
 *
 * `--close-listener`: how netserv's SSE handler leaves its Set on close: a closure per stream
 * (default, as a user writes it and bench/fanout's server does) or one shared function, which
 * PushStream.onClose allows (the listener gets the stream).
 *
 * Each server runs alone in a child (bench/peers/memory-server.js, `--expose-gc`, no tsx
 * loader); the clients run in another child (bench/peers/memory-client.js) bound to
 * 127.0.1.1-254. Each connection makes one request and reads its answer (idle) or its head
 * (sse), so it is a real keep-alive connection after a response, or a subscriber, then idles. The server measures itself when asked
 * over IPC (heapUsed after forced gcs, and RSS): once after a warm-up batch of connections has
 * come and gone (so code, pools and first-use caches are in the baseline), once with all
 * connections held. Per connection = (held - baseline) / connections. Rounds are interleaved
 * across servers; medians are reported. RSS is also given without V8's young generation (its
 * resident new space): V8 grows it with the allocation rate while the connections open, and
 * keeps it, so part of the RSS a burst of connections adds is sized by what was allocated
 * and thrown away then, not by what each connection holds.
 *
 * `--snapshot` also writes a heap snapshot at the baseline and with the connections held, for
 * each server, and prints which objects (by constructor or kind) a connection adds, from the
 * difference of the two: count and self bytes per connection.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ask } from './ask-child.js'
import { kill, stopAll, watch } from './child-processes.js'
import { heapGrowth, printHeapGrowth } from './heap-snapshot-difference.js'
import { median } from './median.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const serverScript = join(root, 'bench/peers/memory-server.js')
const clientScript = join(root, 'bench/peers/memory-client.js')

const KINDS = ['netserv', 'node:http', 'raw-net'] as const
type Kind = (typeof KINDS)[number]

const { values: options } = parseArgs({
  options: {
    workload: { type: 'string', default: 'idle' },
    'close-listener': { type: 'string', default: 'closure' },
    connections: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '500' },
    snapshot: { type: 'boolean', default: false },
    top: { type: 'string', default: '20' },
  },
})
const workload = options.workload
if (workload !== 'idle' && workload !== 'sse') throw new Error(`--workload must be idle or sse, got ${workload}`)
const connectionCount = Number(options.connections)
const rounds = Number(options.rounds)
const warmupCount = Number(options.warmup)
const topCount = Number(options.top)

interface Measured {
  type: 'measured'
  heapUsed: number
  rss: number
  external: number
  arrayBuffers: number
  youngGeneration: number
  connections: number
}

interface PerConnection {
  heapBytes: number
  rssBytes: number
  /** RSS less the young generation's resident bytes. */
  rssOldBytes: number
  externalBytes: number
}

function start(script: string, args: string[], execArgv: string[]): ChildProcess {
  // execArgv given explicitly: the children must not inherit tsx's loader (it would sit in the heap).
  return watch(fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

interface Session {
  baseline: Measured
  held: Measured
  snapshots: [string, string] | null
}

async function measureOnce(kind: Kind, snapshotDirectory: string | null): Promise<Session> {
  const server = start(serverScript, ['--kind', kind, '--workload', workload, '--close-listener', options['close-listener']], ['--expose-gc'])
  const client = start(clientScript, [], [])
  try {
    const { port } = await ask<{ port: number }>(server, null, 'listening', 10_000)
    // Warm-up: the first connections JIT the paths and fill first-use caches; they close again.
    const warm = await ask<{ failed: number }>(client, { type: 'open', port, count: warmupCount, workload }, 'opened')
    if (warm.failed > 0) throw new Error(`${kind}: ${warm.failed} warm-up connections failed`)
    await ask(client, { type: 'close' }, 'closed')
    await until(async () => (await ask<Measured>(server, { type: 'measure' }, 'measured')).connections === 0, `${kind} to see its warm-up connections close`)
    const baseline = await ask<Measured>(server, { type: 'measure' }, 'measured')
    let before = ''
    if (snapshotDirectory !== null) {
      before = (await ask<{ path: string }>(server, { type: 'snapshot', path: join(snapshotDirectory, `${kind}-0.heapsnapshot`) }, 'snapshot')).path
    }
    const opened = await ask<{ open: number; failed: number }>(client, { type: 'open', port, count: connectionCount, workload }, 'opened', 300_000)
    if (opened.failed > 0 || opened.open !== connectionCount) throw new Error(`${kind}: ${opened.failed} of ${connectionCount} connections failed`)
    const held = await ask<Measured>(server, { type: 'measure' }, 'measured')
    if (held.connections !== connectionCount) throw new Error(`${kind} holds ${held.connections} connections, expected ${connectionCount}`)
    let snapshots: [string, string] | null = null
    if (snapshotDirectory !== null) {
      const after = (await ask<{ path: string }>(server, { type: 'snapshot', path: join(snapshotDirectory, `${kind}-${connectionCount}.heapsnapshot`) }, 'snapshot')).path
      snapshots = [before, after]
    }
    return { baseline, held, snapshots }
  } finally {
    kill(client)
    kill(server)
  }
}

function perConnection(session: Session): PerConnection {
  const { baseline, held } = session
  return {
    heapBytes: (held.heapUsed - baseline.heapUsed) / connectionCount,
    rssBytes: (held.rss - baseline.rss) / connectionCount,
    rssOldBytes: (held.rss - held.youngGeneration - (baseline.rss - baseline.youngGeneration)) / connectionCount,
    externalBytes: (held.external - baseline.external) / connectionCount,
  }
}

// --- heap snapshot difference

function printSnapshotDifference(kind: Kind, [before, after]: [string, string]): void {
  const rows = heapGrowth(before, after, connectionCount)
  const total = rows.reduce((sum, row) => sum + row.bytes, 0)
  console.log(`\n${kind}: what one connection adds to the heap (snapshot difference, ${(total / 1024).toFixed(2)} KiB in all; ${statSync(after).size >> 20} MiB snapshot)`)
  printHeapGrowth(rows, 'connection', topCount)
}

async function main(): Promise<void> {
  try {
    statSync(join(root, 'lib/server/server.js'))
  } catch {
    throw new Error('lib/ is missing: run `npm run build` first')
  }
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}, node ${process.version}`)
  const what = workload === 'sse' ? `SSE subscribers (a stream held open after its head; netserv's close listener: ${options['close-listener']})` : 'idle keep-alive connections after one request each'
  console.log(`${connectionCount} ${what}; ${rounds} rounds, interleaved; medians\n`)
  const results = new Map<Kind, PerConnection[]>(KINDS.map((kind) => [kind, []]))
  const snapshotDirectory = options.snapshot ? mkdtempSync(join(tmpdir(), 'netserv-heap-')) : null
  try {
    for (let round = 0; round < rounds; round++) {
      for (const kind of KINDS) {
        const session = await measureOnce(kind, null)
        const figures = perConnection(session)
        results.get(kind)?.push(figures)
        console.log(
          `round ${round + 1}  ${kind.padEnd(10)} heap ${figures.heapBytes.toFixed(0).padStart(5)} B/conn  rss ${figures.rssBytes.toFixed(0).padStart(6)} B/conn` +
            `  rss w/o young gen ${figures.rssOldBytes.toFixed(0).padStart(6)} B/conn` +
            `  external ${figures.externalBytes.toFixed(0).padStart(5)} B/conn  (heap ${(session.baseline.heapUsed / 2 ** 20).toFixed(1)} -> ${(session.held.heapUsed / 2 ** 20).toFixed(1)} MiB)`,
        )
      }
    }
    printSummary(results)
    // Snapshots in sessions of their own: writing one grows the RSS it would be measured with.
    if (snapshotDirectory !== null) {
      for (const kind of KINDS) {
        const session = await measureOnce(kind, snapshotDirectory)
        if (session.snapshots !== null) printSnapshotDifference(kind, session.snapshots)
      }
    }
  } finally {
    if (snapshotDirectory !== null) rmSync(snapshotDirectory, { recursive: true, force: true })
  }
}

function printSummary(results: Map<Kind, PerConnection[]>): void {
  const medians = new Map(KINDS.map((kind) => {
    const list = results.get(kind) ?? []
    return [
      kind,
      { heap: median(list.map((r) => r.heapBytes)), rss: median(list.map((r) => r.rssBytes)), rssOld: median(list.map((r) => r.rssOldBytes)), external: median(list.map((r) => r.externalBytes)) },
    ] as const
  }))
  const floor = medians.get('raw-net')
  console.log(`\n| server | heap per connection | RSS per connection | RSS w/o young gen | external per connection | heap vs raw net | RSS vs raw net | RSS w/o young gen vs raw |`)
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const [kind, m] of medians) {
    const ratio = (value: number, base: number | undefined): string => (base === undefined ? '-' : `${(value / base).toFixed(2)}x`)
    console.log(
      `| ${kind} | ${(m.heap / 1024).toFixed(2)} KiB | ${(m.rss / 1024).toFixed(2)} KiB | ${(m.rssOld / 1024).toFixed(2)} KiB | ${(m.external / 1024).toFixed(2)} KiB | ` +
        `${ratio(m.heap, floor?.heap)} | ${ratio(m.rss, floor?.rss)} | ${ratio(m.rssOld, floor?.rssOld)} |`,
    )
  }
  console.log(`\ntarget: netserv heap per connection <= 1.25x raw net${workload === 'sse' ? ' (issue 7: heap and RSS)' : ''}`)
  console.log('(heap: V8 heapUsed after forced gcs; RSS includes the native socket objects and malloc slack, so it is noisier)')
}

try {
  await main()
} finally {
  stopAll()
}
