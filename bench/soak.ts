/**
 * Soak: a netserv hub under a steady load for a long time, checking that nothing is lost,
 * nothing doubled, and that its memory stays flat (issue 7).
 *
 *   npm run soak -- [--subscribers 10000] [--rate 100] [--duration 10m] [--channels 1]
 *       [--clients 4] [--reconnect-percent 1] [--reconnect-every 1m] [--warmup 1m]
 *       [--sample-every 10s] [--max-heap-growth-percent 5] [--history 1000]
 *       [--payload-bytes 100] [--first-address 101] [--json FILE] [--lib lib]
 *
 * (flags and their defaults: src/bench/soak-flags.ts). The processes:
 * - the server: bench/peers/soak-server.js, `hubServer()` as `netserv hub` runs it, alone in
 *   its process (so its memory is its own), on 127.0.0.1 port 0, `--history` messages
 *   retained per channel; it reports process.memoryUsage() after forced gcs over IPC;
 * - `--clients` client processes (bench/peers/soak-client.js), each bound to its own source
 *   address 127.0.1.x, each opening its share of the subscribers (`GET /sub/<channel>`, SSE
 *   over HTTP/1.1, so chunked), checking every message of every subscriber (hub ids strictly
 *   increasing, the publisher's count without a hole), and dropping `--reconnect-percent` of
 *   its subscribers per `--reconnect-every`, one at a time at an even pace, each resumed with
 *   Last-Event-ID at once;
 *   subscribers the server drops (a slow reader) resume the same way, and are counted;
 * - this harness: once every subscriber is open, it publishes `--rate` messages a second for
 *   `--duration` with `POST /pub/<channel>`, as a backend would, on one keep-alive loopback
 *   connection (pipelined: a publish does not wait for the one before; one connection keeps
 *   them in order), message k to channel k mod `--channels`; each carries its count on its
 *   channel and the time it was sent (CLOCK_MONOTONIC, shared by every process here). Every
 *   `--sample-every` it reads the server's memory and CPU.
 * At the end the harness waits (up to a minute) for every subscriber to have the last message
 * of its channel, collects the clients' tallies and delay histograms, prints a table and a
 * verdict, and writes `--json`. It fails (exit 1) on any subscriber not opened, any message
 * lost, doubled or malformed, any publish refused, any resume that failed, or a quiet heap
 * that grew after warm-up by more than `--max-heap-growth-percent` along the least-squares
 * line through the quiet readings. Quiet: at a busy server, a reading is what it retains plus
 * what is queued for its subscribers at that instant, which swings with the load (40 to 80
 * MiB from one reading to the next at 10,000 subscribers); so six times per `--sample-every`
 * (at least four times after the warm-up) the publisher stops until every subscriber has
 * every message, the server is read with nothing queued, and publishing resumes where it left
 * off (pauses do not count in the run's time: the rate stays, no burst makes up for them).
 * The fit through every reading is reported too. RSS is reported but not judged: it holds the
 * young generation and malloc's arenas, which move with the load.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stopAll, watch as watchProcess } from './child-processes.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
type Flags = typeof import('../src/bench/soak-flags.js')
const flagsModule = (await import(join(root, 'lib/bench/soak-flags.js'))) as Flags
const settings = flagsModule.parseSoakFlags(process.argv.slice(2))
const lib = resolve(settings.lib ?? join(root, 'lib'))
if (!existsSync(join(lib, 'cli/hub-server.js'))) throw new Error(`${lib} has no cli/hub-server.js: run \`npm run build\` first`)
const { formatTable, formatBytes, formatCount } = (await import(join(lib, 'bench/text-table.js'))) as typeof import('../src/bench/text-table.js')
const { DelayHistogram } = (await import(join(lib, 'bench/delay-histogram.js'))) as typeof import('../src/bench/delay-histogram.js')
const { memoryTrend } = (await import(join(lib, 'bench/memory-trend.js'))) as typeof import('../src/bench/memory-trend.js')
const { encodeSoakPayload, monotonicUs } = (await import(join(lib, 'bench/soak-payload.js'))) as typeof import('../src/bench/soak-payload.js')
type DelayHistogramData = import('../src/bench/delay-histogram.js').DelayHistogramData
type HubStats = import('../src/hub/hub-stats.js').HubStats

const CONNECT_PARALLEL = 64
const DRAIN_WAIT_MS = 60_000
const QUIET_WAIT_MS = 15_000

// --- processes: every one started here is stopped on every way out

/** Stopped on every way out (child-processes.ts); a child that exits while the run goes on ends it. */
function watch(child: ChildProcess, what: string): ChildProcess {
  watchProcess(child)
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`\n${what} exited (${code ?? signal}) during the run`)
      stopAll()
      process.exit(2)
    }
  })
  return child
}
let stopping = false
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))

