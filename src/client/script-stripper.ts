import { ErrorCode, NetservError } from '../errors.js'

/** Characters of identifiers, keywords and numbers: two of them side by side need a separator. */
function isWordChar(char: string): boolean {
  return (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || (char >= '0' && char <= '9') || char === '_' || char === '$' || char > '\x7f'
}

function isSpace(char: string): boolean {
  return char === ' ' || char === '\n' || char === '\r' || char === '\t'
}

function refuse(what: string): NetservError {
  return new NetservError(ErrorCode.INVALID_ARGUMENT, `stripScript: ${what}`)
}

/**
 * The browser client as served: `source` (JavaScript as tsc emits it) without comments and
 * without the whitespace that means nothing. This is what "minified" means for `/netserv.js`:
 * no name is shortened and nothing is rewritten, so the served text is the compiled client
 * minus comments and layout, and its size is measured on exactly that.
 *
 * Kept between two tokens: a line break where the whitespace had one and both sides are word
 * characters (so `return` and its value stay as far apart as automatic semicolon insertion
 * needs), else one space where both are word characters, or both `+`, or both `-` (`a - -b`).
 * Anything else goes: tsc ends every statement with a semicolon, so no other line break is
 * load-bearing.
 *
 * It reads strings in single and double quotes (escapes included) and comments, and nothing
 * else of the grammar: a regular expression literal holding a quote or `//` would be misread,
 * so the client has none. Template literals are refused rather than misread.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` for a template literal, an unterminated
 *   string or an unterminated block comment
 */
export function stripScript(source: string): string {
  let out = ''
  /** Whitespace (or a comment) since the last token; 2 when it held a line break. */
  let gap = 0
  let i = 0
  const end = source.length
  while (i < end) {
    const char = source[i] as string
    const next = source[i + 1]
    if (isSpace(char)) {
      if (char === '\n' || char === '\r') gap = 2
      else if (gap === 0) gap = 1
      i++
      continue
    }
    if (char === '/' && next === '/') {
      while (i < end && source[i] !== '\n' && source[i] !== '\r') i++
      gap ||= 1
      continue
    }
    if (char === '/' && next === '*') {
      const close = source.indexOf('*/', i + 2)
      if (close < 0) throw refuse('an unterminated block comment')
      if (/[\n\r]/.test(source.slice(i, close))) gap = 2
      else gap ||= 1
      i = close + 2
      continue
    }
    if (char === '`') throw refuse('a template literal (the stripper does not read them)')
    if (gap > 0 && out.length > 0) {
      const last = out[out.length - 1] as string
      if (isWordChar(last) && isWordChar(char)) out += gap === 2 ? '\n' : ' '
      else if (last === char && (char === '+' || char === '-')) out += ' '
    }
    gap = 0
    if (char === '"' || char === "'") {
      let j = i + 1
      for (;;) {
        const c = source[j]
        if (c === undefined || c === '\n' || c === '\r') throw refuse('an unterminated string')
        if (c === char) break
        j += c === '\\' ? 2 : 1
      }
      out += source.slice(i, j + 1)
      i = j + 1
      continue
    }
    out += char
    i++
  }
  return out
}
