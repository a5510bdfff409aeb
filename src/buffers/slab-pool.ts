/**
 * Large slabs from which short-lived output (response heads) is carved, so writing a head
 * allocates no ArrayBuffer: only the small `Buffer` view that goes to `socket.write`.
 *
 * ```
 *  one slab (slabBytes, Buffer.allocUnsafeSlow), carved front to back, never rewritten
 *
 *  0                                          offset
 *  | head A | head B |   head C   | head D |#### reservation ####|...... free ......| slabBytes
 *  '-view A-'        '---view C---'         ^ writer fills it; commit(usedBytes) returns a
 *       |                  |                  view of exactly the used bytes, moves offset
 *       |                  '-- in socket 2's write queue until its write completes
 *       '-- handed to socket 1; view and slab stay alive as long as socket 1 holds it
 *
 *  reserve(maxBytes) with fewer than maxBytes free: the rest of this slab is abandoned and a
 *  new slab of max(slabBytes, maxBytes) becomes current; the old one lives on only through
 *  the views still referencing it, and the garbage collector frees it once they are gone.
 * ```
 *
 * Who owns a Buffer and for how long:
 * - The pool owns the current slab and writes only at and after `offset`. Bytes before
 *   `offset` are never written again, by anyone, so a view keeps the bytes it was committed
 *   with for its whole life, however long a slow socket keeps it queued. No release call is
 *   needed: this is the design of Node's own `Buffer.allocUnsafe` pool, at a larger size.
 * - A view returned by {@link SlabPool.commit} belongs to the caller, who normally hands it to
 *   `socket.write`; the socket holds it until the write has been flushed. The caller must not
 *   write into it.
 * - The price: a small view still queued on a stalled socket pins its whole slab. Memory held
 *   is at most `slabBytes` times the number of slabs that still have a live view.
 *
 * One reservation is open at a time: a writer reserves, writes and commits synchronously, so
 * no other writer can run in between. The pool checks this and throws on interleaving.
 */

import { ErrorCode, NetservError } from '../errors.js'

/** Default slab size: 64 KiB holds a few hundred typical heads. */
export const DEFAULT_SLAB_BYTES = 64 * 1024

/** Used until the first reservation, so an idle pool holds no memory. */
const NO_SLAB: Buffer = Buffer.alloc(0)

/** A pool of slabs; see the module comment for the lifetime rules. */
export class SlabPool {
  /** Size of each new slab; a reservation larger than this gets a slab of its own size. */
  readonly slabBytes: number
  #slab: Buffer = NO_SLAB
  #offset = 0
  #open = false
  #slabsAllocated = 0

  /** @param slabBytes size of each slab, a positive integer; default {@link DEFAULT_SLAB_BYTES} */
  constructor(slabBytes: number = DEFAULT_SLAB_BYTES) {
    if (!Number.isSafeInteger(slabBytes) || slabBytes <= 0) {
      throw new NetservError(
        ErrorCode.INVALID_ARGUMENT,
        `slabBytes must be a positive integer, got ${slabBytes}`,
      )
    }
    this.slabBytes = slabBytes
  }

  /** The current slab. Write only into the open reservation, from {@link offset} on. */
  get slab(): Buffer {
    return this.#slab
  }

  /** Index in {@link slab} of the first byte of the open (or next) reservation. */
  get offset(): number {
    return this.#offset
  }

  /** Bytes free in the current slab from {@link offset} to its end. */
  get freeBytes(): number {
    return this.#slab.length - this.#offset
  }

  /** How many slabs this pool has allocated since it was created (observability, tests). */
  get slabsAllocated(): number {
    return this.#slabsAllocated
  }

  /**
   * Opens a reservation of at least `maxBytes` at `slab[offset]`, moving to a new slab when
   * the current one has less room. Returns the slab to write into; read {@link offset} after
   * the call. Throws if a reservation is already open (two writers interleaved).
   */
  reserve(maxBytes: number): Buffer {
    if (this.#open) throw new Error('SlabPool: a reservation is already open')
    checkByteCount('maxBytes', maxBytes)
    this.#open = true
    if (this.#slab.length - this.#offset < maxBytes) this.#nextSlab(maxBytes)
    return this.#slab
  }

  /**
   * Grows the open reservation, whose first `usedBytes` are written, to at least `maxBytes`.
   * If the current slab has no room, the written bytes are copied to the start of a new slab.
   * Returns the slab to continue writing into; {@link offset} may have changed.
   */
  extend(usedBytes: number, maxBytes: number): Buffer {
    this.#checkUsed(usedBytes)
    checkByteCount('maxBytes', maxBytes)
    // usedBytes fits in what is left (checked above), so a new slab means maxBytes > usedBytes.
    if (this.#slab.length - this.#offset < maxBytes) {
      const previous = this.#slab
      const start = this.#offset
      this.#nextSlab(maxBytes)
      previous.copy(this.#slab, 0, start, start + usedBytes)
    }
    return this.#slab
  }

  /**
   * Closes the open reservation: returns a view of its first `usedBytes` bytes and moves
   * {@link offset} past them. The view is the caller's; those bytes are never written again.
   */
  commit(usedBytes: number): Buffer {
    this.#checkUsed(usedBytes)
    const start = this.#offset
    const end = start + usedBytes
    this.#offset = end
    this.#open = false
    return this.#slab.subarray(start, end)
  }

  /** Abandons the open reservation (if any) without committing; its bytes are reused. */
  cancel(): void {
    this.#open = false
  }

  #nextSlab(minBytes: number): void {
    this.#slab = Buffer.allocUnsafeSlow(minBytes > this.slabBytes ? minBytes : this.slabBytes)
    this.#offset = 0
    this.#slabsAllocated++
  }

  #checkUsed(usedBytes: number): void {
    if (!this.#open) throw new Error('SlabPool: no reservation is open')
    checkByteCount('usedBytes', usedBytes)
    if (usedBytes > this.#slab.length - this.#offset) {
      throw new NetservError(
        ErrorCode.INVALID_ARGUMENT,
        `usedBytes ${usedBytes} exceeds the reservation`,
      )
    }
  }
}

function checkByteCount(name: string, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new NetservError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be a non-negative integer, got ${bytes}`,
    )
  }
}
