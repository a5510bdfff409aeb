import { isFieldValue } from '../buffers/byte-classes.js'
import { ErrorCode, NetservError } from '../errors.js'
import { chunkedFrame, Framing } from './framing.js'
import type { PushMessage } from './push-message.js'

/** How a {@link ChunkedFraming} labels its streams. */
export interface ChunkedFramingOptions {
  /**
   * The response's `Content-Type`. Default `text/plain; charset=utf-8`, which a streaming
   * `fetch` or XHR reads as text. A message's own `contentType` is not used: a raw stream has
   * one type, set in the head before any message.
   */
  contentType?: string | undefined
}

const DEFAULT_CONTENT_TYPE = 'text/plain; charset=utf-8'

/**
 * A raw stream: each message's data goes out as is, and nothing marks where one ends, so the
 * client sees one byte stream. On HTTP/1.1 each message is one chunk (the chunked variant);
 * on HTTP/1.0 the body is close-delimited.
 *
 * An empty message is skipped, not refused: it adds no byte to the stream, so its frame is an
 * empty Buffer in both variants. As a chunk it would be the last chunk `0\r\n\r\n` and end the
 * response, so it must never be written as one; and refusing it would make one empty publish
 * fail a broadcast to every transport.
 *
 * No heartbeat: any byte written would become part of the client's data. A proxy that cuts
 * idle streams needs the application to send something its client understands.
 *
 * `X-Content-Type-Options: nosniff` keeps Chromium from holding back the first 512 bytes
 * of a text/plain stream to sniff its type.
 */
export class ChunkedFraming extends Framing {
  /**
   * @throws NetservError `NETSERV_INVALID_RESPONSE_HEADER` for a `contentType` that is empty or
   *   holds a character a header field may not
   */
  constructor(options: ChunkedFramingOptions = {}) {
    const { contentType = DEFAULT_CONTENT_TYPE } = options
    if (contentType.length === 0 || !isFieldValue(contentType)) {
      throw new NetservError(ErrorCode.INVALID_RESPONSE_HEADER, 'contentType must be a non-empty header field value')
    }
    super('chunked', 'chunked', contentType, { 'X-Content-Type-Options': 'nosniff' }, null, null, null)
  }

  /**
   * The message's data: plain, the data Buffer itself (no copy); chunked, one chunk holding
   * it. An empty Buffer for empty data.
   */
  encode(message: PushMessage, chunked = false): Buffer {
    return chunked ? chunkedFrame(message.data) : message.data
  }
}
