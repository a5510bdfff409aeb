/**
 * The smallest PNG encoder that does the job: 8-bit RGB, no interlace, every row unfiltered,
 * the pixels deflated by node:zlib. It is what lets the demo's camera draw frames with no
 * image library.
 *
 * A PNG (W3C PNG 2nd edition, ISO/IEC 15948) is an 8-byte signature, then chunks, each
 * `length(4) type(4) data crc(4)` with the CRC-32 of type and data:
 *
 * ```
 * 89 P N G \r \n 1a \n | IHDR width height 8 2 0 0 0 | IDAT zlib(rows) | IEND
 *                                                        row = 0x00 (filter: none) R G B R G B ...
 * ```
 */
import { deflateSync } from 'node:zlib'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const BIT_DEPTH = 8
const COLOUR_TYPE_RGB = 2

/** A picture to encode: `rgb` holds 3 bytes per pixel, row after row (`width * height * 3`). */
export interface RgbImage {
  readonly width: number
  readonly height: number
  readonly rgb: Uint8Array
}

/*
 * CRC-32 as PNG (and zip, and Ethernet) use it: reflected polynomial 0xedb88320, initial and
 * final XOR 0xffffffff, one table lookup per byte. node:zlib has crc32 only from Node 20.15;
 * netserv runs on every Node 20, and the table is 1 KiB.
 */
const CRC_TABLE = new Uint32Array(256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  CRC_TABLE[n] = c
}

/** The CRC-32 of `bytes` (an unsigned 32-bit integer). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  out.set(data, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

/**
 * Encodes `image` as a PNG file; the Buffer returned is new and the caller's.
 * @throws RangeError when the size is not 1-65535 pixels a side or `rgb` has the wrong length
 */
export function encodePng(image: RgbImage): Buffer {
  const { width, height, rgb } = image
  if (!isSide(width) || !isSide(height)) throw new RangeError(`a PNG side must be 1-65535 pixels, got ${width}x${height}`)
  const stride = width * 3
  if (rgb.length !== stride * height) throw new RangeError(`${width}x${height} RGB needs ${stride * height} bytes, got ${rgb.length}`)
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = BIT_DEPTH
  header[9] = COLOUR_TYPE_RGB
  // Bytes 10-12: compression 0 (deflate), filter method 0, interlace 0 (none): zeros already.
  const rows = Buffer.alloc((stride + 1) * height) // each row led by its filter byte, 0 = none
  for (let y = 0; y < height; y++) rows.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1)
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))])
}

function isSide(pixels: number): boolean {
  return Number.isInteger(pixels) && pixels >= 1 && pixels <= 65535
}
