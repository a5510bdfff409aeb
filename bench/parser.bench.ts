/**
 * netserv's request parser against Node's own llhttp binding, in the same process, on three
 * inputs: a 60-byte GET, a browser GET with 12 headers, and 16 browser GETs pipelined in one
 * buffer. Each parser must report the right number of messages before timing starts.
 *
 *   npm run build && npx tsx bench/parser.bench.ts [--rounds 5]
 *
 * Runs against lib/ (what ships). Prints ops/s per parser and input, and netserv/llhttp
 * ratios as the median over rounds.
 */
import { createRequire } from 'node:module'
import { Bench } from 'tinybench'
import { RequestParser } from '../lib/parser/request-parser.js'

const require = createRequire(import.meta.url)
interface LlhttpParser {
  initialize(type: number, resource: object): void
  execute(buf: Buffer): number | Error
  [key: number]: unknown
}
const { HTTPParser } = require('node:_http_common') as {
  HTTPParser: { new (): LlhttpParser; REQUEST: number; kOnHeadersComplete: number; kOnMessageComplete: number; kOnBody: number; kOnExecute: number; kOnHeaders: number }
}

const SMALL = Buffer.from('GET /quotes/ACME HTTP/1.1\r\nHost: localhost:6969\r\nAccept: */*\r\n\r\n')
const BROWSER = Buffer.from(
  'GET /dashboard/quotes?symbol=ACME&range=1d HTTP/1.1\r\n' +
    'Host: push.example.com\r\n' +
    'Connection: keep-alive\r\n' +
    'Cache-Control: max-age=0\r\n' +
    'sec-ch-ua: "Chromium";v="120", "Not?A_Brand";v="24"\r\n' +
    'sec-ch-ua-mobile: ?0\r\n' +
    'Upgrade-Insecure-Requests: 1\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n' +
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n' +
    'Sec-Fetch-Site: none\r\n' +
    'Accept-Encoding: gzip, deflate, br\r\n' +
    'Accept-Language: en-US,en;q=0.9\r\n' +
    'Cookie: session=abc123\r\n\r\n',
)
const PIPELINED = Buffer.concat(Array.from({ length: 16 }, () => BROWSER))
const INPUTS = [
  ['60-byte GET', SMALL, 1],
  [`${BROWSER.length}-byte browser GET, 12 headers`, BROWSER, 1],
  ['16 browser GETs pipelined', PIPELINED, 16],
] as const

let sink = 0
const ours = new RequestParser({
  onRequestHead(head) {
    sink += head.headerCount
  },
  onRequestBody() {},
  onRequestComplete() {
    sink++
  },
})
const theirs = new HTTPParser()
theirs.initialize(HTTPParser.REQUEST, {})
// What Node's server does with a head: it receives the header strings and the URL.
theirs[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, headers: string[]) => {
  sink += headers.length / 2 // flat: name, value, name, value...
}
theirs[HTTPParser.kOnHeaders] = () => {}
theirs[HTTPParser.kOnBody] = () => {}
theirs[HTTPParser.kOnExecute] = () => {}
theirs[HTTPParser.kOnMessageComplete] = () => {
  sink++
}

function parseOurs(input: Buffer): void {
  ours.execute(input)
  if (ours.error !== null) throw ours.error
}
function parseTheirs(input: Buffer): void {
  const result = theirs.execute(input)
  if (result instanceof Error) throw result
}

// Check once, before timing, that both parsers see every message.
for (const [name, input, messages] of INPUTS) {
  for (const [label, parse] of [['netserv', parseOurs], ['llhttp', parseTheirs]] as const) {
    const before = sink
    parse(input)
    const counted = sink - before
    const expectedHeaders = input === SMALL ? 2 : 12
    if (counted !== messages * (expectedHeaders + 1)) throw new Error(`${label} on ${name}: counted ${counted}`)
  }
}

const roundsFlag = process.argv.indexOf('--rounds')
const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 5
const ratios = new Map<string, number[]>()
const rates = new Map<string, number[]>()
for (let round = 0; round < rounds; round++) {
  const bench = new Bench({ time: 500, warmupTime: 200 })
  for (const [name, input] of INPUTS) {
    bench.add(`netserv | ${name}`, () => parseOurs(input))
    bench.add(`llhttp | ${name}`, () => parseTheirs(input))
  }
  await bench.run()
  for (const [name] of INPUTS) {
    const mine = bench.getTask(`netserv | ${name}`)?.result
    const node = bench.getTask(`llhttp | ${name}`)?.result
    if (mine?.state !== 'completed' || node?.state !== 'completed') throw new Error(`no result for ${name}`)
    const ourRate = mine.throughput.mean
    const theirRate = node.throughput.mean
    ;(ratios.get(name) ?? ratios.set(name, []).get(name))?.push(ourRate / theirRate)
    ;(rates.get(`netserv | ${name}`) ?? rates.set(`netserv | ${name}`, []).get(`netserv | ${name}`))?.push(ourRate)
    ;(rates.get(`llhttp | ${name}`) ?? rates.set(`llhttp | ${name}`, []).get(`llhttp | ${name}`))?.push(theirRate)
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}
console.log(`node ${process.version}, llhttp ${process.versions.llhttp}, ${rounds} rounds, median ops/s`)
for (const [name] of INPUTS) {
  const ourRate = median(rates.get(`netserv | ${name}`) ?? [])
  const theirRate = median(rates.get(`llhttp | ${name}`) ?? [])
  const ratio = median(ratios.get(name) ?? [])
  console.log(`${name.padEnd(36)} netserv ${Math.round(ourRate).toLocaleString('en').padStart(11)}  llhttp ${Math.round(theirRate).toLocaleString('en').padStart(11)}  ratio ${ratio.toFixed(2)}x`)
}
if (sink === 0) console.log('')
