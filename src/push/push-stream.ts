import { ErrorCode, NetservError } from '../errors.js'
import { positiveOption } from '../positive-option.js'
import { addListener, callListeners, type ListenerList } from '../server/listener-list.js'
import type { Response, StreamHooks } from '../server/response.js'
import { defaultWheel, WheelEntry, type TimerWheel } from '../timers/timer-wheel.js'
import type { Framing } from './framing.js'
import { PushMessage, type PushMessageInit } from './push-message.js'

/** What happens to a stream whose reader cannot keep up. */
export type SlowReaderPolicy = 'disconnect' | 'drop-oldest'

/** Why a stream ended. */
export type PushCloseReason = 'closed' | 'aborted' | 'slow-reader' | 'write-timeout' | 'shutdown'

/**
 * Called once when a stream ends, with why and with the stream: one module-level function can
 * serve every stream (`function leave(reason, stream) { channel.delete(stream) }`), where a
 * closure per stream costs ~96 B each for the stream's life (bench/RESULTS.md).
 */
export type PushCloseListener = (this: void, reason: PushCloseReason, stream: PushStream) => void

/** Options of a {@link PushStream}; every one has a default fit for the open internet. */
export interface PushStreamOptions {
  /**
   * The longest a stream stays silent, in ms: a heartbeat frame is written once nothing else
   * was for heartbeatMs / 2 to heartbeatMs. Default 25 s: below the 30-60 s after which common
   * proxies and load balancers cut a silent connection.
   */
  heartbeatMs?: number
  /** How long a stream may stay backed up (its socket not draining) before it is cut, in ms. Default 30 s. */
  writeTimeoutMs?: number
  /** Bytes a stream may hold unwritten (socket buffer and queue) before the slow-reader policy acts. Default 1 MiB. */
  maxUnwrittenBytes?: number
  /**
   * `disconnect` (default): cut the stream; a resumable transport picks up from its last id on
   * reconnect. `drop-oldest`: drop the oldest queued frames to stay under the cap (for feeds
   * where only the latest matters: a camera, a quote).
   */
  slowReader?: SlowReaderPolicy
  /** The wheel for heartbeats and write timeouts; default the process-wide one. */
  wheel?: TimerWheel
  /**
   * End the stream cleanly once it has written this many bytes (the client reconnects and
   * resumes). For the forever-iframe: a browser keeps every script of the document. Default: no limit.
   */
  maxStreamBytes?: number
  /** End the stream cleanly once it is this old, in ms, by the wheel's clock. Default: no limit. */
  maxStreamMs?: number
}

/** Counters over every stream of the process, for `/stats`. */
export const pushStats = {
  /** Streams opened. */
  opened: 0,
  /** Streams open now. */
  open: 0,
  /** Frames handed to sockets. */
  framesWritten: 0,
  /** Bytes handed to sockets. */
  bytesWritten: 0,
  /** Streams cut because their reader fell too far behind (`maxUnwrittenBytes`) or stopped reading (the write timeout). */
  slowReadersDropped: 0,
  /** Frames dropped by the drop-oldest policy. */
  framesDropped: 0,
}

/**
 * Told to a resuming client whose missed messages are no longer all retained. Encoded per
 * replay through {@link Framing.encode}, never through its frame cache: a process-wide message
 * would keep a frame for every framing key it ever met, and iframe keys hold a callback the
 * client chooses.
 */
const GAP_MESSAGE = new PushMessage({ data: '', event: 'gap' })

// The stream's state in one small integer (#flags): the booleans (chunked among them), which
// timeout its wheel entry stands for (TIMER_WRITE set: a drain; clear: the next silence
// check), and why it ended.
const TIMER_WRITE = 1
const QUEUED = 1 << 1
const WROTE_SINCE_CHECK = 1 << 2
const CLOSED = 1 << 3
const CHUNKED = 1 << 4
const REASON_SHIFT = 5
const CLOSE_REASONS: readonly PushCloseReason[] = ['closed', 'aborted', 'slow-reader', 'write-timeout', 'shutdown']

/**
 * A stream's options, checked and resolved: one frozen object per configuration (and wheel),
 * shared by every stream opened with it, where copies in each stream cost 48 B more each.
 */
