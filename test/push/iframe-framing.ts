import { runInNewContext } from 'node:vm'
import t from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { IframeFraming, iframeFraming, MAX_CACHED_CALLBACKS, MAX_CALLBACK_LENGTH } from '../../src/push/iframe-framing.js'
import { PushMessage, type PushMessageInit } from '../../src/push/push-message.js'
import { decodeChunked } from '../fixtures/chunked-decoder.js'
import { createRng } from '../fixtures/request-generator.js'

const framing = new IframeFraming('app.onPush')

function frameText(init: PushMessageInit): string {
  return new PushMessage(init).frame(framing).toString('utf8')
}

/** The argument of the call in a frame, as the script text holds it. */
function argumentOf(frame: string, callback: string): string {
  const prefix = `<script>parent.${callback}(`
  const suffix = ')</script>\n'
  if (!frame.startsWith(prefix) || !frame.endsWith(suffix)) throw new Error(`not a frame: ${frame}`)
  return frame.slice(prefix.length, -suffix.length)
}

/** Runs a frame's script text as a browser would, against a stub `parent`; returns what the callback got. */
function runFrame(frame: string): unknown[] {
  const calls: unknown[] = []
  const script = frame.slice('<script>'.length, -'</script>\n'.length)
  runInNewContext(script, { parent: { app: { onPush: (value: unknown) => calls.push(value) } } })
  // Objects made in the vm context have its Object.prototype: copy them into this realm.
  return JSON.parse(JSON.stringify(calls)) as unknown[]
}

