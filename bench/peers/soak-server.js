// The hub of bench/soak.ts, alone in its process so that its memory is its own. Started by the
// harness with --expose-gc and an IPC channel (never by hand):
//
//   node --expose-gc bench/peers/soak-server.js --lib DIR --history N
//
// Why this and not `netserv hub` as a child: it is the same thing, `hubServer()` of
// lib/cli/hub-server.js, the function `netserv hub` runs (the hub's routes, its index, its
// error reporting), with the history `netserv hub --history` sets; what it adds is an IPC
// channel, so the harness reads process.memoryUsage() after forced gcs and the hub's counters
// without a connection of its own to the server, and `netserv hub` itself has no way to
// report its V8 heap (only /proc's RSS). The server listens on 127.0.0.1, port 0.
//
//   { type: 'measure' } -> { type: 'measured', atUs, memory, cpu, stats, connections, errors }
//   { type: 'stop' }    -> closes the server (streams ended properly), then exits
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { lib: { type: 'string', default: 'lib' }, history: { type: 'string', default: '1000' } } })
const gc = globalThis.gc
if (typeof gc !== 'function' || process.send === undefined) throw new Error('run by bench/soak.ts: needs --expose-gc and an IPC channel')
const { hubServer } = await import(pathToFileURL(resolve(values.lib, 'cli/hub-server.js')).href)

let errors = 0
const firstErrors = []
const onError = (error) => {
  errors++
  if (firstErrors.length < 5) firstErrors.push(error instanceof Error ? `${error.code ?? ''} ${error.message}` : String(error))
}
const { hub, server } = hubServer({ history: { maxMessages: Number(values.history) } }, onError)
const address = await server.listen(0, '127.0.0.1')

async function settle() {
  // Several passes with a turn of the loop between them: weak callbacks and finalizers run.
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((done) => setImmediate(done))
  }
}

process.on('message', async (message) => {
  if (message.type === 'measure') {
    await settle()
    process.send({
      type: 'measured',
      atUs: Number(process.hrtime.bigint() / 1000n),
      memory: process.memoryUsage(),
      cpu: process.cpuUsage(),
      stats: hub.stats(),
      connections: server.connectionCount,
      errors,
      firstErrors,
    })
  } else if (message.type === 'stop') {
    await server.close({ deadlineMs: 2000 })
    await hub.close()
    process.exit(0)
  }
})
// The harness going away, even killed, closes the channel: never outlive it.
process.on('disconnect', () => process.exit(0))
process.send({ type: 'listening', port: address.port })
