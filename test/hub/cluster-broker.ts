/**
 * ClusterBroker and ClusterSequencer over real node:cluster IPC: this test process is the
 * primary, test/fixtures/cluster-worker.ts the workers (loaded through tap's loader, so their
 * coverage counts).
 */
import cluster, { type Worker } from 'node:cluster'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { ClusterBroker, ClusterSequencer, type WorkerChannel } from '../../src/hub/cluster-broker.js'
import { until } from '../fixtures/wire-client.js'

t.setTimeout(90_000)

cluster.setupPrimary({
  exec: fileURLToPath(new URL('../fixtures/cluster-worker.ts', import.meta.url)),
  execArgv: process.execArgv,
  serialization: 'advanced',
  silent: true,
})

interface Line {
  started?: string
  delivered?: string
  channel?: string
  data?: string
  event?: string | null
  contentType?: string | null
  published?: string
  rejected?: string
}

/** A fixture worker, attached to `sequencer`, and what it printed. */
class TestWorker {
  readonly worker: Worker
  readonly lines: Line[] = []

  constructor(t: Test, sequencer: ClusterSequencer) {
    this.worker = cluster.fork()
    sequencer.attach(this.worker)
    let buffered = ''
    this.worker.process.stdout?.setEncoding('utf8').on('data', (text: string) => {
      buffered += text
      const lines = buffered.split('\n')
      buffered = lines.pop() as string
      for (const line of lines) this.lines.push(JSON.parse(line) as Line)
    })
    t.teardown(() => {
      if (this.worker.process.exitCode === null) this.worker.process.kill('SIGKILL')
    })
  }

  get delivered(): string[] {
    return this.lines.filter((line) => line.delivered !== undefined).map((line) => line.delivered as string)
  }

  async started(): Promise<void> {
    await until(() => this.lines.some((line) => line.started !== undefined), 30_000, 'a worker started')
  }

  command(line: string): void {
    this.worker.process.stdin?.write(line + '\n')
  }
}

t.test('the primary numbers, every worker gets every message in order, the publisher before its answer; a late worker gets the history', async (t) => {
  const sequencer = new ClusterSequencer({ epochMs: 1000, maxHistory: 2 })
  t.equal(sequencer.epoch, '1000')
  const one = new TestWorker(t, sequencer)
  const two = new TestWorker(t, sequencer)
  await Promise.all([one.started(), two.started()])
  t.same(one.lines, [{ started: '1000' }], 'no history yet')
  t.equal(sequencer.workerCount, 2)

  // One publish at a time: two workers' publishes reach the primary in either order over IPC,
  // and this test is about numbering and relay, not about which worker wins a race.
  one.command('publish a first')
  await until(() => one.lines.some((line) => line.published === '1000-1'))
  two.command('publish b second frame image/png')
  await until(() => two.lines.some((line) => line.published === '1000-2'))
  one.command('publish a third')
  await until(() => one.delivered.length === 3 && two.delivered.length === 3 && one.lines.filter((line) => line.published).length === 2)
  t.same(one.delivered, ['1000-1', '1000-2', '1000-3'])
  t.same(two.delivered, one.delivered)
  t.same(two.lines.find((line) => line.delivered === '1000-2'), { delivered: '1000-2', channel: 'b', data: 'second', event: 'frame', contentType: 'image/png' })
  t.same(one.lines.find((line) => line.delivered === '1000-1'), { delivered: '1000-1', channel: 'a', data: 'first', event: null, contentType: null })
  // Each publisher saw its message delivered before publish resolved.
  const answerOf = (worker: TestWorker, id: string): number => worker.lines.findIndex((line) => line.published === id)
  t.ok(one.lines.findIndex((line) => line.delivered === '1000-1') < answerOf(one, '1000-1'))
  t.ok(two.lines.findIndex((line) => line.delivered === '1000-2') < answerOf(two, '1000-2'))

  const late = new TestWorker(t, sequencer)
  await late.started()
  t.same(late.delivered, ['1000-2', '1000-3'], 'the newest maxHistory, before started')
  t.same(late.lines.at(-1), { started: '1000' })
  late.command('publish c fourth')
  await until(() => one.delivered.length === 4 && late.delivered.length === 3)
  t.equal(one.delivered.at(-1), '1000-4')

  // A worker gone is dropped from the relay.
  late.command('exit')
  await once(late.worker, 'exit')
  t.equal(sequencer.workerCount, 2)
  one.command('publish a fifth')
  await until(() => two.delivered.length === 5)
})

t.test('close rejects publishes the primary has not answered (NETSERV_HUB_CLOSED)', async (t) => {
  const sequencer = new ClusterSequencer()
  t.match(sequencer.epoch, /^\d{13}$/, 'the epoch: now, in ms')
  const worker = new TestWorker(t, sequencer)
  await worker.started()
  worker.command('close-pending')
  await until(() => worker.lines.some((line) => line.rejected !== undefined))
  t.same(worker.lines.at(-1), { rejected: 'NETSERV_HUB_CLOSED' })
  worker.command('exit')
  await once(worker.worker, 'exit')
})

t.test('ClusterBroker needs an IPC channel', async (t) => {
  const noChannel: WorkerChannel = { on: () => undefined, off: () => undefined }
  t.throws(() => new ClusterBroker(noChannel), { code: 'NETSERV_INVALID_ARGUMENT', message: /cluster worker/ })
})