t.test('headers, preamble, heartbeat, terminator', async (t) => {
  t.equal(framing.name, 'iframe')
  t.equal(framing.callback, 'app.onPush')
  t.equal(framing.frameKey, 'iframe;app.onPush')
  t.strictSame(framing.headers, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' })
  const preamble = framing.preamble?.toString('latin1') as string
  t.equal(preamble, `${' '.repeat(1024)}<!doctype html><html><head><meta charset="utf-8"></head><body>\n`)
  t.equal(new IframeFraming('cb', { paddingBytes: 0 }).preamble?.toString(), '<!doctype html><html><head><meta charset="utf-8"></head><body>\n')
  t.equal(new IframeFraming('cb', { paddingBytes: 256 }).preamble?.length, 256 + 63)
  t.equal(framing.heartbeat?.toString(), '\n')
  t.equal(framing.heartbeatFrame(true)?.toString(), '1\r\n\n\r\n')
  t.equal(framing.terminator?.toString(), '</body></html>\n')
  t.ok(decodeChunked(framing.preambleFrame(true) as Buffer).data.equals(framing.preamble as Buffer))
})

t.test('frames byte for byte: id and event only when the message has them', async (t) => {
  t.equal(frameText({ data: 'hello' }), '<script>parent.app.onPush({"data":"hello"})</script>\n')
  t.equal(frameText({ data: 'hello', id: '7', event: 'quote' }), '<script>parent.app.onPush({"id":"7","event":"quote","data":"hello"})</script>\n')
  t.equal(frameText({ data: 'x', event: 'e' }), '<script>parent.app.onPush({"event":"e","data":"x"})</script>\n')
  t.equal(frameText({ data: 'x', id: '' }), '<script>parent.app.onPush({"id":"","data":"x"})</script>\n')
  t.equal(frameText({ data: 'a"b\\c\n\u00e9\u{1f600}' }), '<script>parent.app.onPush({"data":"a\\"b\\\\c\\n\u00e9\u{1f600}"})</script>\n', 'JSON escapes; other Unicode as UTF-8')
  t.equal(frameText({ data: Buffer.from([0x61, 0xff]) }), '<script>parent.app.onPush({"data":"a\ufffd"})</script>\n', 'invalid UTF-8 becomes U+FFFD')
  t.equal(new PushMessage({ data: 'hi' }).frame(new IframeFraming('$'), true).toString(), '29\r\n<script>parent.$({"data":"hi"})</script>\n\r\n')
})

t.test('script breakouts are neutralised: </script>, <!--, <script, U+2028/9, &', async (t) => {
  const attacks = [
    '</script><script>alert(1)</script>',
    '</SCRIPT >',
    '<!--<script>',
    '<!-- </script> -->',
    '-->',
    ']]>',
    '\u2028\u2029',
    '&lt;&#60;',
    '");alert(1);("',
    '\\u003c/script>',
  ]
  for (const data of attacks) {
    for (const init of [{ data }, { data: 'x', id: data, event: 'e' }, { data: 'x', event: data }]) {
      const frame = frameText(init)
      const argument = argumentOf(frame, 'app.onPush')
      // U+2028/9 escaped in the name too: raw, they would break the TAP stream's lines.
      const name = JSON.stringify(init).replace(/[\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`)
      t.notMatch(argument, /[<>&\u2028\u2029]/, `no raw <, >, &, U+2028/9 for ${name}`)
      t.equal(frame.toLowerCase().indexOf('</script'), frame.length - '</script>\n'.length, 'the only </script is the frame\'s own')
      const expected: Record<string, string> = {}
      if ('id' in init) expected['id'] = init.id
      if ('event' in init) expected['event'] = init.event
      expected['data'] = init.data
      t.strictSame(JSON.parse(argument), expected, 'the argument is valid JSON equal to the input')
      t.strictSame(runFrame(frame), [expected], 'the script calls the callback once with the input')
    }
  }
  t.equal(frameText({ data: '<>&\u2028\u2029' }), '<script>parent.app.onPush({"data":"\\u003c\\u003e\\u0026\\u2028\\u2029"})</script>\n')
})

t.test('random text round-trips through the script', async (t) => {
  const rng = createRng(0x1f4)
  const pieces = ['<', '>', '&', '</script>', '<!--', '-->', '\u2028', '\u2029', '"', '\\', '\n', '\r', '\0', '\u00e9', '\u{1f600}', 'a', ' ', '\u001f', '\ufeff']
  for (let run = 0; run < 300; run++) {
    let data = ''
    const count = rng.int(20)
    for (let i = 0; i < count; i++) data += rng.pick(pieces)
    const id = rng.chance(0.5) ? data.replace(/[\r\n\0]/g, '').slice(0, 256) : undefined
    const init = id === undefined ? { data } : { data, id }
    const frame = frameText(init)
    const argument = argumentOf(frame, 'app.onPush')
    if (/[<>&\u2028\u2029]/.test(argument) || JSON.stringify(JSON.parse(argument)) !== JSON.stringify(init.id === undefined ? { data } : { id, data })) {
      t.fail(`run ${run}: ${JSON.stringify(data)}`)
      return
    }
    if (JSON.stringify(runFrame(frame)) !== JSON.stringify([JSON.parse(argument)])) {
      t.fail(`run ${run}: the script did not deliver ${JSON.stringify(data)}`)
      return
    }
  }
  t.pass('300 random messages')
})

t.test('callbacks: dotted JS identifiers only, at most 128 characters, else 400', async (t) => {
  for (const good of ['cb', 'a.b.c', '$', '_', '$jq._x1', 'A9', 'x'.repeat(MAX_CALLBACK_LENGTH)]) {
    t.equal(new IframeFraming(good).callback, good)
  }
  const bad = [
    '',
    '1cb',
    'a..b',
    '.a',
    'a.',
    'a b',
    'a-b',
    'alert(1)',
    'a;b',
    'a\nb',
    "a['b']",
    '</script>',
    'caf\u00e9',
    'x'.repeat(MAX_CALLBACK_LENGTH + 1),
  ]
  for (const callback of bad) {
    t.throws(() => new IframeFraming(callback), { code: ErrorCode.INVALID_CALLBACK, status: 400 }, JSON.stringify(callback))
    t.throws(() => iframeFraming(callback), { code: ErrorCode.INVALID_CALLBACK })
  }
})

t.test('paddingBytes checks', async (t) => {
  for (const paddingBytes of [-1, 1.5, 65537, Number.NaN]) {
    t.throws(() => new IframeFraming('cb', { paddingBytes }), { code: ErrorCode.INVALID_ARGUMENT })
  }
  t.equal(new IframeFraming('cb', { paddingBytes: 65536 }).preamble?.length, 65536 + 63)
  t.equal(new IframeFraming('cb', { paddingBytes: undefined }).preamble?.length, 1024 + 63)
})

t.test('iframeFraming: one instance per callback; bounded; frames shared by key either way', async (t) => {
  const first = iframeFraming('feed.push')
  t.equal(iframeFraming('feed.push'), first)
  t.not(iframeFraming('feed.other'), first)
  const message = new PushMessage({ data: 'tick' })
  const frame = message.frame(first, true)
  for (let i = 0; i < MAX_CACHED_CALLBACKS; i++) iframeFraming(`cb${i}`)
  const again = iframeFraming('feed.push')
  t.not(again, first, 'the oldest callback was dropped from the cache')
  t.equal(message.frame(again, true), frame, 'a new instance for the callback still shares the message frame')
  t.equal(message.encodeCount, 1)
  t.equal(iframeFraming(`cb${MAX_CACHED_CALLBACKS - 1}`), iframeFraming(`cb${MAX_CACHED_CALLBACKS - 1}`))
})

t.test('a whole document: preamble, frames, heartbeats, terminator, chunked', async (t) => {
  const parts = [
    framing.preambleFrame(true),
    new PushMessage({ data: 'one' }).frame(framing, true),
    framing.heartbeatFrame(true),
    new PushMessage({ data: 'two', id: '2' }).frame(framing, true),
    framing.closeFrame(true),
  ] as Buffer[]
  const decoded = decodeChunked(Buffer.concat(parts))
  t.equal(decoded.ended, true)
  t.equal(
    decoded.data.toString('latin1').trimStart(),
    '<!doctype html><html><head><meta charset="utf-8"></head><body>\n' +
      '<script>parent.app.onPush({"data":"one"})</script>\n' +
      '\n' +
      '<script>parent.app.onPush({"id":"2","data":"two"})</script>\n' +
      '</body></html>\n',
  )
})
