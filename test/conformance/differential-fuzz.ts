/**
 * Differential fuzzing of netserv's request parser against Node 20's own llhttp: generated and
 * mutated requests, fed in random pieces. Every divergence must be one of the classes
 * test/conformance/KNOWN.md lists (recognised by code in test/fixtures/differential.ts), and
 * netserv must never accept what Node rejects. `npm run fuzz` runs the same cases at scale.
 */
import t from 'tap'
import {
  asLlhttpReports,
  classifyDivergence,
  createFuzzCase,
  differentialOptions,
  divergenceClasses,
  judgeOutcomes,
  lenientReason,
  runFuzz,
  stoppedEarly,
} from '../fixtures/differential.js'
import { readKnownDifferences } from '../fixtures/known-differences.js'
import { hiddenErrorCode, parseWithLlhttp } from '../fixtures/llhttp-reference.js'
import { byteByByte, parseWithNetserv } from '../fixtures/netserv-outcome.js'
import { escapeBytes } from '../fixtures/parse-outcome.js'
import type { ParsedMessage, ParseOutcome } from '../fixtures/parse-outcome.js'

const knownClasses = readKnownDifferences().fuzz

/** Seeds and cases per seed of the run in `npm test` (about 3 s of parsing on a 2-core box). */
const seeds = [1, 2, 3]
const casesPerSeed = 5000

function judgeWhole(input: Buffer, splits: readonly number[] = []): ReturnType<typeof judgeOutcomes> {
  const ours = asLlhttpReports(parseWithNetserv(input, splits, differentialOptions, true))
  return judgeOutcomes(input, ours, parseWithLlhttp(input, splits))
}

t.test('KNOWN.md lists exactly the classes the classifier knows, in its order', async (t) => {
  t.same(knownClasses.map((row) => row.className), divergenceClasses.map((c) => c.name))
})

t.test('each class example is recognised as its class, whole and byte by byte', async (t) => {
  for (const row of knownClasses) {
    const where = `KNOWN.md:${row.line} ${row.className} ${escapeBytes(row.example)}`
    const whole = judgeWhole(row.example)
    t.same({ status: whole.status, className: whole.className }, { status: 'known', className: row.className }, where, {
      detail: whole.detail,
    })
    const bytewise = judgeWhole(row.example, byteByByte(row.example.length))
    t.equal(bytewise.className, row.className, `${where}, byte by byte`)
  }
})

function message(overrides: Partial<ParsedMessage> = {}): ParsedMessage {
  return {
    method: 'GET',
    target: '/',
    versionMajor: 1,
    versionMinor: 1,
    headers: [['Host', 'a']],
    body: Buffer.alloc(0),
    trailers: [],
    upgrade: false,
    complete: true,
    ...overrides,
  }
}

const failure = { offset: 3, reason: 'x' }

