// Push streams whose clients leave in the middle: a half-close (FIN, the client's write side
// ended) or a reset (RST), while messages flow and while the server still holds frames it could
// not write. Each stream ends ('aborted'), the counters come back, the memory too.
import t, { type Test } from 'tap'
import { startHostileServer, type HostileChild } from '../fixtures/hostile-child.js'
import type { Measurement } from '../fixtures/hostile-server.js'
import { delay, RawClient, until } from '../fixtures/wire-client.js'

const STREAMS = 200
/** Heap the test may leave above its baseline after a full GC. */
const TOLERANCE = 2 * 1024 * 1024

/**
 * Half the clients half-close (FIN), the other half reset (RST); waits until only the side
 * subscriber's stream and connection are left, checks that, and returns the measurement.
 */
async function leaveHalfClosedHalfReset(t: Test, server: HostileChild, clients: RawClient[]): Promise<Measurement> {
  clients.forEach((client, i) => {
    if (i % 2 === 0) client.socket.end()
    else client.socket.resetAndDestroy()
  })
  const after = await server.settle((measured) => measured.pushOpen === 1 && measured.connectionCount === 1)
  t.equal(after.pushOpen, 1, 'every stream ended')
  t.equal(after.connectionCount, 1, 'every connection closed')
  return after
}

/** Opens `count` SSE streams and waits for each to have received a published message. */
async function openStreams(port: number, count: number, target = '/events'): Promise<RawClient[]> {
  const clients = await Promise.all(Array.from({ length: count }, () => RawClient.connect(port, { allowHalfOpen: true })))
  for (const client of clients) client.write(`GET ${target} HTTP/1.1\r\nHost: t\r\n\r\n`)
  await until(() => clients.every((client) => client.buffered.includes('\nid: ')), 20_000, 'every stream to get a message')
  return clients
}

t.test('push streams whose clients half-close or reset mid-stream end, and leave nothing behind', async (t) => {
  const server = await startHostileServer(t)
  const baseline = await server.measure()
  t.equal(baseline.pushOpen, 1, 'the subscriber\'s stream')

  t.test('half-close (FIN) and reset (RST) while messages flow', async (t) => {
    const clients = await openStreams(server.port, STREAMS)
    t.equal((await server.measure()).pushOpen, STREAMS + 1)
    const after = await leaveHalfClosedHalfReset(t, server, clients)
    t.equal((after.closeReasons.aborted ?? 0) - (baseline.closeReasons.aborted ?? 0), STREAMS, 'each one aborted')
    await Promise.all(clients.filter((_, i) => i % 2 === 0).map((client) => client.whenClosed))
    t.pass('the half-closed ones were closed by the server')
  })

  t.test('the request and the FIN in one packet: the stream opens and ends', async (t) => {
    const before = await server.measure()
    const clients = await Promise.all(Array.from({ length: 50 }, () => RawClient.connect(server.port, { allowHalfOpen: true })))
    for (const client of clients) client.end('GET /events HTTP/1.1\r\nHost: t\r\n\r\n')
    await Promise.all(clients.map((client) => client.whenClosed))
    const after = await server.settle((measured) => measured.pushOpen === 1 && measured.connectionCount === 1)
    t.equal(after.pushOpen, 1)
    t.equal(after.connectionCount, 1)
    t.equal(after.requests - before.requests, 50, 'each was handled')
  })

  t.test('reset and half-close while the server holds unwritten frames', async (t) => {
    // Each stream first gets 8 MiB that its client never reads: the kernel buffers fill (a
    // few MiB on loopback) and the rest waits in the server.
    const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(server.port, { allowHalfOpen: true })))
    for (const client of clients) {
      client.socket.pause()
      client.write('GET /events?fat=8388608 HTTP/1.1\r\nHost: t\r\n\r\n')
    }
    const backedUp = async (): Promise<number> => {
      const ports = new Set(clients.map((client) => client.socket.localPort))
      return (await server.sockets()).filter((socket) => ports.has(socket.remotePort) && socket.writableLength > 0).length
    }
    let held = 0
    for (let i = 0; i < 100 && held < clients.length; i++) {
      held = await backedUp()
      if (held < clients.length) await delay(50)
    }
    t.ok(held > 0, `${held} of ${clients.length} hold unwritten frames in the server`)
    await leaveHalfClosedHalfReset(t, server, clients)
    for (const client of clients) client.destroy()
  })

  t.test('afterwards: memory back to its baseline', async (t) => {
    const after = await server.measure()
    t.ok(after.heapUsed - baseline.heapUsed < TOLERANCE, `heap after GC ${after.heapUsed - baseline.heapUsed} bytes above its baseline (tolerance ${TOLERANCE})`)
    t.ok(after.external - baseline.external < TOLERANCE, `external memory ${after.external - baseline.external} bytes above its baseline`)
  })
  t.test('the subscriber got everything; the server never crashed', (t) => server.finish(t))
})
