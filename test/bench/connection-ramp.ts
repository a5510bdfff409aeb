/**
 * The ramp over real sockets: client processes (src/bench/connection-client.ts, run with this
 * process's execArgv, so their coverage counts) bound to 127.0.1.x, against servers on
 * 127.0.0.1 port 0 in this process.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { perConnection, runConnectionRamp, shares, slopePerConnection, type RampOptions, type RampProgress, type RampStep } from '../../src/bench/connection-ramp.js'
import { processTreePids } from '../../src/bench/process-tree.js'
import { openStream } from '../../src/push/open-stream.js'
import { createServer } from '../../src/server/server.js'

// Every case starts client processes that load the TypeScript source: slow on a busy machine.
t.setTimeout(180_000)

const CLIENT = fileURLToPath(new URL('../../src/bench/connection-client.ts', import.meta.url))

async function listenNet(server: NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

function options(port: number, path: string, extra: Partial<RampOptions>): RampOptions {
  return {
    url: new URL(`http://127.0.0.1:${port}${path}`),
    mode: 'sse',
    steps: [4],
    holdMs: 0,
    clients: 1,
    firstAddress: 1,
    parallel: 4,
    timeoutMs: 5000,
    ...extra,
  }
}

t.test('SSE: 50 subscriptions in two steps from two processes on their own source addresses', async (t) => {
  const peers = new Set<string>()
  const server = createServer({}, (request, response) => {
    peers.add(request.remoteAddress as string)
    openStream(response, 'sse', { heartbeatMs: 100 })
  })
  const { port } = await server.listen(0, '127.0.0.1')
  const progress: RampProgress[] = []
  const result = await runConnectionRamp(
    options(port, '/sub/x?y=1', {
      steps: [20, 50],
      holdMs: 300,
      clients: 2,
      firstAddress: 101,
      parallel: 8,
      serverPid: process.pid,
      measureHeap: async () => process.memoryUsage().heapUsed,
      onProgress: (p) => progress.push(p),
    }),
  )
  t.strictSame(peers, new Set(['127.0.1.101', '127.0.1.102']), 'each client process binds its own address')
  t.equal(result.aborted, false)
  t.equal(result.firstError, null)
  t.equal(result.steps.length, 2)
  const [first, second] = result.steps as [RampStep, RampStep]
  t.strictSame([first.connections, first.open, second.connections, second.open], [20, 20, 50, 50])
  t.strictSame([second.refused, second.dropped], [0, 0])
  for (const step of result.steps) {
    t.ok(step.maxGapMs > 0 && step.maxGapMs < 60_000, `a silence was timed (${step.maxGapMs} ms)`)
    t.ok(step.holdMs >= 300)
    t.ok(step.cpuShare >= 0 && Number.isFinite(step.cpuShare))
    t.ok(step.rssBytes > 0 && step.ussBytes > 0 && step.heapBytes > 0)
    t.ok(step.processes >= 3, 'the tree: this process and its two clients')
  }
  t.ok(result.baseline.rssBytes > 0)
  t.ok(progress.some((p) => p.phase === 'holding' && p.step === 2 && p.open === 50 && p.target === 50 && p.steps === 2))
  t.equal(server.connectionCount, 0, 'every connection closed at the end')
  await server.close()
})

t.test('idle: each connection after its whole answer; heads and bodies split across reads', async (t) => {
  let count = 0
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.once('data', () => {
      const kind = count++ % 3
      if (kind === 0) {
        // The head in two writes, then the body in two.
        socket.write('HTTP/1.1 200 OK\r\n')
        setTimeout(() => socket.write('Content-Length: 5\r\n\r\nhe'), 30)
        setTimeout(() => socket.write('llo'), 60)
      } else if (kind === 1) {
        socket.write('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi')
      } else {
        socket.write('HTTP/1.1 200 OK\r\n\r\n')
      }
    })
  })
  const port = await listenNet(server)
  t.teardown(() => server.close())
  const result = await runConnectionRamp(options(port, '/', { mode: 'idle', steps: [6], holdMs: 100, firstAddress: 103 }))
  const step = result.steps[0] as RampStep
  t.strictSame([step.open, step.refused, step.dropped], [6, 0, 0])
  t.ok(Number.isNaN(step.maxGapMs), 'no heartbeats to time')
  t.ok(Number.isNaN(step.cpuShare) && Number.isNaN(step.rssBytes) && Number.isNaN(step.heapBytes), 'no server pid, no heap hook: nothing read')
  t.equal(step.processes, 0)
})

t.test('refused (a status other than 200, a close, no answer) and dropped (a close, a reset once open)', async (t) => {
  let count = 0
  const server = createNetServer((socket) => {
    socket.on('error', () => {})
    socket.once('data', () => {
      const kind = count++ % 5
      if (kind === 0) socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
      else if (kind === 1) socket.destroy()
      else if (kind === 2) return // never answers
      else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n')
        setTimeout(() => (kind === 3 ? socket.destroy() : socket.resetAndDestroy()), 50)
      }
    })
  })
  const port = await listenNet(server)
  t.teardown(() => server.close())
  const progress: RampProgress[] = []
  const result = await runConnectionRamp(options(port, '/sub', { steps: [10], holdMs: 200, timeoutMs: 400, firstAddress: 104, onProgress: (p) => progress.push(p) }))
  const step = result.steps[0] as RampStep
  t.strictSame([step.open, step.refused, step.dropped], [0, 6, 4])
  t.ok(['answered "HTTP/1.1 404 Not Found"', 'closed before an answer', 'no answer in 400 ms'].includes(result.firstError as string), result.firstError ?? '')
  t.ok(progress.some((p) => p.phase === 'opening'), 'progress while opening (it takes longer than a report interval)')
})

t.test('connect errors are refusals, with their code', async (t) => {
  const server = createNetServer()
  const port = await listenNet(server)
  await new Promise((resolve) => server.close(resolve))
  const result = await runConnectionRamp(options(port, '/', { steps: [3], firstAddress: 105 }))
  t.strictSame([result.steps[0]?.open, result.steps[0]?.refused], [0, 3])
  t.match(result.firstError, /^connect ECONNREFUSED 127\.0\.0\.1:/)
})

t.test('a signal stops the run: while opening, during a hold, or before it starts', async (t) => {
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.once('data', (chunk) => {
      // /slow never answers: the run is still opening when it is stopped.
      if (!chunk.toString('latin1').startsWith('GET /slow')) socket.write('HTTP/1.1 200 OK\r\n\r\n')
    })
  })
  const port = await listenNet(server)
  t.teardown(() => server.close())

  const whileOpening = new AbortController()
  const opening = await runConnectionRamp(
    options(port, '/slow', { steps: [2, 4], firstAddress: 106, timeoutMs: 60_000, signal: whileOpening.signal, onProgress: (p) => p.phase === 'opening' && whileOpening.abort() }),
  )
  t.strictSame([opening.aborted, opening.steps.length], [true, 0])

  const whileHolding = new AbortController()
  const holding = await runConnectionRamp(
    // At the first tick of the hold (the first 'holding' report comes before the hold starts).
    options(port, '/', { steps: [2, 4], holdMs: 60_000, firstAddress: 107, signal: whileHolding.signal, onProgress: (p) => p.phase === 'holding' && p.holdLeftMs < 60_000 && whileHolding.abort() }),
  )
  t.strictSame([holding.aborted, holding.steps.length], [true, 0])

  const before = new AbortController()
  before.abort()
  const none = await runConnectionRamp(options(port, '/', { firstAddress: 108, signal: before.signal }))
  t.strictSame([none.aborted, none.steps.length], [true, 0])
  t.ok(Number.isNaN(none.baseline.rssBytes))
})

t.test('a client process that dies fails the run; the others are closed', async (t) => {
  const server = createNetServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\n\r\n')))
  const port = await listenNet(server)
  t.teardown(() => server.close())
  const killOne = (p: RampProgress): void => {
    if (p.phase !== 'holding') return
    const client = processTreePids(process.pid).find((pid) => pid !== process.pid && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('connection-client'))
    process.kill(client as number, 'SIGKILL')
  }
  await t.rejects(runConnectionRamp(options(port, '/', { steps: [2, 4], clients: 2, holdMs: 60_000, firstAddress: 109, onProgress: killOne })), {
    message: 'a client process ended during the run',
  })
  t.strictSame(
    processTreePids(process.pid).filter((pid) => pid !== process.pid && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('connection-client')),
    [],
    'no client left',
  )
})

t.test('the client refuses to run without an IPC channel', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, CLIENT], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const code = await new Promise((resolve) => child.on('exit', resolve))
  t.not(code, 0)
  t.match(stderr, 'needs an IPC channel')
})

t.test('shares, perConnection, slopePerConnection', async (t) => {
  t.strictSame(shares(10, 3), [4, 3, 3])
  t.strictSame(shares(2, 4), [1, 1, 0, 0])
  const reading = { rssBytes: 0, pssBytes: 0, ussBytes: 1000, heapBytes: 0, processes: 1 }
  const step = (open: number, ussBytes: number): RampStep => ({ ...reading, ussBytes, connections: open, open, refused: 0, dropped: 0, cpuShare: 0, maxGapMs: 0, holdMs: 0 })
  t.equal(perConnection(reading, step(10, 2000), (r) => r.ussBytes), 100)
  t.equal(slopePerConnection([step(10, 2000), step(20, 2500), step(30, 3000)], (r) => r.ussBytes), 50)
  t.ok(Number.isNaN(slopePerConnection([step(10, 2000)], (r) => r.ussBytes)))
})
