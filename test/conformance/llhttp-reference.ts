/**
 * Proves the conformance infrastructure itself: the corpus reader, the Node llhttp reference
 * adapter and the request generator. Real parser output is compared with llhttp's own logs, so
 * a bug in any of the three fixtures makes this fail.
 */
import t from 'tap'
import {
  corpusLlhttpVersion,
  loadLlhttpCorpus,
} from '../fixtures/llhttp-corpus.js'
import type { CorpusCase } from '../fixtures/llhttp-corpus.js'
import {
  everyByte,
  llhttpLenientFlags,
  llhttpMethodNames,
  nodeLlhttpVersion,
  parseWithLlhttp,
} from '../fixtures/llhttp-reference.js'
import type { LlhttpOptions } from '../fixtures/llhttp-reference.js'
import { diffOutcomes, escapeBytes } from '../fixtures/parse-outcome.js'
import {
  createRng,
  generateRequest,
  mutateWithLog,
  randomSplits,
} from '../fixtures/request-generator.js'

const cases = loadLlhttpCorpus()

/**
 * Strict cases where Node 20's llhttp (9.3.1) disagrees with the corpus (9.4.2) log. Checked
 * only while the versions differ, and each must still differ: when Node's llhttp catches up,
 * the entry fails and must be removed.
 */
const knownDifferences: ReadonlyMap<string, string> = new Map([
  [
    'connection.md: CRLF between requests, explicit `close` followed by tab',
    'llhttp 9.3.1 does not take `Connection: close<HTAB>` as close, so it accepts the pipelined GET ' +
      '(9.4.2: HPE_CLOSED_CONNECTION at 139)',
  ],
  [
    'content-length.md: Tabs in `Content-Length` (surrounding)',
    'llhttp 9.3.1 allows only SP after the Content-Length digits: HPE_INVALID_CONTENT_LENGTH at 35 ' +
      '(9.4.2 accepts `\\t42\\t  `)',
  ],
])

/** Lenient corpus types this Node has no llhttp flag for. */
const lenientTypesWithoutFlag: ReadonlyMap<string, string> = new Map([
  [
    'request-lenient-header-value-relaxed',
    'LENIENT_HEADER_VALUE_RELAXED is newer than llhttp 9.3.1; Node 20 has no kLenient flag for it',
  ],
])

function optionsFor(corpusCase: CorpusCase, lenientFlags: number): LlhttpOptions {
  return {
    // Only request-finish cases tell what llhttp_finish() says; the others end mid-stream.
    finish: corpusCase.type === 'request-finish',
    skipBody: corpusCase.meta.skipBody === true,
    lenientFlags,
  }
}

function caseKey(corpusCase: CorpusCase): string {
  return `${corpusCase.file}: ${corpusCase.name}`
}

t.test('the corpus is read whole', async (t) => {
  t.equal(cases.length, 166, 'README says 166 cases')
  t.equal(cases.filter((c) => c.type === 'request').length, 134)
  t.equal(cases.filter((c) => c.type === 'request-finish').length, 3)
  t.equal(cases.filter((c) => c.type.startsWith('request-lenient-')).length, 29)
  t.equal(new Set(cases.map((c) => c.file)).size, 13, 'every file contributes')
  t.ok(cases.every((c) => c.input.length > 0 && c.log.length > 0))
})

t.test('span bytes cut from the decoded input equal the text the log prints', async (t) => {
  // Validates decodeHttpBlock: wrong escapes or newline handling would shift every offset.
  let spans = 0
  for (const corpusCase of cases) {
    for (const line of corpusCase.log) {
      if (line.kind !== 'span' || line.spanBytes === null) continue
      spans++
      const printed = line.text.replace(/^off=\d+ len=\d+ span\[[a-z_.]+\]=/, '')
      const bytes =
        printed === 'cr'
          ? Buffer.from('\r')
          : printed === 'lf'
            ? Buffer.from('\n')
            : Buffer.from(printed.slice(1, -1).replace(/\\t/g, '\t').replace(/\\f/g, '\f'), 'utf8')
      if (!bytes.equals(line.spanBytes)) {
        t.fail(`${caseKey(corpusCase)}: ${line.text} vs input ${escapeBytes(line.spanBytes)}`)
      }
    }
  }
  t.ok(spans > 1000, `${spans} spans checked`)
})