function nextMessage<T extends { type: string }>(child: ChildProcess, type: string, onOther?: (message: T) => void): Promise<T> {
  return new Promise((done) => {
    const listener = (message: T): void => {
      if (message.type === type) {
        child.off('message', listener)
        done(message)
      } else {
        onOther?.(message)
      }
    }
    child.on('message', listener)
  })
}

// --- the server

interface Measured {
  type: 'measured'
  atUs: number
  memory: NodeJS.MemoryUsage
  cpu: NodeJS.CpuUsage
  stats: HubStats
  connections: number
  errors: number
  firstErrors: string[]
}

interface Sample {
  /** ms since publishing began (negative: before). */
  atMs: number
  rssBytes: number
  heapUsedBytes: number
  externalBytes: number
  cpuUs: number
  connections: number
  messagesOut: number
  slowReadersDropped: number
}

const server = watch(fork(join(root, 'bench/peers/soak-server.js'), ['--lib', lib, '--history', String(settings.history)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), 'the server')
const { port } = await nextMessage<{ type: string; port: number }>(server, 'listening')
let measuring: Promise<Measured> = Promise.resolve(null as unknown as Measured)
function measure(): Promise<Measured> {
  // One at a time: the answers carry no request id.
  measuring = measuring.then(() => {
    const answer = nextMessage<Measured>(server, 'measured')
    server.send({ type: 'measure' })
    return answer
  })
  return measuring
}

// --- the clients

interface ClientReport {
  type: 'report'
  subscribers: number
  received: number
  missing: number
  doubled: number
  /** Messages whose id or payload was not the soak's, or of another hub epoch. */
  malformed: number
  subscribersWithLoss: number
  subscribersWithDoubles: number
  stillBehind: number
  plannedResumes: number
  serverDrops: number
  resumeFailures: number
  otherEvents: Record<string, number>
  firstError: string | null
  histogram: DelayHistogramData
}

const channels = Array.from({ length: settings.channels }, (_, index) => `soak-${index}`)
const received = new Array<number>(settings.clients).fill(0)
const clients: ChildProcess[] = []
const share = Math.ceil(settings.subscribers / settings.clients)
console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}, node ${process.version}; load ${loadavg().map((value) => value.toFixed(2)).join(' ')}; lib ${lib}`)
console.log(
  `soak: ${formatCount(settings.subscribers)} subscribers on ${settings.channels} channel(s) from ${settings.clients} clients (127.0.1.${settings.firstAddress}-${settings.firstAddress + settings.clients - 1}), ` +
    `${settings.ratePerSecond} messages/s of ${settings.payloadBytes} B for ${settings.durationMs / 1000} s; ` +
    `${(settings.reconnectShare * 100).toFixed(2)}% resume every ${settings.reconnectEveryMs / 1000} s; memory every ${settings.sampleEveryMs / 1000} s, warm-up ${settings.warmupMs / 1000} s; history ${settings.history}/channel; server pid ${server.pid}, port ${port}`,
)
const openStarted = Date.now()
const opened = await Promise.all(
  Array.from({ length: settings.clients }, async (_, index) => {
    const first = index * share
    const count = Math.max(0, Math.min(share, settings.subscribers - first))
    const client = watch(fork(join(root, 'bench/peers/soak-client.js'), ['--lib', lib], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), `client ${index}`)
    clients.push(client)
    client.on('message', (message: { type: string; received?: number; open?: number }) => {
      if (message.type === 'progress') received[index] = message.received ?? 0
    })
    client.send({ type: 'open', host: '127.0.0.1', port, localAddress: `127.0.1.${settings.firstAddress + index}`, channels, first, count, parallel: CONNECT_PARALLEL })
    return nextMessage<{ type: string; open: number; refused: number; firstError: string | null }>(client, 'opened')
  }),
)
const openCount = opened.reduce((sum, report) => sum + report.open, 0)
const refusedCount = opened.reduce((sum, report) => sum + report.refused, 0)
console.log(`opened ${formatCount(openCount)} subscribers in ${((Date.now() - openStarted) / 1000).toFixed(1)} s, ${refusedCount} refused${refusedCount > 0 ? ` (first: ${opened.find((report) => report.firstError !== null)?.firstError})` : ''}`)

// --- the publisher: one keep-alive connection, pipelined POSTs

const publisher: Socket = connect({ host: '127.0.0.1', port })
publisher.setNoDelay(true)
await new Promise((done, fail) => {
  publisher.once('connect', done)
  publisher.once('error', fail)
})
const publishedPerChannel = new Array<number>(settings.channels).fill(0)
let sent = 0
let acknowledged = 0
let refusedPublishes = 0
let firstPublishRefusal: string | null = null
let responses = ''
publisher.setEncoding('latin1')
publisher.on('data', (text: string) => {
  // The answers, in order: a head, then a Content-Length JSON body each.
  responses += text
  for (;;) {
    const end = responses.indexOf('\r\n\r\n')
    if (end === -1) return
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(responses.slice(0, end))?.[1] ?? 0)
    if (responses.length < end + 4 + length) return
    if (!responses.startsWith('HTTP/1.1 200 ')) {
      refusedPublishes++
      firstPublishRefusal ??= responses.slice(0, end + 4 + length)
    }
    acknowledged++
    responses = responses.slice(end + 4 + length)
  }
})
publisher.on('error', (error) => {
  firstPublishRefusal ??= error.message
})

function publishRequest(): string {
  const channel = sent % settings.channels
  const n = (publishedPerChannel[channel] as number) + 1
  publishedPerChannel[channel] = n
  sent++
  const body = encodeSoakPayload(n, monotonicUs(), settings.payloadBytes)
  return `POST /pub/${channels[channel]} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
}

