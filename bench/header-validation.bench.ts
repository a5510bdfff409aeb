/**
 * How should Response.setHeader check a JS string against the RFC 9110 byte classes?
 * - table:  a charCodeAt loop over the 256-entry tables of src/buffers/byte-classes.ts
 * - regex:  the anchored regexes isToken / isFieldValue use (src/buffers/byte-classes.ts)
 * - node:   node:http's regexes (lib/_http_common.js): the token check, and a search for an
 *           invalid character in the value
 *
 * Run: npx tsx bench/header-validation.bench.ts
 */
import { Bench } from 'tinybench'
import { FIELD_VALUE, isFieldValue, isToken, TOKEN } from '../src/buffers/byte-classes.js'

function tableToken(name: string): boolean {
  const length = name.length
  if (length === 0) return false
  for (let i = 0; i < length; i++) {
    const unit = name.charCodeAt(i)
    if (unit > 0xff || TOKEN[unit] === 0) return false
  }
  return true
}

function tableFieldValue(value: string): boolean {
  const length = value.length
  for (let i = 0; i < length; i++) {
    const unit = value.charCodeAt(i)
    if (unit > 0xff || FIELD_VALUE[unit] === 0) return false
  }
  return true
}

const NODE_TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/
const NODE_INVALID_CHAR = /[^\t\x20-\x7e\x80-\xff]/
const nodeToken = (name: string): boolean => NODE_TOKEN.test(name)
const nodeFieldValue = (value: string): boolean => !NODE_INVALID_CHAR.test(value)

const peers = {
  table: [tableToken, tableFieldValue],
  regex: [isToken, isFieldValue],
  node: [nodeToken, nodeFieldValue],
} as const

// Two custom headers of a typical response, and one long value (a cookie, a CSP).
const SHORT: Array<[string, string]> = [
  ['X-Request-Id', '6f1c2a90-3b7e-4d21-9c55-0a8e1d2f4b6c'],
  ['Cache-Control', 'no-cache'],
]
const LONG: Array<[string, string]> = [['Set-Cookie', `session=${'a1b2c3d4'.repeat(25)}; Path=/; HttpOnly`]]

// Check once before timing: every peer agrees, on good and bad input.
const cases = [...SHORT, ...LONG, ['Bad Name', 'a\r\nb'], ['', '\u010d\u010a'], ['caf\u00e9', 'caf\u00e9']]
for (const [name, value] of cases as Array<[string, string]>) {
  const expected = `${isToken(name)} ${isFieldValue(value)}`
  for (const [peer, [token, fieldValue]] of Object.entries(peers)) {
    if (`${token(name)} ${fieldValue(value)}` !== expected) throw new Error(`${peer} disagrees on ${name}`)
  }
}

let sink = 0
// One literal function per task: closures made in a loop would share a call-site feedback
// cell and make every peer's inner calls polymorphic.
const bench = new Bench({ time: 500, warmupTime: 100 })
  .add('baseline', () => {
    sink++
  })
  .add('table 2 short headers', () => {
    for (const [name, value] of SHORT) if (tableToken(name) && tableFieldValue(value)) sink++
  })
  .add('regex 2 short headers', () => {
    for (const [name, value] of SHORT) if (isToken(name) && isFieldValue(value)) sink++
  })
  .add('node 2 short headers', () => {
    for (const [name, value] of SHORT) if (nodeToken(name) && nodeFieldValue(value)) sink++
  })
  .add('table 1 long value', () => {
    for (const [name, value] of LONG) if (tableToken(name) && tableFieldValue(value)) sink++
  })
  .add('regex 1 long value', () => {
    for (const [name, value] of LONG) if (isToken(name) && isFieldValue(value)) sink++
  })
  .add('node 1 long value', () => {
    for (const [name, value] of LONG) if (nodeToken(name) && nodeFieldValue(value)) sink++
  })

await bench.run()
const nanoseconds = new Map<string, number>()
for (const task of bench.tasks) {
  const result = task.result
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`)
  nanoseconds.set(task.name, result.period * 1e6)
}
const baseline = nanoseconds.get('baseline') as number
for (const [name, ns] of nanoseconds) {
  if (name === 'baseline') continue
  process.stdout.write(`${name.padEnd(24)} ${(ns - baseline).toFixed(1).padStart(8)} ns\n`)
}
process.stdout.write(`(sink ${sink !== 0})\n`)
