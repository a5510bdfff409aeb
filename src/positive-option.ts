import { ErrorCode, NetservError } from './errors.js'

/**
 * `value`, or `fallback` when undefined: the check every count and duration option
 * (server, push stream, message log, hub) goes through.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` for a value that is not a positive integer
 */
export function positiveOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new NetservError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive integer, got ${value}`)
  }
  return value
}
