/**
 * Connection count: what a held connection costs each server, by `netserv bench connections`'
 * ramp (src/bench/connection-ramp.ts, from lib/: what ships), against netserv (one process,
 * and node:cluster workers), node:http, the raw `net` floor, nginx + nchan, and Apache httpd
 * with mpm_event and mpm_prefork.
 *
 *   npm run build && npx tsx bench/connections.ts [--peers a,b,...] [--connections 15000]
 *       [--steps 5] [--hold-ms 7000] [--heartbeat-ms 5000] [--workers 2] [--rounds 2]
 *       [--prefork-connections 1000] [--json bench/connections.json] [--svg bench/connections.svg]
 *
 * Peers (name: server, what each connection is):
 *   netserv, netserv-cluster, node:http, raw-net, raw-net-cluster: bench/peers/connections-server.js
 *     (`--workers` node:cluster workers for the -cluster ones), an SSE subscription whose
 *     stream carries a comment heartbeat every --heartbeat-ms;
 *   netserv-idle, raw-net-idle: the same servers, idle keep-alive connections after one GET;
 *   nchan: nginx-light + libnginx-mod-nchan, an EventSource subscription with
 *     `nchan_eventsource_ping_interval` (whole seconds);
 *   apache-event, apache-prefork: Apache httpd serving a 12-byte static file; the connection
 *     is idle keep-alive after one GET (KeepAliveTimeout 3600). Apache has no SSE of its own:
 *     a CGI streaming heartbeats would be one process per subscriber for both MPMs, which
 *     measures CGI, not the MPM, so what is measured for Apache is what its MPMs are built
 *     for: held keep-alive connections. apache-prefork runs to --prefork-connections (one
 *     process per connection).
 * Each server runs alone, is measured through its pid (its whole process tree: RSS, PSS, USS
 * from /proc; V8 heap after forced gcs over IPC for the node peers), and is stopped after its
 * run. Rounds are interleaved across peers; the summary gives medians over the rounds.
 * `--replot a.json,b.json` runs nothing: it prints the summary and draws the chart again from
 * the runs of earlier invocations' JSON (several runs can share one chart; `--peers` picks).
 * Kernel memory: the machine's Slab (/proc/meminfo) before and after, over 2 sockets per
 * connection (both ends are on this machine), as a rough figure: other work moves it too.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { has, stop, stopAll, watch } from './child-processes.js'
import { freePort } from './free-port.js'
import { median } from './median.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

const { values: options } = parseArgs({
  options: {
    peers: { type: 'string', default: 'netserv,netserv-cluster,node:http,raw-net,netserv-idle,raw-net-idle,nchan,apache-event,apache-prefork' },
    connections: { type: 'string', default: '15000' },
    'prefork-connections': { type: 'string', default: '1000' },
    steps: { type: 'string', default: '5' },
    'hold-ms': { type: 'string', default: '7000' },
    'heartbeat-ms': { type: 'string', default: '5000' },
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    parallel: { type: 'string', default: '64' },
    lib: { type: 'string', default: join(root, 'lib') },
    'hub-lib': { type: 'string', default: join(root, 'lib') },
    json: { type: 'string', default: join(root, 'bench/connections.json') },
    svg: { type: 'string', default: join(root, 'bench/connections.svg') },
    title: { type: 'string', default: '' },
    replot: { type: 'string', default: '' },
  },
})
const libDirectory = resolve(options.lib)
const { runConnectionRamp } = (await import(join(libDirectory, 'bench/connection-ramp.js'))) as typeof import('../src/bench/connection-ramp.js')
const { connectionCost, stepTable, costLines, heartbeatsOnTime } = (await import(join(libDirectory, 'bench/connection-report.js'))) as typeof import('../src/bench/connection-report.js')
const { formatTable, formatBytes, formatCount } = (await import(join(libDirectory, 'bench/text-table.js'))) as typeof import('../src/bench/text-table.js')
const { renderLineChart } = (await import(join(libDirectory, 'bench/svg-chart.js'))) as typeof import('../src/bench/svg-chart.js')
const { progressLine } = (await import(join(libDirectory, 'bench/progress-bar.js'))) as typeof import('../src/bench/progress-bar.js')
type RampResult = import('../src/bench/connection-ramp.js').RampResult
type ConnectionCost = import('../src/bench/connection-report.js').ConnectionCost

const connectionCount = Number(options.connections)
const preforkConnections = Number(options['prefork-connections'])
const stepCount = Number(options.steps)
const holdMs = Number(options['hold-ms'])
const heartbeatMs = Number(options['heartbeat-ms'])
const workers = Number(options.workers)
const rounds = Number(options.rounds)
const parallel = Number(options.parallel)
const MAX_PER_CLIENT = 19_000
const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so'
const APACHE_MODULES = '/usr/lib/apache2/modules'

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))


function readLog(path: string): string {
  try {
    return readFileSync(path, 'latin1').slice(-2000)
  } catch {
    return '(no log)'
  }
}

/** Resolves when a connect to `port` succeeds. */
async function waitForPort(port: number, what: string, child: ChildProcess, log: string): Promise<void> {
  const { connect } = await import('node:net')
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${readLog(log)}`)
    const up = await new Promise<boolean>((done) => {
      const socket = connect({ port, host: '127.0.0.1' })
      socket.once('connect', () => {
        socket.destroy()
        done(true)
      })
      socket.once('error', () => done(false))
    })
    if (up) return
    await sleep(50)
  }
  throw new Error(`${what} did not listen in 10 s: ${readLog(log)}`)
}

// --- servers under test

interface Running {
  readonly pid: number
  readonly port: number
  readonly measureHeap?: () => Promise<number>
  stop(): Promise<void>
}

/** nginx or Apache: a master started here, stopped with SIGTERM (it stops its workers), its files removed. */
function foreignServer(master: ChildProcess, port: number, directory: string): Running {
  return {
    pid: master.pid as number,
    port,
    async stop() {
      await stop(master, 'SIGTERM')
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

interface Peer {
  readonly name: string
  readonly label: string
  readonly mode: 'sse' | 'idle'
  readonly path: string
  readonly connections: number
  /** Refusals wait this long (prefork spawns its processes slowly). */
  readonly timeoutMs: number
  readonly available: () => string | null
  start(): Promise<Running>
}

function nodePeer(name: string, label: string, kind: string, mode: 'sse' | 'idle', clusterWorkers: number): Peer {
  return {
    name,
    label,
    mode,
    path: mode === 'sse' ? '/sub/bench' : '/',
    connections: connectionCount,
    timeoutMs: 20_000,
    available: () => null,
    async start() {
      const child = watch(
        fork(join(root, 'bench/peers/connections-server.js'), ['--kind', kind, '--workers', String(clusterWorkers), '--heartbeat-ms', String(heartbeatMs), '--lib', libDirectory], {
          execArgv: ['--expose-gc'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      )
      const port = await new Promise<number>((done, fail) => {
        child.once('exit', (code) => fail(new Error(`${name} exited with ${code}`)))
        child.on('message', (message: { type: string; port: number }) => {
          if (message.type === 'listening') done(message.port)
        })
      })
      return {
        pid: child.pid as number,
        port,
        measureHeap: () =>
          new Promise<number>((done) => {
            const onMessage = (message: { type: string; heapUsed: number }): void => {
              if (message.type !== 'measured') return
              child.off('message', onMessage)
              done(message.heapUsed)
            }
            child.on('message', onMessage)
            child.send({ type: 'measure' })
          }),
        stop: () => stop(child, 'SIGKILL'),
      }
    },
  }
}

function exists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

const nchanPeer: Peer = {
  name: 'nchan',
  label: 'nginx + nchan (SSE)',
  mode: 'sse',
  path: '/sub',
  connections: connectionCount,
  timeoutMs: 20_000,
  available: () => (has('nginx') && exists(NCHAN_MODULE) ? null : `needs nginx and ${NCHAN_MODULE}: apt-get install nginx-light libnginx-mod-nchan`),
  async start() {
    const directory = mkdtempSync(join(tmpdir(), 'netserv-conns-nchan-'))
    const port = await freePort()
    // One worker holds at most 20000 open files here: enough workers for the connections.
    const nginxWorkers = Math.ceil(connectionCount / 15_000)
    const config = join(directory, 'nginx.conf')
    writeFileSync(
      config,
      `load_module ${NCHAN_MODULE};
worker_processes ${nginxWorkers};
worker_rlimit_nofile 20000;
daemon off;
master_process on;
pid ${directory}/nginx.pid;
error_log ${directory}/error.log warn;
events {
  worker_connections 19000;
}
http {
  access_log off;
  client_body_temp_path ${directory}/body;
  server {
    listen 127.0.0.1:${port} backlog=4096 reuseport;
    location = /sub {
      nchan_subscriber eventsource;
      nchan_channel_id bench;
      nchan_eventsource_ping_interval ${Math.max(1, Math.round(heartbeatMs / 1000))};
      nchan_eventsource_ping_comment "";
    }
  }
}
`,
    )
    const log = join(directory, 'error.log')
    const master = watch(spawn('nginx', ['-p', directory, '-c', config, '-e', log], { stdio: ['ignore', 'inherit', 'inherit'] }))
    await waitForPort(port, 'nginx', master, log)
    return foreignServer(master, port, directory)
  },
}

function apachePeer(mpm: 'event' | 'prefork'): Peer {
  const connections = mpm === 'event' ? connectionCount : Math.min(connectionCount, preforkConnections)
  return {
    name: `apache-${mpm}`,
    label: `Apache ${mpm === 'event' ? 'mpm_event' : 'mpm_prefork'} (keep-alive)`,
    mode: 'idle',
    path: '/hello.txt',
    connections,
    timeoutMs: mpm === 'event' ? 20_000 : 180_000,
    available: () => (has('apache2') && exists(join(APACHE_MODULES, `mod_mpm_${mpm}.so`)) ? null : 'needs apache2: apt-get install --no-install-recommends apache2'),
    async start() {
      const directory = mkdtempSync(join(tmpdir(), 'netserv-conns-apache-'))
      chmodSync(directory, 0o755)
      mkdirSync(join(directory, 'htdocs'))
      writeFileSync(join(directory, 'htdocs/hello.txt'), 'hello world\n')
      const port = await freePort()
      // Sized so the connections fit. event: an idle keep-alive connection waits in the
      // listener thread, not a worker; a process takes ThreadsPerChild + AsyncRequestWorkerFactor
      // x idle workers connections. prefork: one process per connection, all allowed up front.
      const processes = Math.max(2, Math.ceil(connections / 5000))
      const sizing =
        mpm === 'event'
          ? `ServerLimit ${processes}
StartServers ${processes}
ThreadsPerChild 64
ThreadLimit 64
MaxRequestWorkers ${processes * 64}
MinSpareThreads 64
MaxSpareThreads ${processes * 64}
AsyncRequestWorkerFactor 200`
          : `ServerLimit ${connections + 20}
MaxRequestWorkers ${connections + 20}
StartServers 5
MinSpareServers 5
MaxSpareServers ${connections + 20}`
      const config = join(directory, 'httpd.conf')
      writeFileSync(
        config,
        `LoadModule mpm_${mpm}_module ${APACHE_MODULES}/mod_mpm_${mpm}.so
LoadModule authn_core_module ${APACHE_MODULES}/mod_authn_core.so
LoadModule authz_core_module ${APACHE_MODULES}/mod_authz_core.so
ServerName 127.0.0.1
ServerRoot ${directory}
DefaultRuntimeDir ${directory}
PidFile ${directory}/httpd.pid
ErrorLog ${directory}/error.log
LogLevel warn
Mutex file:${directory} default
User www-data
Group www-data
Listen 127.0.0.1:${port}
ListenBacklog 4096
DocumentRoot ${directory}/htdocs
<Directory ${directory}/htdocs>
  Require all granted
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 3600
Timeout 3600
MaxConnectionsPerChild 0
${sizing}
`,
      )
      const log = join(directory, 'error.log')
      // -k start in the foreground: the harness's child, stopped with it. In a process group
      // of its own: prefork signals its whole group when it stops, which would be the harness.
      const master = watch(spawn('apache2', ['-f', config, '-k', 'start', '-D', 'FOREGROUND'], { stdio: ['ignore', 'inherit', 'inherit'], detached: true }))
      await waitForPort(port, `apache ${mpm}`, master, log)
      // Let the start-up processes settle before the baseline.
      await sleep(2000)
      return foreignServer(master, port, directory)
    },
  }
}

/**
 * `netserv hub --workers N` itself, from `--hub-lib` (a built tree that has the hub), an SSE
 * subscription to /sub/bench. Its streams use the hub's own heartbeat interval (25 s, the
 * default): run it with --heartbeat-ms 25000. No heap hook: RSS, PSS and USS only.
 */
const hubPeer: Peer = {
  name: 'netserv-hub',
  label: `netserv hub --workers ${workers} (SSE)`,
  mode: 'sse',
  path: '/sub/bench',
  connections: connectionCount,
  timeoutMs: 20_000,
  available: () => (exists(join(resolve(options['hub-lib']), 'cli/hub-command.js')) ? null : `${options['hub-lib']} has no cli/hub-command.js: point --hub-lib at a built tree with the hub`),
  async start() {
    const port = await freePort()
    const main = join(resolve(options['hub-lib']), 'cli/main.js')
    const child = watch(spawn(process.execPath, [main, 'hub', '--port', String(port), '--workers', String(workers)], { stdio: ['ignore', 'ignore', 'inherit'] }))
    await waitForPort(port, 'netserv hub', child, '/dev/null')
    // The workers listen one by one: let them all come up before the baseline.
    await sleep(2000)
    return { pid: child.pid as number, port, stop: () => stop(child, 'SIGTERM') }
  },
}

const PEERS: readonly Peer[] = [
  hubPeer,
  nodePeer('netserv', 'netserv, 1 process (SSE)', 'netserv', 'sse', 0),
  nodePeer('netserv-cluster', `netserv, ${workers} workers (SSE)`, 'netserv', 'sse', workers),
  nodePeer('node:http', 'node:http (SSE)', 'node:http', 'sse', 0),
  nodePeer('raw-net', 'raw net floor (SSE)', 'raw-net', 'sse', 0),
  nodePeer('raw-net-cluster', `raw net floor, ${workers} workers (SSE)`, 'raw-net', 'sse', workers),
  nodePeer('netserv-idle', 'netserv (keep-alive)', 'netserv', 'idle', 0),
  nodePeer('raw-net-idle', 'raw net floor (keep-alive)', 'raw-net', 'idle', 0),
  nchanPeer,
  apachePeer('event'),
  apachePeer('prefork'),
]

// --- kernel memory, machine-wide

function slabBytes(): number {
  return Number(/^Slab:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'latin1'))?.[1]) * 1024
}

// --- a run

interface Run {
  peer: string
  label: string
  mode: 'sse' | 'idle'
  round: number
  result: RampResult
  cost: ConnectionCost
  slabPerSocket: number
  load: string
}

let firstAddress = 1
async function runPeer(peer: Peer, round: number): Promise<Run> {
  const running = await peer.start()
  const clients = Math.ceil(peer.connections / MAX_PER_CLIENT)
  // Each run its own source addresses: the TIME_WAIT a run leaves does not meet the next one.
  if (firstAddress + clients - 1 > 254) firstAddress = 1
  const addresses = firstAddress
  firstAddress += clients
  const slabBefore = slabBytes()
  const load = loadavg().map((value) => value.toFixed(1)).join(' ')
  let drawnAt = 0
  try {
    const result = await runConnectionRamp({
      url: new URL(`http://127.0.0.1:${running.port}${peer.path}`),
      mode: peer.mode,
      steps: Array.from({ length: stepCount }, (_, index) => Math.round((peer.connections * (index + 1)) / stepCount)),
      holdMs,
      clients,
      firstAddress: addresses,
      parallel,
      timeoutMs: peer.timeoutMs,
      serverPid: running.pid,
      measureHeap: running.measureHeap,
      onProgress(progress) {
        const now = Date.now()
        if (now - drawnAt < 500) return
        drawnAt = now
        const what = progress.phase === 'opening' ? `opening, ${progress.refused} refused` : `holding, ${Math.ceil(progress.holdLeftMs / 1000)} s left`
        process.stderr.write(`\r${progressLine(progress.open, progress.target, `${peer.name} round ${round} step ${progress.step}/${progress.steps} ${what}`)}\x1b[K`)
      },
    })
    process.stderr.write('\r\x1b[K')
    const slabAfter = slabBytes()
    const open = result.steps.at(-1)?.open ?? 0
    return { peer: peer.name, label: peer.label, mode: peer.mode, round, result, cost: connectionCost(result), slabPerSocket: (slabAfter - slabBefore) / (2 * open), load }
  } finally {
    await running.stop()
  }
}

