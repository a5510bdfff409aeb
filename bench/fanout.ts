/**
 * SSE fan-out: N subscribers on one channel, one publisher, for netserv (lib/, what ships),
 * the raw `net` floor, `node:http` written as a user would, and nginx + nchan where installed.
 *
 *   npm run build && npx tsx bench/fanout.ts [--subscribers 10000] [--rounds 3]
 *       [--interval 200] [--messages 50] [--warmup 5] [--fast-interval 20] [--fast-messages 100]
 *       [--payload 100] [--per-client 2500] [--peers netserv,raw-net,node:http,nchan] [--lib lib]
 *       [--quiet 15] [--retries 1] [--snapshot] [--profile] [--top 25]
 *
 * Per session (one server kind): the server starts alone, pinned to core 0 (`taskset`); a
 * first client opens `--baseline` subscribers, gets 3 messages and leaves (so code and
 * first-use caches are in the baseline), and the server's memory is taken; then client
 * processes (at most `--per-client` sockets each, bound to 127.0.1.x, pinned to core 1 with
 * this harness) open `--subscribers` SSE streams. After `--warmup` messages, two phases:
 *
 * - paced: `--messages` messages, one every `--interval` ms;
 * - beyond the floor: `--fast-messages` messages, one every `--fast-interval` ms, faster
 *   than one write per subscriber per message allows at 10k subscribers.
 *
 * The harness publishes (IPC to the node servers, which publish at once; an HTTP POST to
 * nchan's publisher location) and puts its own clock (CLOCK_MONOTONIC, µs) in each message:
 * a publish that waits for a busy server counts as delay. Each client stamps its reads on the
 * same clock. Per phase: server CPU (user + system, /proc/<pid>/stat) from the first publish
 * until every subscriber has the last message, divided by deliveries; write syscalls per
 * delivery (/proc/<pid>/io syscw); delay p50 / p99 over every delivery and the time until the
 * last subscriber has each message (median and worst over messages); misses (every message
 * must reach every subscriber: counted per client process); the time the server waited for
 * its core (/proc/<pid>/schedstat) and the clients' CPU, to tell noise from cost. Memory per
 * subscriber: heap after forced gcs and RSS, held (after the paced phase) minus baseline,
 * over the subscribers (nchan: the worker's RSS). Rounds are interleaved across servers;
 * the summary gives medians and ratios to the raw floor. Before each session the harness
 * waits up to `--quiet` s for other work on the (shared) machine to fall below a quarter of it,
 * and prints how busy it was. A session whose server waited for its core more than a tenth
 * of the paced phase is starved: it is run again (`--retries`, while the run is under 6
 * minutes, so an invocation stays under 10), and the medians leave starved rounds out.
 *
 * `--snapshot` adds a session per node server (not timed) that writes heap snapshots at the
 * baseline and with the subscribers held, and prints what one subscriber adds, by
 * constructor. `--profile` adds one that runs the V8 CPU profiler over the paced phase and
 * prints self time per function. nginx is started from a generated config on a free loopback
 * port as this harness's child, and stopped (with its worker) at the end of its session.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ask } from './ask-child.js'
import { forgetStray, has, stop, stopAll, watch, watchStray } from './child-processes.js'
import { freePort } from './free-port.js'
import { heapGrowth, printHeapGrowth } from './heap-snapshot-difference.js'
import { median } from './median.js'
import { processCpuSeconds, processTreePids } from '../src/bench/process-tree.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const serverScript = join(root, 'bench/peers/fanout-server.js')
const clientScript = join(root, 'bench/peers/fanout-client.js')
const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so'

const KINDS = ['netserv', 'raw-net', 'node:http', 'nchan'] as const
type Kind = (typeof KINDS)[number]

const { values: options } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    'per-client': { type: 'string', default: '2500' },
    rounds: { type: 'string', default: '3' },
    interval: { type: 'string', default: '200' },
    messages: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    'fast-interval': { type: 'string', default: '20' },
    'fast-messages': { type: 'string', default: '100' },
    payload: { type: 'string', default: '100' },
    baseline: { type: 'string', default: '500' },
    peers: { type: 'string', default: KINDS.join(',') },
    lib: { type: 'string', default: join(root, 'lib') },
    quiet: { type: 'string', default: '15' },
    retries: { type: 'string', default: '1' },
    snapshot: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    top: { type: 'string', default: '25' },
  },
})
const subscriberCount = Number(options.subscribers)
const perClient = Number(options['per-client'])
const rounds = Number(options.rounds)
const intervalMs = Number(options.interval)
const messageCount = Number(options.messages)
const warmupCount = Number(options.warmup)
const fastIntervalMs = Number(options['fast-interval'])
const fastMessageCount = Number(options['fast-messages'])
const payloadBytes = Number(options.payload)
const baselineSubscribers = Number(options.baseline)
const libDirectory = resolve(options.lib)
const quietWaitSeconds = Number(options.quiet)
const topCount = Number(options.top)
const retries = Number(options.retries)
/** No retry starts after this much of the run: an invocation stays under 10 minutes. */
const RETRY_BUDGET_MS = 6 * 60_000
const runStarted = performance.now()
/**
 * A phase whose server waited for its core (other work on core 0) longer than this share of
 * the phase is starved: its delays measure the machine, and a starved netserv also batches
 * more, which lowers its CPU per delivery. Such sessions are re-run (--retries) and left out
 * of the medians when unstarved ones exist.
 */
