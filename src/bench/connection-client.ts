/**
 * One client process of `netserv bench connections` (./connection-ramp.ts forks it, one per
 * source address): it opens connections to the target, holds them, and reports what it saw.
 * A process, not a thread, because one process may hold at most `ulimit -n` sockets; every
 * socket binds to this process's own `localAddress` (127.0.1.x), because one source address
 * reaches one destination port through at most ~28k local ports, and because an unbound
 * connect would collide with the TIME_WAIT that bound runs leave behind.
 *
 * Driven over IPC ({@link ClientCommand} in, {@link ClientReport} out). Per connection:
 * - `idle`: one `GET`, its whole answer (head and Content-Length body), then silence: a
 *   keep-alive connection after a response, as a browser leaves one.
 * - `sse`: one `GET` with `Accept: text/event-stream`; the stream counts as open at its
 *   `200` head; every read after that is a heartbeat (or a message) arriving, and the longest
 *   silence per connection is kept.
 * A connection that fails before it is open (connect error, a status other than 200, a close,
 * no answer in `timeoutMs`) is refused; one the server closes once open is dropped.
 *
 * Reads go through `onread` into one shared buffer: the client shares the machine with the
 * server it measures, so its cost per read is kept to a comparison and two assignments.
 */
import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

/** What a client is asked to do. */
export type ClientCommand =
  | {
      readonly type: 'open'
      readonly host: string
      readonly port: number
      readonly path: string
      readonly mode: 'idle' | 'sse'
      /** How many more connections to open (on top of those held). */
      readonly count: number
      readonly localAddress: string
      /** Connects in flight at once. */
      readonly parallel: number
      /** A connection not open after this long is refused. */
      readonly timeoutMs: number
    }
  | { readonly type: 'hold-start' }
  | { readonly type: 'hold-end' }
  | { readonly type: 'close' }

/** What a client tells its parent. */
export type ClientReport =
  | { readonly type: 'progress'; readonly open: number; readonly refused: number }
  | { readonly type: 'opened'; readonly open: number; readonly refused: number; readonly dropped: number; readonly firstError: string | null }
  | { readonly type: 'hold-started' }
  | {
      readonly type: 'hold-ended'
      readonly open: number
      readonly dropped: number
      /** The longest silence of any open connection since `hold-start`, up to now (ms). */
      readonly maxGapMs: number
    }

const HEAD_END = '\r\n\r\n'
const STATUS_OK = /^HTTP\/1\.[01] 200 /
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i
const PROGRESS_EVERY_MS = 200
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)
const kHeld = Symbol('held')

const OPENING = 0
const IN_BODY = 1
const OPEN = 2

/** One connection's state, reached from its socket through {@link kHeld}. */
class Held {
  state = OPENING
  /** The head as received so far (latin1), while OPENING. */
  head = ''
  /** Body bytes still to come, while IN_BODY. */
  bodyLeft = 0
  lastReadMs = 0
  maxGapMs = 0
  readonly socket: Socket
  readonly sse: boolean
  /** Called once: with true when the connection is open, false when it is refused. */
  onSettled: ((open: boolean) => void) | null
  constructor(socket: Socket, sse: boolean, onSettled: (open: boolean) => void) {
    this.socket = socket
    this.sse = sse
    this.onSettled = onSettled
  }
}

const held = new Set<Held>()
let refused = 0
let dropped = 0
let closing = false
let firstError: string | null = null

function settle(connection: Held, open: boolean): void {
  const onSettled = connection.onSettled
  connection.onSettled = null
  onSettled?.(open)
}

function refuse(connection: Held, why: string): void {
  firstError ??= why
  connection.socket.destroy()
  settle(connection, false)
}

function becomeOpen(connection: Held, now: number): void {
  connection.state = OPEN
  connection.lastReadMs = now
  held.add(connection)
  settle(connection, true)
}