interface StreamSettings {
  /** Half of heartbeatMs: how often the silence check runs (see {@link PushStream.onTimeout}). */
  readonly checkMs: number
  readonly writeTimeoutMs: number
  readonly maxUnwrittenBytes: number
  readonly dropOldest: boolean
  /** Infinity for no limit. */
  readonly maxStreamBytes: number
  /** Infinity for no limit. */
  readonly maxStreamMs: number
  readonly wheel: TimerWheel
}

/** Configurations kept per wheel: a handful in practice; bounded in case clients choose them. */
const MAX_SHARED_SETTINGS = 64
const sharedSettings = new WeakMap<TimerWheel, Map<string, StreamSettings>>()

/** @throws NetservError `NETSERV_INVALID_ARGUMENT` for an option out of range */
function settingsOf(options: PushStreamOptions): StreamSettings {
  const heartbeatMs = positiveOption(options.heartbeatMs, 25_000, 'heartbeatMs')
  const writeTimeoutMs = positiveOption(options.writeTimeoutMs, 30_000, 'writeTimeoutMs')
  const maxUnwrittenBytes = positiveOption(options.maxUnwrittenBytes, 1024 * 1024, 'maxUnwrittenBytes')
  const dropOldest = (options.slowReader ?? 'disconnect') === 'drop-oldest'
  const maxStreamBytes = options.maxStreamBytes === undefined ? Infinity : positiveOption(options.maxStreamBytes, 0, 'maxStreamBytes')
  const maxStreamMs = options.maxStreamMs === undefined ? Infinity : positiveOption(options.maxStreamMs, 0, 'maxStreamMs')
  const wheel = options.wheel ?? defaultWheel()
  const key = `${heartbeatMs} ${writeTimeoutMs} ${maxUnwrittenBytes} ${dropOldest} ${maxStreamBytes} ${maxStreamMs}`
  let byKey = sharedSettings.get(wheel)
  if (byKey === undefined) sharedSettings.set(wheel, (byKey = new Map()))
  let settings = byKey.get(key)
  if (settings === undefined) {
    settings = Object.freeze({ checkMs: heartbeatMs / 2, writeTimeoutMs, maxUnwrittenBytes, dropOldest, maxStreamBytes, maxStreamMs, wheel })
    if (byKey.size < MAX_SHARED_SETTINGS) byKey.set(key, settings)
  }
  return settings
}

/** What a stream opened with maxStreamMs or maxStreamBytes keeps of its own. */
interface StreamLimits {
  /** When the stream must end, by the wheel's clock; Infinity for no time limit. */
  readonly endsAtMs: number
  /** Bytes written so far, against maxStreamBytes. */
  streamBytes: number
}

/** Streams with queued frames, written out together once the current tick is over. */
let dirty: PushStream[] = []
let flushScheduled = false

function flushDirty(): void {
  flushScheduled = false
  const streams = dirty
  dirty = []
  for (let i = 0; i < streams.length; i++) (streams[i] as PushStream).flush()
}

/**
 * A response kept open to push messages through one {@link Framing}: SSE, multipart,
 * forever-iframe or raw chunked. Heartbeats, write timeouts and slow readers are its
 * business, not the application's.
 *
 * Writing. `send` queues the message's frame, encoded once per framing and shared with every
 * other stream ({@link PushMessage.frame}); queued frames are written when the tick ends, all
 * of one stream's frames in one write (corked: one `writev`). So a burst of messages costs a
 * subscriber one syscall, not one per message, and a publisher never waits on a socket.
 *
 * Backpressure. While its socket holds more than Node's high-water mark, a stream writes
 * nothing more and its frames wait in its queue; the socket's buffer plus the queue may not
 * exceed `maxUnwrittenBytes`. Past that the slow-reader policy acts, and a stream that stays
 * backed up for `writeTimeoutMs` is cut.
 *
 * Timeouts. The stream is its own wheel entry, aimed at the next silence check or, while
 * backed up, at the write timeout.
 */