const STARVED_WAIT = 0.1
/** Before a session, wait (up to --quiet s) until other work uses less than this share of the machine. */
const QUIET_BUSY = 0.25
const BASELINE_MESSAGES = 3
/** How long after its last publish a phase may take to reach every subscriber. */
const PACED_DRAIN_MS = 10_000
const FAST_DRAIN_MS = 60_000

/** CLOCK_MONOTONIC in µs (the clients read the same clock the same way). */
const originUs = Number(process.hrtime.bigint()) / 1000 - performance.now() * 1000
function nowUs(): number {
  return originUs + performance.now() * 1000
}

// --- processes: every one this harness starts is stopped on every way out

const pinned = has('taskset') && cpus().length >= 2
/** Pins every thread of `pid` to `core`. */
function pin(pid: number, core: number): void {
  if (pinned) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' })
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))

// --- /proc

interface ProcessCounters {
  /** user + system CPU seconds, all threads. */
  cpuSeconds: number
  /** Nanoseconds the main thread waited on a run queue (other work had the core). */
  waitNs: number
  /** write-type syscalls (write, writev, sendmsg...) of all threads. */
  writeCalls: number
}

function counters(pid: number): ProcessCounters {
  let waitNs = Number.NaN
  let writeCalls = Number.NaN
  try {
    waitNs = Number(readFileSync(`/proc/${pid}/schedstat`, 'latin1').split(' ')[1])
    writeCalls = Number(/syscw: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'latin1'))?.[1])
  } catch {
    // Kernels without schedstat or task io accounting: those columns stay NaN.
  }
  return { cpuSeconds: processCpuSeconds(pid), waitNs, writeCalls }
}

/** A `kB` line of /proc/<pid>/status (VmRSS, RssShmem...) in bytes. */
function statusBytes(pid: number, field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'latin1'))
  return match === null ? Number.NaN : Number(match[1]) * 1024
}

// --- servers under test

interface Memory {
  heapBytes: number
  rssBytes: number
  /** Of the RSS, pages of shared memory (nchan keeps channels and messages in a shared zone). */
  shmemBytes: number
  subscribers: number
}

interface ServerUnderTest {
  readonly kind: Kind
  /** The process that does the work: node's, or nginx's worker. */
  readonly pid: number
  readonly port: number
  /** Publishes message `seq` stamped now; returns the stamp. */
  publish(seq: number): number
  memory(): Promise<Memory>
  /** Node servers: heap snapshot after gcs; CPU profile of a span. */
  snapshot?(path: string): Promise<void>
  profileStart?(): Promise<void>
  profileStop?(path: string): Promise<void>
  stop(): Promise<void>
}

