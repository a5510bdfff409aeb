/**
 * The connection-count benchmark behind `netserv bench connections`: opens connections to a
 * server in steps (idle keep-alive, or SSE subscriptions), holds each step, and reads what the
 * server pays for them.
 *
 * The connections come from several client processes (./connection-client.ts), each bound to
 * its own source address 127.0.1.<firstAddress + k>: one process holds at most `ulimit -n`
 * sockets, one source address reaches one port through at most ~28k local ports.
 *
 * Per step: open up to the step's count, then hold for `holdMs` and read
 * - the server's CPU over the hold (its whole process tree, /proc/<pid>/stat): at rest, that
 *   is the cost of holding the connections (heartbeats, timers);
 * - the longest silence any SSE stream saw from the start of the hold to its end (a stream
 *   whose heartbeats stop shows the whole hold, and more);
 * - then the server's memory: V8 heap through `measureHeap` where the server offers it (it
 *   may collect garbage first), then RSS, PSS and USS of its process tree;
 * - connections refused (failed before they were open) and dropped (closed by the server once
 *   open), over the whole run so far.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { extname } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { ClientCommand, ClientReport } from './connection-client.js'
import { cpuSecondsBetween, sampleProcessTree, type ProcessTreeSample } from './process-tree.js'

/** The client script beside this module: `.ts` under the test runner, `.js` in lib/. */
const CLIENT_SCRIPT = fileURLToPath(new URL(`./connection-client${extname(fileURLToPath(import.meta.url))}`, import.meta.url))

/** How to run the benchmark. */
export interface RampOptions {
  /** `http://127.0.0.1:8080/sub/bench`: host and port to connect to, path to request. */
  readonly url: URL
  readonly mode: 'idle' | 'sse'
  /** Connections held at each step, increasing. */
  readonly steps: readonly number[]
  readonly holdMs: number
  /** Client processes; process k binds to 127.0.1.<firstAddress + k>. */
  readonly clients: number
  readonly firstAddress: number
  /** Connects in flight at once, per client process. */
  readonly parallel: number
  /** A connection not open after this long is refused. */
  readonly timeoutMs: number
  /** The server's process (the root of its tree) for memory and CPU; without it, neither is read. */
  readonly serverPid?: number | undefined
  /** The server's V8 heap in bytes (heapUsed, after forced gcs where it can). */
  readonly measureHeap?: (() => Promise<number>) | undefined
  readonly onProgress?: ((progress: RampProgress) => void) | undefined
  /** Stops the run at the next point it waits; the steps done so far are returned. */
  readonly signal?: AbortSignal | undefined
}

/** Where a run is, for a progress bar. */
export interface RampProgress {
  readonly phase: 'opening' | 'holding'
  /** 1-based. */
  readonly step: number
  readonly steps: number
  readonly open: number
  /** The step's count. */
  readonly target: number
  readonly refused: number
  /** While holding: ms of the hold left. */
  readonly holdLeftMs: number
}

/** The server's memory at one point. NaN where it could not be read. */
export interface MemoryReading {
  readonly rssBytes: number
  readonly pssBytes: number
  /** Private memory (USS) of the tree: the figure unrelated processes do not move. */
  readonly ussBytes: number
  readonly heapBytes: number
  /** Processes in the server's tree. */
  readonly processes: number
}

/** What one step measured. */
export interface RampStep extends MemoryReading {
  /** The step's count. */
  readonly connections: number
  /** Open at the end of the hold. */
  readonly open: number
  /** Since the run began. */
  readonly refused: number
  readonly dropped: number
  /** Server CPU over the hold, as a share of one core (0.05 = 5%). NaN without a pid. */
  readonly cpuShare: number
  /** SSE: the longest silence of an open stream over the hold, ms; idle: NaN. */
  readonly maxGapMs: number
  readonly holdMs: number
}

/** A run: the server before any connection, then each step done. */
export interface RampResult {
  readonly baseline: MemoryReading
  readonly steps: readonly RampStep[]
  /** The first reason a connection was refused, as a client saw it. */
  readonly firstError: string | null
  /** Stopped by `signal` before the last step. */
  readonly aborted: boolean
}

