import type { PushMessage } from './push-message.js'

/**
 * What every push transport (chunked, multipart, SSE, iframe) gives the stream that carries
 * it: the response headers it needs, and the exact bytes of each thing it writes. Encoding
 * lives here; sockets, timing and fan-out live in the stream.
 *
 * Every frame comes in two variants of one Buffer each:
 * - plain: the transport's bytes, for a close-delimited HTTP/1.0 body;
 * - chunked: the same bytes inside one HTTP/1.1 chunk, `<hex size>\r\n<bytes>\r\n`
 *   (RFC 9112 section 7.1), so writing a frame is always one `write` of one Buffer.
 *
 * Invariants the stream relies on:
 * - Nothing here produces the last chunk (`0\r\n\r\n`) except {@link closeFrame}: an empty
 *   frame is an empty Buffer in both variants, never a zero-size chunk, which would end the
 *   response early.
 * - The preamble, heartbeat and close frames are encoded once, when the framing is built, and
 *   the same Buffers are returned for its whole life. Message frames are cached on the
 *   {@link PushMessage} ({@link PushMessage.frame}) per {@link Framing.frameKey}: streams whose
 *   framings share a key share the bytes.
 * - Every Buffer returned is shared: pass it to `socket.write`, never modify it.
 */
export abstract class Framing {
  /** The transport's name: `chunked`, `multipart`, `sse`, `iframe`. */
  readonly name: string
  /**
   * Framings with the same key encode every message to the same bytes, whatever else differs
   * between them (a preamble, the response's Content-Type): {@link PushMessage.frame} caches
   * per key, so streams built with differently configured framings of one kind still share
   * each message's frames. An SSE framing's key is `sse`; a multipart framing's holds its
   * boundary, an iframe framing's its callback.
   */
  readonly frameKey: string
  /**
   * The response headers the transport needs, ready for `Response.writeHead(200, headers)`:
   * `Content-Type`, `Cache-Control: no-cache` (RFC 9111 section 5.2.2.4: nothing may serve a
   * stored copy of a live stream), `X-Accel-Buffering: no` (nginx and its kin would otherwise
   * buffer the stream until it ends), and whatever the transport adds.
   */
  readonly headers: Readonly<Record<string, string>>
  /** Bytes written right after the head, before any message; null when none. */
  readonly preamble: Buffer | null
  /** Bytes that keep an idle stream alive without meaning anything to the client; null when the transport has none. */
  readonly heartbeat: Buffer | null
  /** Bytes that end the transport's document on a clean close; null when none. */
  readonly terminator: Buffer | null
  readonly #chunkedPreamble: Buffer | null
  readonly #chunkedHeartbeat: Buffer | null
  /** The terminator as a chunk, then the last chunk: a clean close is one write. */
  readonly #chunkedClose: Buffer

  constructor(
    name: string,
    frameKey: string,
    contentType: string,
    extraHeaders: Readonly<Record<string, string>> | null,
    preamble: Buffer | null,
    heartbeat: Buffer | null,
    terminator: Buffer | null,
  ) {
    this.name = name
    this.frameKey = frameKey
    this.headers = Object.freeze({
      'Content-Type': contentType,
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      ...extraHeaders,
    })
    this.preamble = emptyToNull(preamble)
    this.heartbeat = emptyToNull(heartbeat)
    this.terminator = emptyToNull(terminator)
    this.#chunkedPreamble = this.preamble === null ? null : chunkedFrame(this.preamble)
    this.#chunkedHeartbeat = this.heartbeat === null ? null : chunkedFrame(this.heartbeat)
    this.#chunkedClose =
      this.terminator === null ? LAST_CHUNK : Buffer.concat([chunkedFrame(this.terminator), LAST_CHUNK])
  }

  /**
   * The frame of `message` as a new Buffer: its transport bytes, chunk-wrapped when `chunked`
   * (default false).
   * Streams call {@link PushMessage.frame}, which caches this; call it directly only to
   * bypass the cache. An empty frame is an empty Buffer (write nothing).
   * @throws NetservError when the transport cannot carry the message (see each framing)
   */
  abstract encode(message: PushMessage, chunked?: boolean): Buffer

