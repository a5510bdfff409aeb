/**
 * 256-entry byte tables for the grammar of RFC 9110 and RFC 9112. A table lookup is one load;
 * the parser's inner loops scan with them instead of comparing ranges.
 */

function table(accepts: (byte: number) => boolean): Uint8Array {
  const bytes = new Uint8Array(256)
  for (let byte = 0; byte < 256; byte++) bytes[byte] = accepts(byte) ? 1 : 0
  return bytes
}

function isAlphaNumeric(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
}

// tchar and field-value bytes are shared with the response side, which validates what it
// writes by the same tables: one definition, in the lower layer.
export { FIELD_VALUE, TOKEN } from '../buffers/byte-classes.js'

/**
 * Bytes of a request-target: visible ASCII only (RFC 9112 section 3.2 builds every form from
 * URI characters). Strict llhttp also refuses raw UTF-8 here, so do we.
 */
export const TARGET: Uint8Array = table((byte) => byte >= 0x21 && byte <= 0x7e)

/**
 * Bytes of an RFC 3986 authority except `@` (which may appear once, checked apart):
 * unreserved, sub-delims, `:`, `%`, `[` and `]`. Everything else visible (`" # < > \ ^ ` { | }`)
 * is what host-confusion attacks put there, and what Node's llhttp refuses.
 */
export const AUTHORITY: Uint8Array = table(
  (byte) => isAlphaNumeric(byte) || "-._~!$&'()*+,;=:%[]".includes(String.fromCharCode(byte)),
)

/** `qdtext` of a quoted-string (RFC 9110 section 5.6.4), used by chunk extensions. */
export const QUOTED_TEXT: Uint8Array = table(
  (byte) => byte === 0x09 || byte === 0x20 || byte === 0x21 || (byte >= 0x23 && byte <= 0x5b) ||
    (byte >= 0x5d && byte <= 0x7e) || byte >= 0x80,
)

/** The value of a hex digit, or 255 for any other byte (chunk sizes, RFC 9112 section 7.1). */
export const HEX_VALUE: Uint8Array = (() => {
  const values = new Uint8Array(256).fill(255)
  for (let digit = 0; digit < 10; digit++) values[0x30 + digit] = digit
  for (let letter = 0; letter < 6; letter++) {
    values[0x41 + letter] = 10 + letter
    values[0x61 + letter] = 10 + letter
  }
  return values
})()

/** ASCII lower case of each byte; other bytes map to themselves. Field names compare through it. */
export const LOWER: Uint8Array = (() => {
  const lower = new Uint8Array(256)
  for (let byte = 0; byte < 256; byte++) lower[byte] = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte
  return lower
})()
