/**
 * Byte classes of HTTP fields as 256-entry lookup tables: `TABLE[byte] === 1` when the byte
 * belongs to the class. One indexed load per byte, no branches on ranges; the parser and the
 * writer share them so both sides agree on what a header may contain.
 *
 * The tables are module-level and never change after load; treat them as read-only (a
 * `Uint8Array` cannot be frozen).
 */

/**
 * RFC 9110 section 5.6.2 `tchar`: the bytes of a `token` (field names, methods).
 *
 * ```
 * tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 * ```
 */
export const TOKEN: Uint8Array = new Uint8Array(256)

/**
 * RFC 9110 section 5.5 bytes allowed inside a field value: `field-vchar` (VCHAR / obs-text)
 * plus SP and HTAB. Excludes CR, LF, NUL and the other controls, so a value that passes
 * cannot end a header line early (header injection, response splitting).
 */
export const FIELD_VALUE: Uint8Array = new Uint8Array(256)

for (let byte = 0x30; byte <= 0x39; byte++) TOKEN[byte] = 1
for (let byte = 0x41; byte <= 0x5a; byte++) TOKEN[byte] = 1
for (let byte = 0x61; byte <= 0x7a; byte++) TOKEN[byte] = 1
for (const char of "!#$%&'*+-.^_`|~") TOKEN[char.charCodeAt(0)] = 1

for (let byte = 0x21; byte <= 0x7e; byte++) FIELD_VALUE[byte] = 1
for (let byte = 0x80; byte <= 0xff; byte++) FIELD_VALUE[byte] = 1
FIELD_VALUE[0x20] = 1
FIELD_VALUE[0x09] = 1

/*
 * The string checks below use regexes equivalent to the tables (a test checks every code
 * unit): on a JS string V8's compiled regex is as fast as a charCodeAt loop over a table for
 * short strings and 2-3x faster for long ones (bench/header-validation.bench.ts). The tables
 * are for bytes already in a Buffer, where there is no string to match.
 */
const TOKEN_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FIELD_VALUE_PATTERN = /^[\t\x20-\x7e\x80-\xff]*$/

/**
 * Whether `name` is a non-empty RFC 9110 token, i.e. a valid field name. Works on the UTF-16
 * code units of a JS string: any unit above 0xff is rejected.
 */
export function isToken(name: string): boolean {
  return TOKEN_PATTERN.test(name)
}

/**
 * Whether every code unit of `value` is allowed in a field value (may be empty).
 *
 * Units above 0xff are rejected, not just CR and LF: the head writer encodes strings as latin1,
 * which keeps the low byte of each unit, so `'\u010d\u010a'` would be written as CR LF.
 * Leading and trailing SP/HTAB pass: recipients strip them as OWS (RFC 9110 section 5.5).
 */
export function isFieldValue(value: string): boolean {
  return FIELD_VALUE_PATTERN.test(value)
}