  /** {@link preamble}, chunk-wrapped when `chunked`; the same Buffer on every call. */
  preambleFrame(chunked: boolean): Buffer | null {
    return chunked ? this.#chunkedPreamble : this.preamble
  }

  /** {@link heartbeat}, chunk-wrapped when `chunked`; the same Buffer on every call. */
  heartbeatFrame(chunked: boolean): Buffer | null {
    return chunked ? this.#chunkedHeartbeat : this.heartbeat
  }

  /**
   * What to write on a clean close, the same Buffer on every call. Plain: the
   * {@link terminator} (null when none; then closing the connection ends the body). Chunked:
   * the terminator's chunk followed by the last chunk `0\r\n\r\n`, never null: it ends the
   * response, so write it straight to the connection instead of ending through
   * `Response.end()`, which would write a second last chunk.
   */
  closeFrame(chunked: boolean): Buffer | null {
    return chunked ? this.#chunkedClose : this.terminator
  }
}

/** The last chunk with no trailer section (RFC 9112 section 7.1): ends a chunked body. */
export const LAST_CHUNK: Buffer = Buffer.from('0\r\n\r\n', 'latin1')

const EMPTY: Buffer = Buffer.alloc(0)

const CR = 0x0d
const LF = 0x0a
/** `0-9a-f` as bytes. */
const HEX_DIGITS: Uint8Array = Buffer.from('0123456789abcdef', 'latin1')

function emptyToNull(bytes: Buffer | null): Buffer | null {
  return bytes === null || bytes.length === 0 ? null : bytes
}

/**
 * Bytes a chunk adds before `bodyBytes` of data: the size in hex and CRLF. No chunk
 * extensions, no leading zeros.
 */
function chunkHeadBytes(bodyBytes: number): number {
  // The hex digits of a positive integer: one per 4 bits. Math.clz32 covers frames < 4 GiB,
  // far beyond anything Buffer.allocUnsafe is asked for here.
  return ((35 - Math.clz32(bodyBytes)) >>> 2) + 2
}

/**
 * Allocates the Buffer of one frame whose transport bytes are `bodyBytes` long, and returns
 * it with the chunk head and tail already written when `chunked`. The caller writes exactly
 * `bodyBytes` bytes from {@link frameStart}`(bodyBytes, chunked)`. `bodyBytes` must be > 0:
 * callers return an empty Buffer for an empty frame.
 *
 * This and {@link frameStart} are the one place that knows the chunk layout besides
 * {@link chunkedFrame}; framings use them so a chunked frame is built in one allocation.
 */
export function allocateFrame(bodyBytes: number, chunked: boolean): Buffer {
  if (!chunked) return Buffer.allocUnsafe(bodyBytes)
  const head = chunkHeadBytes(bodyBytes)
  const frame = Buffer.allocUnsafe(head + bodyBytes + 2)
  // A few digits: a loop beats a native string write, and allocates no string.
  let rest = bodyBytes
  for (let at = head - 3; at >= 0; at--) {
    frame[at] = HEX_DIGITS[rest & 15] as number
    rest >>>= 4
  }
  frame[head - 2] = CR
  frame[head - 1] = LF
  frame[head + bodyBytes] = CR
  frame[head + bodyBytes + 1] = LF
  return frame
}

/** Where the transport bytes start in a frame from {@link allocateFrame}. */
export function frameStart(bodyBytes: number, chunked: boolean): number {
  return chunked ? chunkHeadBytes(bodyBytes) : 0
}

/**
 * `bytes` as one HTTP/1.1 chunk, `<hex size>\r\n<bytes>\r\n`, in a new Buffer. Empty input
 * gives an empty Buffer, never `0\r\n\r\n` (which would end the body).
 */
export function chunkedFrame(bytes: Uint8Array): Buffer {
  const length = bytes.length
  if (length === 0) return EMPTY
  const frame = allocateFrame(length, true)
  frame.set(bytes, chunkHeadBytes(length))
  return frame
}
