import { isFieldValue } from '../buffers/byte-classes.js'
import { ErrorCode, NetservError } from '../errors.js'
import type { Framing } from './framing.js'

/** What a {@link PushMessage} is built from. */
export interface PushMessageInit {
  /** The payload: a string is encoded as UTF-8; a Uint8Array is kept as is, not copied. */
  data: string | Uint8Array
  /** The event's id: SSE `id:`, what a client resumes from. At most {@link MAX_EVENT_ID_LENGTH} characters. */
  id?: string | undefined
  /** The event's type: SSE `event:`. */
  event?: string | undefined
  /** The payload's media type where the transport carries one (a multipart part's `Content-Type`). */
  contentType?: string | undefined
  /** The hub channel it was published on: a label that framings leave out (long-poll replies carry it). */
  channel?: string | undefined
}

/**
 * The longest id a message may carry, in UTF-16 code units. Clients echo the id back in
 * `Last-Event-ID` on reconnect, and {@link lastEventIdOf} refuses longer values, so a longer
 * id could never be resumed from.
 */
export const MAX_EVENT_ID_LENGTH = 256

/**
 * CR and LF would end an SSE field line early and let the rest pose as fields of its own
 * (WHATWG HTML "event stream interpretation"); the parser ignores an `id` holding NUL.
 */
const UNSAFE_EVENT_FIELD = /[\r\n\0]/

/** The frames of one message under one {@link Framing.frameKey}, encoded when first asked for. */
class FrameCache {
  readonly frameKey: string
  plain: Buffer | null = null
  chunked: Buffer | null = null

  constructor(frameKey: string) {
    this.frameKey = frameKey
  }
}

let totalEncodeCount = 0

/**
 * One message to push: its data as UTF-8 bytes, with an optional id, event type and content
 * type, checked when built so that no transport can be made to carry a field that breaks out
 * of its frame.
 *
 * A message encodes itself once per kind of framing and variant ({@link frame}) and keeps
 * the Buffers while it lives, so a broadcast to any number of streams builds each frame once
 * and writes the same Buffer to all. A message kept for replay keeps its frames too: a
 * retention ring of N messages holds up to N frames per framing and variant in use.
 *
 * The data of a message built from a Uint8Array is a view of the caller's bytes: modifying
 * them afterwards corrupts every frame not yet encoded.
 */
export class PushMessage {
  /** The event's id, or undefined: no CR, LF or NUL, at most {@link MAX_EVENT_ID_LENGTH} characters. */
  readonly id: string | undefined
  /** The event's type, or undefined: no CR, LF or NUL. */
  readonly event: string | undefined
  /** The payload's media type, or undefined: a valid header field value. */
  readonly contentType: string | undefined
  /** The hub channel it was published on, or undefined. */
  readonly channel: string | undefined
  /** The string the message was built from; null when built from bytes. */
  readonly #source: string | null
  #data: Buffer | null
  #text: string | null = null
  #encodeCount = 0
  /** Nearly every message is framed by one kind of framing: it needs no Map. */
  #first: FrameCache | null = null
  #more: Map<string, FrameCache> | null = null

  /**
   * @throws NetservError `NETSERV_INVALID_EVENT_FIELD` when `id` or `event` holds CR, LF or
   *   NUL, or `id` is longer than {@link MAX_EVENT_ID_LENGTH}; `NETSERV_INVALID_RESPONSE_HEADER`
   *   when `contentType` is empty or holds a character a header field may not (RFC 9110
   *   section 5.5)
   */
  constructor(init: PushMessageInit) {
    const { data, id, event, contentType, channel } = init
    if (id !== undefined) {
      if (UNSAFE_EVENT_FIELD.test(id)) throw invalidField('id', 'CR, LF or NUL')
      if (id.length > MAX_EVENT_ID_LENGTH) throw invalidField('id', `more than ${MAX_EVENT_ID_LENGTH} characters`)
    }
    if (event !== undefined && UNSAFE_EVENT_FIELD.test(event)) throw invalidField('event', 'CR, LF or NUL')
    if (contentType !== undefined && (contentType.length === 0 || !isFieldValue(contentType))) {
      throw new NetservError(
        ErrorCode.INVALID_RESPONSE_HEADER,
        'a push message contentType must be a non-empty header field value',
      )
    }
    if (typeof data === 'string') {
      // Encoded when a framing first needs bytes: SSE and iframe frames are built from the
      // string, so a message only they carry is never encoded on its own.
      this.#source = data
      this.#data = null
    } else {
      this.#source = null
      this.#data = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    }
    this.id = id
    this.event = event
    this.contentType = contentType
    this.channel = channel
  }

  /**
   * How many frames have been encoded, for every message since the process started: a test
   * reads it before and after a broadcast to prove the broadcast encoded once per framing.
   */
  static get encodeCount(): number {
    return totalEncodeCount
  }

  /** How many frames this message has encoded (one per framing key and variant used). */
  get encodeCount(): number {
    return this.#encodeCount
  }

  /** The payload as UTF-8 bytes (a string is encoded on first use, once). Shared: never modify it. */
  get data(): Buffer {
    return (this.#data ??= Buffer.from(this.#source as string, 'utf8'))
  }

  /**
   * The string the message was built from, or null when it was built from bytes. Framings
   * that write text build their frames from it; its UTF-8 encoding is {@link data}.
   */
  get source(): string | null {
    return this.#source
  }

  /**
   * The payload as a string: the one it was built from, else the bytes decoded as UTF-8
   * (invalid sequences become U+FFFD), decoded once.
   */
  get text(): string {
    return (this.#text ??= this.#source ?? this.data.toString('utf8'))
  }

  /**
   * The bytes `framing` writes for this message, chunk-wrapped when `chunked`: encoded on the
   * first call for this {@link Framing.frameKey} and variant, the same Buffer on every call
   * after (so on every stream whose framing has that key).
   * Shared by every stream: write it, never modify it. An empty Buffer means write nothing.
   * @throws NetservError when the framing cannot carry this message; nothing is cached then
   */
  frame(framing: Framing, chunked = false): Buffer {
    const cache = this.#cacheFor(framing.frameKey)
    const cached = chunked ? cache.chunked : cache.plain
    if (cached !== null) return cached
    const encoded = framing.encode(this, chunked)
    if (chunked) cache.chunked = encoded
    else cache.plain = encoded
    this.#encodeCount++
    totalEncodeCount++
    return encoded
  }

  #cacheFor(frameKey: string): FrameCache {
    const first = this.#first
    if (first === null) return (this.#first = new FrameCache(frameKey))
    if (first.frameKey === frameKey) return first
    const more = (this.#more ??= new Map())
    let cache = more.get(frameKey)
    if (cache === undefined) {
      cache = new FrameCache(frameKey)
      more.set(frameKey, cache)
    }
    return cache
  }
}

function invalidField(field: string, what: string): NetservError {
  return new NetservError(ErrorCode.INVALID_EVENT_FIELD, `a push message ${field} may not hold ${what}`)
}
