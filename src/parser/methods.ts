/**
 * The request methods netserv recognises: those of RFC 9110 and the registered extension
 * methods that Node's llhttp accepts over HTTP/1.x. A well-formed method outside this list is
 * answered 501 (RFC 9110 section 9.1), so the engine never hands a handler a method nobody
 * registered; the parser returns these exact string constants, so a method costs no decoding.
 */
export const METHODS: readonly string[] = [
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
  'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK',
  'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE',
  'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PURGE', 'MKCALENDAR', 'LINK', 'UNLINK',
  'SOURCE', 'QUERY',
]

/** Index of CONNECT in {@link METHODS}: its target is an authority and it has no body. */
export const CONNECT_METHOD = 5
/** Index of HEAD in {@link METHODS}: a response to it carries no body. */
export const HEAD_METHOD = 1
/** Index of OPTIONS in {@link METHODS}: the only method that may use the `*` target. */
export const OPTIONS_METHOD = 6

/** The longest method in the list; a longer token cannot be one of them. */
export const MAX_METHOD_LENGTH = METHODS.reduce((longest, method) => Math.max(longest, method.length), 0)

// Methods bucketed by length, as byte arrays, so a lookup compares only same-length candidates.
const byLength: Array<Array<{ bytes: Uint8Array; index: number }>> = []
for (let index = 0; index < METHODS.length; index++) {
  const method = METHODS[index] as string
  const bucket = byLength[method.length] ?? (byLength[method.length] = [])
  bucket.push({ bytes: Buffer.from(method, 'latin1'), index })
}

/**
 * The index in {@link METHODS} of the method spelled by `buf[start..end)`, or -1. Methods are
 * case-sensitive (RFC 9110 section 9.1): `get` is not `GET`.
 */
export function lookupMethod(buf: Uint8Array, start: number, end: number): number {
  const bucket = byLength[end - start]
  if (bucket === undefined) return -1
  for (let candidate = 0; candidate < bucket.length; candidate++) {
    const { bytes, index } = bucket[candidate] as { bytes: Uint8Array; index: number }
    let offset = 0
    while (offset < bytes.length && bytes[offset] === buf[start + offset]) offset++
    if (offset === bytes.length) return index
  }
  return -1
}

/**
 * How many leading bytes of `bytes` are the start of some known method (the whole length when
 * `bytes` is itself a prefix of one). Only used to point at the offending byte of a refusal.
 */
export function knownMethodPrefix(bytes: Uint8Array): number {
  let longest = 0
  for (const method of METHODS) {
    let length = 0
    while (length < bytes.length && length < method.length && bytes[length] === method.charCodeAt(length)) length++
    if (length > longest) longest = length
  }
  return longest
}
