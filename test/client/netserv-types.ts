/**
 * "Typed (a .d.ts)": the declarations `npm run build` emits for the client, where the package's
 * `netserv/client` entry points, and what they let a page's TypeScript write and refuse.
 */

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import ts from 'typescript'

const root = new URL('../../', import.meta.url)
const clientSource = fileURLToPath(new URL('src/client/netserv.ts', root))

/** Builds the client as tsconfig.build.json does, in memory: file name -> text. */
function build(extraFiles: Record<string, string> = {}): { files: Map<string, string>; errors: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(fileURLToPath(new URL('tsconfig.build.json', root)), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
    },
  })
  if (config === undefined) throw new Error('tsconfig.build.json: unreadable')
  const host = ts.createCompilerHost(config.options)
  const readFile = host.readFile.bind(host)
  host.readFile = (name) => extraFiles[name] ?? readFile(name)
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => name in extraFiles || fileExists(name)
  const files = new Map<string, string>()
  host.writeFile = (name, text) => files.set(name, text)
  const program = ts.createProgram([clientSource, ...Object.keys(extraFiles)], { ...config.options, emitDeclarationOnly: true }, host)
  program.emit()
  const errors = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
  return { files, errors }
}

t.test('the build emits lib/client/netserv.d.ts, where the package\'s netserv/client types point', async (t) => {
  const { files, errors } = build()
  t.strictSame(errors, [])
  const declarations = files.get(fileURLToPath(new URL('lib/client/netserv.d.ts', root)))
  if (declarations === undefined) throw new Error(`no lib/client/netserv.d.ts among ${[...files.keys()].join(', ')}`)
  t.match(declarations, /declare function subscribe\(channels: string \| string\[\], onMessage: \(message: Message\) => void, options\?: SubscribeOptions\): Subscription;/)
  t.match(declarations, /declare function send\(channel: string, data: string, options\?: SendOptions\): Promise<\{/)
  t.match(declarations, /export type Transport = 'sse' \| 'longpoll' \| 'iframe';/)
  t.match(declarations, /unsubscribe\(\): void;/)
  t.match(declarations, /export \{ send, subscribe \};/)
  const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, { types: string }> }
  t.equal(manifest.exports['./client']?.types, './lib/client/netserv.d.ts')
})

t.test('a page\'s TypeScript is checked against them: options and messages are typed', async (t) => {
  const page = fileURLToPath(new URL('src/client/page-under-test.ts', root))
  const good = `import { subscribe, send } from './netserv.js'
const feed = subscribe(['quotes'], (message) => message.data.toUpperCase(), { transport: 'longpoll', credentials: 'omit', since: '1-2' })
feed.unsubscribe()
void send('chat', 'hi', { user: 'ann' }).then((reply) => reply.id.length)
`
  t.strictSame(build({ [page]: good }).errors, [], 'a correct page compiles')
  const bad = `import { subscribe } from './netserv.js'
subscribe('quotes', (message) => message.data, { transport: 'websocket' })
subscribe('quotes', (message) => message.nothing)
`
  const { errors } = build({ [page]: bad })
  t.equal(errors.length, 2, 'two mistakes, two errors')
  t.match(errors[0], /'"websocket"' is not assignable to type 'Transport/)
  t.match(errors[1], /Property 'nothing' does not exist on type 'Message'/)
})
