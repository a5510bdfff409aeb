/**
 * netserv's request parser against llhttp's own request corpus (v9.4.2): every case must give
 * the outcome its log states (accept or reject and where, each message's method, target,
 * version, headers, body, trailers, completeness and upgrade, the upgrade offset), or differ in
 * exactly the way test/conformance/KNOWN.md lists for it. Lenient-only cases must be rejected
 * wherever strict llhttp rejects them. Every case is also fed byte by byte and in pieces.
 */
import t from 'tap'
import { loadLlhttpCorpus } from '../fixtures/llhttp-corpus.js'
import type { CorpusCase } from '../fixtures/llhttp-corpus.js'
import { parseWithLlhttp } from '../fixtures/llhttp-reference.js'
import { parseWithNetserv } from '../fixtures/netserv-outcome.js'
import { asLlhttpReports, lenientReason, stoppedEarly } from '../fixtures/differential.js'
import type { NetservOutcome } from '../fixtures/differential.js'
import { readKnownDifferences } from '../fixtures/known-differences.js'
import type { KnownCorpusDifference } from '../fixtures/known-differences.js'
import { describeOutcome, diffOutcomes, escapeBytes } from '../fixtures/parse-outcome.js'
import type { ParseOutcome } from '../fixtures/parse-outcome.js'
import type { RequestParserOptions } from '../../src/parser/request-parser.js'

const cases = loadLlhttpCorpus()
const known = readKnownDifferences().corpus
/** The corpus rarely sends Host; every other option is netserv's default. */
const options: RequestParserOptions = { requireHost: false }

function keyOf(file: string, name: string): string {
  return `${file}: ${name}`
}

const rows = new Map<string, KnownCorpusDifference>()
for (const row of known) rows.set(keyOf(row.file, row.caseName), row)

/** Only request-finish cases tell what happens at EOF; the others end mid-stream. */
function finishes(corpusCase: CorpusCase): boolean {
  return corpusCase.type === 'request-finish'
}

function ours(corpusCase: CorpusCase, splits: readonly number[] = [], input: Buffer = corpusCase.input, finish = finishes(corpusCase)): NetservOutcome {
  return asLlhttpReports(parseWithNetserv(input, splits, options, finish))
}

/**
 * What netserv is held to: the log of a strict case; for a lenient-only case, strict llhttp
 * (Node 20, no leniency flag), since the log shows llhttp with the flag set.
 */
function reference(corpusCase: CorpusCase): ParseOutcome {
  return corpusCase.strict ? corpusCase.expected : parseWithLlhttp(corpusCase.input, [], { finish: false })
}

function offsetOf(outcome: ParseOutcome): number | null {
  return outcome.error === null ? null : outcome.error.offset
}

/** Why `mine` does not differ from `theirs` in the way `row` states; empty when it does. */
function checkRow(corpusCase: CorpusCase, row: KnownCorpusDifference, mine: NetservOutcome, theirs: ParseOutcome): string[] {
  const problems: string[] = []
  const expect = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what)
  }
  const sameButOffsets = diffOutcomes(mine, theirs, { errorOffset: false })
  switch (row.className) {
    case 'offset':
      expect(sameButOffsets === null, `outcomes differ beyond the error offset:\n${sameButOffsets ?? ''}`)
      expect(offsetOf(mine) === row.netservOffset, `netserv error at ${offsetOf(mine)}, listed ${row.netservOffset}`)
      expect(offsetOf(theirs) === row.llhttpOffset, `llhttp error at ${offsetOf(theirs)}, listed ${row.llhttpOffset}`)
      expect(row.netservOffset !== row.llhttpOffset, 'an offset row with equal offsets')
      break
    case 'stricter':
      expect(mine.error !== null && theirs.error === null, 'netserv does not reject where llhttp accepts')
      expect(offsetOf(mine) === row.netservOffset, `netserv error at ${offsetOf(mine)}, listed ${row.netservOffset}`)
      expect(row.llhttpOffset === null, 'llhttp accepts: its offset must be -')
      expect(stoppedEarly(mine, theirs), 'netserv read messages llhttp did not read the same way')
      break
    case 'head-announced': {
      const last = theirs.messages[theirs.messages.length - 1]
      expect(theirs.messages.length === mine.messages.length + 1 && last !== undefined && !last.complete && last.body.length === 0,
        'llhttp does not list exactly one more, empty, incomplete head')
      const withoutHead = { ...theirs, messages: theirs.messages.slice(0, -1) }
      expect(diffOutcomes(mine, withoutHead) === null, `apart from that head: ${diffOutcomes(mine, withoutHead) ?? ''}`)
      expect(offsetOf(mine) === row.netservOffset && offsetOf(theirs) === row.llhttpOffset,
        `errors at ${offsetOf(mine)} and ${offsetOf(theirs)}, listed ${row.netservOffset} and ${row.llhttpOffset}`)
      break
    }
    case 'rejects-later': {
      expect(mine.error === null && offsetOf(theirs) === row.llhttpOffset, `netserv error ${offsetOf(mine)}, llhttp ${offsetOf(theirs)}`)
      expect(diffOutcomes(mine, { ...theirs, error: null }) === null, 'netserv read other messages')
      const atEof = ours(corpusCase, [], corpusCase.input, true)
      expect(atEof.error !== null, 'netserv accepts the input at EOF')
      const completed = ours(corpusCase, [], Buffer.concat([corpusCase.input, Buffer.from('\r\n')]))
      expect(offsetOf(completed) === row.netservOffset, `with CRLF added netserv rejects at ${offsetOf(completed)}, listed ${row.netservOffset}`)
      break
    }
    case 'harness': {
      expect(diffOutcomes(mine, theirs) !== null, 'netserv agrees with the log: the row is stale')
      const node = parseWithLlhttp(corpusCase.input, [], { finish: finishes(corpusCase) })
      expect(diffOutcomes(mine, node) === null, `netserv differs from Node's llhttp run without the harness option:\n${diffOutcomes(mine, node) ?? ''}`)
      expect(offsetOf(mine) === row.netservOffset && offsetOf(node) === row.llhttpOffset, 'offsets differ from the row')
      break
    }
  }
  return problems
}