const NO_MEMORY: MemoryReading = { rssBytes: Number.NaN, pssBytes: Number.NaN, ussBytes: Number.NaN, heapBytes: Number.NaN, processes: 0 }
/** How often the hold reports its progress. */
const HOLD_TICK_MS = 1000

/**
 * The callback of every `send` to a client: a client that died has a closed channel, and a
 * send to it must not throw or emit 'error' (its death is seen through 'exit').
 */
function ignoreSendError(): void {}

/** Waits for `child`'s next report of `type`; null when it exits or the run is aborted first. */
function nextReport<T extends ClientReport['type']>(child: ChildProcess, type: T, signal: AbortSignal | undefined): Promise<Extract<ClientReport, { type: T }> | null> {
  return new Promise((resolve) => {
    const done = (report: Extract<ClientReport, { type: T }> | null): void => {
      child.off('message', onMessage)
      child.off('exit', onEnd)
      signal?.removeEventListener('abort', onEnd)
      resolve(report)
    }
    const onMessage = (report: ClientReport): void => {
      if (report.type === type) done(report as Extract<ClientReport, { type: T }>)
    }
    const onEnd = (): void => done(null)
    child.on('message', onMessage)
    child.once('exit', onEnd)
    signal?.addEventListener('abort', onEnd)
    if (signal?.aborted === true || child.exitCode !== null) onEnd()
  })
}

/** Sends `command` to every client and collects each one's `reply`; null if any exits or the run is aborted. */
async function everyClient<T extends ClientReport['type']>(
  clients: readonly ChildProcess[],
  command: ClientCommand | ((index: number) => ClientCommand),
  reply: T,
  signal: AbortSignal | undefined,
): Promise<Array<Extract<ClientReport, { type: T }>> | null> {
  const replies = clients.map((child) => nextReport(child, reply, signal))
  clients.forEach((child, index) => child.send(typeof command === 'function' ? command(index) : command, ignoreSendError))
  const reports = await Promise.all(replies)
  return reports.includes(null) ? null : (reports as Array<Extract<ClientReport, { type: T }>>)
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done)
  })
}

async function readMemory(options: RampOptions): Promise<MemoryReading> {
  // The heap first: a server that collects garbage to answer also returns pages the RSS then shows.
  const heapBytes = options.measureHeap === undefined ? Number.NaN : await options.measureHeap()
  if (options.serverPid === undefined) return { ...NO_MEMORY, heapBytes }
  const sample = sampleProcessTree(options.serverPid)
  return { rssBytes: sample.rssBytes, pssBytes: sample.pssBytes, ussBytes: sample.ussBytes, heapBytes, processes: sample.pids.length }
}

function readCpu(options: RampOptions): ProcessTreeSample | null {
  return options.serverPid === undefined ? null : sampleProcessTree(options.serverPid)
}

/** Splits `count` over `parts` as evenly as integers allow, the larger shares first. */
export function shares(count: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.floor(count / parts) + (index < count % parts ? 1 : 0))
}

/**
 * Runs the benchmark; every client process is gone when it settles.
 * @throws Error when a client process dies, or the server's process cannot be read
 */