t.test('harness artefacts are marked, upgrade pauses are not errors', async (t) => {
  const pausing = cases.filter((c) => typeof c.meta.pause === 'string')
  t.equal(pausing.length, 13)
  for (const c of pausing) {
    t.ok(c.log.some((line) => line.kind === 'pause' && line.harness), `${caseKey(c)} has a pause line`)
    t.equal(c.expected.error, null, `${caseKey(c)}: a pause is not an error`)
  }
  const upgrade = cases.find((c) => caseKey(c) === 'connection.md: Emitting part of body and pausing')
  t.ok(upgrade)
  t.equal(upgrade?.expected.error, null)
  t.equal(upgrade?.expected.upgradeOffset, 78)
  t.equal(upgrade?.expected.messages[0]?.body.toString(), 'abcd')
  t.equal(upgrade?.expected.messages[0]?.upgrade, true)
  const finishing = cases.filter((c) => c.type === 'request-finish').map((c) => c.expected.finish)
  t.same(finishing, ['safe', 'unsafe', 'unsafe'])
})

t.test(`strict corpus cases against Node's llhttp ${nodeLlhttpVersion}`, async (t) => {
  const versionsDiffer = nodeLlhttpVersion !== corpusLlhttpVersion
  const seenDifferences = new Set<string>()
  for (const corpusCase of cases.filter((c) => c.strict)) {
    const key = caseKey(corpusCase)
    const options = optionsFor(corpusCase, 0)
    const whole = parseWithLlhttp(corpusCase.input, [], options)
    const diff = diffOutcomes(whole, corpusCase.expected, { errorCode: true })
    const known = versionsDiffer ? knownDifferences.get(key) : undefined
    if (known === undefined) {
      t.equal(diff, null, `${key} (line ${corpusCase.line}) agrees with the corpus log`)
    } else {
      seenDifferences.add(key)
      t.not(diff, null, `${key} still differs: ${known}`)
    }
    const bytewise = parseWithLlhttp(corpusCase.input, everyByte(corpusCase.input.length), options)
    t.equal(diffOutcomes(bytewise, whole, { errorCode: true }), null, `${key}: byte by byte = whole`)
  }
  if (versionsDiffer) {
    const listed = [...knownDifferences.keys()].sort()
    t.same([...seenDifferences].sort(), listed, 'every known difference is a corpus case')
  }
})

t.test('lenient corpus cases with the matching Node leniency flag', async (t) => {
  for (const corpusCase of cases.filter((c) => c.type.startsWith('request-lenient-'))) {
    const key = caseKey(corpusCase)
    const flag = llhttpLenientFlags[corpusCase.type.slice('request-lenient-'.length)] ?? 0
    const missing = lenientTypesWithoutFlag.get(corpusCase.type)
    if (flag === 0) {
      t.not(missing, undefined, `${key}: no Node flag for ${corpusCase.type} and not listed`)
      continue
    }
    t.equal(missing, undefined, `${corpusCase.type} is listed as missing but Node has it`)
    const options = optionsFor(corpusCase, flag)
    const whole = parseWithLlhttp(corpusCase.input, [], options)
    t.equal(diffOutcomes(whole, corpusCase.expected, { errorCode: true }), null, `${key} agrees`)
    const bytewise = parseWithLlhttp(corpusCase.input, everyByte(corpusCase.input.length), options)
    t.equal(diffOutcomes(bytewise, whole, { errorCode: true }), null, `${key}: byte by byte = whole`)
  }
})

t.test('strict llhttp rejects every lenient-only input', async (t) => {
  // What a strict parser must do with them; netserv's parser is held to the same.
  for (const corpusCase of cases.filter((c) => c.type.startsWith('request-lenient-'))) {
    const strict = parseWithLlhttp(corpusCase.input, [], { finish: false })
    t.not(strict.error, null, `${caseKey(corpusCase)} is rejected in strict mode`)
  }
})

t.test('method numbers map to the names llhttp parsed', async (t) => {
  const rtsp = new Set([
    'DESCRIBE', 'ANNOUNCE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER',
    'REDIRECT', 'RECORD', 'FLUSH',
  ])
  for (const method of llhttpMethodNames) {
    if (method === 'PRI') continue; // only the HTTP/2 preface, which is an error outcome
    const protocol = rtsp.has(method) ? 'RTSP/1.0' : 'HTTP/1.1'
    const outcome = parseWithLlhttp(Buffer.from(`${method} / ${protocol}\r\n\r\n`, 'latin1'))
    t.equal(outcome.messages[0]?.method, method, `${method} round-trips`)
  }
})

