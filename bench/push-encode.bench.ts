/**
 * What does building an SSE frame cost, and what does a subscriber after the first cost?
 * - netserv: `new PushMessage(...)` then `frame(sse, chunked)`: the string to UTF-8, the
 *   line scan, one allocation (the chunked variant in the same Buffer)
 * - netserv encode only: `sse.encode(message)` on a message already built (bytes in hand)
 * - netserv cached: `frame()` again on the same message: what every subscriber after the
 *   first costs in a broadcast
 * - naive: the way a user writes it: a template string, the data split with a regex, and
 *   `Buffer.from` (plus the chunk head and tail in the same string for the chunked peer)
 * Each on a 100-byte data of one line (a JSON quote) and of four lines.
 *
 * Run: npx tsx bench/push-encode.bench.ts
 */
import { Bench } from 'tinybench'
import { PushMessage } from '../src/push/push-message.js'
import { SseFraming } from '../src/push/sse-framing.js'

const sse = new SseFraming()

const ONE_LINE = '{"symbol":"ACME","bid":101.25,"ask":101.27,"volume":1834200,"time":"2024-05-01T12:00:00.000Z","x":1}'
const FOUR_LINES = 'line one of the payload here\nline two of the payload here\r\nline three of payload\nline four is ok!!!!'
const ID = '1714564800000-17'
const EVENT = 'quote'
if (Buffer.byteLength(ONE_LINE) !== 100 || Buffer.byteLength(FOUR_LINES) !== 100) throw new Error('data must be 100 bytes')

const LINE_BREAK = /\r\n|\r|\n/

function naive(data: string, id: string, event: string): Buffer {
  return Buffer.from(`id: ${id}\nevent: ${event}\ndata: ${data.split(LINE_BREAK).join('\ndata: ')}\n\n`, 'utf8')
}

function naiveChunked(data: string, id: string, event: string): Buffer {
  const body = `id: ${id}\nevent: ${event}\ndata: ${data.split(LINE_BREAK).join('\ndata: ')}\n\n`
  return Buffer.from(`${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n`, 'utf8')
}

// Check once before timing: every peer writes the same bytes.
for (const data of [ONE_LINE, FOUR_LINES]) {
  const message = new PushMessage({ data, id: ID, event: EVENT })
  const plain = message.frame(sse)
  if (!plain.equals(naive(data, ID, EVENT))) throw new Error('plain frames differ')
  if (!message.frame(sse, true).equals(naiveChunked(data, ID, EVENT))) throw new Error('chunked frames differ')
  if (!sse.encode(message).equals(plain)) throw new Error('encode differs from frame')
}

const built1 = new PushMessage({ data: ONE_LINE, id: ID, event: EVENT })
const built4 = new PushMessage({ data: FOUR_LINES, id: ID, event: EVENT })
const cached1 = new PushMessage({ data: ONE_LINE, id: ID, event: EVENT })
cached1.frame(sse, true)

let sink = 0
// One literal function per task: closures made in a loop would share a call-site feedback
// cell and make every peer's inner calls polymorphic.
const bench = new Bench({ time: 700, warmupTime: 150 })
  .add('baseline', () => {
    sink++
  })
  .add('1 line  netserv plain', () => {
    sink += new PushMessage({ data: ONE_LINE, id: ID, event: EVENT }).frame(sse).length
  })
  .add('1 line  naive plain', () => {
    sink += naive(ONE_LINE, ID, EVENT).length
  })
  .add('1 line  netserv chunked', () => {
    sink += new PushMessage({ data: ONE_LINE, id: ID, event: EVENT }).frame(sse, true).length
  })
  .add('1 line  naive chunked', () => {
    sink += naiveChunked(ONE_LINE, ID, EVENT).length
  })
  .add('1 line  encode only', () => {
    sink += sse.encode(built1, true).length
  })
  .add('1 line  cached frame', () => {
    sink += cached1.frame(sse, true).length
  })
  .add('4 lines netserv plain', () => {
    sink += new PushMessage({ data: FOUR_LINES, id: ID, event: EVENT }).frame(sse).length
  })
  .add('4 lines naive plain', () => {
    sink += naive(FOUR_LINES, ID, EVENT).length
  })
  .add('4 lines netserv chunked', () => {
    sink += new PushMessage({ data: FOUR_LINES, id: ID, event: EVENT }).frame(sse, true).length
  })
  .add('4 lines naive chunked', () => {
    sink += naiveChunked(FOUR_LINES, ID, EVENT).length
  })
  .add('4 lines encode only', () => {
    sink += sse.encode(built4, true).length
  })

await bench.run()
const nanoseconds = new Map<string, number>()
for (const task of bench.tasks) {
  const result = task.result
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`)
  nanoseconds.set(task.name, result.period * 1e6)
}
const baseline = nanoseconds.get('baseline') as number
const ratioPeers: Record<string, string> = {
  '1 line  netserv plain': '1 line  naive plain',
  '1 line  netserv chunked': '1 line  naive chunked',
  '4 lines netserv plain': '4 lines naive plain',
  '4 lines netserv chunked': '4 lines naive chunked',
}
for (const [name, ns] of nanoseconds) {
  if (name === 'baseline') continue
  const peer = ratioPeers[name]
  const ratio = peer === undefined ? '' : `  x${(((nanoseconds.get(peer) as number) - baseline) / (ns - baseline)).toFixed(2)} vs naive`
  process.stdout.write(`${name.padEnd(26)} ${(ns - baseline).toFixed(1).padStart(8)} ns${ratio}\n`)
}
process.stdout.write(`(sink ${sink !== 0})\n`)