// --- the run

const samples: Sample[] = []
let firstErrors: string[] = []
let serverErrors = 0
function toSample(measured: Measured, startUs: number): Sample {
  serverErrors = measured.errors
  firstErrors = measured.firstErrors
  return {
    atMs: (measured.atUs - startUs) / 1000,
    rssBytes: measured.memory.rss,
    heapUsedBytes: measured.memory.heapUsed,
    externalBytes: measured.memory.external,
    cpuUs: measured.cpu.user + measured.cpu.system,
    connections: measured.connections,
    messagesOut: measured.stats.messagesOut,
    slowReadersDropped: measured.stats.slowReadersDropped,
  }
}

const total = Math.round((settings.ratePerSecond * settings.durationMs) / 1000)
const startUs = monotonicUs()
samples.push(toSample(await measure(), startUs))
const publishStartUs = monotonicUs()
for (const client of clients) client.send({ type: 'start', reconnectShare: settings.reconnectShare, reconnectEveryMs: settings.reconnectEveryMs })
let lastProgress = 0
// Quiet readings: every quietEveryMs the publisher stops until every subscriber has every
// message (or QUIET_WAIT_MS passed), the server is read with nothing queued for anyone, and
// publishing goes on where it left off (the pause does not count in the run's time, so the
// rate stays the same and no burst makes up for it).
// At least four quiet readings after the warm-up; one a minute in the default run.
const quietEveryMs = Math.min(6 * settings.sampleEveryMs, (settings.durationMs - settings.warmupMs) / 4)
const quietSamples: Sample[] = []
let quietTimeouts = 0
let longestQuietMs = 0
let pausedUs = 0
let nextQuietUs = quietEveryMs * 1000
let quieting = false
async function quietSample(): Promise<void> {
  const startedUs = monotonicUs()
  const expectedNow = sent * settings.subscribers
  const deadline = Date.now() + QUIET_WAIT_MS
  for (;;) {
    const counts = await Promise.all(
      clients.map((client) => {
        const answer = nextMessage<{ type: string; received: number }>(client, 'count')
        client.send({ type: 'count' })
        return answer
      }),
    )
    if (counts.reduce((sum, count) => sum + count.received, 0) >= expectedNow) break
    if (Date.now() > deadline) {
      quietTimeouts++
      break
    }
    await sleep(50)
  }
  quietSamples.push(toSample(await measure(), publishStartUs))
  const tookUs = monotonicUs() - startedUs
  longestQuietMs = Math.max(longestQuietMs, tookUs / 1000)
  pausedUs += tookUs
}
await new Promise<void>((done) => {
  const sampler = setInterval(() => {
    if (!quieting) void measure().then((measured) => samples.push(toSample(measured, publishStartUs)))
  }, settings.sampleEveryMs)
  const pacer = setInterval(() => {
    if (quieting) return
    const elapsedUs = monotonicUs() - publishStartUs - pausedUs
    if (elapsedUs >= nextQuietUs && sent < total) {
      nextQuietUs += quietEveryMs * 1000
      quieting = true
      void quietSample().then(() => (quieting = false))
      return
    }
    const due = Math.min(total, Math.floor((elapsedUs * settings.ratePerSecond) / 1e6))
    let batch = ''
    while (sent < due) batch += publishRequest()
    if (batch !== '') publisher.write(batch)
    if (elapsedUs - lastProgress >= 5e6) {
      lastProgress = elapsedUs
      const last = samples.at(-1)
      const delivered = received.reduce((sum, value) => sum + value, 0)
      process.stderr.write(
        `  ${(elapsedUs / 1e6).toFixed(0)} s: published ${formatCount(sent)}, acknowledged ${formatCount(acknowledged)}, delivered ${formatCount(delivered)}; ` +
          `server ${last === undefined ? '-' : `${formatCount(last.connections)} connections, heap ${formatBytes(last.heapUsedBytes)}, RSS ${formatBytes(last.rssBytes)}`}\n`,
      )
    }
    if (sent >= total) {
      clearInterval(pacer)
      clearInterval(sampler)
      done()
    }
  }, 5)
})
const publishEndUs = monotonicUs()
// The last reading of the run, at its end (the in-flight one, if any, lands first).
samples.push(toSample(await measure(), publishStartUs))
const ackDeadline = Date.now() + DRAIN_WAIT_MS
while (acknowledged < sent && Date.now() < ackDeadline) await sleep(50)
const reports = await Promise.all(
  clients.map((client) => {
    const report = nextMessage<ClientReport>(client, 'report')
    client.send({ type: 'finish', published: publishedPerChannel, waitMs: DRAIN_WAIT_MS })
    return report
  }),
)
const afterDrain = toSample(await measure(), publishStartUs)
stopping = true
for (const client of clients) client.kill('SIGKILL')
server.send({ type: 'stop' })
await Promise.race([new Promise((done) => server.once('exit', done)), sleep(5000)])
stopAll()
publisher.destroy()