type PeerLabel = Pick<Peer, 'name' | 'label' | 'mode'>

function printSummary(runs: readonly Run[], peers: readonly PeerLabel[]): void {
  const byPeer = (peer: PeerLabel): Run[] => runs.filter((run) => run.peer === peer.name && run.label === peer.label)
  const target = (run: Run): number => run.result.steps.at(-1)?.connections ?? 0
  // The floor of a peer: the raw net runs of its mode at the same connection count.
  const floorOf = (peer: PeerLabel, mine: readonly Run[]): Run[] =>
    runs.filter((run) => run.peer.startsWith('raw-net') && run.mode === peer.mode && mine.some((own) => target(own) === target(run)))
  const ratio = (value: number, base: number): string => (Number.isFinite(value) && Number.isFinite(base) && base > 0 ? `${(value / base).toFixed(2)}x` : '-')
  const rows = peers.map((peer) => {
    const mine = byPeer(peer)
    const floor = floorOf(peer, mine)
    const m = (pick: (run: Run) => number): number => median(mine.map(pick))
    const f = (pick: (run: Run) => number): number => median(floor.map(pick))
    const last = (run: Run) => run.result.steps.at(-1)
    const uss = m((run) => run.cost.ussSlopeBytes)
    const heap = m((run) => run.cost.heapBytes)
    return [
      peer.label,
      String(mine.length),
      formatCount(m((run) => last(run)?.open ?? Number.NaN)),
      formatBytes(uss),
      ratio(uss, f((run) => run.cost.ussSlopeBytes)),
      formatBytes(m((run) => run.cost.rssBytes)),
      formatBytes(heap),
      ratio(heap, f((run) => run.cost.heapBytes)),
      formatBytes(m((run) => run.slabPerSocket)),
      `${(m((run) => last(run)?.cpuShare ?? Number.NaN) * 100).toFixed(2)}%`,
      peer.mode === 'sse' ? `${formatCount(Math.max(...mine.map((run) => Math.max(...run.result.steps.map((step) => step.maxGapMs)))))} ms` : '',
      mine.map((run) => `${last(run)?.refused ?? '-'}/${last(run)?.dropped ?? '-'}`).join(' '),
    ]
  })
  console.log(`\nsummary: medians over rounds; ratios to the raw floor of the same mode, same run`)
  console.log(
    formatTable(
      [
        { heading: 'server' },
        { heading: 'n', numeric: true },
        { heading: 'held', numeric: true },
        { heading: 'USS/conn (slope)', numeric: true },
        { heading: 'vs raw', numeric: true },
        { heading: 'RSS/conn', numeric: true },
        { heading: 'heap/conn', numeric: true },
        { heading: 'vs raw', numeric: true },
        { heading: 'kernel/socket', numeric: true },
        { heading: 'CPU at rest (top step)', numeric: true },
        { heading: 'longest silence', numeric: true },
        { heading: 'refused/dropped', numeric: true },
      ],
      rows,
    ),
  )
}

