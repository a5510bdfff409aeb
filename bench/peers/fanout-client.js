// The subscriber side of bench/fanout.ts: one process holds up to a few thousand SSE
// subscribers (the harness starts several, pinned to the core the server does not use).
// Started by the harness with an IPC channel (advanced serialization, for typed arrays):
//
//   { type: 'open', port, path, count, firstSeq, messages, firstAddress }
//       opens `count` sockets bound to 127.0.1.<firstAddress...254> in turn (`localAddress`),
//       each sends `GET path` and waits for a 200 head; -> { type: 'opened', open, failed }
//   { type: 'report' }  -> { type: 'report', open, stride, counts, delaysUs, duplicates, reordered,
//                            foreign, closedByServer }
//   { type: 'close' }   -> destroys every socket; -> { type: 'closed' }
// and tells the harness on its own { type: 'complete', seq } when every open socket has
// message `seq`.
//
// A message's data starts with `<seq> <stampUs> ` (bench/peers/fanout-server.js). On receipt
// the delay is now - stampUs, both on CLOCK_MONOTONIC in µs, read here once per read.
//
// The reading path is kept cheap, since the client shares a core with the other clients:
// `onread` with one shared buffer (no Buffer and no stream machinery per read), a byte scan
// for `data: ` with Buffer#indexOf, numbers parsed from the bytes. Only a frame split across
// two reads (rare: frames are ~110 bytes) takes a slower path through a carried copy.
import { connect } from 'node:net'
import { performance } from 'node:perf_hooks'

if (process.send === undefined) throw new Error('run by bench/fanout.ts (needs an IPC channel)')

/** CLOCK_MONOTONIC in µs, as a double: performance.now() rides the same clock as hrtime. */
const originUs = Number(process.hrtime.bigint()) / 1000 - performance.now() * 1000
function nowUs() {
  return originUs + performance.now() * 1000
}

const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)
const DATA = Buffer.from('data: ', 'latin1')
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1')
const SPACE = 0x20
const ZERO = 0x30
const PARALLEL = 256
const kSub = Symbol('subscriber')

/** @type {Subscriber[]} */
let subscribers = []
let firstSeq = 0
let messages = 0
/** @type {Uint32Array} */
let counts = new Uint32Array(0)
/** Delay of message k at subscriber i in µs at [k * stride + i]; NaN until it arrives. */
let delaysUs = new Float64Array(0)
let stride = 0
/** Sockets open (with their head read): a message is complete when this many have it. */
let open = 0
let duplicates = 0
let reordered = 0
let foreign = 0
let closedByServer = 0
let closing = false

class Subscriber {
  constructor(index, socket) {
    this.index = index
    this.socket = socket
    /** Still reading the response head. */
    this.inHead = true
    /** Bytes of a frame split across reads, or null. */
    this.carry = null
    this.lastSeq = -1
    /** @type {((ok: boolean) => void) | null} */
    this.onHead = null
  }
}

/** Reads the decimal number at `at`, up to a space; returns [value, index of the space] or null if the bytes end first. */
function readNumber(buffer, at, end) {
  let value = 0
  for (let i = at; i < end; i++) {
    const byte = buffer[i]
    if (byte === SPACE) return i === at ? null : [value, i]
    const digit = byte - ZERO
    if (digit < 0 || digit > 9) return null
    value = value * 10 + digit
  }
  return undefined
}

function record(subscriber, seq, delayUs) {
  const k = seq - firstSeq
  if (k < 0 || k >= messages) {
    foreign++
    return
  }
  if (seq <= subscriber.lastSeq) {
    duplicates++
    return
  }
  if (subscriber.lastSeq >= firstSeq && seq !== subscriber.lastSeq + 1) reordered++
  subscriber.lastSeq = seq
  delaysUs[k * stride + subscriber.index] = delayUs
  if (++counts[k] === open && !closing) process.send({ type: 'complete', seq })
}