// --- the report

const sum = (pick: (report: ClientReport) => number): number => reports.reduce((value, report) => value + pick(report), 0)
const delays = new DelayHistogram()
for (const report of reports) delays.merge(report.histogram)
const otherEvents: Record<string, number> = {}
for (const report of reports) for (const [type, count] of Object.entries(report.otherEvents)) otherEvents[type] = (otherEvents[type] ?? 0) + count
const publishSeconds = (publishEndUs - publishStartUs - pausedUs) / 1e6
const heap = memoryTrend(samples.map((sample) => ({ atMs: sample.atMs, bytes: sample.heapUsedBytes })), settings.warmupMs)
const rss = memoryTrend(samples.map((sample) => ({ atMs: sample.atMs, bytes: sample.rssBytes })), settings.warmupMs)
const heapQuiet = memoryTrend(quietSamples.map((sample) => ({ atMs: sample.atMs, bytes: sample.heapUsedBytes })), settings.warmupMs)
const rssQuiet = memoryTrend(quietSamples.map((sample) => ({ atMs: sample.atMs, bytes: sample.rssBytes })), settings.warmupMs)
const judged = samples.filter((sample) => sample.atMs >= settings.warmupMs)
const firstJudged = judged[0] as Sample
const lastSample = samples.at(-1) as Sample
const firstSample = samples[0] as Sample
const cpuShareRun = (lastSample.cpuUs - firstSample.cpuUs) / 1e6 / ((lastSample.atMs - firstSample.atMs) / 1000)
const cpuShareJudged = (lastSample.cpuUs - firstJudged.cpuUs) / 1e6 / ((lastSample.atMs - firstJudged.atMs) / 1000)
const deliveries = sum((report) => report.received)
const expected = publishedPerChannel.reduce((value, count, channel) => value + count * Math.ceil((settings.subscribers - channel) / settings.channels), 0)