t.test('KNOWN.md names corpus cases that exist, once each', async (t) => {
  t.ok(known.length > 0, 'the corpus table was read')
  for (const row of known) {
    const matching = cases.filter((c) => c.file === row.file && c.name === row.caseName)
    t.equal(matching.length, 1, `KNOWN.md:${row.line} ${keyOf(row.file, row.caseName)} names one case`)
  }
  t.equal(rows.size, known.length, 'no case is listed twice')
})

t.test('every corpus case agrees with the reference, or differs as KNOWN.md lists', async (t) => {
  let agreed = 0
  for (const corpusCase of cases) {
    const key = keyOf(corpusCase.file, corpusCase.name)
    const mine = ours(corpusCase)
    const theirs = reference(corpusCase)
    const row = rows.get(key)
    const where = `${key} (line ${corpusCase.line}, ${corpusCase.type})`
    if (row === undefined) {
      // Lenient cases: error offsets are llhttp-with-the-flag's business; what counts is that
      // netserv rejects where strict llhttp does, after the same messages.
      const diff = diffOutcomes(mine, theirs, { errorOffset: corpusCase.strict })
      t.equal(diff, null, `${where} agrees`, { input: escapeBytes(corpusCase.input) })
      if (diff === null) agreed++
    } else {
      t.same(checkRow(corpusCase, row, mine, theirs), [], `${where} differs as KNOWN.md:${row.line} says (${row.className})`, {
        input: escapeBytes(corpusCase.input),
        netserv: describeOutcome(mine),
        reference: describeOutcome(theirs),
      })
    }
  }
  t.equal(agreed + known.length, cases.length, `${agreed} cases agree, ${known.length} listed`)
})

t.test('lenient-only inputs are rejected wherever strict llhttp rejects them', async (t) => {
  const lenient = cases.filter((c) => c.type.startsWith('request-lenient-'))
  t.equal(lenient.length, 29)
  for (const corpusCase of lenient) {
    const strict = parseWithLlhttp(corpusCase.input, [], { finish: false })
    t.not(strict.error, null, `${corpusCase.name}: strict llhttp rejects it`)
    t.not(ours(corpusCase).error, null, `${corpusCase.name}: netserv rejects it`)
  }
})

t.test('never more lenient than strict llhttp, in any case', async (t) => {
  for (const corpusCase of cases) {
    const row = rows.get(keyOf(corpusCase.file, corpusCase.name))
    const mine = ours(corpusCase)
    // A rejects-later row is checked above to reject at EOF; judge the input as a whole there.
    const judged = row?.className === 'rejects-later' ? ours(corpusCase, [], corpusCase.input, true) : mine
    const strict = corpusCase.strict ? corpusCase.expected : reference(corpusCase)
    t.equal(lenientReason(judged, strict), null, `${corpusCase.file}: ${corpusCase.name}`)
  }
})

t.test('byte by byte and in pieces, every case gives the same outcome as whole', async (t) => {
  for (const corpusCase of cases) {
    const length = corpusCase.input.length
    const whole = ours(corpusCase)
    const feeds: number[][] = [
      Array.from({ length: Math.max(0, length - 1) }, (_unused, i) => i + 1),
      [1],
      [length - 1],
      [Math.floor(length / 3), Math.floor((2 * length) / 3)],
      [Math.floor(length / 2)],
    ]
    const differing = feeds
      .map((splits) => ({ splits, diff: diffOutcomes(ours(corpusCase, splits), whole) }))
      .filter(({ diff }) => diff !== null)
      .map(({ splits, diff }) => `${splits.length === length - 1 ? 'byte by byte' : splits.join(',')}: ${diff ?? ''}`)
    t.same(differing, [], `${corpusCase.file}: ${corpusCase.name}`)
  }
})
