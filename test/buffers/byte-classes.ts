import t from 'tap'
import { FIELD_VALUE, isFieldValue, isToken, TOKEN } from '../../src/buffers/byte-classes.js'

// An oracle written from the RFC grammar, independent of how the tables are filled.
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/

t.test('TOKEN is exactly RFC 9110 tchar', async (t) => {
  t.equal(TOKEN.length, 256)
  let members = 0
  for (let byte = 0; byte < 256; byte++) {
    const expected = TCHAR.test(String.fromCharCode(byte)) ? 1 : 0
    if (TOKEN[byte] !== expected) t.fail(`byte 0x${byte.toString(16)}`)
    members += expected
  }
  t.equal(members, 15 + 10 + 52, 'symbols + digits + letters')
  for (const separator of '"(),/:;<=>?@[\\]{} \t') t.equal(TOKEN[separator.charCodeAt(0)], 0, separator)
})

t.test('FIELD_VALUE is field-vchar, SP and HTAB', async (t) => {
  t.equal(FIELD_VALUE.length, 256)
  for (let byte = 0; byte < 256; byte++) {
    const expected = byte === 0x09 || (byte >= 0x20 && byte <= 0x7e) || byte >= 0x80 ? 1 : 0
    if (FIELD_VALUE[byte] !== expected) t.fail(`byte 0x${byte.toString(16)}`)
  }
  t.equal(FIELD_VALUE[0x0d], 0, 'CR')
  t.equal(FIELD_VALUE[0x0a], 0, 'LF')
  t.equal(FIELD_VALUE[0x00], 0, 'NUL')
  t.equal(FIELD_VALUE[0x7f], 0, 'DEL')
})

t.test('the string checks agree with the tables on every code unit', async (t) => {
  let disagreements = 0
  for (let unit = 0; unit <= 0xffff; unit++) {
    const char = String.fromCharCode(unit)
    const token = unit <= 0xff && TOKEN[unit] === 1
    const fieldValue = unit <= 0xff && FIELD_VALUE[unit] === 1
    // Alone, and in the middle of an otherwise valid string.
    if (isToken(char) !== token || isToken(`ab${char}cd`) !== token) disagreements++
    if (isFieldValue(char) !== fieldValue || isFieldValue(`ab${char}cd`) !== fieldValue) disagreements++
  }
  t.equal(disagreements, 0)
})

t.test('isToken', async (t) => {
  t.equal(isToken('Content-Type'), true)
  t.equal(isToken("x!#$%&'*+-.^_`|~9"), true)
  t.equal(isToken(''), false, 'a token has at least one tchar')
  t.equal(isToken('Bad Name'), false)
  t.equal(isToken('Name:'), false)
  t.equal(isToken('X-\r\nInjected'), false)
  t.equal(isToken('Name\n'), false, 'a trailing LF is not ignored')
  t.equal(isToken('caf\u00e9'), false, 'obs-text is not a tchar')
  // 0x141 & 0xff is 'A': a latin1 writer would turn it into a tchar.
  t.equal(isToken('\u0141'), false, 'units above 0xff are rejected, not truncated')
})

t.test('isFieldValue', async (t) => {
  t.equal(isFieldValue(''), true)
  t.equal(isFieldValue('text/plain; charset=utf-8'), true)
  t.equal(isFieldValue(' a\tb '), true, 'SP and HTAB, OWS included')
  t.equal(isFieldValue('caf\u00e9'), true, 'obs-text')
  t.equal(isFieldValue('a\r\nSet-Cookie: x=1'), false)
  t.equal(isFieldValue('a\nb'), false)
  t.equal(isFieldValue('value\n'), false, 'a trailing LF is not ignored')
  t.equal(isFieldValue('value\r\n'), false)
  t.equal(isFieldValue('a\u0000'), false)
  t.equal(isFieldValue('a\u007f'), false)
  // The classic latin1 smuggling pair: low bytes 0x0d 0x0a.
  t.equal(isFieldValue('a\u010d\u010aSet-Cookie: x=1'), false)
  t.equal(isFieldValue('\u20ac'), false)
})
