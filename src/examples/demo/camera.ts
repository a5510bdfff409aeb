/**
 * The demo's camera, in the style of Netscape's 1995 server push: a picture rendered on the
 * server about once a second and published as image/png to a hub channel, which a page shows
 * with one plain `<img src="/sub/camera?transport=multipart">`: the browser replaces the
 * image with each part of the multipart/x-mixed-replace stream, no script involved.
 *
 * The picture is a clock, one symbol's price chart from the ticker, and a blinking red
 * "recording" dot:
 *
 * ```
 * +--------------------------------------------+
 * | 14:03:27                            (o)    |
 * | ACME                             101.37    |
 * |      __/\    /\_                           |
 * |  ___/    \__/   \___/\__                   |
 * +--------------------------------------------+
 * ```
 */
import { encodePng } from './png-encoder.js'
import { Raster } from './raster.js'

/** Where frames go: a `Hub`, or anything else with its `publish`. */
export interface FramePublisher {
  publish(channel: string, data: Uint8Array, options?: { contentType?: string }): Promise<unknown>
}

/** What the camera films: a symbol's price history (a {@link Ticker} has it). */
export interface PriceSource {
  history(symbol: string): readonly number[]
}

/** Options of a {@link Camera}. */
export interface CameraOptions {
  /** The symbol whose chart is drawn. */
  readonly symbol: string
  /** Its prices. */
  readonly prices: PriceSource
  /** The channel published to. Default `camera`. */
  readonly channel?: string
  /** How often a frame is published, in ms. Default 1000. */
  readonly intervalMs?: number
  /** The clock, ms since the epoch. Default Date.now. */
  readonly now?: () => number
}

/** Frame size: small enough to draw and encode in about a millisecond, big enough to read. */
export const FRAME_WIDTH = 256
export const FRAME_HEIGHT = 144

const BACKGROUND = 0x101828
const GRID = 0x243046
const TEXT = 0xf2f4f8
const DIM = 0x8a94a8
const UP = 0x2ecc71
const DOWN = 0xe74c3c
const RECORDING = 0xff3030

/** Chart area, in pixels. */
const CHART_LEFT = 8
const CHART_TOP = 58
const CHART_WIDTH = FRAME_WIDTH - 16
const CHART_HEIGHT = FRAME_HEIGHT - CHART_TOP - 8

export class Camera {
  readonly channel: string
  readonly #symbol: string
  readonly #prices: PriceSource
  readonly #intervalMs: number
  readonly #now: () => number
  #frames = 0
  #timer: NodeJS.Timeout | undefined

  constructor(options: CameraOptions) {
    this.channel = options.channel ?? 'camera'
    this.#symbol = options.symbol
    this.#prices = options.prices
    this.#intervalMs = options.intervalMs ?? 1000
    this.#now = options.now ?? Date.now
  }

  /** Draws the next frame (the dot blinks: on in even frames). */
  draw(): Raster {
    const frame = new Raster(FRAME_WIDTH, FRAME_HEIGHT)
    frame.fill(BACKGROUND)
    for (let y = CHART_TOP; y <= CHART_TOP + CHART_HEIGHT; y += CHART_HEIGHT / 4) frame.line(CHART_LEFT, y, CHART_LEFT + CHART_WIDTH, y, GRID)
    frame.text(8, 8, clock(new Date(this.#now())), 3, TEXT)
    if (this.#frames++ % 2 === 0) frame.rect(FRAME_WIDTH - 22, 10, 12, 12, RECORDING)
    frame.text(8, 38, this.#symbol, 2, DIM)
    const prices = this.#prices.history(this.#symbol)
    const last = prices[prices.length - 1]
    if (last === undefined) return frame
    const colour = last >= (prices[0] as number) ? UP : DOWN
    const price = last.toFixed(2)
    frame.text(FRAME_WIDTH - 8 - (price.length * 12 - 2), 38, price, 2, colour)
    const low = Math.min(...prices)
    const range = Math.max(...prices) - low || 1 // a flat chart lies along the bottom: no division by 0
    const x = (i: number): number => CHART_LEFT + (CHART_WIDTH * i) / (prices.length - 1)
    const y = (p: number): number => CHART_TOP + CHART_HEIGHT - ((p - low) / range) * CHART_HEIGHT
    for (let i = 1; i < prices.length; i++) frame.line(x(i - 1), y(prices[i - 1] as number), x(i), y(prices[i] as number), colour)
    return frame
  }

  /** The next frame as a PNG file. */
  frame(): Buffer {
    return encodePng(this.draw())
  }

  /** Publishes a frame to `publisher` now, then every intervalMs until {@link stop}. */
  start(publisher: FramePublisher): void {
    this.stop()
    const shoot = (): void => {
      // A failed publish (the hub closing) costs one frame; the next one tries again.
      publisher.publish(this.channel, this.frame(), { contentType: 'image/png' }).catch(() => {})
    }
    shoot()
    this.#timer = setInterval(shoot, this.#intervalMs)
  }

  /** Stops publishing (a no-op when not started). */
  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}

/** `HH:MM:SS` in the server's time zone. */
function clock(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')
}
