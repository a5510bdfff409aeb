import * as zlib from 'node:zlib'
import t from 'tap'
import { crc32, encodePng } from '../../../src/examples/demo/png-encoder.js'
import { crc32 as referenceCrc32, decodePng, pixelAt } from '../../fixtures/png.js'

t.test('crc32: the standard check value, and the same as an independent implementation', async (t) => {
  t.equal(crc32(Buffer.from('123456789')), 0xcbf43926, 'the CRC-32 check value of "123456789"')
  t.equal(crc32(new Uint8Array(0)), 0)
  const bytes = Buffer.alloc(4096)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff
  t.equal(crc32(bytes), referenceCrc32(bytes), 'the test fixture agrees')
  // node:zlib has crc32 from Node 20.15 on: compare with it where it exists.
  const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32
  if (zlibCrc32 !== undefined) t.equal(crc32(bytes), zlibCrc32(bytes), 'node:zlib agrees')
})

t.test('encodePng: decodes back to the same pixels', async (t) => {
  const width = 7 // odd: rows of 21 bytes, not a multiple of anything convenient
  const height = 5
  const rgb = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgb.set([x * 36, y * 60, (x + y) * 20], (y * width + x) * 3)
  }
  const png = encodePng({ width, height, rgb })
  t.strictSame([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the signature')
  t.equal(png.toString('latin1', 12, 16), 'IHDR', 'IHDR first')
  t.strictSame([...png.subarray(24, 29)], [8, 2, 0, 0, 0], '8-bit RGB, deflate, filter method 0, no interlace')
  t.equal(png.toString('latin1', png.length - 8, png.length - 4), 'IEND', 'IEND last')
  // decodePng checks every chunk's CRC and the filter byte of every row.
  const image = decodePng(png)
  t.strictSame([image.width, image.height], [width, height])
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      t.strictSame(pixelAt(image, x, y), { r: x * 36, g: y * 60, b: (x + y) * 20 }, `pixel ${x},${y}`)
    }
  }
  const rows = zlib.inflateSync(png.subarray(41, png.length - 16))
  t.equal(rows.length, (width * 3 + 1) * height, 'IDAT: one filter byte and 21 pixel bytes a row')
  for (let y = 0; y < height; y++) t.equal(rows[y * (width * 3 + 1)], 0, `row ${y} unfiltered`)
})

t.test('encodePng: a 1x1 image and the largest side', async (t) => {
  t.strictSame(pixelAt(decodePng(encodePng({ width: 1, height: 1, rgb: new Uint8Array([1, 2, 3]) })), 0, 0), { r: 1, g: 2, b: 3 })
  const tall = decodePng(encodePng({ width: 1, height: 65535, rgb: new Uint8Array(65535 * 3).fill(200) }))
  t.equal(tall.height, 65535)
  t.strictSame(pixelAt(tall, 0, 65534), { r: 200, g: 200, b: 200 })
})

t.test('encodePng refuses a size PNG cannot hold and pixels that do not match it', async (t) => {
  for (const [width, height] of [
    [0, 1],
    [1, 0],
    [65536, 1],
    [1.5, 2],
    [-1, 1],
    [1, Number.NaN],
  ] as const) {
    t.throws(() => encodePng({ width, height, rgb: new Uint8Array(3) }), RangeError, `${width}x${height}`)
  }
  t.throws(() => encodePng({ width: 2, height: 2, rgb: new Uint8Array(11) }), { name: 'RangeError', message: '2x2 RGB needs 12 bytes, got 11' })
  t.throws(() => encodePng({ width: 2, height: 2, rgb: new Uint8Array(13) }), RangeError)
})