t.test('the comparison flags every way of being more lenient than Node', async (t) => {
  const rejected: ParseOutcome = { messages: [message()], error: failure }
  t.match(lenientReason({ messages: [message()], error: null }, rejected), /accepted input that Node rejects/)
  t.match(lenientReason({ messages: [message(), message()], error: failure }, rejected), /2 message heads, Node 1/)
  const nodeIncomplete: ParseOutcome = { messages: [message({ complete: false })], error: failure }
  t.match(lenientReason({ messages: [message()], error: failure }, nodeIncomplete), /completed message #0/)
  t.equal(lenientReason({ messages: [message({ complete: false })], error: failure }, nodeIncomplete), null)
  t.equal(lenientReason({ messages: [], error: failure }, { messages: [message()], error: null }), null, 'stricter is not lenient')

  // A lenient case is never classified, even when a class would match netserv's error.
  const input = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\t\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n')
  const closed = asLlhttpReports(parseWithNetserv(input, [], differentialOptions, true))
  t.equal(judgeOutcomes(input, closed, parseWithLlhttp(input)).className, 'connection-close-decision')
  t.equal(judgeOutcomes(input, closed, { messages: [], error: failure }).status, 'lenient')
})

t.test('a class is named only where netserv stopped early on the same messages', async (t) => {
  const node: ParseOutcome = { messages: [message({ body: Buffer.from('abcd'), complete: false })], error: null }
  t.ok(stoppedEarly({ messages: [message({ body: Buffer.from('ab'), complete: false })], error: failure }, node), 'body prefix')
  t.notOk(stoppedEarly({ messages: [message({ body: Buffer.from('ax'), complete: false })], error: failure }, node), 'other body')
  t.notOk(stoppedEarly({ messages: [message({ target: '/x', complete: false })], error: failure }, node), 'other head')
  t.notOk(stoppedEarly({ messages: [message({ complete: false })], error: null }, node), 'no error')
  t.notOk(stoppedEarly({ messages: [message()], error: failure }, node), 'netserv completed what Node did not')

  // netserv's missing-Host error in the second request, but Node read the first one
  // differently: no class.
  const input = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\n')
  const ours = asLlhttpReports(parseWithNetserv(input, [], differentialOptions, true))
  t.equal(classifyDivergence(input, ours, { messages: [message({ target: '/other' }), message()], error: null }), null)
  t.equal(classifyDivergence(input, ours, parseWithLlhttp(input)), 'missing-host')
  // An unexplained difference is `unknown`.
  const valid = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n')
  const accepted = asLlhttpReports(parseWithNetserv(valid, [], differentialOptions, true))
  t.equal(judgeOutcomes(valid, accepted, parseWithLlhttp(valid)).status, 'agree')
  t.equal(judgeOutcomes(valid, accepted, { messages: [message({ headers: [['Host', 'b']] })], error: null }).status, 'unknown')
})

t.test('both adapters report what the comparison needs', async (t) => {
  // Node's binding hides llhttp's errors once a head asked for an upgrade; the adapter must not.
  const upgradeHead = 'GET / HTTP/1.1\r\nUpgrade: ws\r\nConnection: upgrade\r\n'
  const badChunk = Buffer.from(`${upgradeHead}Transfer-Encoding: chunked\r\n\r\nxyz`)
  t.same(parseWithLlhttp(badChunk, [], { finish: false }).error, {
    offset: 80,
    reason: 'llhttp stopped here; Node hides the error after an upgrade head',
    code: hiddenErrorCode,
  })
  t.equal(parseWithLlhttp(badChunk, byteByByte(badChunk.length), { finish: false }).error?.offset, 80, 'in pieces too')
  const cutBody = Buffer.from(`${upgradeHead}Content-Length: 5\r\n\r\nab`)
  const atEof = parseWithLlhttp(cutBody)
  t.same(atEof.error, { offset: null, reason: 'Invalid EOF state', code: 'HPE_INVALID_EOF_STATE' }, 'EOF inside the body')
  t.equal(atEof.messages[0]?.body.toString(), 'ab')
  t.same(parseWithLlhttp(Buffer.alloc(0)), { messages: [], error: null }, 'no input, no outcome')
  // A message cut short keeps the body bytes it received, on both sides.
  const cut = parseWithNetserv(Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab'), [45])
  t.equal(cut.messages[0]?.body.toString(), 'ab')
  t.equal(cut.messages[0]?.complete, false)
  // An upgrade counts once the message is complete, as llhttp reports it.
  const withHost = `${upgradeHead}Host: a\r\n`
  const pending = asLlhttpReports(parseWithNetserv(Buffer.from(`${withHost}Content-Length: 5\r\n\r\nab`)))
  t.same(pending.messages.map((m) => [m.upgrade, m.complete]), [[false, false]], 'not yet')
  const done = asLlhttpReports(parseWithNetserv(Buffer.from(`${withHost}\r\nxyz`)))
  t.same(done.messages.map((m) => [m.upgrade, m.complete]), [[true, true]], 'handed over')
  t.equal(done.upgradeOffset, withHost.length + 2)
})

t.test('cases replay from seed and index', async (t) => {
  const first = createFuzzCase(7, 123)
  const again = createFuzzCase(7, 123)
  t.ok(first.input.equals(again.input))
  t.same(first.splits, again.splits)
  t.same(first.edits, again.edits)
  t.notOk(createFuzzCase(7, 124).input.equals(first.input), 'another index, another input')
})

for (const seed of seeds) {
  t.test(`differential fuzz, seed ${seed}: ${casesPerSeed} cases against Node ${process.versions.llhttp ?? ''} llhttp`, async (t) => {
    const summary = runFuzz({ seed, cases: casesPerSeed, maxReports: 5 })
    const known = [...summary.known.entries()].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ${count}`)
    t.comment(`${summary.agreed} agree; known: ${known.join(', ')}; ${(summary.elapsedMs / 1000).toFixed(1)} s`)
    t.equal(summary.failureCount, 0, 'no divergence is unknown, lenient or split-dependent', {
      failures: summary.failures.map((f) => f.report).join('\n\n'),
    })
    t.ok(summary.agreed > casesPerSeed / 2, 'most cases agree outright')
    t.ok(summary.known.size >= divergenceClasses.length / 2, 'the probes reach most classes')
  })
}