export async function runConnectionRamp(options: RampOptions): Promise<RampResult> {
  const { signal } = options
  const clients = Array.from({ length: options.clients }, () => fork(CLIENT_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const exited = clients.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())))
  const steps: RampStep[] = []
  let firstError: string | null = null
  try {
    const baseline = await readMemory(options)
    const opened = new Array<number>(clients.length).fill(0)
    const refusedBy = new Array<number>(clients.length).fill(0)
    let previous = 0
    for (const [index, target] of options.steps.entries()) {
      const progress = (phase: RampProgress['phase'], holdLeftMs: number): void =>
        options.onProgress?.({
          phase,
          step: index + 1,
          steps: options.steps.length,
          open: opened.reduce((sum, open) => sum + open, 0),
          target,
          refused: refusedBy.reduce((sum, refused) => sum + refused, 0),
          holdLeftMs,
        })
      const listeners = clients.map((child, k) => {
        const listener = (report: ClientReport): void => {
          if (report.type !== 'progress') return
          opened[k] = report.open
          refusedBy[k] = report.refused
          progress('opening', 0)
        }
        child.on('message', listener)
        return listener
      })
      const counts = shares(target - previous, clients.length)
      previous = target
      const openedReports = await everyClient(
        clients,
        (k) => ({
          type: 'open',
          host: options.url.hostname,
          port: Number(options.url.port),
          path: `${options.url.pathname}${options.url.search}`,
          mode: options.mode,
          count: counts[k] as number,
          localAddress: `127.0.1.${options.firstAddress + k}`,
          parallel: options.parallel,
          timeoutMs: options.timeoutMs,
        }),
        'opened',
        signal,
      )
      clients.forEach((child, k) => child.off('message', listeners[k] as (report: ClientReport) => void))
      if (openedReports === null) break
      openedReports.forEach((report, k) => {
        opened[k] = report.open
        refusedBy[k] = report.refused
        firstError ??= report.firstError
      })
      progress('holding', options.holdMs)
      if ((await everyClient(clients, { type: 'hold-start' }, 'hold-started', signal)) === null) break
      const cpuBefore = readCpu(options)
      const holdStart = performance.now()
      for (let left = options.holdMs; left > 0 && signal?.aborted !== true; left = options.holdMs - (performance.now() - holdStart)) {
        await pause(Math.min(HOLD_TICK_MS, left), signal)
        progress('holding', Math.max(0, options.holdMs - (performance.now() - holdStart)))
      }
      const cpuAfter = readCpu(options)
      const holdMs = performance.now() - holdStart
      const ended = await everyClient(clients, { type: 'hold-end' }, 'hold-ended', signal)
      if (ended === null) break
      const memory = await readMemory(options)
      steps.push({
        connections: target,
        open: ended.reduce((sum, report) => sum + report.open, 0),
        refused: refusedBy.reduce((sum, refused) => sum + refused, 0),
        dropped: ended.reduce((sum, report) => sum + report.dropped, 0),
        ...memory,
        cpuShare: cpuBefore === null || cpuAfter === null ? Number.NaN : cpuSecondsBetween(cpuBefore, cpuAfter) / (holdMs / 1000),
        maxGapMs: options.mode === 'sse' ? Math.max(...ended.map((report) => report.maxGapMs)) : Number.NaN,
        holdMs,
      })
    }
    const aborted = steps.length < options.steps.length
    if (aborted && signal?.aborted !== true) throw new Error('a client process ended during the run')
    return { baseline, steps, firstError, aborted }
  } finally {
    // A client closes its sockets and exits; one that died already has exited.
    for (const child of clients) child.send({ type: 'close' } satisfies ClientCommand, ignoreSendError)
    await Promise.all(exited)
  }
}

/**
 * What one connection costs the server between two readings, bytes: the difference over the
 * connections open at the later one. NaN when either reading is.
 */
export function perConnection(from: MemoryReading, to: RampStep, pick: (reading: MemoryReading) => number): number {
  return (pick(to) - pick(from)) / to.open
}

/**
 * The least-squares slope of `pick(step)` against the connections open over the steps, bytes
 * per connection: the marginal cost, free of whatever the first connections allocate once.
 * NaN with fewer than two steps.
 */
export function slopePerConnection(steps: readonly RampStep[], pick: (reading: MemoryReading) => number): number {
  const n = steps.length
  if (n < 2) return Number.NaN
  const meanX = steps.reduce((sum, step) => sum + step.open, 0) / n
  const meanY = steps.reduce((sum, step) => sum + pick(step), 0) / n
  let covariance = 0
  let variance = 0
  for (const step of steps) {
    covariance += (step.open - meanX) * (pick(step) - meanY)
    variance += (step.open - meanX) ** 2
  }
  return covariance / variance
}
