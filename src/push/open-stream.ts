import { ErrorCode, NetservError } from '../errors.js'
import type { Response } from '../server/response.js'
import { ChunkedFraming } from './chunked-framing.js'
import type { Framing } from './framing.js'
import { iframeFraming } from './iframe-framing.js'
import { MultipartFraming } from './multipart-framing.js'
import { PushStream, type PushStreamOptions } from './push-stream.js'
import { SseFraming } from './sse-framing.js'

/** The streaming transports; long-poll is not a stream (see ./long-poll.ts). */
export type StreamTransport = 'sse' | 'multipart' | 'iframe' | 'chunked'

/** Options of {@link openStream}: the stream's, and the transport's where it has any. */
export interface OpenStreamOptions extends PushStreamOptions {
  /** iframe: the function the page defines for messages, `parent.<callback>(message)`. Default `push`. */
  callback?: string
  /** multipart: the default part type; chunked: the stream's type. */
  contentType?: string
  /** sse: `retry:` sent first, in ms. */
  retryMs?: number
}

const sse = new SseFraming()
const chunkedText = new ChunkedFraming()
const multipartText = new MultipartFraming()
const multipartByType = new Map<string, MultipartFraming>()

/**
 * The framing for `transport`: shared instances, so streams of one kind share every frame.
 * @throws NetservError `NETSERV_INVALID_CALLBACK` (status 400) for an iframe callback that is
 *   not a dotted path of identifiers; `NETSERV_INVALID_ARGUMENT` for a transport that is not a
 *   {@link StreamTransport} (a name from a request, or plain JS, is checked, not guessed); the
 *   framing's own codes for its options
 */
export function framingFor(transport: StreamTransport, options: OpenStreamOptions = {}): Framing {
  switch (transport) {
    case 'sse':
      return options.retryMs === undefined ? sse : new SseFraming({ retryMs: options.retryMs })
    case 'iframe':
      return iframeFraming(options.callback ?? 'push')
    case 'chunked':
      return options.contentType === undefined ? chunkedText : new ChunkedFraming({ contentType: options.contentType })
    case 'multipart': {
      const type = options.contentType
      if (type === undefined) return multipartText
      let framing = multipartByType.get(type)
      if (framing === undefined) {
        framing = new MultipartFraming({ contentType: type })
        // A handful of part types in practice; bounded in case a client chooses them.
        if (multipartByType.size < 64) multipartByType.set(type, framing)
      }
      return framing
    }
    default:
      throw new NetservError(ErrorCode.INVALID_ARGUMENT, `unknown stream transport ${JSON.stringify(transport)}`)
  }
}

/**
 * Turns `response` into a push stream over `transport`: the head and the transport's preamble
 * go out now; `send` and `broadcast` push; heartbeats, write timeouts and slow readers are
 * handled.
 *
 * ```ts
 * const stream = openStream(res, 'sse', { heartbeatMs: 25_000 })
 * stream.send({ data: JSON.stringify(quote), id: String(seq) })
 * ```
 */
export function openStream(response: Response, transport: StreamTransport, options: OpenStreamOptions = {}): PushStream {
  return new PushStream(response, framingFor(transport, options), options)
}
