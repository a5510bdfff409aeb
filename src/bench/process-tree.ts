/**
 * A server's memory and CPU as Linux sees them, by pid, from /proc: the server is the process
 * given and every descendant (cluster workers, Apache's children, nginx's workers), so a
 * server that spreads over processes is measured whole.
 *
 * Memory is read two ways: the sum of each process's RSS (what `ps` shows; pages shared by
 * several processes, such as the code of forked children, count once per process) and the
 * sum of PSS (a page shared by k processes counts 1/k), and the sum of USS (private pages
 * only: what the tree would give back if it ended). PSS moves when unrelated processes that
 * map the same files (other node processes: the node binary) start or end; USS does not, so
 * it is the one to read a cost per connection from.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { ErrorCode, NetservError } from '../errors.js'

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on every Linux port that runs Node. */
const TICKS_PER_SECOND = 100

/** One reading of a process tree. */
export interface ProcessTreeSample {
  /** The root first, then its descendants. */
  readonly pids: readonly number[]
  /** Sum of VmRSS over the tree, bytes. */
  readonly rssBytes: number
  /** Sum of Pss over the tree (smaps_rollup), bytes. */
  readonly pssBytes: number
  /** Sum of Private_Clean + Private_Dirty over the tree (smaps_rollup), bytes. */
  readonly ussBytes: number
  /** User + system CPU seconds each process has used so far, by pid. */
  readonly cpuSeconds: ReadonlyMap<number, number>
}

/** The file's text, or '' when it cannot be read. */
function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'latin1')
  } catch {
    // The process ended between listing and reading: it is no longer part of the tree.
    return ''
  }
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces). */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(') ') + 2).split(' ')
}

/** User + system CPU seconds from the text of /proc/<pid>/stat; NaN for ''. */
function statCpuSeconds(stat: string): number {
  const fields = statFields(stat)
  // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** User + system CPU seconds process `pid` has used so far, all threads; NaN when it cannot be read (gone, no /proc). */
export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(readOrEmpty(`/proc/${pid}/stat`))
}

/** `root` and every process descending from it. */
export function processTreePids(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    // A process gone meanwhile reads as '': its parent is NaN, no process's pid.
    const parent = Number(statFields(readOrEmpty(`/proc/${entry}/stat`))[1])
    const list = children.get(parent) ?? []
    list.push(Number(entry))
    children.set(parent, list)
  }
  const pids = [root]
  for (let i = 0; i < pids.length; i++) pids.push(...(children.get(pids[i] as number) ?? []))
  return pids
}

/** A `kB` line (`VmRSS:`, `Pss:`) of a /proc file, in bytes. */
function kilobytes(text: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]) * 1024
}

/**
 * Reads the tree under `root` now.
 * @throws NetservError `NETSERV_INVALID_ARGUMENT` when no process `root` exists
 */
export function sampleProcessTree(root: number): ProcessTreeSample {
  if (readOrEmpty(`/proc/${root}/stat`) === '') throw new NetservError(ErrorCode.INVALID_ARGUMENT, `no process ${root}`)
  return sampleProcesses(processTreePids(root))
}

/** Reads the processes `pids` now; one that has ended is left out. */
export function sampleProcesses(pids: readonly number[]): ProcessTreeSample {
  let rssBytes = 0
  let pssBytes = 0
  let ussBytes = 0
  const found: number[] = []
  const cpuSeconds = new Map<number, number>()
  for (const pid of pids) {
    const stat = readOrEmpty(`/proc/${pid}/stat`)
    const status = readOrEmpty(`/proc/${pid}/status`)
    const rollup = readOrEmpty(`/proc/${pid}/smaps_rollup`)
    if (stat === '' || status === '' || rollup === '') continue
    found.push(pid)
    rssBytes += kilobytes(status, 'VmRSS')
    pssBytes += kilobytes(rollup, 'Pss')
    ussBytes += kilobytes(rollup, 'Private_Clean') + kilobytes(rollup, 'Private_Dirty')
    cpuSeconds.set(pid, statCpuSeconds(stat))
  }
  return { pids: found, rssBytes, pssBytes, ussBytes, cpuSeconds }
}

/**
 * CPU seconds the tree used between two samples: each process of `after` counts from its
 * reading in `before`, or from 0 when it started in between. (A process that ended in between
 * takes its last stretch with it.)
 */
export function cpuSecondsBetween(before: ProcessTreeSample, after: ProcessTreeSample): number {
  let total = 0
  for (const [pid, seconds] of after.cpuSeconds) total += seconds - (before.cpuSeconds.get(pid) ?? 0)
  return total
}