function writeChart(runs: readonly Run[], peers: readonly PeerLabel[], path: string): void {
  const series = peers
    .map((peer) => {
      const mine = runs.filter((run) => run.peer === peer.name && run.label === peer.label)
      if (mine.length === 0) return null
      // Per step, the median over rounds of private memory above the baseline.
      const points: Array<[number, number]> = [[0, 0]]
      const steps = Math.max(...mine.map((run) => run.result.steps.length))
      for (let step = 0; step < steps; step++) {
        const at = mine.map((run) => run.result.steps[step]).filter((value) => value !== undefined)
        if (at.length === 0) continue
        const x = median(at.map((value) => value.open))
        const y = median(mine.filter((run) => run.result.steps[step] !== undefined).map((run) => ((run.result.steps[step]?.ussBytes ?? 0) - run.result.baseline.ussBytes) / 2 ** 20))
        points.push([x, y])
      }
      return { label: peer.label, points }
    })
    .filter((value) => value !== null)
  const title = options.title === '' ? 'Server private memory (USS) above its idle baseline, against connections held' : options.title
  writeFileSync(path, renderLineChart({ title, xLabel: 'connections held', yLabel: 'MiB above baseline', series, width: 900, height: 480 }))
}

function replot(paths: string[], names: readonly string[] | null): void {
  const runs: Run[] = paths
    .flatMap((path) => (JSON.parse(readFileSync(path, 'utf8')) as { runs: Run[] }).runs)
    .filter((run) => names === null || names.includes(run.peer))
  const peers: PeerLabel[] = []
  for (const run of runs) if (!peers.some((peer) => peer.name === run.peer && peer.label === run.label)) peers.push({ name: run.peer, label: run.label, mode: run.mode })
  printSummary(runs, peers)
  writeChart(runs, peers, options.svg)
  console.log(`\nwrote ${options.svg}`)
}