const failures: string[] = []
if (refusedCount > 0 || openCount < settings.subscribers) failures.push(`${settings.subscribers - openCount} subscribers not opened`)
if (sum((report) => report.missing) > 0) failures.push(`${formatCount(sum((report) => report.missing))} messages lost (${sum((report) => report.subscribersWithLoss)} subscribers)`)
if (sum((report) => report.doubled) > 0) failures.push(`${formatCount(sum((report) => report.doubled))} messages doubled or out of order (${sum((report) => report.subscribersWithDoubles)} subscribers)`)
if (sum((report) => report.malformed) > 0) failures.push('malformed ids or payloads')
if (sum((report) => report.stillBehind) > 0) failures.push(`${sum((report) => report.stillBehind)} subscribers without the last message ${DRAIN_WAIT_MS / 1000} s after it`)
if (sum((report) => report.resumeFailures) > 0) failures.push(`${sum((report) => report.resumeFailures)} resumes failed`)
if (refusedPublishes > 0 || acknowledged < sent) failures.push(`${refusedPublishes} publishes refused, ${sent - acknowledged} unanswered`)
if (!(heapQuiet.fittedGrowth <= settings.maxHeapGrowth)) {
  failures.push(`the quiet heap grew ${(heapQuiet.fittedGrowth * 100).toFixed(2)}% after warm-up (fitted), over ${(settings.maxHeapGrowth * 100).toFixed(0)}%`)
}