export class PushStream extends WheelEntry implements StreamHooks {
  readonly response: Response
  readonly framing: Framing
  readonly #settings: StreamSettings
  /** Only for a stream opened with maxStreamMs or maxStreamBytes: most have neither. */
  readonly #limits: StreamLimits | null
  /**
   * The booleans, the timer kind and the close reason (see above). Written since the last
   * check from the start: the head was, just now.
   */
  #flags = WROTE_SINCE_CHECK
  #queue: Buffer[] | null = null
  #queuedBytes = 0
  #closeListeners: ListenerList<PushCloseListener> = null
  /** The id of the last message sent, for resume bookkeeping. */
  lastId: string | undefined = undefined

  /**
   * Writes the head (200 with the framing's headers) and the framing's preamble. Prefer
   * {@link openPushStream}.
   * @throws NetservError `NETSERV_HEADERS_SENT` when the response already started
   */
  constructor(response: Response, framing: Framing, options: PushStreamOptions = {}) {
    const settings = settingsOf(options)
    super()
    this.response = response
    this.framing = framing
    this.#settings = settings
    this.#limits =
      settings.maxStreamMs === Infinity && settings.maxStreamBytes === Infinity ? null : { endsAtMs: settings.wheel.now() + settings.maxStreamMs, streamBytes: 0 }
    if (response.startStream(framing.headers, this)) this.#flags |= CHUNKED
    pushStats.opened++
    pushStats.open++
    if (response.finished) {
      // A HEAD request (head only) or a connection already gone: nothing to stream.
      PushStream.#finish(this, response.aborted ? 'aborted' : 'closed')
      return
    }
    const preamble = framing.preambleFrame(this.chunked)
    if (preamble !== null) PushStream.#writeNow(this, preamble)
    PushStream.#scheduleCheck(this)
  }

