import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { StaticResponse } from '../buffers/static-response.js'
import { stripScript } from './script-stripper.js'

/**
 * How a page loads the client: `module`, `import * as netserv from '/netserv.js'`; `classic`,
 * `<script src="/netserv.classic.js">`, which sets `window.netserv`.
 */
export type ClientScriptFormat = 'module' | 'classic'

/** The part of TypeScript's API used when running from source. */
interface TypeScriptTranspiler {
  transpileModule(input: string, options: { compilerOptions: { target: string; module: string } }): { outputText: string }
}

/**
 * The compiled client, as JavaScript: `netserv.js` in `directory` (beside this file in `lib/`,
 * where `npm run build` puts it), else `netserv.ts` there transpiled by TypeScript (running
 * from `src/`, as the tests and `tsx` do: TypeScript is a dev dependency, present there).
 * Read once per process by {@link clientScript}.
 * @throws Error when `directory` holds neither file
 */
export function clientScriptSource(directory: URL = new URL('./', import.meta.url)): string {
  const compiled = new URL('netserv.js', directory)
  if (existsSync(compiled)) return readFileSync(compiled, 'utf8')
  const typescript = createRequire(import.meta.url)('typescript') as TypeScriptTranspiler
  return typescript.transpileModule(readFileSync(new URL('netserv.ts', directory), 'utf8'), {
    compilerOptions: { target: 'es2022', module: 'esnext' },
  }).outputText
}

/**
 * The text served for `format`: the client stripped of comments and layout
 * (./script-stripper.ts). The classic variant runs the same code in a function and puts the
 * module's exports on `window.netserv` in place of its one export statement.
 */
export function clientScriptText(format: ClientScriptFormat, source: string = clientScriptSource()): string {
  const text = stripScript(source)
  if (format === 'module') return text
  return '(()=>{"use strict";' + text.slice(0, text.lastIndexOf('export{')) + 'self.netserv={send,subscribe}})();'
}

const cached = new Map<ClientScriptFormat, StaticResponse>()

/**
 * The browser client as a response, built on the first call and the same
 * {@link StaticResponse} after (one per format): serve `clientScript()` at `/netserv.js` and
 * `clientScript('classic')` at `/netserv.classic.js`.
 *
 * `Access-Control-Allow-Origin: *`: a page on another origin fetches a module script in CORS
 * mode. Cached by browsers for an hour (the URL carries no version).
 */
export function clientScript(format: ClientScriptFormat = 'module'): StaticResponse {
  let response = cached.get(format)
  if (response === undefined) {
    response = new StaticResponse({
      status: 200,
      headers: [
        ['Content-Type', 'text/javascript; charset=utf-8'],
        ['Cache-Control', 'public, max-age=3600'],
        ['Access-Control-Allow-Origin', '*'],
        ['X-Content-Type-Options', 'nosniff'],
      ],
      body: clientScriptText(format),
    })
    cached.set(format, response)
  }
  return response
}
