// One client process of bench/soak.ts (forked by it, one per source address, never by hand):
// it holds its share of the SSE subscribers, checks every message each one gets, drops a few
// now and then and resumes them with Last-Event-ID, and reports over IPC.
//
//   harness -> { type: 'open', host, port, localAddress, channels: [names], first, count, parallel }
//           <- { type: 'progress', open, received } every second, then { type: 'opened', open, refused, firstError }
//   harness -> { type: 'start', reconnectShare, reconnectEveryMs }
//   harness -> { type: 'count' }  <- { type: 'count', received }  (messages taken so far)
//   harness -> { type: 'finish', published: [count per channel], waitMs }
//           <- { type: 'report', ... }   (see finish())
//
// Subscriber i (global index first + k) listens to channels[i % channels.length] with
// `GET /sub/<channel>` over HTTP/1.1, as a browser's EventSource would: the response is
// chunked, so each read goes through a chunked decoder, then an event stream reader, then the
// subscriber's SequenceCheck (lib/bench/*.js, unit-tested). Reads land in one shared buffer
// (`onread`) and are parsed as bytes, never decoded to text: these processes share two cores
// with the server they measure, and must not be the bottleneck. Every socket binds to this
// process's own source address (127.0.1.x): one address reaches one port through at most
// ~28k local ports, and an unbound connect would meet the TIME_WAIT of bound runs.
import { connect } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { lib: { type: 'string', default: 'lib' } } })
const load = (path) => import(pathToFileURL(resolve(values.lib, path)).href)
const { ChunkedBodyReader } = await load('bench/chunked-body-reader.js')
const { SoakEventReader } = await load('bench/soak-event-reader.js')
const { SequenceCheck } = await load('bench/sequence-check.js')
const { DelayHistogram } = await load('bench/delay-histogram.js')
const { monotonicUs } = await load('bench/soak-payload.js')

if (process.send === undefined) throw new Error('run by bench/soak.ts (needs an IPC channel)')
const send = (message) => process.send(message)

const HEAD_END = '\r\n\r\n'
const STATUS_OK = /^HTTP\/1\.1 200 /
/** A subscriber the server dropped comes back after this, as EventSource would (its default is ~3 s; shorter, so that a drop shows in the run, not after it). */
const RETRY_MS = 250
const CONNECTING = 0
const OPEN = 1

const histogram = new DelayHistogram()
/** The clock at the current read, µs: one reading per read, not per event. */
let readNowUs = 0
let target = null
let subscribers = []
let refused = 0
let firstError = null
let serverDrops = 0
let plannedResumes = 0
let resumeFailures = 0
let finishing = false
const otherEvents = {}
let malformed = 0
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

class Subscriber {
  constructor(channel) {
    this.channel = channel
    this.check = new SequenceCheck()
    this.socket = null
    this.state = CONNECTING
    this.head = ''
    this.chunked = null
    this.events = null
    /** Resolves the promise of the connect in progress with true (open) or false. */
    this.settle = null
    this.connects = 0
  }
}

/** What a subscriber's event reader finds goes to its check and the histogram. */
class Tally {
  constructor(subscriber) {
    this.subscriber = subscriber
  }
  onMessage(epoch, seq, n, publishedUs) {
    this.subscriber.check.accept(epoch, seq, n)
    histogram.record((readNowUs - publishedUs) / 1000)
  }
  onNamedEvent(type) {
    otherEvents[type] = (otherEvents[type] ?? 0) + 1
  }
  onMalformed() {
    malformed++
  }
}

function settle(subscriber, open) {
  const done = subscriber.settle
  subscriber.settle = null
  done?.(open)
}

function onRead(bytes, buffer) {
  const subscriber = this.subscriber
  if (subscriber.socket !== this) return true
  readNowUs = monotonicUs()
  let start = 0
  if (subscriber.state !== OPEN) {
    // The head, as text (once per connection); what follows it is the body.
    const before = subscriber.head.length
    subscriber.head += buffer.toString('latin1', 0, bytes)
    const end = subscriber.head.indexOf(HEAD_END)
    if (end === -1) return true
    const head = subscriber.head.slice(0, end)
    subscriber.head = ''
    if (!STATUS_OK.test(head) || !/\r\ntransfer-encoding: *chunked/i.test(head)) {
      firstError ??= `answered ${JSON.stringify(head.slice(0, 200))}`
      this.destroy()
      return false
    }
    subscriber.state = OPEN
    const events = new SoakEventReader(new Tally(subscriber))
    subscriber.chunked = new ChunkedBodyReader((data, from, to) => events.feed(data, from, to))
    settle(subscriber, true)
    start = end + HEAD_END.length - before
  }
  subscriber.chunked.feed(buffer, start, bytes)
  if (subscriber.chunked.error !== null) {
    firstError ??= `chunked: ${subscriber.chunked.error}`
    this.destroy()
  } else if (subscriber.chunked.ended) {
    // The server ended the stream (the connection stays usable): a drop, resumed as one.
    this.destroy()
  }
  return true
}

function onError(error) {
  firstError ??= error.message
}

