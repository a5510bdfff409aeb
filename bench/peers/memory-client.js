// The client side of bench/connection-memory.ts, in its own process so the server's counts
// hold only the server's sockets. Started by the harness with an IPC channel:
//
//   { type: 'open', port, count }  -> opens `count` connections, each sends one GET / and reads
//                                     its whole answer, then idles; -> { type: 'opened', open, failed }
//   { type: 'close' }              -> destroys them all; -> { type: 'closed' }
//
// Sockets bind to 127.0.1.1-127.0.1.254 in turn (`localAddress`): 10k connections to one
// server port from one address would come close to the ephemeral port range.
import { connect } from 'node:net'

if (process.send === undefined) throw new Error('run by bench/connection-memory.ts (needs an IPC channel)')

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', 'latin1')
const BODY = 'hello world\n'
const PARALLEL = 256
let sockets = []
let addressIndex = 0

function openOne(port) {
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
      if (text.startsWith('HTTP/1.1 200 ') && text.endsWith(BODY)) {
        clearTimeout(timer)
        socket.removeListener('data', onData)
        socket.removeListener('error', fail)
        socket.on('error', () => {})
        resolve(socket)
      }
    })
    socket.write(REQUEST)
  })
}

async function open(port, count) {
  let failed = 0
  let next = 0
  async function worker() {
    while (next < count) {
      next++
      const socket = await openOne(port)
      if (socket === null) failed++
      else sockets.push(socket)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker))
  return failed
}

process.on('message', async (message) => {
  if (message.type === 'open') {
    const failed = await open(message.port, message.count)
    process.send({ type: 'opened', open: sockets.length, failed })
  } else if (message.type === 'close') {
    for (const socket of sockets) socket.destroy()
    sockets = []
    process.send({ type: 'closed' })
  }
})
process.on('disconnect', () => process.exit(0))
