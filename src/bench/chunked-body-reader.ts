/**
 * A client's reader of a chunked response body (RFC 9112 section 7.1), for the soak's
 * subscribers: fed the bytes after the head as latin1 text, in whatever pieces the socket
 * gives, it hands on the chunk data and stops at the last chunk. Latin1 keeps one char per
 * byte, so chunk sizes count chars; the SSE reader behind it sees ASCII the same either way.
 * Chunk extensions are skipped; a malformed size line stops the reader with `error` set.
 */

const SIZE = 0
const DATA = 1
const DATA_END = 2
const TRAILER = 3
const DONE = 4

/** Hex digit values by char code; -1 for anything else. */
const HEX = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) HEX[48 + i] = i
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i
  HEX[97 + i] = 10 + i
}

/** Decodes one chunked body; see the file comment. */
export class ChunkedBodyReader {
  /** Why the body is malformed, or null. Once set, the reader ignores what follows. */
  error: string | null = null
  readonly #onData: (text: string) => void
  #state = SIZE
  /** The size read so far, while in SIZE. */
  #size = 0
  #sizeDigits = 0
  /** In SIZE: past the digits (an extension or the CR), waiting for LF. */
  #sizeEnded = false
  /** Chars of the current chunk still to come, while in DATA. */
  #left = 0
  /** The chars of the current trailer line, while in TRAILER. */
  #trailerLine = 0

  /** `onData` gets each piece of chunk data, in order. */
  constructor(onData: (text: string) => void) {
    this.#onData = onData
  }

  /** True once the last chunk (and its trailer) has been read. */
  get ended(): boolean {
    return this.#state === DONE
  }

  /** Reads `text`; what follows the body's end is ignored. */
  feed(text: string): void {
    let i = 0
    const length = text.length
    while (i < length && this.error === null) {
      switch (this.#state) {
        case SIZE: {
          const code = text.charCodeAt(i++)
          if (code === 10) {
            if (this.#sizeDigits === 0) return this.#fail('a chunk size line without a size')
            this.#state = this.#size === 0 ? TRAILER : DATA
            this.#left = this.#size
            this.#size = 0
            this.#sizeDigits = 0
            this.#sizeEnded = false
            this.#trailerLine = 0
            break
          }
          const digit = code < 128 ? (HEX[code] as number) : -1
          if (digit >= 0 && !this.#sizeEnded) {
            // 2^40 bytes is beyond any chunk here; what is larger is not a size.
            if (++this.#sizeDigits > 10) return this.#fail('a chunk size of more than 10 hex digits')
            this.#size = this.#size * 16 + digit
          } else if (code === 59 || code === 13 || code === 32 || code === 9) {
            this.#sizeEnded = true
          } else if (!this.#sizeEnded) {
            return this.#fail(`a chunk size with ${JSON.stringify(text[i - 1])}`)
          }
          break
        }
        case DATA: {
          const take = Math.min(this.#left, length - i)
          this.#onData(text.slice(i, i + take))
          i += take
          this.#left -= take
          if (this.#left === 0) this.#state = DATA_END
          break
        }
        case DATA_END: {
          const code = text.charCodeAt(i++)
          if (code === 10) this.#state = SIZE
          else if (code !== 13) return this.#fail('chunk data longer than its size')
          break
        }
        case TRAILER: {
          const code = text.charCodeAt(i++)
          if (code === 10) {
            if (this.#trailerLine === 0) this.#state = DONE
            this.#trailerLine = 0
          } else if (code !== 13) {
            this.#trailerLine++
          }
          break
        }
        default:
          return
      }
    }
  }

  #fail(why: string): void {
    this.error = why
  }
}