function onClose() {
  const subscriber = this.subscriber
  // A socket dropped on purpose (a resume) was replaced already.
  if (subscriber.socket !== this) return
  subscriber.socket = null
  if (subscriber.state !== OPEN) {
    settle(subscriber, false)
    return
  }
  if (finishing) return
  serverDrops++
  setTimeout(() => void reopen(subscriber), RETRY_MS)
}

/** Opens a stream for `subscriber`, resuming after its last id if it had one; true once open. */
function open(subscriber) {
  return new Promise((done) => {
    const socket = connect({ host: target.host, port: target.port, localAddress: target.localAddress, onread: { buffer: READ_BUFFER, callback: onRead } })
    socket.subscriber = subscriber
    subscriber.socket = socket
    subscriber.state = CONNECTING
    subscriber.head = ''
    subscriber.chunked = null
    subscriber.settle = done
    subscriber.connects++
    socket.on('error', onError)
    socket.on('close', onClose)
    const resume = subscriber.check.lastId === '' ? '' : `Last-Event-ID: ${subscriber.check.lastId}\r\n`
    socket.write(`GET /sub/${subscriber.channel} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n${resume}\r\n`)
  })
}

/** A resume: tries a few times, as EventSource keeps trying. */
async function reopen(subscriber) {
  for (let attempt = 0; attempt < 20 && !finishing; attempt++) {
    if (await open(subscriber)) return
    await new Promise((done) => setTimeout(done, RETRY_MS))
  }
  if (!finishing) resumeFailures++
}

async function openAll(command) {
  target = { host: command.host, port: command.port, localAddress: command.localAddress, channels: command.channels }
  subscribers = Array.from({ length: command.count }, (_, k) => new Subscriber(command.channels[(command.first + k) % command.channels.length]))
  const progress = setInterval(() => send({ type: 'progress', open: openCount(), received: receivedCount() }), 1000)
  let next = 0
  const worker = async () => {
    while (next < subscribers.length) {
      const subscriber = subscribers[next++]
      if (!(await open(subscriber))) refused++
    }
  }
  await Promise.all(Array.from({ length: Math.min(command.parallel, subscribers.length) }, worker))
  send({ type: 'opened', open: openCount(), refused, firstError })
}

function openCount() {
  let open = 0
  for (const subscriber of subscribers) if (subscriber.state === OPEN && subscriber.socket !== null) open++
  return open
}

function receivedCount() {
  let received = 0
  for (const subscriber of subscribers) received += subscriber.check.received
  return received
}

let resumeTimer = null
/**
 * `reconnectShare` of the subscribers every `reconnectEveryMs`, one at a time at an even pace
 * (as clients of a real service drop: not all at one instant), each a random open one.
 */
function start(command) {
  if (command.reconnectShare <= 0) return
  const perRound = Math.max(1, Math.round(subscribers.length * command.reconnectShare))
  resumeTimer = setInterval(() => {
    // Only subscribers that have had a message: without one there is no Last-Event-ID to
    // resume from, and a fresh subscription rightly misses what was published before it.
    const open = subscribers.filter((subscriber) => subscriber.state === OPEN && subscriber.socket !== null && subscriber.check.lastEpoch !== 0)
    if (open.length === 0) return
    const subscriber = open[Math.floor(Math.random() * open.length)]
    const old = subscriber.socket
    plannedResumes++
    void reopen(subscriber)
    // After reopen() replaced it: this socket's close is then not a drop.
    old.destroy()
  }, command.reconnectEveryMs / perRound)
}

async function finish(command) {
  clearInterval(resumeTimer)
  // Every subscriber is given until waitMs to have the last message of its channel.
  const channelIndex = new Map(target.channels.map((name, index) => [name, index]))
  const publishedFor = (subscriber) => command.published[channelIndex.get(subscriber.channel)]
  const deadline = Date.now() + command.waitMs
  const behind = () => subscribers.filter((subscriber) => subscriber.check.lastN < publishedFor(subscriber)).length
  while (behind() > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100))
  const stillBehind = behind()
  finishing = true
  let received = 0
  let missing = 0
  let doubled = 0
  let foreign = 0
  let subscribersWithLoss = 0
  let subscribersWithDoubles = 0
  for (const subscriber of subscribers) {
    const check = subscriber.check
    check.finish(publishedFor(subscriber))
    received += check.received
    missing += check.missing
    doubled += check.doubled
    foreign += check.foreign
    if (check.missing > 0) subscribersWithLoss++
    if (check.doubled > 0) subscribersWithDoubles++
    subscriber.socket?.destroy()
  }
  send({
    type: 'report',
    subscribers: subscribers.length,
    received,
    missing,
    doubled,
    malformed: malformed + foreign,
    subscribersWithLoss,
    subscribersWithDoubles,
    stillBehind,
    plannedResumes,
    serverDrops,
    resumeFailures,
    otherEvents,
    firstError,
    histogram: histogram.toData(),
  })
}

process.on('message', (command) => {
  if (command.type === 'open') void openAll(command)
  else if (command.type === 'start') start(command)
  else if (command.type === 'count') send({ type: 'count', received: receivedCount() })
  else if (command.type === 'finish') void finish(command)
})
// The parent going away, even killed, closes the channel: never outlive it.
process.on('disconnect', () => process.exit(0))
