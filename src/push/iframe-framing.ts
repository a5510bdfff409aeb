import { ErrorCode, NetservError } from '../errors.js'
import { allocateFrame, Framing, frameStart } from './framing.js'
import type { PushMessage } from './push-message.js'

/** How an {@link IframeFraming} starts its documents. */
export interface IframeFramingOptions {
  /**
   * Spaces sent before the document, in bytes (default 1024, at most 65536). Browsers of the
   * forever-iframe era held back the start of a document before rendering it and running its
   * scripts incrementally: some 256 bytes for Internet Explorer, 1 KiB for WebKit (Safari,
   * early Chrome). Whitespace before the doctype is dropped by the HTML tokenizer (the
   * "initial" insertion mode ignores it), so the padding costs no DOM node.
   */
  paddingBytes?: number | undefined
}

const DEFAULT_PADDING_BYTES = 1024
const MAX_PADDING_BYTES = 65536

/** A dotted path of JS identifiers, as the issue fixes it: `cb`, `app.push`, `$._`. */
const CALLBACK_PATTERN = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/
/** The longest callback accepted, in characters: it is repeated in every frame. */
export const MAX_CALLBACK_LENGTH = 128

/** How many callbacks {@link iframeFraming} keeps framings for. */
export const MAX_CACHED_CALLBACKS = 1000

/**
 * Characters that could end the script or start markup inside it, and the two that pre-ES2019
 * engines read as line terminators inside a string literal (a syntax error there). Outside
 * strings JSON holds none of them, so each is inside a string, where `\uXXXX` means the same.
 */
const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/g

function escapeInScript(char: string): string {
  switch (char) {
    case '<':
      return '\\u003c'
    case '>':
      return '\\u003e'
    case '&':
      return '\\u0026'
    case '\u2028':
      return '\\u2028'
    default:
      return '\\u2029'
  }
}

/**
 * The forever-iframe: a `text/html` document that never ends, one `<script>` per message
 * calling a function of the page that holds the iframe:
 *
 * ```
 * <1024 spaces><!doctype html><html><head><meta charset="utf-8"></head><body>\n   preamble
 * <script>parent.CALLBACK({"id":"7","event":"quote","data":"..."})</script>\n   per message
 * </body></html>\n                                                              on a clean close
 * ```
 *
 * The argument is JSON: `data` is the message data decoded as UTF-8 (invalid sequences
 * become U+FFFD), `id` and `event` are there only when the message has them. `<`, `>`, `&`,
 * U+2028 and U+2029 are written as `\uXXXX` escapes, so neither `</script>` nor `<!--` (which
 * changes how the HTML tokenizer looks for `</script>`) can appear in the script text, and the
 * text stays a valid JS expression in every engine; JSON.parse of the argument gives back the
 * original strings.
 *
 * Heartbeat: `\n`. Between scripts the HTML parser appends a character to the text node that
 * follows the last `</script>` rather than making a node, so an idle stream's heartbeats grow
 * the DOM by one character each, never by a node. (A comment would add a node each time.)
 * Each message still leaves its `<script>` element in the document: the stream should end
 * after some bytes or time so the page reconnects with a fresh document.
 *
 * The callback is fixed per instance and is in every frame: {@link iframeFraming} returns the
 * same instance for the same callback so streams with one callback share frames.
 */
export class IframeFraming extends Framing {
  /** The function the frames call on `parent`, e.g. `app.onPush`. */
  readonly callback: string
  readonly #prefix: string

  /**
   * @throws NetservError `NETSERV_INVALID_CALLBACK` (status 400: the callback comes from the
   *   request) when `callback` is longer than {@link MAX_CALLBACK_LENGTH} or is not a dotted
   *   path of JS identifiers; `NETSERV_INVALID_ARGUMENT` for a `paddingBytes` that is not an
   *   integer in 0..65536
   */
  constructor(callback: string, options: IframeFramingOptions = {}) {
    if (callback.length > MAX_CALLBACK_LENGTH || !CALLBACK_PATTERN.test(callback)) {
      throw new NetservError(
        ErrorCode.INVALID_CALLBACK,
        `an iframe callback must be a dotted path of JS identifiers of at most ${MAX_CALLBACK_LENGTH} characters`,
        400,
      )
    }
    const { paddingBytes = DEFAULT_PADDING_BYTES } = options
    if (!Number.isInteger(paddingBytes) || paddingBytes < 0 || paddingBytes > MAX_PADDING_BYTES) {
      throw new NetservError(ErrorCode.INVALID_ARGUMENT, `paddingBytes must be an integer in 0..${MAX_PADDING_BYTES}`)
    }
    super(
      'iframe',
      `iframe;${callback}`,
      'text/html; charset=utf-8',
      null,
      Buffer.from(
        `${' '.repeat(paddingBytes)}<!doctype html><html><head><meta charset="utf-8"></head><body>\n`,
        'latin1',
      ),
      Buffer.from('\n', 'latin1'),
      Buffer.from('</body></html>\n', 'latin1'),
    )
    this.callback = callback
    this.#prefix = `<script>parent.${callback}(`
  }

  /** The script of `message` (see the class). */
  encode(message: PushMessage, chunked = false): Buffer {
    const { id, event } = message
    let json = '{'
    if (id !== undefined) json += `"id":${JSON.stringify(id)},`
    if (event !== undefined) json += `"event":${JSON.stringify(event)},`
    json += `"data":${JSON.stringify(message.text)}}`
    const script = `${this.#prefix}${json.replace(UNSAFE_IN_SCRIPT, escapeInScript)})</script>\n`
    const bodyBytes = Buffer.byteLength(script, 'utf8')
    const frame = allocateFrame(bodyBytes, chunked)
    frame.write(script, frameStart(bodyBytes, chunked), bodyBytes, 'utf8')
    return frame
  }
}

const cache = new Map<string, IframeFraming>()

/**
 * The framing for `callback` with the default options, the same instance for the same
 * callback while it stays cached, so that streams with one callback share each message's
 * frames. Keeps at most {@link MAX_CACHED_CALLBACKS} callbacks: past that the oldest entry
 * is dropped (its streams keep their instance; a new stream with that callback gets a new,
 * equal one, and since messages cache frames by {@link Framing.frameKey}, not by instance,
 * they still share frames).
 * @throws NetservError `NETSERV_INVALID_CALLBACK` (status 400), as {@link IframeFraming}
 */
export function iframeFraming(callback: string): IframeFraming {
  let framing = cache.get(callback)
  if (framing === undefined) {
    framing = new IframeFraming(callback)
    if (cache.size >= MAX_CACHED_CALLBACKS) cache.delete(cache.keys().next().value as string)
    cache.set(callback, framing)
  }
  return framing
}
