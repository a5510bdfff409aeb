/**
 * A client's reader of a chunked response body (RFC 9112 section 7.1), for the soak's
 * subscribers: fed the bytes after the head in whatever pieces the socket gives, it hands on
 * the chunk data as ranges of those same bytes (nothing copied: a subscriber reads a million
 * messages a second) and stops at the last chunk. Chunk extensions are skipped; a malformed
 * size line stops the reader with `error` set.
 */

const SIZE = 0
const DATA = 1
const DATA_END = 2
const TRAILER = 3
const DONE = 4

/** Hex digit values by byte; -1 for anything else. */
const HEX = new Int8Array(256).fill(-1)
for (let i = 0; i < 10; i++) HEX[48 + i] = i
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i
  HEX[97 + i] = 10 + i
}

/** Gets a range of chunk data: `bytes[start..end)`, valid only during the call. */
export type ChunkDataListener = (bytes: Uint8Array, start: number, end: number) => void

/** Decodes one chunked body; see the file comment. */
export class ChunkedBodyReader {
  /** Why the body is malformed, or null. Once set, the reader ignores what follows. */
  error: string | null = null
  readonly #onData: ChunkDataListener
  #state = SIZE
  /** The size read so far, while in SIZE. */
  #size = 0
  #sizeDigits = 0
  /** In SIZE: past the digits (an extension or the CR), waiting for LF. */
  #sizeEnded = false
  /** Bytes of the current chunk still to come, while in DATA. */
  #left = 0
  /** Bytes of the current trailer line, while in TRAILER. */
  #trailerLine = 0

  /** `onData` gets each range of chunk data, in order. */
  constructor(onData: ChunkDataListener) {
    this.#onData = onData
  }

  /** True once the last chunk (and its trailer) has been read. */
  get ended(): boolean {
    return this.#state === DONE
  }

  /** Reads `bytes[start..end)`; what follows the body's end is ignored. */
  feed(bytes: Uint8Array, start: number, end: number): void {
    let i = start
    while (i < end && this.error === null) {
      switch (this.#state) {
        case SIZE: {
          const byte = bytes[i++] as number
          if (byte === 10) {
            if (this.#sizeDigits === 0) return this.#fail('a chunk size line without a size')
            this.#state = this.#size === 0 ? TRAILER : DATA
            this.#left = this.#size
            this.#size = 0
            this.#sizeDigits = 0
            this.#sizeEnded = false
            this.#trailerLine = 0
            break
          }
          const digit = HEX[byte] as number
          if (digit >= 0 && !this.#sizeEnded) {
            // 2^40 bytes is beyond any chunk here; what is larger is not a size.
            if (++this.#sizeDigits > 10) return this.#fail('a chunk size of more than 10 hex digits')
            this.#size = this.#size * 16 + digit
          } else if (byte === 59 || byte === 13 || byte === 32 || byte === 9) {
            this.#sizeEnded = true
          } else if (!this.#sizeEnded) {
            return this.#fail(`a chunk size with byte ${byte}`)
          }
          break
        }
        case DATA: {
          const take = Math.min(this.#left, end - i)
          this.#onData(bytes, i, i + take)
          i += take
          this.#left -= take
          if (this.#left === 0) this.#state = DATA_END
          break
        }
        case DATA_END: {
          const byte = bytes[i++] as number
          if (byte === 10) this.#state = SIZE
          else if (byte !== 13) return this.#fail('chunk data longer than its size')
          break
        }
        case TRAILER: {
          const byte = bytes[i++] as number
          if (byte === 10) {
            if (this.#trailerLine === 0) this.#state = DONE
            this.#trailerLine = 0
          } else if (byte !== 13) {
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