/** Takes every whole `data: <seq> <stamp> ` in buffer[0, end); returns where an unfinished one starts, or -1. */
function scan(subscriber, buffer, start, end, now) {
  let at = start
  for (;;) {
    const found = buffer.indexOf(DATA, at)
    if (found < 0 || found >= end) {
      // Keep a tail that could be the start of a split `data: `.
      return Math.max(at, end - (DATA.length - 1))
    }
    const seqAt = found + DATA.length
    const seq = readNumber(buffer, seqAt, end)
    if (seq === undefined) return found
    if (seq === null) {
      at = seqAt
      continue
    }
    const stamp = readNumber(buffer, seq[1] + 1, end)
    if (stamp === undefined) return found
    if (stamp !== null) record(subscriber, seq[0], now - stamp[0])
    at = stamp === null ? seq[1] + 1 : stamp[1]
  }
}

function consume(subscriber, buffer, end, now) {
  let start = 0
  if (subscriber.inHead) {
    const headEnd = buffer.indexOf(HEAD_END)
    if (headEnd < 0 || headEnd >= end) {
      subscriber.carry = Buffer.from(buffer.subarray(0, end))
      return
    }
    subscriber.inHead = false
    const ok = buffer.latin1Slice(0, 13) === 'HTTP/1.1 200 '
    const onHead = subscriber.onHead
    subscriber.onHead = null
    onHead?.(ok)
    if (!ok) return
    start = headEnd + HEAD_END.length
  }
  const tail = scan(subscriber, buffer, start, end, now)
  subscriber.carry = tail < 0 || tail >= end ? null : Buffer.from(buffer.subarray(tail, end))
}

function onRead(bytes, buffer) {
  const subscriber = this[kSub]
  const now = nowUs()
  if (subscriber.carry === null) {
    consume(subscriber, buffer, bytes, now)
  } else {
    const joined = Buffer.concat([subscriber.carry, buffer.subarray(0, bytes)])
    consume(subscriber, joined, joined.length, now)
  }
}

function onClose() {
  const subscriber = this[kSub]
  if (subscriber.onHead !== null) {
    const onHead = subscriber.onHead
    subscriber.onHead = null
    onHead(false)
  }
  if (!closing && !subscriber.inHead) closedByServer++
}

function openOne(port, path, index, localAddress) {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress, onread: { buffer: READ_BUFFER, callback: onRead } })
    const subscriber = new Subscriber(index, socket)
    socket[kSub] = subscriber
    const timer = setTimeout(() => socket.destroy(), 20_000)
    subscriber.onHead = (ok) => {
      clearTimeout(timer)
      if (!ok) socket.destroy()
      resolve(ok ? subscriber : null)
    }
    socket.on('error', () => {})
    socket.on('close', onClose)
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`)
  })
}

async function openAll(port, path, count, firstAddress) {
  let failed = 0
  let next = 0
  const opened = []
  async function worker() {
    while (next < count) {
      const index = next++
      const localAddress = `127.0.1.${firstAddress + (index % (255 - firstAddress))}`
      const subscriber = await openOne(port, path, index, localAddress)
      if (subscriber === null) failed++
      else opened.push(subscriber)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker))
  return { opened, failed }
}

process.on('message', async (message) => {
  if (message.type === 'open') {
    firstSeq = message.firstSeq
    messages = message.messages
    // One row per socket asked for; a socket that failed to open leaves its column NaN.
    stride = message.count
    open = message.count
    counts = new Uint32Array(messages)
    delaysUs = new Float64Array(messages * stride).fill(Number.NaN)
    const { opened, failed } = await openAll(message.port, message.path, message.count, message.firstAddress)
    subscribers = opened
    open = opened.length
    process.send({ type: 'opened', open, failed })
  } else if (message.type === 'report') {
    process.send({ type: 'report', open, stride, counts, delaysUs, duplicates, reordered, foreign, closedByServer })
  } else if (message.type === 'close') {
    closing = true
    for (const subscriber of subscribers) subscriber.socket.destroy()
    subscribers = []
    process.send({ type: 'closed' })
  }
})
process.on('disconnect', () => process.exit(0))
