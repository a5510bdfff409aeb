import type { Request } from '../server/request.js'
import { MAX_EVENT_ID_LENGTH } from './push-message.js'

/** CR and LF could never have been sent as an SSE id; browsers ignore an id holding NUL. */
const UNSAFE_ID = /[\r\n\0]/
/** Any unit above 0x7f in a latin1-decoded header: the header needs decoding as UTF-8. */
const NON_ASCII = /[^\x00-\x7f]/

/**
 * The id a reconnecting SSE client last saw, or undefined: the `Last-Event-ID` header
 * (EventSource sends it on every reconnect) when present and not empty, else the
 * `lastEventId` query parameter (a page's first connection, or a client that cannot set
 * headers). The header wins because the browser keeps it current while the URL stays as the
 * page first wrote it.
 *
 * A value holding CR, LF or NUL, or longer than {@link MAX_EVENT_ID_LENGTH}, is no id netserv
 * could have sent: undefined, and the client starts afresh. A header value is re-read as UTF-8
 * (browsers send the id UTF-8 encoded; the request decodes header bytes as latin1), so a
 * non-ASCII id comes back equal to the one published.
 */
export function lastEventIdOf(request: Pick<Request, 'header' | 'query'>): string | undefined {
  let id = request.header('last-event-id')
  if (id !== undefined && id.length > 0) {
    if (NON_ASCII.test(id)) id = Buffer.from(id, 'latin1').toString('utf8')
  } else {
    id = request.query.get('lastEventId') ?? undefined
    if (id === undefined || id.length === 0) return undefined
  }
  return id.length > MAX_EVENT_ID_LENGTH || UNSAFE_ID.test(id) ? undefined : id
}