  /** True once the stream has ended, for whatever reason. */
  get closed(): boolean {
    return (this.#flags & CLOSED) !== 0
  }

  /** Frames are chunk-wrapped (HTTP/1.1); false for a close-delimited HTTP/1.0 body. */
  get chunked(): boolean {
    return (this.#flags & CHUNKED) !== 0
  }

  /** Bytes queued and not yet handed to the socket. */
  get queuedBytes(): number {
    return this.#queuedBytes
  }

  /**
   * Sends a message (a {@link PushMessage}, or what one is built from). Returns false when
   * the stream is closed (nothing is sent) or the message was dropped right away.
   * @throws NetservError when the message cannot be carried by this transport (see the framing)
   */
  send(message: PushMessage | PushMessageInit | string): boolean {
    if ((this.#flags & CLOSED) !== 0) return false
    const pushMessage = toPushMessage(message)
    const frame = pushMessage.frame(this.framing, this.chunked)
    if (pushMessage.id !== undefined) this.lastId = pushMessage.id
    return this.enqueue(frame)
  }

  /**
   * Queues an already encoded frame (what {@link broadcast} does for each stream). Returns
   * false when closed or when the frame was dropped.
   */
  enqueue(frame: Buffer): boolean {
    if ((this.#flags & CLOSED) !== 0) return false
    if (frame.length === 0) return true
    ;(this.#queue ??= []).push(frame)
    this.#queuedBytes += frame.length
    if ((this.#flags & QUEUED) === 0) {
      this.#flags |= QUEUED
      dirty.push(this)
      if (!flushScheduled) {
        flushScheduled = true
        setImmediate(flushDirty)
      }
    }
    return PushStream.#enforceCap(this)
  }

  /**
   * Ends the stream cleanly: what is queued, then the framing's terminator, then the end of
   * the body (the last chunk on HTTP/1.1, which keeps the connection usable; the connection's
   * end on HTTP/1.0).
   */
  close(): void {
    if ((this.#flags & CLOSED) !== 0) return
    PushStream.#writeQueue(this)
    PushStream.#end(this, 'closed')
  }

  /**
   * Sends what a client missed while away, before anything live: first, if `gap` (messages
   * it had not seen were dropped from the history), a `gap` event (SSE `event: gap`), then
   * `messages` in order.
   */
  replay(messages: readonly PushMessage[], gap: boolean): void {
    if (gap) this.enqueue(this.framing.encode(GAP_MESSAGE, this.chunked))
    for (const message of messages) this.send(message)
  }

  /**
   * Calls `listener` once when the stream ends, with why and this stream; at once if it has
   * ended already (a stream for HEAD, or whose client left before it opened, is over at
   * birth), so a listener that removes the stream from a channel always runs.
   */
  onClose(listener: PushCloseListener): void {
    if ((this.#flags & CLOSED) !== 0) {
      listener(CLOSE_REASONS[this.#flags >> REASON_SHIFT] as PushCloseReason, this)
      return
    }
    this.#closeListeners = addListener(this.#closeListeners, listener)
  }

  /** @internal Writes the queued frames, unless the socket is backed up. */
  flush(): void {
    this.#flags &= ~QUEUED
    if ((this.#flags & CLOSED) !== 0 || this.#queue === null) return
    if (this.response.socket.writableNeedDrain) {
      PushStream.#startWriteTimer(this)
      return
    }
    PushStream.#writeQueue(this)
  }

  /** @internal The socket drained: write what waited. */
  onWritable(): void {
    if ((this.#flags & CLOSED) !== 0) return
    if ((this.#flags & TIMER_WRITE) !== 0) PushStream.#scheduleCheck(this)
    PushStream.#writeQueue(this)
  }

  /** @internal The server is closing: end properly. */
  onShutdown(): void {
    if ((this.#flags & CLOSED) !== 0) return
    PushStream.#writeQueue(this)
    PushStream.#end(this, 'shutdown')
  }

  /**
   * @internal The wheel entry came due: the write timeout, or the silence check. The check
   * runs every heartbeatMs / 2 and beats when nothing was written since the one before, so a
   * heartbeat follows the last write after heartbeatMs / 2 to heartbeatMs: never more silence
   * than heartbeatMs, and no clock read per write. (A check every heartbeatMs that beats only
   * after a silent interval allows nearly twice that: a write just after a check hides the
   * next one.)
   */
  onTimeout(): void {
    if ((this.#flags & CLOSED) !== 0) return
    if ((this.#flags & TIMER_WRITE) !== 0) {
      PushStream.#cut(this, 'write-timeout')
      return
    }
    const nowMs = this.#settings.wheel.now()
    const limits = this.#limits
    if (limits !== null && nowMs >= limits.endsAtMs) {
      this.close()
      return
    }
    const silent = (this.#flags & WROTE_SINCE_CHECK) === 0 && this.#queue === null
    // Cleared first: the heartbeat is a write, so the next check does not beat again.
    this.#flags &= ~WROTE_SINCE_CHECK
    if (silent) {
      const heartbeat = this.framing.heartbeatFrame(this.chunked)
      if (heartbeat !== null) PushStream.#writeNow(this, heartbeat)
    }
    PushStream.#scheduleCheck(this, nowMs)
  }

  // The helpers below are static, not instance, private methods: those would give every
  // stream a field more (the class's brand), for the stream's life (bench/RESULTS.md).

  static #writeQueue(stream: PushStream): void {
    const queue = stream.#queue
    if (queue === null) return
    stream.#queue = null
    stream.#queuedBytes = 0
    if (queue.length === 1) {
      PushStream.#writeNow(stream, queue[0] as Buffer)
      PushStream.#closeIfSpent(stream)
      return
    }
    // Several frames: one writev for all of them.
    const response = stream.response
    const socket = response.socket
    socket.cork()
    let below = true
    for (let i = 0; i < queue.length; i++) {
      PushStream.#account(stream, queue[i] as Buffer)
      below = response.writeStream(queue[i] as Buffer)
    }
    socket.uncork()
    if (!below) PushStream.#startWriteTimer(stream)
    PushStream.#closeIfSpent(stream)
  }

  /** The stream wrote its byte allowance: end it; the client comes back for more. */
  static #closeIfSpent(stream: PushStream): void {
    const limits = stream.#limits
    if (limits !== null && limits.streamBytes >= stream.#settings.maxStreamBytes) PushStream.#end(stream, 'closed')
  }

  static #writeNow(stream: PushStream, frame: Buffer): void {
    PushStream.#account(stream, frame)
    if (!stream.response.writeStream(frame)) PushStream.#startWriteTimer(stream)
  }

  static #account(stream: PushStream, frame: Buffer): void {
    pushStats.framesWritten++
    pushStats.bytesWritten += frame.length
    const limits = stream.#limits
    if (limits !== null) limits.streamBytes += frame.length
    stream.#flags |= WROTE_SINCE_CHECK
  }

  /** Keeps the socket buffer plus the queue under the cap; returns false if the newest frame did not survive. */
  static #enforceCap(stream: PushStream): boolean {
    const { maxUnwrittenBytes, dropOldest } = stream.#settings
    const unwritten = stream.response.socket.writableLength + stream.#queuedBytes
    if (unwritten <= maxUnwrittenBytes) return true
    if (!dropOldest) {
      PushStream.#cut(stream, 'slow-reader')
      return false
    }
    const queue = stream.#queue as Buffer[]
    let over = unwritten - maxUnwrittenBytes
    let dropped = 0
    while (over > 0 && dropped < queue.length) {
      const frame = queue[dropped] as Buffer
      over -= frame.length
      stream.#queuedBytes -= frame.length
      dropped++
    }
    queue.splice(0, dropped)
    pushStats.framesDropped += dropped
    // Still over, with every queued frame dropped: the excess is in the socket's own buffer
    // (the head, heartbeats and close frames are never queued); nothing can make room. Cut.
    if (over > 0) {
      PushStream.#cut(stream, 'slow-reader')
      return false
    }
    // Oldest first: the newest frame survived iff anything did.
    if (queue.length > 0) return true
    stream.#queue = null
    return false
  }

  static #startWriteTimer(stream: PushStream): void {
    if ((stream.#flags & TIMER_WRITE) !== 0 || (stream.#flags & CLOSED) !== 0) return
    stream.#flags |= TIMER_WRITE
    stream.#settings.wheel.schedule(stream, stream.#settings.writeTimeoutMs)
  }

  /** The next silence check, or the end of the stream's time if that comes first. */
  static #scheduleCheck(stream: PushStream, nowMs = stream.#settings.wheel.now()): void {
    stream.#flags &= ~TIMER_WRITE
    const { checkMs, wheel } = stream.#settings
    const limits = stream.#limits
    // At 0 when the time is already up (a stream backed up past its end): ends at the next
    // tick. (With a byte limit alone, endsAtMs is Infinity: the check's delay.)
    wheel.schedule(stream, limits === null ? checkMs : Math.max(0, Math.min(checkMs, limits.endsAtMs - nowMs)), nowMs)
  }

  /** A slow reader: the connection goes, a resumable client comes back from its last id. */
  static #cut(stream: PushStream, reason: PushCloseReason): void {
    pushStats.slowReadersDropped++
    stream.#queue = null
    stream.#queuedBytes = 0
    PushStream.#finish(stream, reason)
    stream.response.socket.destroy()
  }

  static #end(stream: PushStream, reason: PushCloseReason): void {
    PushStream.#finish(stream, reason)
    stream.response.endStream(stream.framing.closeFrame(stream.chunked))
  }

  /** @internal The connection closed under the stream. */
  onAborted(): void {
    PushStream.#finish(this, 'aborted')
  }

  static #finish(stream: PushStream, reason: PushCloseReason): void {
    if ((stream.#flags & CLOSED) !== 0) return
    stream.#flags = (stream.#flags | CLOSED) | (CLOSE_REASONS.indexOf(reason) << REASON_SHIFT)
    pushStats.open--
    stream.#settings.wheel.cancel(stream)
    const listeners = stream.#closeListeners
    stream.#closeListeners = null
    callListeners(listeners, reason, stream)
  }
}


/** The message `send` and {@link broadcast} take, as a {@link PushMessage} (built when it is not one). */
function toPushMessage(message: PushMessage | PushMessageInit | string): PushMessage {
  return message instanceof PushMessage ? message : new PushMessage(typeof message === 'string' ? { data: message } : message)
}

/**
 * Sends one message to many streams: the frame is encoded once per framing and variant and
 * the same Buffer queued on every stream. Returns how many streams took it.
 */
export function broadcast(streams: Iterable<PushStream>, message: PushMessage | PushMessageInit | string): number {
  const pushMessage = toPushMessage(message)
  let delivered = 0
  for (const stream of streams) {
    if (stream.closed) continue
    if (stream.enqueue(pushMessage.frame(stream.framing, stream.chunked))) {
      if (pushMessage.id !== undefined) stream.lastId = pushMessage.id
      delivered++
    }
  }
  return delivered
}
