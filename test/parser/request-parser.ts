import t from 'tap'
import { RequestParser, type RequestParserOptions } from '../../src/parser/request-parser.js'
import type { RequestHead } from '../../src/parser/request-head.js'
import { byteByByte, everySplit, parseWithNetserv } from '../fixtures/netserv-outcome.js'
import { describeOutcome, diffOutcomes } from '../fixtures/parse-outcome.js'

const CRLF = '\r\n'

interface Expected {
  /** method, target, version, headers, body (latin1), trailers, upgrade, per message */
  messages?: Array<{
    method?: string
    target?: string
    version?: string
    headers?: Array<[string, string]>
    body?: string
    trailers?: Array<[string, string]>
    upgrade?: boolean
    complete?: boolean
  }>
  error?: { code: string; offset: number; status: number }
  upgradeOffset?: number
}

/**
 * Parses `input` whole, checks the result, then checks that every split point and byte by
 * byte feeding give exactly the same outcome (error offsets included).
 */
function check(name: string, input: string | Buffer, expected: Expected, options: RequestParserOptions = {}): void {
  t.test(name, async (t) => {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input
    const whole = parseWithNetserv(bytes, [], options)
    if (expected.error === undefined) {
      t.equal(whole.error, null, 'accepted: ' + describeOutcome(whole))
    } else {
      t.equal(whole.errorCode, expected.error.code, 'error code')
      t.equal(whole.error?.offset, expected.error.offset, 'error offset')
      t.equal(whole.status, expected.error.status, 'status')
    }
    if (expected.messages !== undefined) {
      t.equal(whole.messages.length, expected.messages.length, 'message count')
      expected.messages.forEach((want, index) => {
        const got = whole.messages[index]
        if (got === undefined) return
        if (want.method !== undefined) t.equal(got.method, want.method, `#${index} method`)
        if (want.target !== undefined) t.equal(got.target, want.target, `#${index} target`)
        if (want.version !== undefined) t.equal(`${got.versionMajor}.${got.versionMinor}`, want.version, `#${index} version`)
        if (want.headers !== undefined) t.same(got.headers, want.headers, `#${index} headers`)
        if (want.body !== undefined) t.equal(got.body.toString('latin1'), want.body, `#${index} body`)
        if (want.trailers !== undefined) t.same(got.trailers, want.trailers, `#${index} trailers`)
        if (want.upgrade !== undefined) t.equal(got.upgrade, want.upgrade, `#${index} upgrade`)
        t.equal(got.complete, want.complete ?? true, `#${index} complete`)
      })
    }
    if (expected.upgradeOffset !== undefined) t.equal(whole.upgradeOffset, expected.upgradeOffset, 'upgrade offset')
    const splitsDiffering: string[] = []
    for (const cuts of [...everySplit(bytes.length), byteByByte(bytes.length)]) {
      const diff = diffOutcomes(parseWithNetserv(bytes, cuts, options), whole)
      if (diff !== null) splitsDiffering.push(`cuts ${cuts.length > 3 ? 'byte by byte' : cuts.join(',')}: ${diff}`)
    }
    t.same(splitsDiffering, [], 'every split gives the same outcome')
  })
}

const get = (target: string, ...headers: string[]): string => `GET ${target} HTTP/1.1${CRLF}Host: h${CRLF}${headers.map((h) => h + CRLF).join('')}${CRLF}`

// --- what is accepted

check('a minimal GET', get('/'), {
  messages: [{ method: 'GET', target: '/', version: '1.1', headers: [['Host', 'h']], body: '' }],
})

check('header values lose surrounding SP and HTAB, keep inner ones and obs-text',
  get('/', 'X-A: \t a \t b \t', 'X-Empty:', 'X-Empty-Space:   ', 'X-Obs: D\xfcsseldorf', 'x-lower:v'), {
    messages: [{
      headers: [['Host', 'h'], ['X-A', 'a \t b'], ['X-Empty', ''], ['X-Empty-Space', ''], ['X-Obs', 'D\xfcsseldorf'], ['x-lower', 'v']],
    }],
  })