function onRead(this: Socket, bytes: number, buffer: Buffer): boolean {
  const connection = (this as Socket & { [kHeld]: Held })[kHeld]
  const now = performance.now()
  if (connection.state === OPEN) {
    const gap = now - connection.lastReadMs
    if (gap > connection.maxGapMs) connection.maxGapMs = gap
    connection.lastReadMs = now
    return true
  }
  if (connection.state === IN_BODY) {
    connection.bodyLeft -= bytes
    if (connection.bodyLeft <= 0) becomeOpen(connection, now)
    return true
  }
  connection.head += buffer.toString('latin1', 0, bytes)
  const end = connection.head.indexOf(HEAD_END)
  if (end < 0) return true
  const head = connection.head.slice(0, end + 2)
  if (!STATUS_OK.test(head)) {
    refuse(connection, `answered ${JSON.stringify(head.slice(0, head.indexOf('\r\n')))}`)
    return false
  }
  const after = connection.head.length - end - HEAD_END.length
  connection.head = ''
  if (connection.sse) {
    becomeOpen(connection, now)
    return true
  }
  connection.bodyLeft = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0) - after
  if (connection.bodyLeft <= 0) becomeOpen(connection, now)
  else connection.state = IN_BODY
  return true
}

function onError(this: Socket, error: Error): void {
  const connection = (this as Socket & { [kHeld]: Held })[kHeld]
  if (connection.state !== OPEN) refuse(connection, error.message)
}

function onClose(this: Socket): void {
  const connection = (this as Socket & { [kHeld]: Held })[kHeld]
  if (connection.state !== OPEN) {
    if (connection.onSettled !== null) refuse(connection, 'closed before an answer')
    return
  }
  held.delete(connection)
  if (!closing) dropped++
}

function openOne(command: Extract<ClientCommand, { type: 'open' }>, request: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({
      host: command.host,
      port: command.port,
      localAddress: command.localAddress,
      onread: { buffer: READ_BUFFER, callback: onRead },
    })
    const timer = setTimeout(() => refuse(connection, `no answer in ${command.timeoutMs} ms`), command.timeoutMs)
    const connection = new Held(socket, command.mode === 'sse', (open) => {
      clearTimeout(timer)
      resolve(open)
    })
    ;(socket as Socket & { [kHeld]: Held })[kHeld] = connection
    socket.on('error', onError)
    socket.on('close', onClose)
    socket.write(request)
  })
}

async function open(command: Extract<ClientCommand, { type: 'open' }>, send: (report: ClientReport) => void): Promise<void> {
  const accept = command.mode === 'sse' ? 'text/event-stream' : '*/*'
  const request = `GET ${command.path} HTTP/1.1\r\nHost: ${command.host}:${command.port}\r\nAccept: ${accept}\r\n\r\n`
  const progress = setInterval(() => send({ type: 'progress', open: held.size, refused }), PROGRESS_EVERY_MS)
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < command.count) {
      started++
      if (!(await openOne(command, request))) refused++
    }
  }
  await Promise.all(Array.from({ length: Math.min(command.parallel, command.count) }, worker))
  clearInterval(progress)
  send({ type: 'opened', open: held.size, refused, dropped, firstError })
}

function holdEnd(): ClientReport {
  const now = performance.now()
  let maxGapMs = 0
  for (const connection of held) {
    // A connection silent since its last read counts that silence too.
    const gap = Math.max(connection.maxGapMs, now - connection.lastReadMs)
    if (gap > maxGapMs) maxGapMs = gap
  }
  return { type: 'hold-ended', open: held.size, dropped, maxGapMs }
}

const send = process.send?.bind(process)
if (send === undefined) throw new Error('connection-client runs under netserv bench connections (needs an IPC channel)')
const report = (message: ClientReport): void => void send(message)

process.on('message', (command: ClientCommand) => {
  if (command.type === 'open') {
    void open(command, report)
  } else if (command.type === 'hold-start') {
    for (const connection of held) connection.maxGapMs = 0
    report({ type: 'hold-started' })
  } else if (command.type === 'hold-end') {
    report(holdEnd())
  } else {
    closing = true
    for (const connection of held) connection.socket.destroy()
    process.disconnect()
  }
})
// The parent going away, even killed, closes the channel: never outlive it.
process.on('disconnect', () => process.exit(0))