const percent = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(2)}%` : '-')
const perMinute = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB/min` : '-')
const rows: string[][] = [
  ['subscribers opened / asked', `${formatCount(openCount)} / ${formatCount(settings.subscribers)}`],
  ['messages published (acknowledged)', `${formatCount(sent)} (${formatCount(acknowledged)}) in ${publishSeconds.toFixed(1)} s`],
  ['deliveries (expected)', `${formatCount(deliveries)} (${formatCount(expected)})`],
  ['deliveries per second', formatCount(deliveries / publishSeconds)],
  ['lost / doubled / malformed', `${sum((report) => report.missing)} / ${sum((report) => report.doubled)} / ${sum((report) => report.malformed)}`],
  ['resumes (planned / server drops / failed)', `${sum((report) => report.plannedResumes)} / ${sum((report) => report.serverDrops)} / ${sum((report) => report.resumeFailures)}`],
  ['other events (gap...)', Object.keys(otherEvents).length === 0 ? 'none' : JSON.stringify(otherEvents)],
  ['delay publish→receipt p50 / p99 / max', `${delays.quantile(0.5).toFixed(0)} / ${delays.quantile(0.99).toFixed(0)} / ${delays.maxMs.toFixed(0)} ms`],
  ['server CPU (whole run / after warm-up)', `${percent(cpuShareRun)} / ${percent(cpuShareJudged)} of a core`],
  ['heap after warm-up: first → last', `${formatBytes(heap.firstBytes)} → ${formatBytes(heap.lastBytes)} (${percent(heap.growth)})`],
  ['heap slope (least squares), fitted growth', `${perMinute(heap.slopeBytesPerMinute)}, ${percent(heap.fittedGrowth)}`],
  [`quiet heap (every ${quietEveryMs / 1000} s, nothing queued): first → last`, `${formatBytes(heapQuiet.firstBytes)} → ${formatBytes(heapQuiet.lastBytes)} (${percent(heapQuiet.growth)})`],
  ['quiet heap slope, fitted growth (judged)', `${perMinute(heapQuiet.slopeBytesPerMinute)}, ${percent(heapQuiet.fittedGrowth)}`],
  ['quiet RSS: first → last, slope', `${formatBytes(rssQuiet.firstBytes)} → ${formatBytes(rssQuiet.lastBytes)} (${percent(rssQuiet.growth)}), ${perMinute(rssQuiet.slopeBytesPerMinute)}`],
  ['quiet readings after warm-up (pauses, longest)', `${heapQuiet.readings} (${quietSamples.length} pauses, longest ${(longestQuietMs / 1000).toFixed(1)} s${quietTimeouts > 0 ? `, ${quietTimeouts} not caught up` : ''})`],
  ['RSS after warm-up: first → last', `${formatBytes(rss.firstBytes)} → ${formatBytes(rss.lastBytes)} (${percent(rss.growth)})`],
  ['RSS slope (least squares), fitted growth', `${perMinute(rss.slopeBytesPerMinute)}, ${percent(rss.fittedGrowth)}`],
  ['heap / RSS before publishing, after drain', `${formatBytes(firstSample.heapUsedBytes)} / ${formatBytes(firstSample.rssBytes)}, ${formatBytes(afterDrain.heapUsedBytes)} / ${formatBytes(afterDrain.rssBytes)}`],
  ['memory readings after warm-up', String(heap.readings)],
  ['slow readers dropped by the hub', formatCount(afterDrain.slowReadersDropped)],
  ['server errors reported', serverErrors === 0 ? '0' : `${serverErrors} (first: ${firstErrors.join('; ')})`],
]
console.log('')
console.log(formatTable([{ heading: 'soak' }, { heading: 'result', numeric: true }], rows).trimEnd())
const clientError = reports.find((report) => report.firstError !== null)?.firstError
if (clientError !== undefined) console.log(`first client-side error: ${clientError}`)
if (firstPublishRefusal !== null) console.log(`first publish refusal: ${JSON.stringify(firstPublishRefusal).slice(0, 300)}`)
console.log(`\nverdict: ${failures.length === 0 ? `PASS (no loss, no double, the quiet heap grew ${percent(heapQuiet.fittedGrowth)} after warm-up, at most ${percent(settings.maxHeapGrowth)})` : `FAIL: ${failures.join('; ')}`}`)

if (settings.json !== null) {
  writeFileSync(
    settings.json,
    JSON.stringify(
      {
        settings,
        machine: { cores: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
        opened: { open: openCount, refused: refusedCount },
        published: { sent, acknowledged, refused: refusedPublishes, perChannel: publishedPerChannel, seconds: publishSeconds },
        deliveries: { received: deliveries, expected, perSecond: deliveries / publishSeconds },
        clients: reports.map(({ histogram, ...rest }) => rest),
        delayMs: { p50: delays.quantile(0.5), p99: delays.quantile(0.99), max: delays.maxMs, count: delays.count },
        serverCpuShare: { run: cpuShareRun, afterWarmup: cpuShareJudged },
        heap,
        rss,
        quiet: { everyMs: quietEveryMs, heap: heapQuiet, rss: rssQuiet, timeouts: quietTimeouts, longestMs: longestQuietMs, samples: quietSamples },
        samples,
        afterDrain,
        serverErrors: { count: serverErrors, first: firstErrors },
        verdict: failures.length === 0 ? 'pass' : 'fail',
        failures,
      },
      null,
      2,
    ) + '\n',
  )
  console.log(`wrote ${settings.json}`)
}
process.exitCode = failures.length === 0 ? 0 : 1
