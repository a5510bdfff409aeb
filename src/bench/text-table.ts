/**
 * Benchmark results as a Markdown table whose columns are also aligned as plain text, so the
 * same lines read in a terminal and paste into bench/RESULTS.md.
 */

/** A column: its heading and whether its cells are numbers (right-aligned). */
export interface TableColumn {
  readonly heading: string
  readonly numeric?: boolean
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/[\r\n]+/g, ' ')
}

/**
 * The table as lines ending in newlines. A row shorter than the columns is padded with empty
 * cells; a longer one is cut to them.
 */
export function formatTable(columns: readonly TableColumn[], rows: ReadonlyArray<readonly string[]>): string {
  const cells = rows.map((row) => columns.map((_, i) => escapeCell(row[i] ?? '')))
  const headings = columns.map((column) => escapeCell(column.heading))
  const widths = columns.map((_, i) => Math.max(3, (headings[i] as string).length, ...cells.map((row) => (row[i] as string).length)))
  const line = (row: readonly string[]): string =>
    `| ${row.map((cell, i) => (columns[i]?.numeric === true ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number))).join(' | ')} |\n`
  const rule = `| ${widths.map((width, i) => (columns[i]?.numeric === true ? '-'.repeat(width - 1) + ':' : '-'.repeat(width))).join(' | ')} |\n`
  return line(headings) + rule + cells.map(line).join('')
}

/** Bytes as KiB, MiB or GiB with `digits` decimals: 1536 -> `1.50 KiB`. Not finite: `-`. */
export function formatBytes(bytes: number, digits = 2): string {
  if (!Number.isFinite(bytes)) return '-'
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(digits)} ${units[unit]}`
}

/** An integer with thousands separators: 100000 -> `100,000`. Not finite: `-`. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-'
}