async function startNodeServer(kind: Exclude<Kind, 'nchan'>): Promise<ServerUnderTest> {
  const child = watch(
    fork(serverScript, ['--kind', kind, '--lib', libDirectory, '--payload', String(payloadBytes)], {
      // No tsx loader in the server: it would sit in the heap being measured.
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  const { port } = await ask<{ port: number }>(child, null, 'listening', 10_000)
  const pid = child.pid as number
  pin(pid, 0)
  return {
    kind,
    pid,
    port,
    publish(seq) {
      const stampUs = Math.round(nowUs())
      child.send({ type: 'publish', seq, stampUs })
      return stampUs
    },
    async memory() {
      const measured = await ask<{ heapUsed: number; rss: number; subscribers: number }>(child, { type: 'measure' }, 'measured', 30_000)
      return { heapBytes: measured.heapUsed, rssBytes: measured.rss, shmemBytes: statusBytes(pid, 'RssShmem'), subscribers: measured.subscribers }
    },
    async snapshot(path) {
      await ask(child, { type: 'snapshot', path }, 'snapshot', 120_000)
    },
    async profileStart() {
      await ask(child, { type: 'profile-start' }, 'profiling', 10_000)
    },
    async profileStop(path) {
      await ask(child, { type: 'profile-stop', path }, 'profile', 60_000)
    },
    stop: () => stop(child, 'SIGKILL'),
  }
}


function nginxConfig(directory: string, port: number): string {
  return `load_module ${NCHAN_MODULE};
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
master_process on;
pid ${directory}/nginx.pid;
error_log ${directory}/error.log warn;
events {
  worker_connections 16384;
  multi_accept on;
}
http {
  access_log off;
  client_body_temp_path ${directory}/body;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /sub {
      nchan_subscriber eventsource;
      nchan_channel_id bench;
      nchan_subscriber_first_message newest;
    }
    location = /pub {
      nchan_publisher;
      nchan_channel_id bench;
    }
  }
}
`
}

/** A GET or POST to nginx on `port`; resolves with the body. */
function httpCall(agent: Agent, port: number, method: string, path: string, body: string | null): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const call = request({ agent, host: '127.0.0.1', port, method, path, headers: { Accept: 'text/plain' } }, (response) => {
      let text = ''
      response.setEncoding('latin1')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => resolvePromise(text))
    })
    call.on('error', reject)
    call.end(body ?? undefined)
  })
}

