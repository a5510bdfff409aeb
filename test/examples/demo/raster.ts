import t from 'tap'
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from '../../../src/examples/demo/pixel-font.js'
import { Raster } from '../../../src/examples/demo/raster.js'

/** The picture as rows of '#' (not black) and '.' (black), to compare drawings at a glance. */
function picture(raster: Raster): string[] {
  const rows: string[] = []
  for (let y = 0; y < raster.height; y++) {
    let row = ''
    for (let x = 0; x < raster.width; x++) row += raster.pixel(x, y) === 0 ? '.' : '#'
    rows.push(row)
  }
  return rows
}

t.test('plot and pixel: RGB bytes row after row, rounded coordinates, outside ignored', async (t) => {
  const raster = new Raster(3, 2)
  t.equal(raster.rgb.length, 18)
  raster.plot(2, 1, 0x123456)
  t.strictSame([...raster.rgb.subarray(15, 18)], [0x12, 0x34, 0x56], 'the last pixel, R G B')
  t.equal(raster.pixel(2, 1), 0x123456)
  raster.plot(0.6, 0.4, 0xffffff)
  t.equal(raster.pixel(1, 0), 0xffffff, '0.6, 0.4 is pixel 1, 0')
  for (const [x, y] of [
    [-1, 0],
    [0, -1],
    [3, 0],
    [0, 2],
  ] as const) {
    raster.plot(x, y, 0xff0000)
    t.equal(raster.pixel(x, y), 0, `${x},${y} is outside`)
  }
  t.strictSame(picture(raster), ['.#.', '..#'], 'nothing drawn outside wrapped inside')
})

t.test('rect and fill, clipped at the edges', async (t) => {
  const raster = new Raster(4, 3)
  raster.rect(2, 1, 5, 5, 0x010101)
  t.strictSame(picture(raster), ['....', '..##', '..##'])
  raster.fill(0x0000ff)
  t.ok([0, 1, 2, 3].every((x) => [0, 1, 2].every((y) => raster.pixel(x, y) === 0xff)), 'every pixel blue')
})

t.test('line: both ends, one pixel per step of the longer axis, any direction', async (t) => {
  const raster = new Raster(5, 3)
  raster.line(0, 0, 4, 2, 1)
  t.strictSame(picture(raster), ['#....', '.##..', '...##'], 'halves round up')
  const back = new Raster(5, 3)
  back.line(4, 2, 0, 0, 1)
  t.strictSame(picture(back), picture(raster), 'drawn backwards, the same pixels')
  const dot = new Raster(2, 2)
  dot.line(1, 1, 1, 1, 1)
  t.strictSame(picture(dot), ['..', '.#'], 'a line of length 0 is its point')
})

t.test('text: the 5x7 font at a scale, one cell between characters, lower case drawn as capitals', async (t) => {
  const raster = new Raster(11, 7)
  t.equal(raster.text(0, 0, '1:', 1, 1), 11, 'width drawn: two glyphs and the space between')
  t.strictSame(picture(raster), [
    '..#........',
    '.##.....#..',
    '..#.....#..',
    '..#........',
    '..#.....#..',
    '..#.....#..',
    '.###.......',
  ])
  const big = new Raster(10, 14)
  big.text(0, 0, '-', 2, 1)
  t.strictSame(picture(big).slice(5, 9), ['..........', '##########', '##########', '..........'], 'scale 2: cells of 2x2 pixels')
  const lower = new Raster(5, 7)
  lower.text(0, 0, 'a', 1, 1)
  const upper = new Raster(5, 7)
  upper.text(0, 0, 'A', 1, 1)
  t.strictSame(picture(lower), picture(upper))
  const unknown = new Raster(12, 7)
  t.equal(unknown.text(0, 0, ' ?', 1, 1), 11, 'characters the font lacks take their room')
  t.ok(picture(unknown).every((row) => !row.includes('#')), 'and draw nothing')
})

t.test('the font: digits, capitals and . : - +, each seven rows of five cells', async (t) => {
  const chars = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.:-+']
  for (const char of chars) {
    const cells = glyph(char)
    t.equal(cells?.length, GLYPH_HEIGHT, `${char}: ${GLYPH_HEIGHT} rows`)
    t.ok(cells?.every((row) => row.length === GLYPH_WIDTH), `${char}: ${GLYPH_WIDTH} cells a row`)
    t.ok(cells?.some((row) => row.includes(true)), `${char}: something lit`)
  }
  const drawings = new Set(chars.map((char) => JSON.stringify(glyph(char))))
  t.equal(drawings.size, chars.length, 'no two characters look the same')
  t.equal(glyph(' '), undefined)
  t.equal(glyph('a'), undefined, 'capitals only: Raster.text maps lower case')
})