check('targets: origin-form with query and fragment, absolute-form, asterisk for OPTIONS, authority for CONNECT',
  `GET /a/b?c=d&e="f"|\\#frag HTTP/1.1${CRLF}Host: h${CRLF}${CRLF}` +
  `GET http://example.com:80/x?y HTTP/1.1${CRLF}Host: example.com${CRLF}${CRLF}` +
  `OPTIONS * HTTP/1.1${CRLF}Host: h${CRLF}${CRLF}` +
  `CONNECT example.com:443 HTTP/1.1${CRLF}Host: example.com:443${CRLF}${CRLF}tunnel bytes`, {
    messages: [
      { target: '/a/b?c=d&e="f"|\\#frag' },
      { target: 'http://example.com:80/x?y' },
      { method: 'OPTIONS', target: '*' },
      { method: 'CONNECT', target: 'example.com:443', upgrade: true },
    ],
    upgradeOffset: 198,
  })

check('every known method is accepted', ['PATCH', 'M-SEARCH', 'MKACTIVITY', 'UNSUBSCRIBE', 'QUERY', 'DELETE'].map((m) => `${m} / HTTP/1.1${CRLF}Host: h${CRLF}${CRLF}`).join(''), {
  messages: ['PATCH', 'M-SEARCH', 'MKACTIVITY', 'UNSUBSCRIBE', 'QUERY', 'DELETE'].map((method) => ({ method })),
})

check('Content-Length body, then a pipelined request, with empty lines between requests',
  `${CRLF}POST /p HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 005${CRLF}${CRLF}hello${CRLF}${CRLF}GET /n HTTP/1.1${CRLF}Host: h${CRLF}${CRLF}`, {
    messages: [{ method: 'POST', body: 'hello' }, { target: '/n', body: '' }],
  })

check('Content-Length with spaces around the digits and any case of the name',
  `POST / HTTP/1.1${CRLF}Host: h${CRLF}conTENT-length:   3  ${CRLF}${CRLF}abc`, {
    messages: [{ body: 'abc', headers: [['Host', 'h'], ['conTENT-length', '3']] }],
  })

check('Content-Length: 0 completes at once', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 0${CRLF}${CRLF}`, {
  messages: [{ body: '' }],
})

check('chunked body with extensions, upper and lower hex, leading zeros, and trailers',
  `POST /c HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: gzip, chunked${CRLF}${CRLF}` +
  `5;a=b;c="d\\"e;\tf";g${CRLF}hello${CRLF}A${CRLF}0123456789${CRLF}00b${CRLF}abcdefghijk${CRLF}000${CRLF}Checksum: x1${CRLF}Other:  y ${CRLF}${CRLF}`, {
    messages: [{ body: 'hello0123456789abcdefghijk', trailers: [['Checksum', 'x1'], ['Other', 'y']] }],
  })

