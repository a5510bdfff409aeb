/**
 * Who may publish through `/pub`: a client with the hub's bearer token when it has one
 * (RFC 6750 section 2.1), else only a client on this machine.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Request } from '../server/request.js'

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

/**
 * True when `request` carries `Authorization: Bearer <token>`. Compared in constant time, and
 * as SHA-256 digests so that the time does not tell the token's length either.
 */
export function hasBearerToken(request: Request, token: string): boolean {
  const match = BEARER.exec(request.header('authorization') ?? '')
  if (match === null) return false
  return timingSafeEqual(digest(match[1] as string), digest(token))
}

/** True for a peer on the loopback network: 127.0.0.0/8 or ::1, plain or IPv4-mapped. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