async function main(): Promise<void> {
  // --peers given with --replot: only those peers (in the order of the files).
  if (options.replot !== '') return replot(options.replot.split(','), process.argv.includes('--peers') ? options.peers.split(',') : null)
  if (!exists(join(libDirectory, 'bench/connection-ramp.js'))) throw new Error(`${libDirectory} has no bench/connection-ramp.js: run \`npm run build\` first`)
  const names = options.peers.split(',').map((name) => name.trim())
  const peers: Peer[] = []
  for (const name of names) {
    const peer = PEERS.find((candidate) => candidate.name === name)
    if (peer === undefined) throw new Error(`--peers: unknown ${name}; known: ${PEERS.map((candidate) => candidate.name).join(', ')}`)
    const missing = peer.available()
    if (missing === null) peers.push(peer)
    else console.log(`${name}: skipped (${missing})`)
  }
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}, node ${process.version}; lib ${libDirectory}`)
  console.log(`${formatCount(connectionCount)} connections (apache-prefork ${formatCount(Math.min(connectionCount, preforkConnections))}) in ${stepCount} steps, each held ${holdMs} ms; heartbeat every ${heartbeatMs} ms; ${workers} cluster workers; ${rounds} rounds interleaved\n`)
  const runs: Run[] = []
  for (let round = 1; round <= rounds; round++) {
    for (const peer of peers) {
      const run = await runPeer(peer, round)
      runs.push(run)
      console.log(`round ${round} ${peer.label} (load ${run.load}; kernel slab ${formatBytes(run.slabPerSocket)}/socket)`)
      console.log(stepTable(run.result, heartbeatMs).trimEnd())
      console.log(costLines(run.cost).trimEnd())
      if (run.result.firstError !== null) console.log(`first refusal: ${run.result.firstError}`)
      if (peer.mode === 'sse') console.log(`heartbeats: ${run.result.steps.every((step) => heartbeatsOnTime(step, heartbeatMs)) ? 'on time' : 'LATE'}`)
      console.log('')
    }
  }
  printSummary(runs, peers)
  writeFileSync(options.json, JSON.stringify({ connections: connectionCount, steps: stepCount, holdMs, heartbeatMs, workers, machine: { cores: cpus().length, node: process.version }, runs }, null, 2) + '\n')
  writeChart(runs, peers, options.svg)
  console.log(`\nwrote ${options.json} and ${options.svg}`)
}

try {
  await main()
} finally {
  stopAll()
}
