/**
 * `netserv bench connections`: how many connections a server holds and what each costs it
 * (../bench/connection-ramp.ts), against any HTTP server on this machine's loopback.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import type { RampProgress } from '../bench/connection-ramp.js'
import { formatCount } from '../bench/text-table.js'
import type { Command, CliIo } from './command.js'
import { parseFlags, usageError, type FlagSpecs } from './flags.js'
import type { ManPage } from './man-page.js'

/** Sockets one client process opens at most: under the 20000 open files a process may have here. */
export const MAX_PER_CLIENT = 19_000
/** Redraw the progress bar at most this often. */
const PROGRESS_EVERY_MS = 250

const CONNECTIONS_FLAGS = {
  url: {
    type: 'string',
    valueName: 'URL',
    summary: 'What to connect to and request: http://127.x.y.z:PORT/PATH. The clients bind to 127.0.1.x, so the server must listen on loopback.',
  },
  mode: { type: 'string', valueName: 'M', summary: 'sse: each connection an SSE subscription (Accept: text/event-stream) whose heartbeats are timed; idle: one request, its answer, then an idle keep-alive connection.', default: 'sse' },
  connections: { type: 'integer', valueName: 'N', summary: 'Connections at the last step.', min: 1, max: 1_000_000, default: 10_000 },
  steps: { type: 'integer', valueName: 'K', summary: 'Steps to get there, equal in size; each is held and measured.', min: 1, max: 100, default: 5 },
  'hold-ms': { type: 'integer', valueName: 'MS', summary: 'How long each step is held; CPU at rest and heartbeat silences are read over it. Make it longer than the heartbeat interval.', min: 0, max: 3_600_000, default: 30_000 },
  'heartbeat-ms': { type: 'integer', valueName: 'MS', summary: "The server's heartbeat interval (sse): a stream silent longer than 1.2 times it is reported late.", min: 1, max: 3_600_000, default: 25_000 },
  clients: { type: 'integer', valueName: 'C', summary: `Client processes, each bound to its own source address; 0: one per ${formatCount(MAX_PER_CLIENT)} connections.`, min: 0, max: 254, default: 0 },
  'first-address': { type: 'integer', valueName: 'A', summary: 'Client process k binds to 127.0.1.(A+k).', min: 1, max: 254, default: 1 },
  parallel: { type: 'integer', valueName: 'P', summary: 'Connects in flight at once, per client process.', min: 1, max: 10_000, default: 64 },
  'timeout-ms': { type: 'integer', valueName: 'MS', summary: 'A connection not answered within this is counted refused.', min: 1, max: 3_600_000, default: 10_000 },
  'server-pid': { type: 'integer', valueName: 'PID', summary: "The server's process: its memory (RSS, PSS and USS of it and its descendants) and CPU are read from /proc. Without it only connections and heartbeats are measured.", min: 1, max: 4_194_304 },
  label: { type: 'string', valueName: 'NAME', summary: 'The name in the table, the JSON and the chart (default: the URL).' },
  json: { type: 'string', valueName: 'FILE', summary: 'Also write the results as JSON to FILE.' },
  svg: { type: 'string', valueName: 'FILE', summary: 'Also write a chart of memory against connections (SVG) to FILE.' },
} as const satisfies FlagSpecs

const MAN_PAGE: ManPage = {
  name: 'netserv bench',
  summary: 'benchmarks against a running server',
  synopsis: ['netserv bench connections --url URL [--mode sse|idle] [--connections N] [--steps K] [--hold-ms MS] [--server-pid PID] [--json FILE] [--svg FILE] ...'],
  description: `connections: opens connections to URL in K equal steps up to N, holds each step for --hold-ms, and reports per step: connections open, refused (failed before they were open: connect error, a status other than 200, no answer in --timeout-ms) and dropped (closed by the server once open); with --server-pid, the server's memory (RSS, PSS and USS, private memory, of the process and its descendants, from /proc) and its CPU over the hold as a share of one core (at rest: the cost of holding the connections); in sse mode, the longest silence any stream saw over the hold, against the heartbeat interval. Then the memory one connection costs: from the baseline (before the first connection) to the last step, and as the slope over the steps.

The connections come from several client processes, each bound to its own source address 127.0.1.x: one process may hold only so many open files, and one source address reaches one port through at most ~28k local ports. A progress bar runs on stderr; the table goes to stdout.`,
  flags: CONNECTIONS_FLAGS,
  sections: [
    ['SIGNALS', 'SIGINT, SIGTERM: stop at once, close every connection, report the steps done so far, exit 1.'],
    ['EXIT STATUS', '    0   every step was run (refused or dropped connections and late heartbeats are results, not failures)\n    1   stopped by a signal, or the run failed (a client process died)\n    2   bad usage: unknown option, bad value, no process PID'],
    [
      'EXAMPLES',
      '    netserv hub --port 8080 &\n    netserv bench connections --url http://127.0.0.1:8080/sub/bench --server-pid $! \\\n        --connections 100000 --steps 5 --hold-ms 30000 --svg connections.svg',
    ],
  ],
}

