import t from 'tap'
import { FIELD_VALUE, HEX_VALUE, LOWER, QUOTED_TEXT, TARGET, TOKEN } from '../../src/parser/byte-classes.js'

const members = (table: Uint8Array): string =>
  Array.from({ length: 256 }, (_, byte) => byte).filter((byte) => table[byte] === 1).map((byte) => String.fromCharCode(byte)).join('')

t.test('tchar is exactly RFC 9110 section 5.6.2', async (t) => {
  t.equal(members(TOKEN), "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~")
})

t.test('targets are visible ASCII', async (t) => {
  t.equal(members(TARGET).length, 0x7e - 0x21 + 1)
  for (const byte of [0x00, 0x09, 0x20, 0x7f, 0x80, 0xff]) t.equal(TARGET[byte], 0, `0x${byte.toString(16)}`)
})

t.test('field values: HTAB, SP, VCHAR, obs-text; no CTL, no DEL', async (t) => {
  t.equal(FIELD_VALUE[0x09], 1)
  t.equal(FIELD_VALUE[0x20], 1)
  t.equal(FIELD_VALUE[0x80], 1)
  t.equal(FIELD_VALUE[0xff], 1)
  for (const byte of [0x00, 0x0a, 0x0d, 0x0c, 0x1f, 0x7f]) t.equal(FIELD_VALUE[byte], 0, `0x${byte.toString(16)}`)
  t.equal(members(FIELD_VALUE).length, 1 + (0x7e - 0x20 + 1) + 128)
})

t.test('qdtext leaves out DQUOTE and backslash', async (t) => {
  t.equal(QUOTED_TEXT[0x22], 0)
  t.equal(QUOTED_TEXT[0x5c], 0)
  t.equal(QUOTED_TEXT[0x7f], 0)
  t.equal(QUOTED_TEXT[0x09], 1)
  t.equal(QUOTED_TEXT[0x61], 1)
})

t.test('hex values and lower case', async (t) => {
  t.same([...'09afAF'].map((c) => HEX_VALUE[c.charCodeAt(0)]), [0, 9, 10, 15, 10, 15])
  t.equal(HEX_VALUE['g'.charCodeAt(0)], 255)
  t.equal(String.fromCharCode(LOWER['Z'.charCodeAt(0)] as number), 'z')
  t.equal(LOWER['['.charCodeAt(0)], '['.charCodeAt(0))
  t.equal(LOWER[0xc0], 0xc0, 'only ASCII is folded')
})
