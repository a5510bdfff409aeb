/**
 * A picture in memory to draw the camera's frames on: RGB bytes, row after row, ready for
 * ./png-encoder.ts. Just the strokes a clock and a chart need: fill, rectangle, line, text.
 * Colours are numbers 0xRRGGBB; whatever falls outside the picture is clipped.
 */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './pixel-font.js'
import type { RgbImage } from './png-encoder.js'

export class Raster implements RgbImage {
  readonly width: number
  readonly height: number
  readonly rgb: Uint8Array

  constructor(width: number, height: number) {
    this.width = width
    this.height = height
    this.rgb = new Uint8Array(width * height * 3)
  }

  /** Sets one pixel; nothing if outside. */
  plot(x: number, y: number, colour: number): void {
    x = Math.round(x)
    y = Math.round(y)
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return
    const at = (y * this.width + x) * 3
    this.rgb[at] = colour >>> 16
    this.rgb[at + 1] = (colour >>> 8) & 0xff
    this.rgb[at + 2] = colour & 0xff
  }

  /** The colour at `x`, `y` (0 outside). */
  pixel(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return 0
    const at = (y * this.width + x) * 3
    return ((this.rgb[at] as number) << 16) | ((this.rgb[at + 1] as number) << 8) | (this.rgb[at + 2] as number)
  }

  /** Fills the rectangle from `x`, `y`, `width` by `height` pixels. */
  rect(x: number, y: number, width: number, height: number, colour: number): void {
    for (let row = y; row < y + height; row++) for (let column = x; column < x + width; column++) this.plot(column, row, colour)
  }

  /** Fills the whole picture. */
  fill(colour: number): void {
    this.rect(0, 0, this.width, this.height, colour)
  }

  /** A straight line, one pixel wide, both ends included (a step per pixel of its longer axis). */
  line(x0: number, y0: number, x1: number, y1: number, colour: number): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1)
    for (let i = 0; i <= steps; i++) this.plot(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps, colour)
  }

  /**
   * Writes `text` in the 5x7 pixel font from its top-left corner, each cell `scale` pixels
   * square, one cell of space between characters; returns the width drawn in pixels.
   */
  text(x: number, y: number, text: string, scale: number, colour: number): number {
    const advance = (GLYPH_WIDTH + 1) * scale
    const chars = [...text]
    for (const [i, char] of chars.entries()) {
      const cells = glyph(char.toUpperCase())
      if (cells === undefined) continue
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let column = 0; column < GLYPH_WIDTH; column++) {
          if ((cells[row] as readonly boolean[])[column] === true) this.rect(x + i * advance + column * scale, y + row * scale, scale, scale, colour)
        }
      }
    }
    return chars.length * advance - scale
  }
}
