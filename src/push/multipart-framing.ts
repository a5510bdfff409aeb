import { randomBytes } from 'node:crypto'
import { isFieldValue } from '../buffers/byte-classes.js'
import { ErrorCode, NetservError } from '../errors.js'
import { allocateFrame, Framing, frameStart } from './framing.js'
import type { PushMessage } from './push-message.js'

/** How a {@link MultipartFraming} labels its parts. */
export interface MultipartFramingOptions {
  /** The `Content-Type` of a part whose message has none. Default `text/plain; charset=utf-8`. */
  contentType?: string | undefined
}

const DEFAULT_CONTENT_TYPE = 'text/plain; charset=utf-8'

/**
 * Random bytes in a boundary: 24 bytes are 32 base64url characters, 192 bits that nobody can
 * guess before the response head shows them.
 */
const BOUNDARY_RANDOM_BYTES = 24
/**
 * Starts every boundary. base64url may start with `--`, and Chromium takes a boundary that
 * starts with `--` to include the dashes of its delimiter (blink's
 * MultipartImageResourceParser), so a boundary must start with something else.
 */
const BOUNDARY_PREFIX = 'netserv-'

/**
 * `multipart/x-mixed-replace` (Netscape's server push, 1995): each message is one body part
 * that replaces the one before; what an `<img>` camera feed (MJPEG style) reads.
 *
 * ```
 * --<boundary>\r\n
 * Content-Type: <message contentType, or the framing's default>\r\n
 * Content-Length: <data bytes>\r\n
 * \r\n
 * <data>\r\n
 * ...                   the next part, then on a clean close:
 * --<boundary>--\r\n
 * ```
 *
 * Why this layout: every part opens with its own delimiter, so each frame stands alone and is
 * the same for every stream, however late it joined; there is no preamble. Read as RFC 2046
 * section 5.1.1, the body starts with a dash-boundary, the CRLF after each part's data is the
 * CRLF that starts the next delimiter (or the close delimiter), and the CRLF after the close
 * delimiter is an epilogue.
 *
 * What a browser shows when: Chromium (blink's MultipartImageResourceParser) ignores
 * Content-Length and ends a part only when it has parsed the headers of the next one, so an
 * `<img>` shows each part when the next one arrives (a still image shows once the stream ends
 * or the next part comes). No layout avoids that while parts carry their own headers; a
 * feed that needs the newest frame on screen at once sends each frame twice or keeps frames
 * coming. Content-Length is there for clients that end a part by its length (Firefox's
 * converter reads it; not checked here).
 *
 * One random boundary per framing instance (see {@link boundary}): streams sharing the
 * instance share its frames. A part whose data contains the boundary is refused with
 * `NETSERV_BOUNDARY_IN_PART`: RFC 2046 forbids the delimiter inside a part; Chromium searches
 * for `--<boundary>` anywhere in the data, not only after a CRLF, and its comments say Gecko
 * does not even require the dashes, so the bare boundary is refused wherever it appears. Since the boundary is random and unknown until the
 * response head is sent, only a publisher that read it from an earlier response can trip this.
 *
 * No heartbeat: a part would replace what the client shows, and bytes between parts would be
 * read as the end of the current part's data.
 */
export class MultipartFraming extends Framing {
  /**
   * The boundary, without its leading dashes: `netserv-` and 32 base64url characters (letters,
   * digits, `-`, `_`: in both RFC 2046 `bcharsnospace` and RFC 9110 `tchar`, so it needs no
   * quoting in Content-Type).
   */
  readonly boundary: string
  readonly #boundaryBytes: Buffer
  readonly #defaultContentType: string

  /**
   * @throws NetservError `NETSERV_INVALID_RESPONSE_HEADER` for a `contentType` that is empty or
   *   holds a character a header field may not
   */
  constructor(options: MultipartFramingOptions = {}) {
    const { contentType = DEFAULT_CONTENT_TYPE } = options
    if (contentType.length === 0 || !isFieldValue(contentType)) {
      throw new NetservError(ErrorCode.INVALID_RESPONSE_HEADER, 'contentType must be a non-empty header field value')
    }
    const boundary = BOUNDARY_PREFIX + randomBytes(BOUNDARY_RANDOM_BYTES).toString('base64url')
    super(
      'multipart',
      `multipart;${boundary};${contentType}`,
      `multipart/x-mixed-replace; boundary=${boundary}`,
      null,
      null,
      null,
      Buffer.from(`--${boundary}--\r\n`, 'latin1'),
    )
    this.boundary = boundary
    this.#boundaryBytes = Buffer.from(boundary, 'latin1')
    this.#defaultContentType = contentType
  }

  /**
   * The part of `message` (see the class).
   * @throws NetservError `NETSERV_BOUNDARY_IN_PART` when the data contains the boundary
   */
  encode(message: PushMessage, chunked = false): Buffer {
    const data = message.data
    if (data.indexOf(this.#boundaryBytes) >= 0) {
      throw new NetservError(ErrorCode.BOUNDARY_IN_PART, 'a multipart part may not contain the boundary')
    }
    // Latin1 is exact: PushMessage and the constructor admit only field-value characters.
    const head = `--${this.boundary}\r\nContent-Type: ${message.contentType ?? this.#defaultContentType}\r\nContent-Length: ${data.length}\r\n\r\n`
    const bodyBytes = head.length + data.length + 2
    const frame = allocateFrame(bodyBytes, chunked)
    let at = frameStart(bodyBytes, chunked)
    at += frame.write(head, at, 'latin1')
    at += data.copy(frame, at)
    frame[at] = 0x0d
    frame[at + 1] = 0x0a
    return frame
  }
}