t.test('reference adapter details', async (t) => {
  const input = Buffer.from(
    'POST /a?b HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX:  a b \t\r\n\r\n' +
      '3;x=y\r\nabc\r\n0\r\nT1: 1 \r\n\r\nGET / HTTP/1.0\r\n\r\n',
    'latin1',
  )
  const outcome = parseWithLlhttp(input)
  t.equal(outcome.error, null)
  t.equal(outcome.messages.length, 2)
  t.same(outcome.messages[0]?.headers, [['Transfer-Encoding', 'chunked'], ['X', 'a b']])
  t.equal(outcome.messages[0]?.body.toString(), 'abc')
  t.same(outcome.messages[0]?.trailers, [['T1', '1']])
  t.equal(outcome.messages[1]?.versionMinor, 0)

  // Many fields are flushed through kOnHeaders before the head completes.
  let many = 'GET /many HTTP/1.1\r\n'
  for (let i = 0; i < 70; i++) many += `H${i}: v${i}\r\n`
  const manyOutcome = parseWithLlhttp(Buffer.from(many + '\r\n'), [7, 300])
  t.equal(manyOutcome.messages[0]?.headers.length, 70)
  t.equal(manyOutcome.messages[0]?.target, '/many')

  const truncated = Buffer.from('PUT / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab')
  const eof = parseWithLlhttp(truncated)
  t.same(eof.error, { offset: null, reason: 'Invalid EOF state', code: 'HPE_INVALID_EOF_STATE' })
  t.equal(eof.messages[0]?.complete, false)
  t.equal(parseWithLlhttp(truncated, [], { finish: false }).error, null, 'no EOF, no error')

  const bigHead = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(200)}\r\n\r\n`)
  const overflow = parseWithLlhttp(bigHead, [], { maxHeaderBytes: 100 })
  t.equal(overflow.error?.code, 'HPE_HEADER_OVERFLOW')

  const split = parseWithLlhttp(Buffer.from('GET / HTTP/1.1\r\nFoo: 1\rBar: 2\r\n\r\n'), [5, 20])
  const lfExpected = { offset: 23, reason: 'Missing expected LF after header value', code: 'HPE_LF_EXPECTED' }
  t.same(split.error, lfExpected, 'error offset is absolute across pieces')
})

t.test('request generator', async (t) => {
  const first = generateRequest(createRng(42))
  t.ok(first.equals(generateRequest(createRng(42))), 'same seed, same bytes')
  t.notOk(first.equals(generateRequest(createRng(43))), 'other seed, other bytes')
  const mutatedA = mutateWithLog(createRng(7), first)
  const mutatedB = mutateWithLog(createRng(7), first)
  t.ok(mutatedA.bytes.equals(mutatedB.bytes), 'mutation is deterministic')
  t.same(randomSplits(createRng(9), 50), randomSplits(createRng(9), 50))

  let messages = 0
  let pipelined = 0
  let upgrades = 0
  let rejectedMutants = 0
  const seeds = 600
  for (let seed = 1; seed <= seeds; seed++) {
    const rng = createRng(seed)
    const request = generateRequest(rng)
    const outcome = parseWithLlhttp(request)
    const incomplete = outcome.error !== null || outcome.messages.some((m) => !m.complete)
    if (incomplete) t.fail(`seed ${seed}: llhttp does not accept ${escapeBytes(request)}`)
    messages += outcome.messages.length
    if (outcome.messages.length > 1) pipelined++
    if (outcome.upgradeOffset !== undefined) upgrades++

    const mutant = mutateWithLog(rng, request)
    const mutantWhole = parseWithLlhttp(mutant.bytes)
    if (mutantWhole.error !== null) rejectedMutants++
    const splits = randomSplits(rng, mutant.bytes.length)
    const diff = diffOutcomes(parseWithLlhttp(mutant.bytes, splits), mutantWhole, { errorCode: true })
    if (diff !== null) {
      t.fail(`seed ${seed} (${mutant.applied.join(', ')}) split ${splits.join(',')}:\n${diff}`)
    }
  }
  t.ok(pipelined > seeds / 10, `${pipelined} pipelined inputs`)
  t.ok(upgrades > seeds / 50, `${upgrades} upgrade inputs`)
  t.ok(messages > seeds, `${messages} messages`)
  t.ok(rejectedMutants > seeds / 3 && rejectedMutants < seeds, `${rejectedMutants} mutants rejected`)
})
