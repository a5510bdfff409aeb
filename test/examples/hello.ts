import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { helloServer, main, runIfMain } from '../../src/examples/hello.js'

const helloPath = fileURLToPath(new URL('../../src/examples/hello.ts', import.meta.url))

/** Writes `request` on a fresh connection and resolves with all bytes read until `until` has come. */
function exchange(port: number, request: string, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (text.includes(until)) {
        socket.destroy()
        resolve(text)
      }
    })
    socket.write(request)
  })
}

t.test('GET / answers hello world, 12 bytes of text/plain; any other path 404', async (t) => {
  const server = helloServer()
  const { port } = await server.listen(0, '127.0.0.1')
  t.teardown(() => server.close({ deadlineMs: 100 }))
  const text = await exchange(port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /nope HTTP/1.1\r\nHost: h\r\n\r\n', 'not found\n')
  const [hello, missing] = text.split(/(?=HTTP\/1\.1 )/)
  t.match(hello, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(hello, /\r\nContent-Length: 12\r\n/)
  t.match(hello, /\r\nContent-Type: text\/plain\r\n/)
  t.ok(hello?.endsWith('\r\n\r\nhello world\n'))
  t.match(missing, /^HTTP\/1\.1 404 Not Found\r\n/)
})

t.test('main listens on --port/--host, prints where, and closes on SIGTERM', async (t) => {
  const printed: string[] = []
  const write = process.stdout.write
  process.stdout.write = ((chunk: string) => printed.push(chunk) > 0) as typeof process.stdout.write
  let server
  try {
    server = await main(['--port', '0', '--host', '127.0.0.1'])
  } finally {
    process.stdout.write = write
  }
  const { port } = server.address()
  t.same(printed, [`listening on http://127.0.0.1:${port}\n`])
  t.match(await exchange(port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', 'hello world\n'), /^HTTP\/1\.1 200 OK/)
  t.equal(server.closing, false)
  process.emit('SIGTERM', 'SIGTERM')
  t.equal(server.closing, true)
  // The SIGINT listener is still there: remove it so it cannot close a later server.
  process.emit('SIGINT', 'SIGINT')
})

t.test('main refuses a port outside 0-65535', async (t) => {
  await t.rejects(main(['--port', '65536']), RangeError)
  await t.rejects(main(['--port', 'x']), { message: /--port must be 0-65535, got x/ })
})

t.test('runIfMain serves only when node was started with this file', async (t) => {
  t.equal(await runIfMain(undefined, []), null)
  t.equal(await runIfMain(process.argv[1], []), null)
  const write = process.stdout.write
  process.stdout.write = (() => true) as typeof process.stdout.write
  let server
  try {
    server = await runIfMain(helloPath, ['--port', '0'])
  } finally {
    process.stdout.write = write
  }
  t.not(server, null)
  t.teardown(() => {
    process.emit('SIGTERM', 'SIGTERM')
    process.emit('SIGINT', 'SIGINT')
  })
  t.equal(server?.address().address, '127.0.0.1')
})
