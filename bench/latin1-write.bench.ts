/**
 * How should the head writer put a header value (a JS string) into a slab as latin1?
 * `buf.write(s, offset, 'latin1')` crosses into C++ once per string, a fixed cost; a
 * charCodeAt loop stays in JIT code but costs per character. This finds the crossover for
 * what HeadWriter.header does: `name: value\r\n`, the name short, the value of a given length.
 *
 * Run: npx tsx bench/latin1-write.bench.ts
 */
import { Bench } from 'tinybench'

const slab = Buffer.allocUnsafeSlow(64 * 1024)

function writeLoop(buf: Buffer, position: number, text: string): number {
  const length = text.length
  for (let i = 0; i < length; i++) buf[position + i] = text.charCodeAt(i)
  return position + length
}

function writeNative(buf: Buffer, position: number, text: string): number {
  return position + buf.write(text, position, 'latin1')
}

function lineLoop(buf: Buffer, position: number, name: string, value: string): number {
  let p = writeLoop(buf, position, name)
  buf[p] = 0x3a
  buf[p + 1] = 0x20
  p = writeLoop(buf, p + 2, value)
  buf[p] = 0x0d
  buf[p + 1] = 0x0a
  return p + 2
}

function lineNative(buf: Buffer, position: number, name: string, value: string): number {
  let p = writeLoop(buf, position, name)
  buf[p] = 0x3a
  buf[p + 1] = 0x20
  p = writeNative(buf, p + 2, value)
  buf[p] = 0x0d
  buf[p + 1] = 0x0a
  return p + 2
}

const LENGTHS = [8, 16, 32, 48, 64, 96, 200]
const LINES_PER_CALL = 4

// Four distinct values per length, built at run time as a server's values would be.
function values(length: number): string[] {
  return ['a', 'b', 'c', 'd'].map((letter, i) => `${i}${letter.repeat(length - 1)}`)
}

// Check once before timing: both write the same bytes.
for (const length of LENGTHS) {
  const a = Buffer.alloc(4096)
  const b = Buffer.alloc(4096)
  let pa = 0
  let pb = 0
  for (const value of values(length)) {
    pa = lineLoop(a, pa, 'X-Value', value)
    pb = lineNative(b, pb, 'X-Value', value)
  }
  if (pa !== pb || !a.equals(b)) throw new Error(`writers disagree at ${length}`)
}

let sink = 0
let cursor = 0
const bench = new Bench({ time: 400, warmupTime: 100 })
bench.add('baseline', () => {
  cursor = (cursor + 1024) & 0x7fff
  sink += cursor
})
for (const length of LENGTHS) {
  const strings = values(length)
  for (const [kind, line] of [['loop', lineLoop], ['native', lineNative]] as const) {
    bench.add(`${kind} ${length}`, () => {
      cursor = (cursor + 1024) & 0x7fff
      let position = cursor
      for (let i = 0; i < LINES_PER_CALL; i++) {
        position = line(slab, position, 'X-Value', strings[i] as string)
      }
      sink += position
    })
  }
}

await bench.run()
const nanoseconds = new Map<string, number>()
for (const task of bench.tasks) {
  const result = task.result
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`)
  nanoseconds.set(task.name, result.period * 1e6)
}
const baseline = nanoseconds.get('baseline') as number
process.stdout.write('value length   loop ns/line   native ns/line\n')
for (const length of LENGTHS) {
  const loop = ((nanoseconds.get(`loop ${length}`) as number) - baseline) / LINES_PER_CALL
  const native = ((nanoseconds.get(`native ${length}`) as number) - baseline) / LINES_PER_CALL
  process.stdout.write(
    `${String(length).padStart(12)} ${loop.toFixed(1).padStart(14)} ${native.toFixed(1).padStart(16)}\n`,
  )
}
process.stdout.write(`(sink ${sink !== 0})\n`)