check('Transfer-Encoding over two fields, chunked last, whitespace around list elements', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: deflate , gzip${CRLF}transfer-encoding: CHUNKED ${CRLF}${CRLF}2;name=value${CRLF}ab${CRLF}0${CRLF}${CRLF}`, {
  messages: [{ body: 'ab' }],
})

check('Connection options with whitespace around them', `${get('/', 'Connection: close , upgrade')}`, {
  messages: [{ upgrade: false }],
})

check('HTTP/1.0 closes by default: empty lines after it are fine', `GET / HTTP/1.0${CRLF}${CRLF}${CRLF}${CRLF}`, {
  messages: [{ version: '1.0' }],
})

check('HTTP/1.0 with keep-alive goes on', `GET /1 HTTP/1.0${CRLF}Connection: keep-alive${CRLF}${CRLF}GET /2 HTTP/1.0${CRLF}${CRLF}`, {
  messages: [{ target: '/1' }, { target: '/2' }],
})

check('Upgrade with Connection: upgrade stops after the body and hands over the rest',
  `POST /ws HTTP/1.1${CRLF}Host: h${CRLF}Connection: keep-alive, Upgrade${CRLF}Upgrade: websocket${CRLF}Content-Length: 2${CRLF}${CRLF}okRAW BYTES`, {
    messages: [{ body: 'ok', upgrade: true }],
    upgradeOffset: 104,
  })

check('Upgrade without Connection: upgrade is an ordinary request', `${get('/', 'Upgrade: websocket')}${get('/next', 'Connection: upgrade')}`, {
  messages: [{ upgrade: false }, { upgrade: false }],
})

check('an empty Upgrade names no protocol: no hand-over', `${get('/', 'Connection: upgrade', 'Upgrade: \t')}${get('/next')}`, {
  messages: [{ upgrade: false }, { target: '/next' }],
})

check('Proxy-Connection is read as Connection, as Node does', `${get('/', 'Proxy-Connection: upgrade', 'Upgrade: ws')}tunnel`, {
  messages: [{ upgrade: true }],
  upgradeOffset: 67,
})

check('upgrade followed by HTAB is not recognised, as Node does not', `${get('/', 'Connection: upgrade\t, x', 'Upgrade: ws')}${get('/next')}`, {
  messages: [{ upgrade: false }, { target: '/next' }],
})

check('no Host is fine when requireHost is off, and for HTTP/1.0', `GET / HTTP/1.1${CRLF}${CRLF}GET / HTTP/1.0${CRLF}${CRLF}`, {
  messages: [{}, {}],
}, { requireHost: false })

// --- what is refused, with the code, the offset of the offending byte and the status

const error = (code: string, offset: number, status = 400): Expected => ({ error: { code: `NETSERV_${code}`, offset, status } })

check('unknown method: 501 at the first byte that is no known method', `MKCOLA / HTTP/1.1${CRLF}`, error('METHOD_NOT_IMPLEMENTED', 5, 501))
check('lower-case method: 501', `get / HTTP/1.1${CRLF}`, error('METHOD_NOT_IMPLEMENTED', 0, 501))
check('a method longer than any known', `${'A'.repeat(40)} / HTTP/1.1${CRLF}`, error('METHOD_NOT_IMPLEMENTED', 1, 501))
check('a byte no token has inside a method', `GE(T / HTTP/1.1${CRLF}`, error('INVALID_METHOD', 2))
check('a tab after the method', `GET\t/ HTTP/1.1${CRLF}`, error('INVALID_METHOD', 3))
check('a bare LF before the request', `\nGET / HTTP/1.1${CRLF}`, error('INVALID_METHOD', 0))
check('a CR without LF before the request', `\r\rGET / HTTP/1.1${CRLF}`, error('INVALID_LINE_ENDING', 1))
check('two spaces after the method', `GET  / HTTP/1.1${CRLF}`, error('INVALID_REQUEST_LINE', 4))
check('a control byte starting the target', `GET \x01 HTTP/1.1${CRLF}`, error('INVALID_TARGET', 4))
check('UTF-8 in the target', Buffer.from(`GET /\u03b4 HTTP/1.1${CRLF}`), error('INVALID_TARGET', 5))
check('a target that is no form of RFC 9112', `GET foo HTTP/1.1${CRLF}`, error('INVALID_TARGET', 7))
check('a scheme without //', `GET http:/a HTTP/1.1${CRLF}`, error('INVALID_TARGET', 10))
check('a scheme without any slash', `GET http:a HTTP/1.1${CRLF}`, error('INVALID_TARGET', 9))
check('a scheme with a byte that is no letter (Node refuses what RFC 3986 allows)', `GET h2tp://a HTTP/1.1${CRLF}`, error('INVALID_TARGET', 5))
check('a scheme that never ends', `GET http HTTP/1.1${CRLF}`, error('INVALID_TARGET', 8))
check('a scheme starting with a digit', `GET 1http://a HTTP/1.1${CRLF}`, error('INVALID_TARGET', 4))
check('a quote in an absolute-form authority', `GET http://a"b/ HTTP/1.1${CRLF}`, error('INVALID_TARGET', 12))
check('a second @ in an absolute-form authority', `GET http://a@@b/ HTTP/1.1${CRLF}`, error('INVALID_TARGET', 13))
check('a brace in a CONNECT authority', `CONNECT a{b:1 HTTP/1.1${CRLF}`, error('INVALID_TARGET', 9))
check('asterisk-form outside OPTIONS', `GET * HTTP/1.1${CRLF}`, error('INVALID_TARGET', 4))
check('asterisk-form with more than the asterisk', `OPTIONS *x HTTP/1.1${CRLF}`, error('INVALID_TARGET', 9))
check('CONNECT to a path', `CONNECT /x HTTP/1.1${CRLF}`, error('INVALID_TARGET', 8))
check('HTTP/0.9 (no version)', `GET /${CRLF}${CRLF}`, error('VERSION_NOT_SUPPORTED', 5, 505))
check('a space inside the target', `GET /foo bar HTTP/1.1${CRLF}`, error('INVALID_VERSION', 9))
check('lower-case protocol', `GET / http/1.1${CRLF}`, error('INVALID_VERSION', 6))
check('a version without digits', `GET / HTTP/x.1${CRLF}`, error('INVALID_VERSION', 11))
check('a version without a dot', `GET / HTTP/1-1${CRLF}`, error('INVALID_VERSION', 12))
check('a version with a bad minor', `GET / HTTP/1.x${CRLF}`, error('INVALID_VERSION', 13))
check('HTTP/2.0', `GET / HTTP/2.0${CRLF}`, error('VERSION_NOT_SUPPORTED', 14, 505))
check('HTTP/1.2', `GET / HTTP/1.2${CRLF}`, error('VERSION_NOT_SUPPORTED', 14, 505))
check('HTTP/1.10', `GET / HTTP/1.10${CRLF}`, error('INVALID_REQUEST_LINE', 14))
check('a space after the version', `GET / HTTP/1.1 ${CRLF}`, error('INVALID_REQUEST_LINE', 14))
check('CR without LF after the request line', `GET / HTTP/1.1\rHost: h${CRLF}`, error('INVALID_LINE_ENDING', 15))
check('LF alone after a header value', `GET / HTTP/1.1${CRLF}Host: h\nX: y${CRLF}${CRLF}`, error('INVALID_LINE_ENDING', 23))
check('LF alone ending an empty header value', `GET / HTTP/1.1${CRLF}Host: h${CRLF}X:\n${CRLF}`, error('INVALID_LINE_ENDING', 27))
check('LF alone as a header line', `GET / HTTP/1.1${CRLF}Host: h${CRLF}\n`, error('INVALID_LINE_ENDING', 25))
check('CR inside a header value', `GET / HTTP/1.1${CRLF}Connection: keep\ralive${CRLF}${CRLF}`, error('INVALID_LINE_ENDING', 33))
check('CR without LF ending the head', `GET / HTTP/1.1${CRLF}Host: h${CRLF}\rX`, error('INVALID_LINE_ENDING', 26))
check('NUL in a header value', `GET / HTTP/1.1${CRLF}Host: h${CRLF}X: a\x00b${CRLF}${CRLF}`, error('INVALID_HEADER_VALUE', 29))
check('DEL starting a header value', `GET / HTTP/1.1${CRLF}Host: h${CRLF}X: \x7f${CRLF}${CRLF}`, error('INVALID_HEADER_VALUE', 28))
check('form feed in a header value', `GET / HTTP/1.1${CRLF}Host: h${CRLF}X: a\fb${CRLF}${CRLF}`, error('INVALID_HEADER_VALUE', 29))
check('whitespace before a colon', `GET / HTTP/1.1${CRLF}Host : h${CRLF}${CRLF}`, error('INVALID_HEADER_NAME', 20))
check('an empty header name', `GET / HTTP/1.1${CRLF}: h${CRLF}${CRLF}`, error('INVALID_HEADER_NAME', 16))
check('a header name ended by CR', `GET / HTTP/1.1${CRLF}Host${CRLF}${CRLF}`, error('INVALID_HEADER_NAME', 20))
check('a header name with a bad byte', `GET / HTTP/1.1${CRLF}Fo@: x${CRLF}${CRLF}`, error('INVALID_HEADER_NAME', 18))
check('whitespace before the first header', `GET / HTTP/1.1${CRLF} Host: h${CRLF}${CRLF}`, error('INVALID_HEADER_NAME', 16))
check('obs-fold', `GET / HTTP/1.1${CRLF}Host: h${CRLF}X: a${CRLF}\tb${CRLF}${CRLF}`, error('OBS_FOLD', 31))
check('no Host in HTTP/1.1', `GET / HTTP/1.1${CRLF}X: y${CRLF}${CRLF}`, error('MISSING_HOST', 24))
check('two Host fields', `GET / HTTP/1.1${CRLF}Host: a${CRLF}Host: b${CRLF}${CRLF}`, error('DUPLICATE_HOST', 36))
check('two Host fields even without requireHost', `GET / HTTP/1.0${CRLF}Host: a${CRLF}Host: a${CRLF}${CRLF}`, error('DUPLICATE_HOST', 36), { requireHost: false })
check('duplicate Content-Length, even equal', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 1${CRLF}Content-Length: 1${CRLF}${CRLF}x`, error('INVALID_CONTENT_LENGTH', 61))
check('empty Content-Length', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length:  ${CRLF}${CRLF}`, error('INVALID_CONTENT_LENGTH', 43))
check('Content-Length with a space inside', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 4 2${CRLF}${CRLF}`, error('INVALID_CONTENT_LENGTH', 43))
check('negative Content-Length', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: -1${CRLF}${CRLF}`, error('INVALID_CONTENT_LENGTH', 42))
check('Content-Length with HTAB after the digits', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 42\t${CRLF}${CRLF}`, error('INVALID_CONTENT_LENGTH', 44))
check('Content-Length past 2^53', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 9007199254740993${CRLF}${CRLF}`, error('INVALID_CONTENT_LENGTH', 57))
check('Content-Length then Transfer-Encoding', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 1${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`, error('CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 64))
check('Transfer-Encoding then Content-Length', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: chunked${CRLF}Content-Length: 1${CRLF}${CRLF}`, error('CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 70))
check('Transfer-Encoding not ending in chunked', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: pigeons${CRLF}${CRLF}`, error('INVALID_TRANSFER_ENCODING', 56))
check('chunked before another coding', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: chunked, gzip${CRLF}${CRLF}`, error('INVALID_TRANSFER_ENCODING', 54))
check('chunked twice over two fields', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: chunked${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`, error('INVALID_TRANSFER_ENCODING', 73))
check('an empty transfer coding', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: gzip, , chunked${CRLF}${CRLF}`, error('INVALID_TRANSFER_ENCODING', 51))
check('an empty Transfer-Encoding', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding:${CRLF}${CRLF}`, error('INVALID_TRANSFER_ENCODING', 44))
check('a transfer coding that is no token', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: g@zip, chunked${CRLF}${CRLF}`, error('INVALID_TRANSFER_ENCODING', 46))
check('chunked followed by HTAB', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: chunked\t${CRLF}${CRLF}`, error('INVALID_TRANSFER_ENCODING', 52))
check('Transfer-Encoding in HTTP/1.0', `POST / HTTP/1.0${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`, error('INVALID_TRANSFER_ENCODING', 47))
const chunked = `POST / HTTP/1.1${CRLF}Host: h${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`
check('a chunk size that is not hex', `${chunked}g${CRLF}`, error('INVALID_CHUNK', 56))
check('a space after the chunk size', `${chunked}5 ${CRLF}`, error('INVALID_CHUNK', 57))
check('a chunk size past 2^53', `${chunked}${'f'.repeat(14)}${CRLF}`, error('INVALID_CHUNK', 69))
check('an empty chunk extension', `${chunked}5;${CRLF}`, error('INVALID_CHUNK', 58))
check('a space in a chunk extension', `${chunked}5; a${CRLF}`, error('INVALID_CHUNK', 58))
check('a bad byte after a chunk extension name', `${chunked}5;a@${CRLF}`, error('INVALID_CHUNK', 59))
check('an empty chunk extension value', `${chunked}5;a=${CRLF}`, error('INVALID_CHUNK', 60))
check('a bad byte in a chunk extension token value', `${chunked}5;a=b@${CRLF}`, error('INVALID_CHUNK', 61))
check('an unterminated quoted chunk extension', `${chunked}5;a="b${CRLF}`, error('INVALID_CHUNK', 62))
check('a control byte escaped in a quoted chunk extension', `${chunked}5;a="\\\x01"${CRLF}`, error('INVALID_CHUNK', 62))
check('something after a quoted chunk extension', `${chunked}5;a="b"c${CRLF}`, error('INVALID_CHUNK', 63))
check('chunk extensions past the limit', `${chunked}5;${'a'.repeat(20)}${CRLF}`, error('INVALID_CHUNK', 68), { maxChunkExtensionBytes: 10 })
check('CR without LF after the chunk size', `${chunked}5\rx`, error('INVALID_CHUNK', 58))
check('chunk data not followed by CRLF', `${chunked}5${CRLF}helloX`, error('INVALID_CHUNK', 64))
check('chunk data followed by CR and no LF', `${chunked}5${CRLF}hello\rX`, error('INVALID_CHUNK', 65))
check('a missing last chunk', `${chunked}3${CRLF}foo${CRLF}${CRLF}`, error('INVALID_CHUNK', 64))
check('Content-Length in the trailers', `${chunked}0${CRLF}Content-Length: 5${CRLF}${CRLF}`, error('FORBIDDEN_TRAILER', 75))
check('Transfer-Encoding in the trailers', `${chunked}0${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`, error('FORBIDDEN_TRAILER', 78))
check('Connection in the trailers', `${chunked}0${CRLF}Connection: close${CRLF}${CRLF}`, error('FORBIDDEN_TRAILER', 71))
check('data after Connection: close', `${get('/', 'Connection: x, close')}${CRLF}GET`, error('DATA_AFTER_CLOSE', 51))
check('data after HTTP/1.0', `GET / HTTP/1.0${CRLF}${CRLF}G`, error('DATA_AFTER_CLOSE', 18))
check('data after Proxy-Connection: close', `${get('/', 'Proxy-Connection: close')}G`, error('DATA_AFTER_CLOSE', 52))
check('keep-alive followed by HTAB is not recognised: an HTTP/1.0 request closes', `GET / HTTP/1.0${CRLF}Connection: keep-alive\t${CRLF}${CRLF}G`, error('DATA_AFTER_CLOSE', 43))
check('data after Connection: close followed by HTAB', `${get('/', 'Connection: close\t')}G`, error('DATA_AFTER_CLOSE', 47))

// --- limits

check('request line over its limit: 414 at the first byte past it', get('/' + 'a'.repeat(100)), error('REQUEST_LINE_TOO_LONG', 50, 414), { maxRequestLineBytes: 50 })
check('a request line of exactly the limit passes', get('/'), { messages: [{}] }, { maxRequestLineBytes: 16 })
check('a request line one byte over the limit', get('/'), error('REQUEST_LINE_TOO_LONG', 15, 414), { maxRequestLineBytes: 15 })
check('a long method within a long request line limit', `PROPPATCH / HTTP/1.1${CRLF}`, error('REQUEST_LINE_TOO_LONG', 8, 414), { maxRequestLineBytes: 8 })
check('header section over its limit: 431', get('/', 'X: ' + 'a'.repeat(100)), error('HEADER_TOO_LARGE', 66, 431), { maxHeaderBytes: 50 })
check('header section limit hit in a name', get('/', 'X'.repeat(100) + ': a'), error('HEADER_TOO_LARGE', 66, 431), { maxHeaderBytes: 50 })
check('header section limit hit in the whitespace before a value', get('/', 'X:' + ' '.repeat(100) + 'a'), error('HEADER_TOO_LARGE', 36, 431), { maxHeaderBytes: 20 })
check('header section limit hit at a line end', get('/', 'X: 12345'), error('HEADER_TOO_LARGE', 34, 431), { maxHeaderBytes: 18 })
check('header section limit hit between CR and LF', get('/', 'X: 1'), error('HEADER_TOO_LARGE', 30, 431), { maxHeaderBytes: 14 })
check('header section limit hit at the final CRLF', get('/', 'X: 1'), error('HEADER_TOO_LARGE', 32, 431), { maxHeaderBytes: 16 })
check('trailer section over its limit, counted apart from the header section', `${chunked}0${CRLF}T: ${'a'.repeat(50)}${CRLF}${CRLF}`, error('HEADER_TOO_LARGE', 99, 431), { maxHeaderBytes: 40 })
check('too many headers: 431', get('/', 'A: 1', 'B: 2', 'C: 3'), error('TOO_MANY_HEADERS', 37, 431), { maxHeaderCount: 3 })
check('Content-Length over the body limit: 413 at the end of the head', `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 11${CRLF}${CRLF}`, error('BODY_TOO_LARGE', 48, 413), { maxBodyBytes: 10 })
check('chunked body over the body limit: 413 at the chunk that passes it', `${chunked}6${CRLF}abcdef${CRLF}6${CRLF}`, error('BODY_TOO_LARGE', 70, 413), { maxBodyBytes: 10 })

// --- the parser as an object

function recorder(): { events: string[]; handler: { onRequestHead(h: RequestHead): void; onRequestBody(b: Buffer, s: number, e: number): void; onRequestComplete(h: RequestHead): void } } {
  const events: string[] = []
  return {
    events,
    handler: {
      onRequestHead: (head) => events.push(`head ${head.method} ${head.target}`),
      onRequestBody: (chunk, start, end) => events.push(`body ${chunk.toString('latin1', start, end)}`),
      onRequestComplete: () => events.push('complete'),
    },
  }
}

t.test('pause stops after the event, resume goes on from the returned offset', async (t) => {
  const { events, handler } = recorder()
  const parser = new RequestParser({
    ...handler,
    onRequestComplete(head) {
      handler.onRequestComplete(head)
      parser.pause()
    },
  })
  const input = Buffer.from(get('/1') + get('/2'))
  t.equal(parser.idle, true)
  parser.execute(Buffer.from(CRLF), 0, 1)
  t.equal(parser.idle, true, 'idle after the CR of an empty line')
  parser.execute(Buffer.from(CRLF), 1, 2)
  const first = parser.execute(input)
  t.equal(first, get('/1').length, 'stopped after the first message')
  t.equal(parser.paused, true)
  t.equal(parser.execute(input, first), first, 'a paused parser consumes nothing')
  parser.resume()
  t.equal(parser.execute(input, first), input.length, 'the rest')
  t.same(events, ['head GET /1', 'complete', 'head GET /2', 'complete'])
})

t.test('pause from onRequestHead stops before the body', async (t) => {
  const { events, handler } = recorder()
  const parser = new RequestParser({
    ...handler,
    onRequestHead(head) {
      handler.onRequestHead(head)
      parser.pause()
    },
  })
  const head = `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 2${CRLF}${CRLF}`
  const input = Buffer.from(head + 'ok')
  t.equal(parser.execute(input), head.length)
  parser.resume()
  t.equal(parser.execute(input, head.length), input.length)
  t.same(events, ['head POST /', 'body ok', 'complete'])
})

t.test('pause after a Content-Length body', async (t) => {
  const { handler } = recorder()
  const parser = new RequestParser({ ...handler, onRequestComplete: () => parser.pause() })
  const input = Buffer.from(`POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 2${CRLF}${CRLF}ok${get('/next')}`)
  t.equal(parser.execute(input), input.length - get('/next').length)
})

t.test('finish tells a clean end from a request cut short', async (t) => {
  const clean = new RequestParser(recorder().handler)
  clean.execute(Buffer.from(get('/') + CRLF))
  t.equal(clean.finish(), null, 'between requests')
  const closed = new RequestParser(recorder().handler)
  closed.execute(Buffer.from(`GET / HTTP/1.0${CRLF}${CRLF}`))
  t.equal(closed.finish(), null, 'after a closing request')
  const upgraded = new RequestParser(recorder().handler)
  upgraded.execute(Buffer.from(`CONNECT a:1 HTTP/1.1${CRLF}Host: a:1${CRLF}${CRLF}`))
  t.equal(upgraded.upgraded, true)
  t.equal(upgraded.finish(), null, 'after an upgrade')
  t.equal(upgraded.execute(Buffer.from('more')), 0, 'an upgraded parser consumes nothing')
  for (const cut of [`GET / HT`, `POST / HTTP/1.1${CRLF}Host: h${CRLF}Content-Length: 100${CRLF}${CRLF}abc`, `PUT / HTTP/1.1${CRLF}Content-Leng`]) {
    const parser = new RequestParser(recorder().handler)
    parser.execute(Buffer.from(cut))
    const error = parser.finish()
    t.equal(error?.code, 'NETSERV_UNEXPECTED_EOF', JSON.stringify(cut))
    t.equal(error?.status, 400)
    t.equal(error?.offset, cut.length)
    t.equal(parser.finish(), error, 'the same error again')
  }
  const failed = new RequestParser(recorder().handler)
  failed.execute(Buffer.from('get / HTTP/1.1\r\n'))
  t.equal(failed.finish(), failed.error, 'a failed parser reports its error')
  t.equal(failed.execute(Buffer.from(get('/'))), 0, 'a failed parser consumes nothing')
})

t.test('execute honours start and end, and offsets count across calls', async (t) => {
  const { events, handler } = recorder()
  const parser = new RequestParser(handler)
  const framed = Buffer.from('xxxx' + get('/a') + 'yyyy')
  t.equal(parser.execute(framed, 4, framed.length - 4), framed.length - 4)
  t.same(events, ['head GET /a', 'complete'])
  parser.execute(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n'))
  t.equal(parser.error?.offset, get('/a').length + 28, 'offset counts every byte fed before')
})

t.test('a token split across chunks is joined into a Buffer of its own; others stay views', async (t) => {
  let seen: RequestHead | null = null
  const parser = new RequestParser({ onRequestHead: (head) => { seen = head }, onRequestBody() {}, onRequestComplete() {} })
  const first = Buffer.from(`GET /split-tar`)
  const second = Buffer.from(`get HTTP/1.1${CRLF}Host: h${CRLF}X-Long: ab`)
  const third = Buffer.from(`cd${CRLF}${CRLF}`)
  parser.execute(first)
  parser.execute(second)
  parser.execute(third)
  const head = seen as RequestHead | null
  if (head === null) return t.fail('no head')
  t.equal(head.target, '/split-target')
  t.not(head.bufferOf(0), first, 'the split target has its own buffer')
  t.equal(head.bufferOf(1), second, 'the Host name is a view of the chunk it came in')
  t.equal(head.bufferOf(4), head.bufferOf(4), 'a value split over chunks')
  t.equal(head.spanBytes(1).buffer, second.buffer, 'spanBytes is a view, not a copy')
  t.equal(head.header('x-long'), 'abcd')
})

t.test('a value carried over more than two chunks, and a carry that grows', async (t) => {
  const value = 'v'.repeat(300)
  const input = Buffer.from(get('/', `X: ${value}`))
  const cuts = Array.from({ length: 20 }, (_, i) => 30 + i * 10)
  const outcome = parseWithNetserv(input, cuts)
  t.equal(outcome.messages[0]?.headers[1]?.[1], value)
})

t.test('an idle parser is reusable and can be reset for another handler', async (t) => {
  const first = recorder()
  const second = recorder()
  const parser = new RequestParser(first.handler)
  t.equal(parser.reusable, true, 'new')
  parser.execute(Buffer.from(get('/a') + 'GET /pa'))
  t.equal(parser.reusable, false, 'a request head is half read')
  const paused = new RequestParser({ ...recorder().handler, onRequestComplete: () => paused.pause() })
  paused.execute(Buffer.from(get('/a') + get('/b')))
  t.equal(paused.reusable, false, 'paused')
  const finished = new RequestParser(recorder().handler)
  finished.execute(Buffer.from(get('/a') + '\r'))
  t.equal(finished.reusable, true, 'between requests, even after a CR')
  // A parser that failed, or that carried a long token, is made new by reset.
  parser.execute(Buffer.from('th HTTP/1.1\r\nBad Name: x\r\n\r\n'))
  t.not(parser.error, null)
  parser.reset(second.handler)
  t.equal(parser.error, null)
  t.equal(parser.reusable, true)
  parser.execute(Buffer.from(get('/b')))
  t.same(first.events, ['head GET /a', 'complete'])
  t.same(second.events, ['head GET /b', 'complete'], 'the new handler gets the events')
  const long = new RequestParser(recorder().handler, { maxHeaderBytes: 64 * 1024 })
  long.execute(Buffer.from(`GET / HTTP/1.1${CRLF}Host: h${CRLF}X: ${'a'.repeat(10_000)}`))
  long.reset(recorder().handler)
  long.execute(Buffer.from(`GET /bad HTTP/1.1${CRLF}Ho`))
  long.execute(Buffer.from(`st: h${CRLF}${CRLF}`))
  t.equal(long.error, null, 'a reset parser with a big carry dropped works as new')
})