/** The flags checked and turned into what the ramp needs. */
function parseConnectionsFlags(argv: readonly string[]) {
  const flags = parseFlags(argv, CONNECTIONS_FLAGS)
  if (flags.url === undefined) throw usageError('--url is required')
  let url: URL
  try {
    url = new URL(flags.url)
  } catch {
    throw usageError(`--url: not a URL: ${JSON.stringify(flags.url)}`)
  }
  if (url.protocol !== 'http:' || url.port === '' || !/^127\.\d+\.\d+\.\d+$/.test(url.hostname)) {
    throw usageError(`--url must be http://127.x.y.z:PORT/..., with the port given (the clients bind to 127.0.1.x), got ${JSON.stringify(flags.url)}`)
  }
  if (flags.mode !== 'sse' && flags.mode !== 'idle') throw usageError(`--mode must be sse or idle, got ${JSON.stringify(flags.mode)}`)
  if (flags.steps > flags.connections) throw usageError(`--steps (${flags.steps}) must not exceed --connections (${flags.connections})`)
  const clients = flags.clients === 0 ? Math.ceil(flags.connections / MAX_PER_CLIENT) : flags.clients
  if (flags.connections > clients * MAX_PER_CLIENT) {
    throw usageError(`${formatCount(flags.connections)} connections need at least ${Math.ceil(flags.connections / MAX_PER_CLIENT)} client processes (--clients): one holds at most ${formatCount(MAX_PER_CLIENT)}`)
  }
  if (flags['first-address'] + clients - 1 > 254) throw usageError(`--first-address ${flags['first-address']} leaves no source address for ${clients} client processes (127.0.1.1-254)`)
  if (flags['server-pid'] !== undefined && !existsSync(`/proc/${flags['server-pid']}`)) throw usageError(`--server-pid: no process ${flags['server-pid']}`)
  const steps = Array.from({ length: flags.steps }, (_, index) => Math.round((flags.connections * (index + 1)) / flags.steps))
  return { ...flags, url, mode: flags.mode as 'sse' | 'idle', clients, steps, label: flags.label ?? flags.url }
}

function progressText(progress: RampProgress, progressLine: (done: number, total: number, label: string) => string): string {
  const where = `step ${progress.step}/${progress.steps}`
  const label = progress.phase === 'opening' ? `${where} opening, ${formatCount(progress.refused)} refused` : `${where} holding, ${Math.ceil(progress.holdLeftMs / 1000)} s left`
  return progressLine(progress.open, progress.target, label)
}

async function runConnections(argv: readonly string[], io: CliIo): Promise<number> {
  const options = parseConnectionsFlags(argv)
  const controller = new AbortController()
  let stoppedBy: string | null = null
  const removeListener = io.onShutdownSignal((signal) => {
    stoppedBy = signal
    controller.abort()
  })
  // Loaded when a benchmark runs: every other command starts without them.
  const [{ runConnectionRamp }, { allHeartbeatsOnTime, connectionCost, costLines, heartbeatLine, stepTable }, { progressLine }, { renderLineChart }] = await Promise.all([
    import('../bench/connection-ramp.js'),
    import('../bench/connection-report.js'),
    import('../bench/progress-bar.js'),
    import('../bench/svg-chart.js'),
  ])
  let drawnAt = -Infinity
  let drawn = false
  const onProgress = (progress: RampProgress): void => {
    const now = Date.now()
    if (now - drawnAt < PROGRESS_EVERY_MS) return
    drawnAt = now
    drawn = true
    io.err(`\r${progressText(progress, progressLine)}\x1b[K`)
  }
  let result
  try {
    result = await runConnectionRamp({
      url: options.url,
      mode: options.mode,
      steps: options.steps,
      holdMs: options['hold-ms'],
      clients: options.clients,
      firstAddress: options['first-address'],
      parallel: options.parallel,
      timeoutMs: options['timeout-ms'],
      serverPid: options['server-pid'],
      onProgress,
      signal: controller.signal,
    })
  } finally {
    removeListener()
    if (drawn) io.err('\n')
  }
  const cost = connectionCost(result)
  io.out(`${options.label}: ${options.mode === 'sse' ? 'SSE subscriptions' : 'idle keep-alive connections'} to ${options.url.href}, ${options.clients} client processes, each step held ${options['hold-ms']} ms\n\n`)
  io.out(stepTable(result, options['heartbeat-ms']))
  io.out(`\n${costLines(cost)}`)
  if (result.firstError !== null) io.out(`first refusal: ${result.firstError}\n`)
  const onTime = options.mode === 'sse' ? allHeartbeatsOnTime(result.steps, options['heartbeat-ms']) : null
  if (onTime !== null) io.out(heartbeatLine(onTime, options['heartbeat-ms']))
  if (options.json !== undefined) {
    const report = {
      label: options.label,
      url: options.url.href,
      mode: options.mode,
      heartbeatMs: options['heartbeat-ms'],
      holdMs: options['hold-ms'],
      clients: options.clients,
      machine: { cores: cpus().length, node: process.version },
      ...result,
      cost,
      heartbeatsOnTime: onTime,
    }
    writeFileSync(options.json, JSON.stringify(report, null, 2) + '\n')
  }
  if (options.svg !== undefined) {
    const points = [result.baseline, ...result.steps].map((reading, index): [number, number] => [index === 0 ? 0 : (result.steps[index - 1]?.open as number), reading.ussBytes / 2 ** 20])
    writeFileSync(options.svg, renderLineChart({ title: `Server memory against ${options.mode === 'sse' ? 'SSE subscribers' : 'idle connections'}`, xLabel: 'connections held', yLabel: 'server private memory, USS (MiB)', series: [{ label: options.label, points }] }))
  }
  if (stoppedBy !== null) {
    io.err(`netserv bench connections: ${stoppedBy}, stopped after ${result.steps.length} of ${options.steps.length} steps\n`)
    return 1
  }
  return 0
}

/** `netserv bench`. */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks: connections (how many a server holds, what each costs)',
  manPage: MAN_PAGE,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const [what, ...rest] = argv
    if (what !== 'connections') throw usageError(what === undefined ? 'which benchmark? (connections)' : `unknown benchmark ${JSON.stringify(what)} (known: connections)`)
    return runConnections(rest, io)
  },
}
