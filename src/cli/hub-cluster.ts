/**
 * `netserv hub --workers N`, both sides of node:cluster.
 *
 * The primary ({@link runHubPrimary}) forks N workers that run the same command line; they
 * listen on the same port (the primary accepts and hands connections round-robin). It
 * numbers and relays their messages (ClusterSequencer; idle when the workers use Redis),
 * restarts a worker that dies (at most {@link RESTARTS_PER_MINUTE} a minute, then it stops
 * everything: a crash loop should not look like a service), and on SIGINT or SIGTERM asks
 * every worker to stop, so each hub ends its streams properly, then exits 0.
 *
 * A worker ({@link workerIo}) prints no banner (the primary does) and stops on its own
 * signals or on the primary's `stop` (the primary does not signal listening workers: after a
 * Ctrl-C, which reaches the whole process group, a second signal would kill them at once). A
 * worker whose primary is gone exits at once (node:cluster does that), so none is orphaned.
 */
import cluster, { type Worker } from 'node:cluster'
import { ClusterSequencer, type ClusterNotice } from '../hub/cluster-broker.js'
import type { CliIo, ShutdownSignalListener } from './command.js'
import { serverUrl } from './serve.js'

/** Restarts allowed within any minute before the primary gives up. */
export const RESTARTS_PER_MINUTE = 3

/** What the primary needs to know. */
export interface HubPrimaryOptions {
  workers: number
  /** Messages the primary keeps for restarted workers (the hub's --history). */
  maxHistory: number
}

function ignore(): void {}

/**
 * Runs the primary until a shutdown signal (exit status 0) or a failure: a worker that dies
 * before all are listening, or restarts beyond the bound (1). Resolves when every worker is gone.
 */
export function runHubPrimary(options: HubPrimaryOptions, io: CliIo): Promise<number> {
  // Advanced: Uint8Array data crosses as bytes, not as JSON arrays of numbers.
  cluster.setupPrimary({ serialization: 'advanced' })
  const sequencer = new ClusterSequencer({ maxHistory: options.maxHistory })
  const alive = new Set<Worker>()
  /** Those that are serving: their shutdown listener is in place. */
  const serving = new Set<Worker>()
  let restartTimesMs: number[] = []
  let listening = 0
  let stopping = false
  let status = 0
  return new Promise((resolve) => {
    const stop = (exitStatus: number): void => {
      stopping = true
      status = exitStatus
      removeListener()
      const stopNotice: ClusterNotice = { netservHub: 'stop' }
      for (const worker of alive) {
        // One still starting may not listen for the notice yet; it has no clients either.
        if (serving.has(worker)) worker.send(stopNotice, undefined, undefined, ignore)
        else worker.process.kill('SIGTERM')
      }
    }
    const removeListener = io.onShutdownSignal((signal) => {
      io.err(`netserv hub: ${signal}, stopping ${alive.size} workers\n`)
      stop(0)
    })
    const fork = (): void => {
      const worker = cluster.fork()
      alive.add(worker)
      sequencer.attach(worker)
      worker.on('listening', (address: { address: string; port: number; addressType: number }) => {
        serving.add(worker)
        io.err(`netserv hub: worker ${worker.process.pid} listening\n`)
        if (++listening !== options.workers) return
        const url = serverUrl({ address: address.address, port: address.port, family: `IPv${address.addressType}` })
        io.out(`netserv hub listening on ${url} (${options.workers} workers, Ctrl-C to stop)\n`)
      })
      worker.on('exit', (code: number | null, signal: string | null) => {
        alive.delete(worker)
        serving.delete(worker)
        if (!stopping) onDeath(worker, signal ?? `status ${code}`)
        if (stopping && alive.size === 0) resolve(status)
      })
    }
    const onDeath = (worker: Worker, how: string): void => {
      io.err(`netserv hub: worker ${worker.process.pid} died (${how})\n`)
      if (listening < options.workers) {
        io.err('netserv hub: a worker died before all were listening; stopping\n')
        return stop(1)
      }
      const nowMs = Date.now()
      restartTimesMs = restartTimesMs.filter((timeMs) => nowMs - timeMs < 60_000)
      if (restartTimesMs.length >= RESTARTS_PER_MINUTE) {
        io.err(`netserv hub: ${RESTARTS_PER_MINUTE} restarts within a minute; stopping\n`)
        return stop(1)
      }
      restartTimesMs.push(nowMs)
      fork()
    }
    io.err(`netserv hub: starting ${options.workers} workers\n`)
    for (let i = 0; i < options.workers; i++) fork()
  })
}

/** The process as a worker's hub sees it: no banner, and a shutdown on a signal or on the primary's `stop`. */
export function workerIo(io: CliIo): CliIo {
  return {
    out: ignore,
    err: (text) => io.err(text),
    onShutdownSignal(listener: ShutdownSignalListener): () => void {
      const done = (reason: string): void => {
        remove()
        listener(reason)
      }
      const onNotice = (notice: ClusterNotice): void => {
        if (notice.netservHub === 'stop') done('stop from the primary')
      }
      const removeSignalListener = io.onShutdownSignal(done)
      const remove = (): void => {
        removeSignalListener()
        process.off('message', onNotice)
      }
      process.on('message', onNotice)
      return remove
    },
  }
}
