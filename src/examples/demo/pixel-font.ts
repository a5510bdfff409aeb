/**
 * A 5x7 pixel font for the camera's frames: digits, capitals and a little punctuation, each
 * glyph drawn as seven rows of five cells ('#' lit, ' ' dark), rows separated by '|'.
 */

/** Glyph width and height in cells. */
export const GLYPH_WIDTH = 5
export const GLYPH_HEIGHT = 7

const GLYPHS: Readonly<Record<string, string>> = {
  '0': ' ### |#   #|#  ##|# # #|##  #|#   #| ### ',
  '1': '  #  | ##  |  #  |  #  |  #  |  #  | ### ',
  '2': ' ### |#   #|    #|   # |  #  | #   |#####',
  '3': '#####|   # |  #  |   # |    #|#   #| ### ',
  '4': '   # |  ## | # # |#  # |#####|   # |   # ',
  '5': '#####|#    |#### |    #|    #|#   #| ### ',
  '6': '  ## | #   |#    |#### |#   #|#   #| ### ',
  '7': '#####|    #|   # |  #  | #   | #   | #   ',
  '8': ' ### |#   #|#   #| ### |#   #|#   #| ### ',
  '9': ' ### |#   #|#   #| ####|    #|   # | ##  ',
  ':': '     |  #  |  #  |     |  #  |  #  |     ',
  '.': '     |     |     |     |     | ##  | ##  ',
  '-': '     |     |     |#####|     |     |     ',
  '+': '     |  #  |  #  |#####|  #  |  #  |     ',
  A: ' ### |#   #|#   #|#####|#   #|#   #|#   #',
  B: '#### |#   #|#   #|#### |#   #|#   #|#### ',
  C: ' ### |#   #|#    |#    |#    |#   #| ### ',
  D: '#### |#   #|#   #|#   #|#   #|#   #|#### ',
  E: '#####|#    |#    |#### |#    |#    |#####',
  F: '#####|#    |#    |#### |#    |#    |#    ',
  G: ' ### |#   #|#    |# ###|#   #|#   #| ####',
  H: '#   #|#   #|#   #|#####|#   #|#   #|#   #',
  I: ' ### |  #  |  #  |  #  |  #  |  #  | ### ',
  J: '  ###|   # |   # |   # |   # |#  # | ##  ',
  K: '#   #|#  # |# #  |##   |# #  |#  # |#   #',
  L: '#    |#    |#    |#    |#    |#    |#####',
  M: '#   #|## ##|# # #|# # #|#   #|#   #|#   #',
  N: '#   #|#   #|##  #|# # #|#  ##|#   #|#   #',
  O: ' ### |#   #|#   #|#   #|#   #|#   #| ### ',
  P: '#### |#   #|#   #|#### |#    |#    |#    ',
  Q: ' ### |#   #|#   #|#   #|# # #|#  # | ## #',
  R: '#### |#   #|#   #|#### |# #  |#  # |#   #',
  S: ' ####|#    |#    | ### |    #|    #|#### ',
  T: '#####|  #  |  #  |  #  |  #  |  #  |  #  ',
  U: '#   #|#   #|#   #|#   #|#   #|#   #| ### ',
  V: '#   #|#   #|#   #|#   #|#   #| # # |  #  ',
  W: '#   #|#   #|#   #|# # #|# # #|# # #| # # ',
  X: '#   #|#   #| # # |  #  | # # |#   #|#   #',
  Y: '#   #|#   #| # # |  #  |  #  |  #  |  #  ',
  Z: '#####|    #|   # |  #  | #   |#    |#####',
}

/** Each glyph as rows of lit cells: `rows[y][x]`. */
const BITMAPS = new Map<string, readonly boolean[][]>(
  Object.entries(GLYPHS).map(([char, drawing]) => [char, drawing.split('|').map((row) => [...row].map((cell) => cell === '#'))]),
)

/**
 * The cells of `char` (`[y][x]`, GLYPH_HEIGHT rows of GLYPH_WIDTH), or undefined for a
 * character the font lacks (a space among them: drawn as nothing).
 */
export function glyph(char: string): readonly boolean[][] | undefined {
  return BITMAPS.get(char)
}
