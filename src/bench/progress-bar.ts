/**
 * One line of progress for a long benchmark, redrawn in place on stderr with a carriage
 * return: `[#########-----------]  45% 45,000/100,000 label`.
 */
import { formatCount } from './text-table.js'

/** The line for `done` of `total` (clamped to 0..total), `width` cells of bar, then `label`. */
export function progressLine(done: number, total: number, label: string, width = 30): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1
  const filled = Math.round(share * width)
  const percent = `${Math.floor(share * 100)}%`.padStart(4)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${formatCount(done)}/${formatCount(total)} ${label}`
}