async function startNchan(): Promise<ServerUnderTest> {
  const directory = mkdtempSync(join(tmpdir(), 'netserv-nchan-'))
  const port = await freePort()
  const config = join(directory, 'nginx.conf')
  writeFileSync(config, nginxConfig(directory, port))
  const argv = ['nginx', '-p', directory, '-c', config, '-e', join(directory, 'error.log')]
  const [command, ...args] = pinned ? ['taskset', '-c', '0', ...argv] : argv
  const master = watch(spawn(command as string, args, { stdio: ['ignore', 'inherit', 'inherit'] }))
  const masterPid = master.pid as number
  let worker = 0
  for (let i = 0; i < 100 && worker === 0; i++) {
    await sleep(50)
    if (master.exitCode !== null) throw new Error(`nginx exited with ${master.exitCode}: ${readFileSync(join(directory, 'error.log'), 'latin1')}`)
    worker = processTreePids(masterPid)[1] ?? 0
  }
  if (worker === 0) throw new Error('nginx started no worker in 5 s')
  watchStray(worker)
  // One socket: publishes reach nchan in order (two sockets let a later POST overtake).
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  // Up when the publisher answers.
  for (let i = 0; ; i++) {
    try {
      await httpCall(agent, port, 'GET', '/pub', null)
      break
    } catch (error) {
      if (i > 100) throw error
      await sleep(50)
    }
  }
  return {
    kind: 'nchan',
    pid: worker,
    port,
    publish(seq) {
      const stampUs = Math.round(nowUs())
      const text = `${seq} ${stampUs} `
      httpCall(agent, port, 'POST', '/pub', text + 'x'.repeat(Math.max(0, payloadBytes - text.length))).catch((error: unknown) => {
        console.error(`nchan publish ${seq} failed: ${String(error)}`)
      })
      return stampUs
    },
    async memory() {
      // nchan's channel info: `active subscribers: N` (text/plain).
      const info = await httpCall(agent, port, 'GET', '/pub', null)
      const subscribers = Number(/subscribers: (\d+)/.exec(info)?.[1] ?? Number.NaN)
      return { heapBytes: Number.NaN, rssBytes: statusBytes(worker, 'VmRSS'), shmemBytes: statusBytes(worker, 'RssShmem'), subscribers }
    },
    async stop() {
      agent.destroy()
      await stop(master, 'SIGTERM')
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(worker, 0)
        } catch {
          break
        }
        await sleep(100)
      }
      try {
        process.kill(worker, 'SIGKILL')
      } catch {
        // Gone with its master, as it should be.
      }
      forgetStray(worker)
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

function startServer(kind: Kind): Promise<ServerUnderTest> {
  return kind === 'nchan' ? startNchan() : startNodeServer(kind)
}

// --- clients

interface ClientReport {
  type: 'report'
  open: number
  stride: number
  counts: Uint32Array
  delaysUs: Float64Array
  duplicates: number
  reordered: number
  foreign: number
  closedByServer: number
}

interface Client {
  readonly child: ChildProcess
  readonly open: number
}

function startClient(): ChildProcess {
  const child = watch(fork(clientScript, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  pin(child.pid as number, 1)
  return child
}

async function openClients(port: number, total: number, firstSeq: number, messages: number, onComplete: (seq: number) => void): Promise<Client[]> {
  const processes = Math.ceil(total / perClient)
  const clients: Client[] = []
  await Promise.all(
    Array.from({ length: processes }, async (_, index) => {
      const child = startClient()
      child.on('message', (message: { type?: string; seq?: number }) => {
        if (message.type === 'complete') onComplete(message.seq as number)
      })
      const count = Math.min(perClient, total - index * perClient)
      // Each process its own range of source addresses: 10k sockets from one address would
      // come close to the ephemeral port range.
      const firstAddress = 1 + Math.floor((index * 254) / processes)
      const opened = await ask<{ open: number; failed: number }>(child, { type: 'open', port, path: '/sub', count, firstSeq, messages, firstAddress }, 'opened', 300_000)
      if (opened.failed > 0) console.log(`  client ${index}: ${opened.failed} of ${count} subscriptions failed`)
      clients.push({ child, open: opened.open })
    }),
  )
  return clients
}

async function closeClients(clients: readonly Client[]): Promise<void> {
  await Promise.all(clients.map(async (client) => {
    await ask(client.child, { type: 'close' }, 'closed', 30_000).catch(() => undefined)
    await stop(client.child)
  }))
}

// --- one session: one server, warm-up, paced phase, memory, fast phase

interface Phase {
  deliveries: number
  expected: number
  misses: number
  duplicates: number
  reordered: number
  /** Server CPU µs per delivery. */
  cpuMicrosPerDelivery: number
  writesPerDelivery: number
  /** Share of its core the server used over the phase. */
  serverCpuShare: number
  /** ms the server's main thread waited for its core (other work on core 0). */
  serverWaitMs: number
  /** Share of a core all client processes used over the phase. */
  clientCpuShare: number
  p50Ms: number
  p99Ms: number
  /** Per message, the time until the last subscriber had it: median and worst over messages. */
  lastMedianMs: number
  lastMaxMs: number
  /** Median time between two publishes, ms (the harness's timer on a busy core). */
  publishIntervalMs: number
  /** From the first publish until every subscriber had the last message (or the drain timeout), ms. */
  wallMs: number
  complete: boolean
  /** The server waited for its core more than STARVED_WAIT of the phase. */
  starved: boolean
}

interface Session {
  kind: Kind
  subscribers: number
  heapPerSubscriber: number
  rssPerSubscriber: number
  shmemPerSubscriber: number
  paced: Phase
  fast: Phase
  load: string
}

function percentile(sorted: Float64Array, share: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] as number
}

function clientCpu(clients: readonly Client[]): number {
  let sum = 0
  for (const client of clients) sum += counters(client.child.pid as number).cpuSeconds
  return sum
}

/** Share of the whole machine (all cores) busy over `ms`, from /proc/stat. */
async function machineBusy(ms: number): Promise<number> {
  const sample = (): [number, number] => {
    const fields = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
    const total = fields.reduce((sum, value) => sum + value, 0)
    // idle and iowait
    return [total, (fields[3] ?? 0) + (fields[4] ?? 0)]
  }
  const [total0, idle0] = sample()
  await sleep(ms)
  const [total1, idle1] = sample()
  return total1 === total0 ? 0 : 1 - (idle1 - idle0) / (total1 - total0)
}

/** Waits, up to --quiet seconds, until other work leaves the machine mostly idle; returns its busy share then. */
async function waitForQuiet(): Promise<number> {
  const deadline = Date.now() + quietWaitSeconds * 1000
  let busy = await machineBusy(1000)
  while (busy > QUIET_BUSY && Date.now() < deadline) busy = await machineBusy(2000)
  return busy
}

/** What a session does besides its plain measure: heap snapshots (no phases), or a CPU profile of the paced phase (no fast phase). */
type Extra = { what: 'snapshot' | 'profile'; directory: string } | null

async function session(kind: Kind, extra: Extra = null): Promise<Session | null> {
  const othersBusy = await waitForQuiet()
  const load = `${loadavg().map((value) => value.toFixed(1)).join(' ')}, others ${Math.round(othersBusy * 200)}% of 2 cores before`
  const server = await startServer(kind)
  let clients: Client[] = []
  try {
    // Baseline: a few subscribers come, get messages and go, so the paths are compiled.
    const warm = startClient()
    const warmOpened = await ask<{ open: number; failed: number }>(warm, { type: 'open', port: server.port, path: '/sub', count: baselineSubscribers, firstSeq: 0, messages: BASELINE_MESSAGES, firstAddress: 1 }, 'opened', 60_000)
    if (warmOpened.failed > 0) throw new Error(`${kind}: ${warmOpened.failed} warm-up subscriptions failed`)
    for (let seq = 0; seq < BASELINE_MESSAGES; seq++) {
      server.publish(seq)
      await sleep(100)
    }
    await sleep(300)
    await ask(warm, { type: 'close' }, 'closed')
    await stop(warm)
    let baseline = await server.memory()
    for (let i = 0; i < 20 && baseline.subscribers !== 0; i++) {
      await sleep(100)
      baseline = await server.memory()
    }
    if (baseline.subscribers > 0) {
      // The clients closed (FIN) 2 s ago and the server still holds their streams: a write
      // makes their kernels answer RST, and the write after that fails. Noted, then reaped
      // with two messages nobody reads (a seq outside every client's range).
      console.log(`  ${kind}: ${baseline.subscribers} streams of departed subscribers still held 2 s after their FIN; publishing twice to reap them`)
      for (let i = 0; i < 100 && baseline.subscribers !== 0; i++) {
        if (i < 2) server.publish(1_000_000 + i)
        await sleep(200)
        baseline = await server.memory()
      }
    }
    if (baseline.subscribers !== 0 && !Number.isNaN(baseline.subscribers)) throw new Error(`${kind} still counts ${baseline.subscribers} warm-up subscribers`)
    const snapshotBefore = extra?.what === 'snapshot' ? join(extra.directory, `${kind}-0.heapsnapshot`) : ''
    if (snapshotBefore !== '') await server.snapshot?.(snapshotBefore)

    const firstSeq = BASELINE_MESSAGES
    const totalMessages = warmupCount + messageCount + fastMessageCount
    const completions = new Uint16Array(totalMessages)
    let waiting: (() => void) | null = null
    let waitingFor = -1
    let clientTotal = 0
    const onComplete = (seq: number): void => {
      const k = seq - firstSeq
      completions[k] = (completions[k] as number) + 1
      if (k === waitingFor && completions[k] === clientTotal && waiting !== null) waiting()
    }
    clients = await openClients(server.port, subscriberCount, firstSeq, totalMessages, onComplete)
    clientTotal = clients.length
    const subscribers = clients.reduce((sum, client) => sum + client.open, 0)
    const counted = (await server.memory()).subscribers
    if (counted !== subscribers && !Number.isNaN(counted)) console.log(`  ${kind}: the server counts ${counted} subscribers, the clients ${subscribers}`)

    const everyoneHas = (k: number): boolean => completions[k] === clientTotal
    /** Resolves true when every client has messages [from, to], false after timeoutMs. */
    const waitFor = async (from: number, to: number, timeoutMs: number): Promise<boolean> => {
      const deadline = Date.now() + timeoutMs
      for (let j = from; j <= to; j++) {
        if (everyoneHas(j)) continue
        waitingFor = j
        const left = deadline - Date.now()
        if (left <= 0) return false
        await new Promise<void>((done) => {
          const timer = setTimeout(done, left)
          waiting = () => {
            clearTimeout(timer)
            done()
          }
        })
        waiting = null
        if (!everyoneHas(j)) return false
      }
      return true
    }

    const stamps = new Float64Array(totalMessages)
    /** Publishes messages [from, from + count) every `everyMs`, on absolute times (no drift). */
    const publishAll = async (from: number, count: number, everyMs: number): Promise<void> => {
      const start = performance.now()
      for (let i = 0; i < count; i++) {
        const due = start + i * everyMs - performance.now()
        if (due > 1) await sleep(due)
        stamps[from + i] = server.publish(firstSeq + from + i)
      }
    }

    // Warm-up messages: the streams' first frames, nothing measured.
    await publishAll(0, warmupCount, intervalMs)
    if (!(await waitFor(0, warmupCount - 1, PACED_DRAIN_MS))) console.log(`  ${kind}: warm-up messages did not reach everyone`)

    const runPhase = async (from: number, count: number, everyMs: number, drainMs: number): Promise<Phase> => {
      const before = counters(server.pid)
      const clientBefore = clientCpu(clients)
      const started = performance.now()
      await publishAll(from, count, everyMs)
      const complete = await waitFor(from, from + count - 1, drainMs)
      const wallMs = performance.now() - started
      const after = counters(server.pid)
      const clientAfter = clientCpu(clients)
      await sleep(complete ? 50 : 500)
      const reports = await Promise.all(clients.map((client) => ask<ClientReport>(client.child, { type: 'report' }, 'report', 60_000)))
      return summarize(reports, from, count, stamps, before, after, clientAfter - clientBefore, wallMs, complete)
    }

    if (extra?.what === 'snapshot') {
      const after = join(extra.directory, `${kind}-${subscribers}.heapsnapshot`)
      await server.snapshot?.(after)
      printSnapshotDifference(kind, snapshotBefore, after, subscribers)
      return null
    }
    if (extra?.what === 'profile') {
      const path = join(extra.directory, `${kind}.cpuprofile`)
      await server.profileStart?.()
      const profiled = await runPhase(warmupCount, messageCount, intervalMs, PACED_DRAIN_MS)
      await server.profileStop?.(path)
      console.log(`\n${kind}: CPU profile of the paced phase (profiler on: figures above it are not comparable)`)
      console.log(phaseLine('paced', profiled))
      printProfile(kind, path)
      return null
    }

    const paced = await runPhase(warmupCount, messageCount, intervalMs, PACED_DRAIN_MS)
    const held = await server.memory()
    const fast = await runPhase(warmupCount + messageCount, fastMessageCount, fastIntervalMs, FAST_DRAIN_MS)
    return {
      kind,
      subscribers,
      heapPerSubscriber: (held.heapBytes - baseline.heapBytes) / subscribers,
      rssPerSubscriber: (held.rssBytes - baseline.rssBytes) / subscribers,
      shmemPerSubscriber: (held.shmemBytes - baseline.shmemBytes) / subscribers,
      paced,
      fast,
      load,
    }
  } finally {
    await closeClients(clients)
    await server.stop()
  }
}

function summarize(
  reports: readonly ClientReport[],
  from: number,
  count: number,
  stamps: Float64Array,
  before: ProcessCounters,
  after: ProcessCounters,
  clientCpuSeconds: number,
  wallMs: number,
  complete: boolean,
): Phase {
  let deliveries = 0
  let expected = 0
  let duplicates = 0
  let reordered = 0
  const all: number[] = []
  const lastUs = new Float64Array(count).fill(Number.NaN)
  for (const report of reports) {
    duplicates += report.duplicates
    reordered += report.reordered
    expected += report.open * count
    for (let k = from; k < from + count; k++) {
      deliveries += report.counts[k] as number
      const row = k * report.stride
      for (let i = 0; i < report.stride; i++) {
        const delay = report.delaysUs[row + i] as number
        if (Number.isNaN(delay)) continue
        all.push(delay)
        const m = k - from
        if (!(delay <= (lastUs[m] as number))) lastUs[m] = delay
      }
    }
  }
  const sorted = Float64Array.from(all).sort()
  const intervals: number[] = []
  for (let k = from + 1; k < from + count; k++) intervals.push(((stamps[k] as number) - (stamps[k - 1] as number)) / 1000)
  const cpuSeconds = after.cpuSeconds - before.cpuSeconds
  return {
    deliveries,
    expected,
    misses: expected - deliveries,
    duplicates,
    reordered,
    cpuMicrosPerDelivery: (cpuSeconds * 1e6) / deliveries,
    writesPerDelivery: (after.writeCalls - before.writeCalls) / deliveries,
    serverCpuShare: cpuSeconds / (wallMs / 1000),
    serverWaitMs: (after.waitNs - before.waitNs) / 1e6,
    clientCpuShare: clientCpuSeconds / (wallMs / 1000),
    p50Ms: percentile(sorted, 0.5) / 1000,
    p99Ms: percentile(sorted, 0.99) / 1000,
    lastMedianMs: median(Array.from(lastUs)) / 1000,
    lastMaxMs: Math.max(...Array.from(lastUs).map((value) => (Number.isNaN(value) ? Infinity : value))) / 1000,
    publishIntervalMs: median(intervals),
    wallMs,
    complete,
    starved: (after.waitNs - before.waitNs) / 1e6 > STARVED_WAIT * wallMs,
  }
}

// --- heap snapshot difference and CPU profile

function printSnapshotDifference(kind: Kind, before: string, after: string, subscribers: number): void {
  const rows = heapGrowth(before, after, subscribers)
  const total = rows.reduce((sum, row) => sum + row.bytes, 0)
  console.log(`\n${kind}: what one subscriber adds to the heap (snapshot difference at ${subscribers} subscribers, ${(total / 1024).toFixed(2)} KiB in all)`)
  printHeapGrowth(rows, 'subscriber', topCount)
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>
}

/** Self time per function, as shares of the samples. */
function printProfile(kind: Kind, path: string): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byFunction = new Map<string, number>()
  let total = 0
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0
    total += hits
    const { functionName, url, lineNumber } = node.callFrame
    const file = url === '' ? '' : ` ${url.replace(/^.*\/(lib|node_modules)\//, '$1/').replace(/^node:/, 'node:')}:${lineNumber + 1}`
    const key = `${functionName === '' ? '(anonymous)' : functionName}${file}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits)
  }
  const rows = [...byFunction].sort((x, y) => y[1] - x[1])
  const busy = total - (byFunction.get('(idle)') ?? 0)
  console.log(`${kind}: self time by function, share of busy samples (${busy} of ${total} samples busy)`)
  console.log('| function | share of busy |')
  console.log('| --- | ---: |')
  for (const [key, hits] of rows.slice(0, topCount)) {
    if (key === '(idle)') continue
    console.log(`| ${key.replaceAll('|', '\\|')} | ${((hits / busy) * 100).toFixed(1)}% |`)
  }
}

// --- output

const f1 = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : String(value))
const f2 = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : String(value))

function phaseLine(name: string, phase: Phase): string {
  return (
    `    ${name.padEnd(6)} ${f2(phase.cpuMicrosPerDelivery).padStart(6)} µs/delivery  ${f2(phase.writesPerDelivery)} writes/delivery` +
    `  p50 ${f1(phase.p50Ms)}  p99 ${f1(phase.p99Ms)}  last ${f1(phase.lastMedianMs)} (worst ${f1(phase.lastMaxMs)}) ms` +
    `  misses ${phase.misses}${phase.duplicates > 0 ? ` dup ${phase.duplicates}` : ''}${phase.reordered > 0 ? ` reordered ${phase.reordered}` : ''}${phase.complete ? '' : ' INCOMPLETE'}${phase.starved ? ' STARVED' : ''}` +
    `  | server ${Math.round(phase.serverCpuShare * 100)}% of core, waited ${f1(phase.serverWaitMs)} ms; clients ${Math.round(phase.clientCpuShare * 100)}%; publish every ${f1(phase.publishIntervalMs)} ms; ${Math.round(phase.wallMs)} ms`
  )
}

function printSummary(results: Map<Kind, Session[]>): void {
  const floor = results.get('raw-net') ?? []
  const floorOf = (pick: (s: Session) => number): number => median(floor.map(pick))
  const ratio = (value: number, base: number): string => (Number.isFinite(value) && Number.isFinite(base) && base !== 0 ? `${(value / base).toFixed(2)}x` : '-')
  const phases: Array<[string, (s: Session) => Phase]> = [
    [`paced: a message every ${intervalMs} ms, ${messageCount} messages`, (s) => s.paced],
    [`beyond the floor: a message every ${fastIntervalMs} ms, ${fastMessageCount} messages`, (s) => s.fast],
  ]
  for (const [title, pick] of phases) {
    console.log(`\n${title} (medians of the n rounds whose server was not starved; ratios to raw-net; misses of every round)`)
    console.log('| server | n | CPU µs/delivery | vs raw | writes/delivery | p50 ms | p99 ms | last subscriber ms | vs raw | worst last ms | misses |')
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    // Medians over the rounds whose server had its core, where there are any.
    const usable = (sessions: readonly Session[]): Session[] => {
      const fed = sessions.filter((s) => !pick(s).starved)
      return fed.length > 0 ? fed : [...sessions]
    }
    const floorSessions = usable(floor)
    const floorCpu = median(floorSessions.map((s) => pick(s).cpuMicrosPerDelivery))
    const floorLast = median(floorSessions.map((s) => pick(s).lastMedianMs))
    for (const [kind, all] of results) {
      const sessions = usable(all)
      const m = (get: (p: Phase) => number): number => median(sessions.map((s) => get(pick(s))))
      const misses = all.map((s) => pick(s).misses).join(' / ')
      const n = `${sessions.length}${sessions.some((s) => pick(s).starved) ? ' starved' : ''}`
      console.log(
        `| ${kind} | ${n} | ${f2(m((p) => p.cpuMicrosPerDelivery))} | ${ratio(m((p) => p.cpuMicrosPerDelivery), floorCpu)} | ${f2(m((p) => p.writesPerDelivery))} | ${f1(m((p) => p.p50Ms))} | ${f1(m((p) => p.p99Ms))} | ${f1(m((p) => p.lastMedianMs))} | ${ratio(m((p) => p.lastMedianMs), floorLast)} | ${f1(Math.max(...sessions.map((s) => pick(s).lastMaxMs)))} | ${misses} |`,
      )
    }
  }
  console.log(`\nmemory per subscriber (held after the paced phase minus baseline; heap after forced gcs)`)
  console.log('| server | heap per subscriber | vs raw | RSS per subscriber | vs raw | of the RSS, shared memory |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  const floorHeap = floorOf((s) => s.heapPerSubscriber)
  const floorRss = floorOf((s) => s.rssPerSubscriber)
  for (const [kind, sessions] of results) {
    const heap = median(sessions.map((s) => s.heapPerSubscriber))
    const rss = median(sessions.map((s) => s.rssPerSubscriber))
    const shmem = median(sessions.map((s) => s.shmemPerSubscriber))
    console.log(`| ${kind} | ${Number.isNaN(heap) ? '-' : `${(heap / 1024).toFixed(2)} KiB`} | ${ratio(heap, floorHeap)} | ${(rss / 1024).toFixed(2)} KiB | ${ratio(rss, floorRss)} | ${(shmem / 1024).toFixed(2)} KiB |`)
  }
  console.log('\ntargets: netserv CPU per delivery and time to the last subscriber <= 1.15x raw-net; memory per subscriber <= 1.25x raw-net;')
  console.log(`every message delivered, also at a message every ${fastIntervalMs} ms, with bounded delay`)
}

async function main(): Promise<void> {
  const kinds = options.peers.split(',').map((name) => name.trim()) as Kind[]
  for (const kind of kinds) if (!KINDS.includes(kind)) throw new Error(`--peers: unknown ${kind}; known: ${KINDS.join(', ')}`)
  if (kinds.includes('netserv')) {
    try {
      statSync(join(libDirectory, 'push/open-stream.js'))
    } catch {
      throw new Error(`${libDirectory} has no push/open-stream.js: run \`npm run build\` first`)
    }
  }
  const active = kinds.filter((kind) => {
    if (kind !== 'nchan') return true
    let found = has('nginx')
    try {
      statSync(NCHAN_MODULE)
    } catch {
      found = false
    }
    if (!found) console.log(`nchan: skipped (needs nginx and ${NCHAN_MODULE}: apt-get install nginx-light libnginx-mod-nchan)`)
    return found
  })
  // The harness shares core 1 with the clients; core 0 is the server's alone.
  pin(process.pid, 1)
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}, node ${process.version}; ${pinned ? 'server on core 0, clients and harness on core 1' : 'not pinned (no taskset or one core)'}`)
  console.log(`${subscriberCount} SSE subscribers in ${Math.ceil(subscriberCount / perClient)} client processes; ${payloadBytes}-byte data; warm-up ${warmupCount} messages; lib ${libDirectory}`)
  console.log(`paced: ${messageCount} messages every ${intervalMs} ms; beyond the floor: ${fastMessageCount} every ${fastIntervalMs} ms; ${rounds} rounds interleaved\n`)
  const results = new Map<Kind, Session[]>(active.map((kind) => [kind, []]))
  for (let round = 1; round <= rounds; round++) {
    for (const kind of active) {
      let kept: Session | null = null
      for (let attempt = 0; attempt <= retries; attempt++) {
        const result = await session(kind)
        if (result === null) break
        console.log(
          `round ${round} ${kind.padEnd(9)} ${result.subscribers} subscribers; heap ${Number.isNaN(result.heapPerSubscriber) ? '-' : result.heapPerSubscriber.toFixed(0)} B/sub, rss ${result.rssPerSubscriber.toFixed(0)} B/sub (shared memory ${result.shmemPerSubscriber.toFixed(0)}); load ${result.load}${attempt > 0 ? ` (attempt ${attempt + 1})` : ''}`,
        )
        console.log(phaseLine('paced', result.paced))
        console.log(phaseLine('fast', result.fast))
        if (kept === null || result.paced.serverWaitMs < kept.paced.serverWaitMs) kept = result
        if (!result.paced.starved || performance.now() - runStarted > RETRY_BUDGET_MS) break
      }
      if (kept !== null) results.get(kind)?.push(kept)
    }
  }
  if (rounds > 0) printSummary(results)
  if (options.snapshot || options.profile) {
    const directory = mkdtempSync(join(tmpdir(), 'netserv-fanout-'))
    try {
      // Sessions of their own: a snapshot grows the RSS, the profiler slows the server.
      for (const kind of active) {
        if (kind === 'nchan') continue
        if (options.snapshot) await session(kind, { what: 'snapshot', directory })
        if (options.profile) await session(kind, { what: 'profile', directory })
      }
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  }
}

try {
  await main()
} finally {
  stopAll()
}
