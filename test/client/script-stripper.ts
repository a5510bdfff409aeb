import { runInNewContext } from 'node:vm'
import t from 'tap'
import { stripScript } from '../../src/client/script-stripper.js'

const INVALID = { code: 'NETSERV_INVALID_ARGUMENT' }

t.test('comments and layout go; strings stay byte for byte', async (t) => {
  const source = [
    '/** A doc comment. */',
    'const a = 1; // a line comment',
    "const s = 'it\\'s // not a comment /* nor this */'",
    'const d = "say \\"hi\\" \\\\"',
    '/* block */ function f(x, y) {',
    '    return x + y',
    '}',
    '//# sourceMappingURL=netserv.js.map',
  ].join('\n')
  t.equal(
    stripScript(source),
    "const a=1;const s='it\\'s // not a comment /* nor this */'\nconst d=\"say \\\"hi\\\" \\\\\"\nfunction f(x,y){return x+y}",
  )
})

t.test('a separator stays only where tokens would merge', async (t) => {
  t.equal(stripScript('let  x = y   in z'), 'let x=y in z', 'between word characters: one space')
  t.equal(stripScript('a + +b; c - -d; e + -f; g - +h'), 'a+ +b;c- -d;e+-f;g-+h', '+ + and - - would become ++ and --')
  t.equal(stripScript('return\n  value'), 'return\nvalue', 'a line break between words stays one: ASI reads it')
  t.equal(stripScript('a /* x\n y */ b'), 'a\nb', 'a block comment holding a line break counts as one')
  t.equal(stripScript('a /* x */ b'), 'a b')
  t.equal(stripScript('a // x\nb'), 'a\nb')
  t.equal(stripScript('x\r\n\ty\r'), 'x\ny', 'CR and tab are whitespace')
  t.equal(stripScript('f(a,\n b\n)\n[c]\n{ d;\n}\n}'), 'f(a,b)\n[c]\n{d;}}', 'line breaks ASI never needs go')
  t.equal(stripScript('a\n+ b'), 'a\n+b', 'others stay')
  t.equal(stripScript('  \n  '), '', 'nothing but layout')
  t.equal(stripScript('é = 1; ü in o'), 'é=1;ü in o', 'non-ASCII identifier characters are word characters')
  t.equal(stripScript("'a\\\nb'"), "'a\\\nb'", 'an escaped line break inside a string is the string')
})

t.test('what it cannot read is refused, not misread', async (t) => {
  t.throws(() => stripScript('const s = `x`'), INVALID, 'a template literal')
  t.throws(() => stripScript("const s = 'open"), INVALID, 'an unterminated string')
  t.throws(() => stripScript('const s = "line\nbreak"'), INVALID, 'a line break in a string')
  t.throws(() => stripScript('a /* never closed'), INVALID, 'an unterminated block comment')
})

t.test('the stripped code computes what the original does', async (t) => {
  const source = `
    // sums, and a string with markers in it
    function sum(list) {
      let total = 0
      for (const n of list) total += n
      return total
    }
    const label = 'total: /* kept */ ' // trailing
    result = label + sum([1, 2, 3]) + ' ' + (5 - -2) + (+'4' + +'1')
  `.replaceAll('`', '')
  const original: { result?: string } = {}
  const stripped: { result?: string } = {}
  runInNewContext(source, original)
  runInNewContext(stripScript(source), stripped)
  t.equal(stripped.result, 'total: /* kept */ 6 75')
  t.equal(stripped.result, original.result)
})
