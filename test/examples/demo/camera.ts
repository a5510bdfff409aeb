import t from 'tap'
import { Camera, FRAME_HEIGHT, FRAME_WIDTH, type FramePublisher, type PriceSource } from '../../../src/examples/demo/camera.js'
import { Raster } from '../../../src/examples/demo/raster.js'
import { decodePng, pixelAt } from '../../fixtures/png.js'
import { until } from '../../fixtures/wire-client.js'

const UP = 0x2ecc71
const DOWN = 0xe74c3c
const RECORDING = 0xff3030
const TEXT = 0xf2f4f8

/** Prices to film, set by the test. */
function prices(list: number[]): PriceSource {
  return { history: (symbol) => (symbol === 'ACME' ? list : []) }
}

/** How many pixels of `raster` have `colour`. */
function count(raster: Raster, colour: number): number {
  let n = 0
  for (let y = 0; y < raster.height; y++) for (let x = 0; x < raster.width; x++) if (raster.pixel(x, y) === colour) n++
  return n
}

/** The colour of the pixel at x, y of a decoded PNG, as 0xRRGGBB. */
function rgbAt(png: Buffer, x: number, y: number): number {
  const { r, g, b } = pixelAt(decodePng(png), x, y)
  return (r << 16) | (g << 8) | b
}

// 2026-11-27 14:03:27 in the process's time zone.
const NOW = new Date(2026, 10, 27, 14, 3, 27).getTime()

t.test('a frame: the clock, the blinking dot, the symbol and its last price', async (t) => {
  const camera = new Camera({ symbol: 'ACME', prices: prices([100, 101, 102.5]), now: () => NOW })
  t.equal(camera.channel, 'camera')
  const frame = camera.draw()
  t.strictSame([frame.width, frame.height], [FRAME_WIDTH, FRAME_HEIGHT])
  // The clock, drawn again on a blank raster: every lit pixel of it is lit in the frame.
  const clock = new Raster(FRAME_WIDTH, FRAME_HEIGHT)
  clock.text(8, 8, '14:03:27', 3, TEXT)
  let clockPixels = 0
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < FRAME_WIDTH; x++) {
      if (clock.pixel(x, y) !== TEXT) continue
      clockPixels++
      if (frame.pixel(x, y) !== TEXT) t.fail(`clock pixel ${x},${y} missing`)
    }
  }
  t.ok(clockPixels > 100, 'the clock reads 14:03:27')
  t.equal(count(frame, TEXT), clockPixels, 'and nothing else is in its colour')
  t.equal(count(frame, RECORDING), 144, 'the first frame shows the 12x12 recording dot')
  t.equal(count(camera.draw(), RECORDING), 0, 'the second does not')
  t.equal(count(camera.draw(), RECORDING), 144, 'the third does again')
  t.ok(count(frame, UP) > 0, 'a rising chart and price in green')
  t.equal(count(frame, DOWN), 0)
})

t.test('a falling symbol is drawn red; a flat or single price still draws; no prices, no chart', async (t) => {
  const falling = new Camera({ symbol: 'ACME', prices: prices([100, 99]) }).draw()
  t.ok(count(falling, DOWN) > 0, 'red')
  t.equal(count(falling, UP), 0)
  const flat = new Camera({ symbol: 'ACME', prices: prices([5, 5, 5]) }).draw()
  t.ok(count(flat, UP) > 60, 'a flat chart: a line across, not a division by zero')
  const single = new Camera({ symbol: 'ACME', prices: prices([5]) }).draw()
  t.ok(count(single, UP) > 0, 'one price: its figure, no line')
  const none = new Camera({ symbol: 'NONE', prices: prices([5]) }).draw()
  t.equal(count(none, UP) + count(none, DOWN), 0, 'a symbol with no prices: clock and name only')
})

t.test('frame() is the drawing as a PNG that decodes to the same pixels', async (t) => {
  const camera = new Camera({ symbol: 'ACME', prices: prices([1, 2, 3]), now: () => NOW })
  const png = camera.frame()
  const image = decodePng(png)
  t.strictSame([image.width, image.height], [FRAME_WIDTH, FRAME_HEIGHT])
  t.equal(rgbAt(png, FRAME_WIDTH - 16, 16), RECORDING, 'the dot, top right')
  t.equal(rgbAt(png, 0, 0), 0x101828, 'the background')
  t.notOk(camera.frame().equals(png), 'the next frame differs: the dot blinks')
})

t.test('start publishes a PNG at once and then every intervalMs; failures cost a frame; stop stops', async (t) => {
  const published: Array<{ channel: string; data: Uint8Array; contentType: string | undefined }> = []
  let fail = false
  const publisher: FramePublisher = {
    async publish(channel, data, options) {
      published.push({ channel, data, contentType: options?.contentType })
      if (fail) throw new Error('hub closed')
    },
  }
  const camera = new Camera({ symbol: 'ACME', prices: prices([1, 2]), channel: 'cam', intervalMs: 10 })
  t.teardown(() => camera.stop())
  camera.start(publisher)
  camera.start(publisher) // a restart, not a second timer
  t.equal(published.length, 2, 'a frame at once, each start')
  fail = true
  await until(() => published.length >= 5, 5000, 'frames despite failures')
  camera.stop()
  const sent = published.length
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(published.length, sent, 'nothing after stop')
  for (const { channel, data, contentType } of published) {
    t.equal(channel, 'cam')
    t.equal(contentType, 'image/png')
    t.equal(decodePng(Buffer.from(data)).width, FRAME_WIDTH)
  }
})
