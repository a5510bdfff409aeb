/**
 * Hello-world requests per second, same load tool, same run: netserv (the shipped
 * `lib/examples/hello.js`), `node:http` written as a user would (bench/peers/node-http-hello.js)
 * and the raw `net` floor (bench/peers/raw-net-hello.js: find CRLFCRLF, write a prebuilt answer).
 *
 *   npm run build && npx tsx bench/http.ts [--duration 5] [--rounds 3] [--connections 50]
 *                                          [--depth 16] [--tool wrk|autocannon] [--retries 2]
 *
 * Two modes: keep-alive (`--connections` connections, one request in flight on each) and
 * pipelined (the same connections, `--depth` requests written at once on each). Servers run
 * pinned to core 0 and the load tool to core 1 (`taskset`, where it exists and there are two
 * cores), so the server, not the tool, is what saturates; each run also reports the server's
 * CPU use to show it. Rounds are interleaved (round 1: every server, round 2: every server...)
 * so a noisy minute on this shared machine hits all of them alike; the figure is the median.
 * A run where the server got under 90% of its core (other work took it) is run again, up to
 * `--retries` times, keeping the attempt with the most server CPU. Server CPU time per request
 * is printed as well: it moves far less with the machine's load than req/s does.
 * wrk is used when installed (it needs less CPU than autocannon for the same load), else the
 * autocannon devDependency.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { has, stopAll, watch } from './child-processes.js'
import { median } from './median.js'
import { processCpuSeconds } from '../src/bench/process-tree.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

interface Peer {
  readonly name: string
  readonly script: string
}

const PEERS: readonly Peer[] = [
  { name: 'netserv', script: 'lib/examples/hello.js' },
  { name: 'node:http', script: 'bench/peers/node-http-hello.js' },
  { name: 'raw net', script: 'bench/peers/raw-net-hello.js' },
]

interface Mode {
  readonly name: string
  /** Requests written at once per connection (1: plain keep-alive). */
  readonly depth: number
}

interface Running {
  readonly peer: Peer
  readonly child: ChildProcess
  readonly port: number
}

interface LoadResult {
  requestsPerSecond: number
  /** Server CPU time per answered request, in microseconds: robust to other load on the machine. */
  serverCpuMicrosPerRequest: number
  /** Share of one core the server used during the run, from /proc (NaN where unknown). */
  serverCpu: number
  /** Socket errors, timeouts and non-2xx answers the tool counted. */
  errors: number
}

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    depth: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '2' },
    retries: { type: 'string', default: '2' },
    tool: { type: 'string' },
  },
})
const durationSeconds = Number(options.duration)
const rounds = Number(options.rounds)
const connections = Number(options.connections)
const pipelineDepth = Number(options.depth)
const warmupSeconds = Number(options.warmup)
const retries = Number(options.retries)
/** Below this share of its core during a run, the server was starved by other work on the machine. */
const STARVED_CPU = 0.9

const MODES: readonly Mode[] = [
  { name: `keep-alive, ${connections} connections`, depth: 1 },
  { name: `pipelined x${pipelineDepth}, ${connections} connections`, depth: pipelineDepth },
]


const pinned = has('taskset') && cpus().length >= 2
function onCore(core: number, argv: string[]): string[] {
  return pinned ? ['taskset', '-c', String(core), ...argv] : argv
}

const tool = options.tool ?? (has('wrk') ? 'wrk' : 'autocannon')
const autocannonBin = join(root, 'node_modules', 'autocannon', 'autocannon.js')

function startServer(peer: Peer): Promise<Running> {
  const [command, ...args] = onCore(0, [process.execPath, join(root, peer.script), '--port', '0', '--host', '127.0.0.1'])
  const child = watch(spawn(command as string, args, { stdio: ['ignore', 'pipe', 'inherit'] }))
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`${peer.name} did not start in 10 s: ${output}`)), 10_000)
    child.once('exit', (code) => reject(new Error(`${peer.name} exited with ${code}: ${output}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/[^\s]+:(\d+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve({ peer, child, port: Number(match[1]) })
      }
    })
  })
}

/** Sends `count` GETs in one write and resolves with everything read until `count` bodies came. */
function exchange(port: number, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no ${count} answers in 2 s on port ${port}: ${JSON.stringify(text)}`))
    }, 2000)
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (text.split('hello world\n').length - 1 >= count) {
        clearTimeout(timer)
        socket.destroy()
        resolve(text)
      }
    })
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(count))
  })
}

/** Checks once, before timing, that the server answers a single and a pipelined request right. */
async function check(server: Running): Promise<void> {
  const one = await exchange(server.port, 1)
  if (!one.startsWith('HTTP/1.1 200 ') || !one.endsWith('\r\n\r\nhello world\n')) {
    throw new Error(`${server.peer.name} answered ${JSON.stringify(one)}`)
  }
  const many = await exchange(server.port, pipelineDepth)
  const statuses = many.split('HTTP/1.1 200 ').length - 1
  if (statuses !== pipelineDepth) throw new Error(`${server.peer.name} answered ${statuses} of ${pipelineDepth} pipelined requests`)
}

