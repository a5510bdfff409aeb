// A client that pipelines requests as fast as it can and never reads the answers. The server
// must stop reading (and parsing) once its output to that socket backs up, or once
// maxPipelinedRequests wait behind a response that does not end: then its memory stays
// bounded whatever the client sends, and the bytes wait in the kernel and the client.
import type { Socket } from 'node:net'
import t from 'tap'
import { startHostileServer, type HostileChild } from '../fixtures/hostile-child.js'
import { delay, RawClient } from '../fixtures/wire-client.js'

const HIGH_WATER_MARK = 64 * 1024
const RESPONSE_BYTES = 4096
/** The client stops here if the server never stops reading (it would, broken). */
const MAX_SENT = 24 * 1024 * 1024
/** Heap and external memory the attack may add to the server's, after a full GC. */
const TOLERANCE = 8 * 1024 * 1024

/**
 * Writes `request` over and over, as fast as the socket takes it, until the socket stays
 * backed up for `stallMs` (the server stopped reading and the kernel buffers are full) or
 * MAX_SENT bytes went out. Returns the bytes and requests sent.
 */
async function pipelineUntilStalled(socket: Socket, request: string, stallMs: number): Promise<{ bytes: number; requests: number }> {
  // Many requests per write, as a pipelining client would send them.
  const batch = Buffer.from(request.repeat(256), 'latin1')
  let bytes = 0
  while (bytes < MAX_SENT) {
    bytes += batch.length
    if (socket.write(batch)) continue
    const drained = await Promise.race([new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))), delay(stallMs).then(() => false)])
    if (!drained) break
  }
  return { bytes, requests: (bytes / batch.length) * 256 }
}

async function connectionsBackTo(server: HostileChild, count: number): Promise<number> {
  return (await server.settle((measured) => measured.connectionCount === count)).connectionCount
}

t.test('a client that pipelines and never reads: the server stops reading, its memory stays bounded', async (t) => {
  const server = await startHostileServer(t, { server: { highWaterMarkBytes: HIGH_WATER_MARK } })
  const baseline = await server.measure()

  t.test('responses larger than the requests: output backs up, reading stops', async (t) => {
    const client = await RawClient.connect(server.port)
    client.socket.pause()
    const request = `GET /big?bytes=${RESPONSE_BYTES} HTTP/1.1\r\nHost: t\r\n\r\n`
    const sent = await pipelineUntilStalled(client.socket, request, 1000)
    t.ok(sent.bytes < MAX_SENT, `the client's writes stalled after ${sent.bytes} bytes (${sent.requests} requests)`)
    const mine = (await server.sockets()).find((socket) => socket.remotePort === client.socket.localPort)
    t.ok(mine !== undefined, 'the server still holds the connection')
    if (mine === undefined) return
    t.ok(mine.bytesRead < sent.bytes, `the server read ${mine.bytesRead} bytes of them`)
    t.ok(mine.writableLength <= HIGH_WATER_MARK + 2 * RESPONSE_BYTES, `${mine.writableLength} bytes unwritten in the server (high-water mark ${HIGH_WATER_MARK})`)
    const during = await server.measure()
    t.ok(during.heapUsed - baseline.heapUsed < TOLERANCE, `heap after GC grew by ${during.heapUsed - baseline.heapUsed} bytes`)
    t.ok(during.external - baseline.external < TOLERANCE, `external memory grew by ${during.external - baseline.external} bytes`)
    // Now it reads: the answers come, whole and in order.
    client.socket.resume()
    for (let i = 0; i < 100; i++) {
      const response = await client.response()
      if (response.status !== 200 || response.body.length !== RESPONSE_BYTES) {
        t.fail(`response ${i}: ${response.status}, ${response.body.length} bytes`)
        break
      }
    }
    t.pass('the first 100 answers are whole')
    client.destroy()
    t.equal(await connectionsBackTo(server, 1), 1, 'gone once destroyed')
  })

  t.test('behind a response that never ends (a push stream): parsing stops at maxPipelinedRequests', async (t) => {
    const before = await server.measure()
    const client = await RawClient.connect(server.port)
    client.socket.pause()
    const sent = await pipelineUntilStalled(client.socket, 'GET /events HTTP/1.1\r\nHost: t\r\n\r\n', 1000)
    t.ok(sent.bytes < MAX_SENT, `the client's writes stalled after ${sent.bytes} bytes (${sent.requests} requests)`)
    const measured = await server.measure()
    t.equal(measured.requests - before.requests, 1, 'one handler ran (the first stream), not one per request sent')
    const mine = (await server.sockets()).find((socket) => socket.remotePort === client.socket.localPort)
    t.ok(mine !== undefined && mine.bytesRead < sent.bytes, `the server read ${mine?.bytesRead} bytes of them`)
    t.ok(measured.heapUsed - baseline.heapUsed < TOLERANCE, `heap after GC grew by ${measured.heapUsed - baseline.heapUsed} bytes`)
    client.destroy()
    t.equal(await connectionsBackTo(server, 1), 1, 'gone once destroyed')
  })

  t.test('afterwards: memory back near its baseline', async (t) => {
    const after = await server.measure()
    t.equal(after.pushOpen, 1, 'only the subscriber\'s stream is open')
    t.ok(after.heapUsed - baseline.heapUsed < TOLERANCE, `heap after GC ${after.heapUsed - baseline.heapUsed} bytes above its baseline`)
  })
  t.test('the subscriber got everything; the server never crashed', (t) => server.finish(t))
})

t.test('a client that pipelines and never reads is cut after writeTimeoutMs', async (t) => {
  const server = await startHostileServer(t, { server: { highWaterMarkBytes: HIGH_WATER_MARK, writeTimeoutMs: 500 } })
  const client = await RawClient.connect(server.port)
  client.socket.pause()
  await pipelineUntilStalled(client.socket, `GET /big?bytes=${RESPONSE_BYTES} HTTP/1.1\r\nHost: t\r\n\r\n`, 1000)
  // The client neither reads nor closes: only the server can end it.
  t.equal(await connectionsBackTo(server, 1), 1, 'the server closed it')
  client.destroy()
  t.test('the subscriber got everything; the server never crashed', (t) => server.finish(t))
})
