import t from 'tap'
import { spawn } from 'node:child_process'
import { cpuSecondsBetween, processCpuSeconds, processTreePids, sampleProcesses, sampleProcessTree } from '../../src/bench/process-tree.js'
import { ErrorCode } from '../../src/errors.js'

/** A pid no process has: above the kernel's pid_max. */
const NO_PID = 2 ** 22 + 1

t.test('the tree of this process holds it and a child it starts, with memory and CPU', async (t) => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  await new Promise((resolve) => child.once('spawn', resolve))
  const pids = processTreePids(process.pid)
  t.equal(pids[0], process.pid, 'the root first')
  t.ok(pids.includes(child.pid as number), 'the child is a descendant')
  const before = sampleProcessTree(process.pid)
  t.ok(before.pids.includes(child.pid as number))
  t.ok(before.rssBytes >= process.memoryUsage().rss / 2, 'RSS in bytes, of the right size')
  t.ok(before.pssBytes > 0 && before.pssBytes <= before.rssBytes, 'PSS no more than RSS')
  t.ok(before.ussBytes > 0 && before.ussBytes <= before.pssBytes, 'USS no more than PSS')
  const spin = Date.now() + 150
  while (Date.now() < spin) {
    // Burn some CPU for the tree to show.
  }
  const after = sampleProcessTree(process.pid)
  const used = cpuSecondsBetween(before, after)
  t.ok(used >= 0.05 && used < 5, `the busy loop shows as CPU seconds (${used})`)
})

t.test('a process that started between two samples counts from zero', async (t) => {
  const before = sampleProcesses([process.pid])
  const after = sampleProcesses([process.pid, process.ppid])
  const parentSeconds = after.cpuSeconds.get(process.ppid) as number
  t.ok(cpuSecondsBetween(before, after) >= parentSeconds)
})

t.test('a process that is gone is left out; a missing root is an error', async (t) => {
  const sample = sampleProcesses([NO_PID])
  t.strictSame(sample.pids, [])
  t.equal(sample.rssBytes, 0)
  t.equal(sample.cpuSeconds.size, 0)
  t.throws(() => sampleProcessTree(NO_PID), { code: ErrorCode.INVALID_ARGUMENT, message: `no process ${NO_PID}` })
})

t.test('processCpuSeconds: one process, as the kernel counts it; NaN for a process that is gone', async (t) => {
  const before = processCpuSeconds(process.pid)
  const spin = Date.now() + 150
  while (Date.now() < spin) {
    // Burn some CPU for the kernel to count.
  }
  const used = processCpuSeconds(process.pid) - before
  t.ok(used >= 0.05 && used < 5, `the busy loop shows as CPU seconds (${used})`)
  const own = process.cpuUsage()
  const sampled = sampleProcesses([process.pid]).cpuSeconds.get(process.pid) as number
  t.ok(Math.abs(processCpuSeconds(process.pid) - (own.user + own.system) / 1e6) < 0.5, 'close to what node says it used')
  t.ok(processCpuSeconds(process.pid) >= sampled, 'the same count as sampleProcesses reads')
  t.ok(Number.isNaN(processCpuSeconds(NO_PID)))
})
