import type { Request } from './request.js'

/** Receives what a handler threw (with its request), and server-level failures (request null). */
export type ErrorListener = (this: void, error: unknown, request: Request | null) => void

/** The default listener: a process warning, so nothing is lost silently and nothing crashes. */
export function warn(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)))
}

/** Hands `error` to `listener`; a listener that throws is itself reported as a warning, never to the caller. */
export function report(listener: ErrorListener, error: unknown, request: Request | null): void {
  try {
    listener(error, request)
  } catch (thrown) {
    warn(thrown)
  }
}
