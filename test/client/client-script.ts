import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { clientScript, clientScriptSource, clientScriptText } from '../../src/client/client-script.js'
import { createServer } from '../../src/server/server.js'

/**
 * "Under 5 KB minified as served": the body of `/netserv.js` as it goes on the wire (no
 * compression: netserv sends none), comments and layout stripped, no name shortened.
 */
const MAX_SERVED_BYTES = 5000

t.test('served at /netserv.js: JavaScript, the same response object every time, under 5 KB', async (t) => {
  const server = createServer((request, response) => {
    response.send(request.path === '/netserv.classic.js' ? clientScript('classic') : clientScript())
  })
  const { port } = await server.listen(0, '127.0.0.1')
  t.teardown(() => server.close())
  const module = await fetch(`http://127.0.0.1:${port}/netserv.js`)
  t.equal(module.status, 200)
  t.equal(module.headers.get('content-type'), 'text/javascript; charset=utf-8')
  t.equal(module.headers.get('access-control-allow-origin'), '*', 'a page on another origin may import it')
  t.equal(module.headers.get('x-content-type-options'), 'nosniff')
  t.match(module.headers.get('cache-control'), /max-age=\d+/)
  const body = Buffer.from(await module.arrayBuffer())
  t.equal(body.toString('utf8'), clientScriptText('module'))
  t.ok(body.length < MAX_SERVED_BYTES, `the module is ${body.length} bytes as served (< ${MAX_SERVED_BYTES})`)
  const classic = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/netserv.classic.js`)).arrayBuffer())
  t.ok(classic.length < MAX_SERVED_BYTES, `the classic script is ${classic.length} bytes as served`)
  t.equal(clientScript(), clientScript('module'), 'built once, then the same StaticResponse')
  t.not(clientScript('classic'), clientScript('module'))
})

t.test('the module has one export statement, last; the classic script none, and sets netserv', async (t) => {
  const module = clientScriptText('module')
  t.ok(module.endsWith('export{send,subscribe};'), 'one export statement, last')
  t.equal(module.split('export').length, 2, 'no other export')
  t.notMatch(module, /\/\*|\/\/ |sourceMappingURL/, 'no comments left')
  const classic = clientScriptText('classic')
  t.notMatch(classic, /\bexport\b/)
  const context: { self?: unknown; netserv?: { subscribe: unknown; send: unknown } } = {}
  context.self = context
  runInNewContext(classic, context)
  t.equal(typeof context.netserv?.subscribe, 'function', 'window.netserv.subscribe')
  t.equal(typeof context.netserv?.send, 'function', 'window.netserv.send')
  t.strictSame(Object.keys(context).sort(), ['__netserv', 'netserv', 'self'], 'no other global')
})

t.test('the source: netserv.js beside the helper when built, else netserv.ts transpiled', async (t) => {
  const fromSource = clientScriptSource()
  t.match(fromSource, 'function subscribe(', 'running from src/: the TypeScript, transpiled')
  t.notMatch(fromSource, /: string|interface /, 'no types left')
  const directory = mkdtempSync(join(tmpdir(), 'netserv-client-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  writeFileSync(join(directory, 'netserv.js'), 'export { built }\n')
  t.equal(clientScriptSource(pathToFileURL(`${directory}/`)), 'export { built }\n', 'lib/: the built file as is')
  t.equal(clientScriptText('classic', 'const built = 1\nexport { built }\n'), '(()=>{"use strict";const built=1\nself.netserv={send,subscribe}})();')
  rmSync(join(directory, 'netserv.js'))
  t.throws(() => clientScriptSource(pathToFileURL(`${directory}/`)), { code: 'ENOENT' }, 'neither file: an error')
})