function run(argv: string[]): Promise<string> {
  const [command, ...args] = argv
  const child = watch(spawn(command as string, args, { stdio: ['ignore', 'pipe', 'pipe'] }))
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`${argv.join(' ')} exited with ${code}: ${stderr}${stdout}`))
    })
  })
}

let luaDirectory: string | null = null
function pipelineScript(depth: number): string {
  luaDirectory ??= mkdtempSync(join(tmpdir(), 'netserv-bench-'))
  const path = join(luaDirectory, `pipeline-${depth}.lua`)
  // wrk counts answers, not writes: req/s is responses per second at any depth.
  writeFileSync(
    path,
    `init = function(args)\n  local r = {}\n  for i = 1, ${depth} do r[i] = wrk.format(nil, "/") end\n  req = table.concat(r)\nend\nrequest = function() return req end\n`,
  )
  return path
}

async function load(server: Running, mode: Mode, seconds: number): Promise<LoadResult> {
  const url = `http://127.0.0.1:${server.port}/`
  const before = processCpuSeconds(server.child.pid as number)
  const started = process.hrtime.bigint()
  let requestsPerSecond: number
  let errors = 0
  if (tool === 'wrk') {
    const argv = ['wrk', '-t1', `-c${connections}`, `-d${seconds}s`]
    if (mode.depth > 1) argv.push('-s', pipelineScript(mode.depth))
    argv.push(url)
    const output = await run(onCore(1, argv))
    const rate = /Requests\/sec:\s+([\d.]+)/.exec(output)
    if (rate === null) throw new Error(`wrk printed no rate: ${output}`)
    requestsPerSecond = Number(rate[1])
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
    if (socket !== null) errors += socket.slice(1).reduce((sum, n) => sum + Number(n), 0)
    const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output)
    if (non2xx !== null) errors += Number(non2xx[1])
  } else {
    const argv = [process.execPath, autocannonBin, '-j', '-c', String(connections), '-d', String(seconds), '-p', String(mode.depth), url]
    const report = JSON.parse(await run(onCore(1, argv))) as {
      requests: { total: number }
      duration: number
      errors: number
      timeouts: number
      non2xx: number
    }
    requestsPerSecond = report.requests.total / report.duration
    errors = report.errors + report.timeouts + report.non2xx
  }
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9
  const serverSeconds = processCpuSeconds(server.child.pid as number) - before
  return {
    requestsPerSecond,
    serverCpuMicrosPerRequest: (serverSeconds * 1e6) / (requestsPerSecond * seconds),
    serverCpu: serverSeconds / elapsedSeconds,
    errors,
  }
}

function staleBuild(): string | null {
  try {
    const built = statSync(join(root, 'lib/examples/hello.js')).mtimeMs
    for (const source of ['src/examples/hello.ts', 'src/server/connection.ts', 'src/server/response.ts', 'src/server/server.ts', 'src/parser/request-parser.ts']) {
      if (statSync(join(root, source)).mtimeMs > built) return `${source} is newer than lib/: run \`npm run build\` to bench the current source`
    }
    return null
  } catch {
    return 'lib/examples/hello.js is missing: run `npm run build` first'
  }
}

