/**
 * Renders `--help` as a man page: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, then the command's
 * own sections (SIGNALS, EXIT STATUS, EXAMPLES...). OPTIONS is made from the same flag specs
 * the parser checks against, so the page cannot drift from what the command accepts.
 */
import type { FlagSpec, FlagSpecs } from './flags.js'

/** What a page says; the renderer adds the layout. */
export interface ManPage {
  /** `netserv echo` */
  readonly name: string
  /** What it is, in a few words, for the NAME line. */
  readonly summary: string
  /** One usage line each. */
  readonly synopsis: readonly string[]
  /** Paragraphs, separated by blank lines; lines starting with spaces are kept as they are. */
  readonly description: string
  readonly flags: FlagSpecs
  /** Further sections in order: [title, text], text laid out as the description. */
  readonly sections: ReadonlyArray<readonly [string, string]>
}

/** Page width in columns, as a terminal's default. */
const WIDTH = 80
const INDENT = '       '
const NO_BREAK = '\u00a0'

/** The page as text, ending in a newline. */
export function renderManPage(page: ManPage): string {
  const out: string[] = []
  section(out, 'NAME', `${page.name} - ${page.summary}`)
  out.push('SYNOPSIS')
  for (const line of page.synopsis) out.push(INDENT + line)
  out.push('')
  section(out, 'DESCRIPTION', page.description)
  out.push('OPTIONS')
  const rows: Array<[string, string]> = Object.keys(page.flags).map((name) => optionRow(name, page.flags[name] as FlagSpec))
  rows.push(['-h, --help', 'Print this page and exit.'])
  const column = Math.max(...rows.map(([left]) => left.length)) + 3
  for (const [left, right] of rows) {
    const lines = wrap(right, WIDTH - INDENT.length - column)
    out.push(INDENT + left.padEnd(column) + (lines[0] as string))
    for (const line of lines.slice(1)) out.push(INDENT + ' '.repeat(column) + line)
  }
  out.push('')
  for (const [title, text] of page.sections) section(out, title, text)
  return out.join('\n')
}

function optionRow(name: string, spec: FlagSpec): [string, string] {
  if (spec.type === 'boolean') return [`--${name}`, spec.summary]
  // A no-break space keeps "Default: 8080." on one line.
  const fallback = spec.default === undefined ? '' : ` Default:${NO_BREAK}${spec.default}.`
  return [`--${name} ${spec.valueName}`, spec.summary + fallback]
}

function section(out: string[], title: string, text: string): void {
  out.push(title)
  for (const paragraph of text.split('\n\n')) {
    const lines = paragraph.split('\n')
    // A paragraph of indented lines (examples, tables) keeps its layout.
    if ((lines[0] as string).startsWith(' ')) for (const line of lines) out.push(INDENT + line)
    else for (const line of wrap(lines.join(' '), WIDTH - INDENT.length)) out.push(INDENT + line)
    out.push('')
  }
}

/**
 * Splits `text` into lines of at most `width` columns at spaces, tabs and newlines (a longer
 * word stands alone); a no-break space joins two words and is printed as a space.
 */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/[ \t\n]+/)) {
    if (line === '') line = word
    else if (line.length + 1 + word.length <= width) line += ' ' + word
    else {
      lines.push(line)
      line = word
    }
  }
  lines.push(line)
  return lines.map((wrapped) => wrapped.replaceAll(NO_BREAK, ' '))
}
