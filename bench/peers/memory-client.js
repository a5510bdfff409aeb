// The client side of bench/connection-memory.ts, in its own process so the server's counts
// hold only the server's sockets. Started by the harness with an IPC channel:
//
//   { type: 'open', port, count, workload }
//                                  -> opens `count` connections; idle: each sends one GET / and
//                                     reads its whole answer, then idles; sse: each sends the
//                                     EventSource request of bench/peers/fanout-client.js and
//                                     waits for the 200 head, then holds the stream (reading
//                                     whatever comes); -> { type: 'opened', open, failed }
//   { type: 'close' }              -> destroys them all; -> { type: 'closed' }
//
// Sockets bind to 127.0.1.1-127.0.1.254 in turn (`localAddress`): 10k connections to one
// server port from one address would come close to the ephemeral port range.
import { connect } from 'node:net'

if (process.send === undefined) throw new Error('run by bench/connection-memory.ts (needs an IPC channel)')

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', 'latin1')
const SSE_REQUEST = Buffer.from('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n', 'latin1')
const BODY = 'hello world\n'
const PARALLEL = 256
let sockets = []
let addressIndex = 0

function answered(text, workload) {
  if (workload === 'sse') return text.startsWith('HTTP/1.1 200 ') && text.includes('\r\n\r\n')
  return text.startsWith('HTTP/1.1 200 ') && text.endsWith(BODY)
}

function openOne(port, workload) {
  return new Promise((resolve) => {
    const localAddress = `127.0.1.${1 + (addressIndex++ % 254)}`
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    let text = ''
    const fail = () => {
      socket.destroy()
      resolve(null)
    }
    const timer = setTimeout(fail, 10_000)
    socket.once('error', fail)
    socket.on('data', function onData(chunk) {
      text += chunk.toString('latin1')
      if (answered(text, workload)) {
        clearTimeout(timer)
        socket.removeListener('data', onData)
        socket.removeListener('error', fail)
        socket.on('error', () => {})
        resolve(socket)
      }
    })
    socket.write(workload === 'sse' ? SSE_REQUEST : REQUEST)
  })
}

async function open(port, count, workload) {
  let failed = 0
  let next = 0
  async function worker() {
    while (next < count) {
      next++
      const socket = await openOne(port, workload)
      if (socket === null) failed++
      else sockets.push(socket)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker))
  return failed
}

process.on('message', async (message) => {
  if (message.type === 'open') {
    const failed = await open(message.port, message.count, message.workload ?? 'idle')
    process.send({ type: 'opened', open: sockets.length, failed })
  } else if (message.type === 'close') {
    for (const socket of sockets) socket.destroy()
    sockets = []
    process.send({ type: 'closed' })
  }
})
process.on('disconnect', () => process.exit(0))