async function main(): Promise<void> {
  const stale = staleBuild()
  if (stale?.includes('missing') === true) throw new Error(stale)
  if (stale !== null) console.warn(`warning: ${stale}`)
  const cpu = cpus()[0]?.model ?? 'unknown'
  console.log(`machine: ${cpus().length} cores, ${cpu}, node ${process.version}`)
  console.log(`load tool: ${tool}${pinned ? ' on core 1, servers on core 0 (taskset)' : ' (not pinned: taskset missing or one core)'}`)
  console.log(`${rounds} rounds of ${durationSeconds} s per server and mode, ${warmupSeconds} s warm-up each, interleaved; median reported`)
  console.log(`load average before: ${loadavg().map((n) => n.toFixed(2)).join(' ')} (other work on the machine competes with the server)\n`)

  const servers: Running[] = []
  for (const peer of PEERS) servers.push(await startServer(peer))
  for (const server of servers) await check(server)

  // results[mode][peer] = one figure per round
  const results = MODES.map(() => PEERS.map((): LoadResult[] => []))
  for (const server of servers) for (const mode of MODES) await load(server, mode, warmupSeconds)
  for (let round = 0; round < rounds; round++) {
    for (const [m, mode] of MODES.entries()) {
      for (const [p, server] of servers.entries()) {
        // A run whose server did not get its core measured the neighbours, not the server:
        // run it again (up to --retries times) and keep the attempt where it got the most CPU.
        let result = await load(server, mode, durationSeconds)
        let latest = result
        for (let attempt = 0; attempt < retries && result.serverCpu < STARVED_CPU; attempt++) {
          console.log(`round ${round + 1}  ${mode.name.padEnd(34)} ${server.peer.name.padEnd(10)} starved (server CPU ${(latest.serverCpu * 100).toFixed(0)}%), again`)
          latest = await load(server, mode, durationSeconds)
          if (latest.serverCpu > result.serverCpu) result = latest
        }
        results[m]?.[p]?.push(result)
        console.log(
          `round ${round + 1}  ${mode.name.padEnd(34)} ${server.peer.name.padEnd(10)} ${Math.round(result.requestsPerSecond).toString().padStart(8)} req/s` +
            `  server CPU ${(result.serverCpu * 100).toFixed(0)}%, ${result.serverCpuMicrosPerRequest.toFixed(2)} µs/req${result.serverCpu < STARVED_CPU ? '  (starved)' : ''}${result.errors > 0 ? `  ERRORS ${result.errors}` : ''}`,
        )
      }
    }
  }

  console.log(`\n| mode | ${PEERS.map((peer) => `${peer.name} req/s`).join(' | ')} | netserv / node:http | netserv / raw net | same-round ratios, median |`)
  console.log(`| --- | ${PEERS.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`)
  for (const [m, mode] of MODES.entries()) {
    const perPeer = PEERS.map((_, p) => (results[m]?.[p] ?? []).map((r) => r.requestsPerSecond))
    const medians = perPeer.map(median)
    const [ours = 0, node = 1, raw = 1] = medians
    // Ratios within a round compare runs seconds apart, so they share more of the machine's mood.
    const [oursRounds = [], nodeRounds = [], rawRounds = []] = perPeer
    const vsNode = median(oursRounds.map((value, round) => value / (nodeRounds[round] ?? Number.NaN)))
    const vsRaw = median(oursRounds.map((value, round) => value / (rawRounds[round] ?? Number.NaN)))
    console.log(
      `| ${mode.name} | ${medians.map((value) => Math.round(value).toLocaleString('en-US')).join(' | ')} | ${(ours / node).toFixed(2)}x | ${(ours / raw).toFixed(2)}x | ${vsNode.toFixed(2)}x / ${vsRaw.toFixed(2)}x |`,
    )
  }
  const starved = results.flat(2).filter((r) => r.serverCpu < STARVED_CPU).length
  if (starved > 0) {
    console.log(`\n${starved} of ${results.flat(2).length} runs had the server under 90% of its core: other work on the machine took it (req/s of those runs is low).`)
    console.log('The same, from the runs where the server had its core (n = runs):')
    console.log(`| mode | ${PEERS.map((peer) => `${peer.name} req/s`).join(' | ')} | netserv / node:http | netserv / raw net |`)
    console.log(`| --- | ${PEERS.map(() => '---:').join(' | ')} | ---: | ---: |`)
    for (const [m, mode] of MODES.entries()) {
      const fed = PEERS.map((_, p) => (results[m]?.[p] ?? []).filter((r) => r.serverCpu >= STARVED_CPU).map((r) => r.requestsPerSecond))
      const medians = fed.map(median)
      const [ours = Number.NaN, node = Number.NaN, raw = Number.NaN] = medians
      const cell = (value: number, p: number): string => (Number.isNaN(value) ? '-' : `${Math.round(value).toLocaleString('en-US')} (n=${fed[p]?.length})`)
      const ratio = (value: number): string => (Number.isNaN(value) ? '-' : `${value.toFixed(2)}x`)
      console.log(`| ${mode.name} | ${medians.map(cell).join(' | ')} | ${ratio(ours / node)} | ${ratio(ours / raw)} |`)
    }
  }
  console.log(`\nserver CPU per request (median µs; lower is better; less skewed by other load on the machine than req/s, though a starved server batches more per wakeup):`)
  console.log(`| mode | ${PEERS.map((peer) => `${peer.name} µs/req`).join(' | ')} | node:http / netserv | raw net / netserv |`)
  console.log(`| --- | ${PEERS.map(() => '---:').join(' | ')} | ---: | ---: |`)
  for (const [m, mode] of MODES.entries()) {
    const medians = PEERS.map((_, p) => median((results[m]?.[p] ?? []).map((r) => r.serverCpuMicrosPerRequest)))
    const [ours = 1, node = 0, raw = 0] = medians
    console.log(`| ${mode.name} | ${medians.map((value) => value.toFixed(2)).join(' | ')} | ${(node / ours).toFixed(2)}x | ${(raw / ours).toFixed(2)}x |`)
  }
  console.log(`load average after: ${loadavg().map((n) => n.toFixed(2)).join(' ')}`)
  console.log(`\ntargets: netserv >= 1.6x node:http and >= 0.8x raw net, both modes`)
}

try {
  await main()
} finally {
  stopAll()
  if (luaDirectory !== null) rmSync(luaDirectory, { recursive: true, force: true })
}
