/**
 * Cost of producing one typical response head as bytes ready for `socket.write`:
 *
 *   HTTP/1.1 200 OK
 *   Content-Type: text/plain; charset=utf-8
 *   Content-Length: <n>
 *   Date: <IMF-fixdate>
 *   Connection: keep-alive
 *   X-Request-Id: <uuid>
 *   Cache-Control: no-cache
 *
 * - slab:           HeadWriter into a SlabPool slab (src/buffers/head-writer.ts)
 * - slab+validate:  the same plus isToken/isFieldValue on the two custom headers, which is
 *                   what Response.setHeader will add
 * - string+from:    one template string, then Buffer.from(head, 'latin1')
 * - node:http-like: what node:http does per response: setHeader validates with regexes and
 *                   stores [name, value] under the lower-cased key, then the head is built by
 *                   `+=` over the stored headers and converted as latin1 for the write
 * - static:         StaticResponse.buffer(true), for reference: a whole response, pre-encoded
 *
 * Run: npx tsx bench/head-writer.bench.ts   (against src/; lib/ is the same code compiled)
 */
import { Bench } from 'tinybench'
import { isFieldValue, isToken } from '../src/buffers/byte-classes.js'
import { sharedDateHeader } from '../src/buffers/date-header.js'
import { CONNECTION_KEEP_ALIVE, CONTENT_TYPE_TEXT_PLAIN } from '../src/buffers/header-lines.js'
import { HeadWriter } from '../src/buffers/head-writer.js'
import { StaticResponse } from '../src/buffers/static-response.js'

const REQUEST_IDS = [
  '6f1c2a90-3b7e-4d21-9c55-0a8e1d2f4b6c',
  '0b9d7e41-52c8-4f3a-8e16-7c2d9a0f5e83',
  'c4e8a1f2-9d36-4b07-a5e9-31f6d8c20b74',
  '92f05b6d-e1a4-4c8b-b3d7-5a0e9c6f1d28',
]

const writer = new HeadWriter()

function viaSlab(contentLength: number, requestId: string): Buffer {
  writer.begin(200)
  writer.line(CONTENT_TYPE_TEXT_PLAIN)
  writer.contentLength(contentLength)
  writer.date()
  writer.line(CONNECTION_KEEP_ALIVE)
  writer.header('X-Request-Id', requestId)
  writer.header('Cache-Control', 'no-cache')
  return writer.end()
}

function viaSlabValidated(contentLength: number, requestId: string): Buffer {
  if (!isToken('X-Request-Id') || !isFieldValue(requestId)) throw new Error('invalid')
  if (!isToken('Cache-Control') || !isFieldValue('no-cache')) throw new Error('invalid')
  return viaSlab(contentLength, requestId)
}

// node:http caches its date string per second too (utcDate); so do the string peers.
let dateSecond = -1
let dateText = ''
function dateString(): string {
  const second = Math.floor(Date.now() / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateText = new Date(second * 1000).toUTCString()
  }
  return dateText
}

function viaString(contentLength: number, requestId: string): Buffer {
  const head =
    'HTTP/1.1 200 OK\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${contentLength}\r\n` +
    `Date: ${dateString()}\r\n` +
    'Connection: keep-alive\r\n' +
    `X-Request-Id: ${requestId}\r\n` +
    'Cache-Control: no-cache\r\n\r\n'
  return Buffer.from(head, 'latin1')
}

// The regexes node:http validates with (lib/_http_common.js).
const TOKEN_REGEX = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/

class NodeLikeResponse {
  headers: Record<string, [string, string]> = Object.create(null) as Record<string, [string, string]>
  setHeader(name: string, value: string): void {
    if (!TOKEN_REGEX.test(name)) throw new Error('invalid name')
    if (INVALID_HEADER_CHAR.test(value)) throw new Error('invalid value')
    this.headers[name.toLowerCase()] = [name, value]
  }
}

function viaNodeLike(contentLength: number, requestId: string): Buffer {
  const response = new NodeLikeResponse()
  response.setHeader('Content-Type', 'text/plain; charset=utf-8')
  response.setHeader('Content-Length', String(contentLength))
  response.setHeader('Date', dateString())
  response.setHeader('Connection', 'keep-alive')
  response.setHeader('X-Request-Id', requestId)
  response.setHeader('Cache-Control', 'no-cache')
  let head = 'HTTP/1.1 200 OK\r\n'
  for (const key in response.headers) {
    const entry = response.headers[key] as [string, string]
    head += entry[0] + ': ' + entry[1] + '\r\n'
  }
  head += '\r\n'
  return Buffer.from(head, 'latin1')
}

const staticResponse = new StaticResponse({
  status: 200,
  headers: [['Content-Type', 'text/plain; charset=utf-8'], ['Cache-Control', 'no-cache']],
  body: 'x'.repeat(1234),
})

// Check once before timing: every peer produces the same bytes.
for (const contentLength of [0, 7, 1234, 98765]) {
  const id = REQUEST_IDS[contentLength % REQUEST_IDS.length] as string
  const expected = viaString(contentLength, id)
  for (const peer of [viaSlab, viaSlabValidated, viaNodeLike]) {
    if (!peer(contentLength, id).equals(expected)) throw new Error(`${peer.name} differs`)
  }
}
if (!staticResponse.buffer(true).toString('latin1').includes('Content-Length: 1234\r\n')) {
  throw new Error('static response differs')
}

let sink = 0
let counter = 0
function consume(head: Buffer): void {
  sink = (sink + head.length + (head[head.length - 3] as number)) | 0
}

const bench = new Bench({ time: 1000, warmupTime: 300 })
bench
  .add('slab', () => {
    counter++
    consume(viaSlab(counter % 100000, REQUEST_IDS[counter & 3] as string))
  })
  .add('slab+validate', () => {
    counter++
    consume(viaSlabValidated(counter % 100000, REQUEST_IDS[counter & 3] as string))
  })
  .add('string+from', () => {
    counter++
    consume(viaString(counter % 100000, REQUEST_IDS[counter & 3] as string))
  })
  .add('node:http-like', () => {
    counter++
    consume(viaNodeLike(counter % 100000, REQUEST_IDS[counter & 3] as string))
  })
  .add('static', () => {
    counter++
    consume(staticResponse.buffer(true))
  })

await bench.run()

const opsPerSecond = new Map<string, number>()
for (const task of bench.tasks) {
  const result = task.result
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`)
  opsPerSecond.set(task.name, 1000 / result.period)
}
const baseline = opsPerSecond.get('string+from') as number
process.stdout.write(`${process.version} ${process.arch}\n`)
for (const [name, ops] of opsPerSecond) {
  const formatted = Math.round(ops).toLocaleString('en-US').padStart(12)
  process.stdout.write(`${name.padEnd(16)} ${formatted} ops/s  x${(ops / baseline).toFixed(2)} vs string+from\n`)
}
process.stdout.write(`(sink ${sink !== 0})\n`)
