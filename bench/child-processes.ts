/**
 * Every process a benchmark starts (servers, load clients, nginx and Apache masters) is stopped
 * on every way out: a normal end, a throw, SIGINT or SIGTERM. A server left behind would hold
 * its port and its memory and skew the next run's figures.
 */
import { spawnSync, type ChildProcess } from 'node:child_process'

const children = new Set<ChildProcess>()
/** Processes that are not our children (nginx's workers): killed by pid if their master did not take them along. */
const strays = new Set<number>()

/** Stopped by `stopAll` and on exit, until it exits by itself. */
export function watch(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** A pid stopped by `stopAll` unless `forgetStray` says it went. */
export function watchStray(pid: number): void {
  strays.add(pid)
}

export function forgetStray(pid: number): void {
  strays.delete(pid)
}

/** SIGKILL, unless it has exited already. */
export function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  children.delete(child)
}

/** `signal` (SIGTERM to let it clean up), then SIGKILL if it is not gone after `graceMs`. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((done) => child.once('exit', done))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

export function stopAll(): void {
  for (const child of children) kill(child)
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  strays.clear()
}

process.on('exit', stopAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopAll()
    process.exit(130)
  })
}

/** Whether `command` is on the PATH. */
export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}
