/**
 * Regressions from the differential fuzz (/work/notes/parser-findings.md, F1-F8): inputs
 * where netserv once accepted more than Node 20's llhttp or framed the connection
 * differently. Each must now agree with Node, or differ only in a class KNOWN.md lists
 * (netserv stricter), whole and byte by byte.
 */
import t from 'tap'
import { asLlhttpReports, differentialOptions, judgeOutcomes } from '../fixtures/differential.js'
import { parseWithLlhttp } from '../fixtures/llhttp-reference.js'
import { byteByByte, parseWithNetserv } from '../fixtures/netserv-outcome.js'
import { describeOutcome, escapeBytes } from '../fixtures/parse-outcome.js'

const next = 'GET /next HTTP/1.1\r\nHost: h\r\n\r\n'

/** Name, input, and the class the difference must have (null: no difference at all). */
const regressions: ReadonlyArray<[string, string, string | null]> = [
  ['F1 a `"` in the authority of an absolute-form target', 'GET http://a"b/ HTTP/1.1\r\nHost: h\r\n\r\n', null],
  ['F1 a `|` in the authority of an absolute-form target', 'GET http://a|b/ HTTP/1.1\r\nHost: h\r\n\r\n', null],
  ['F1 a `\\` in the host of an authority-form target', 'CONNECT a\\b:1 HTTP/1.1\r\nHost: h\r\n\r\n', null],
  ['F1 a second `@` in the authority', 'GET http://a@@b/ HTTP/1.1\r\nHost: h\r\n\r\n', null],
  ['F2 a digit in the scheme', 'GET h2tp://a/ HTTP/1.1\r\nHost: h\r\n\r\n', null],
  ['F3 Proxy-Connection: close, then another request', 'GET / HTTP/1.1\r\nHost: h\r\nProxy-Connection: close\r\n\r\n' + next, null],
  ['F4 Proxy-Connection: upgrade with Upgrade', 'GET / HTTP/1.1\r\nHost: h\r\nProxy-Connection: upgrade\r\nUpgrade: ws\r\n\r\n' + next, null],
  ['F5 an empty Upgrade with Connection: upgrade', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade:\r\n\r\n' + next, null],
  ['F6 HTTP/1.0 Connection: keep-alive<HTAB>', 'GET / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\t\r\n\r\n' + next, null],
  ['F7 Connection: upgrade<HTAB> with Upgrade', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\t\r\nUpgrade: ws\r\n\r\n' + next, null],
  [
    'F8 Connection: close in the trailers',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nConnection: close\r\n\r\n' + next,
    'connection-in-trailers',
  ],
]

for (const [name, text, className] of regressions) {
  t.test(name, async (t) => {
    const input = Buffer.from(text, 'latin1')
    for (const splits of [[], byteByByte(input.length)]) {
      const ours = asLlhttpReports(parseWithNetserv(input, splits, differentialOptions, true))
      const theirs = parseWithLlhttp(input, splits)
      const verdict = judgeOutcomes(input, ours, theirs)
      const expected = className === null ? { status: 'agree', className: null } : { status: 'known', className }
      t.same({ status: verdict.status, className: verdict.className }, expected, splits.length === 0 ? 'whole' : 'byte by byte', {
        input: escapeBytes(input),
        netserv: describeOutcome(ours),
        node: describeOutcome(theirs),
      })
    }
  })
}
