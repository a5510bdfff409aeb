/**
 * `netserv hub --workers N` as a user runs it: a primary and its workers, real processes on
 * one port, real SSE clients. Connections go round-robin, so several subscribers land on
 * every worker, and a publish answered by one worker must reach the subscribers of all.
 */
import { createServer } from 'node:net'
import { once } from 'node:events'
import t from 'tap'
import { increasing, publish, spawnHub, startHub, subscribe, type HubProcess } from '../fixtures/hub-process.js'
import { testRedisUrl } from '../fixtures/redis-server.js'
import { until } from '../fixtures/wire-client.js'

// Every worker loads the TypeScript source through tap's loader: seconds each on a busy box.
t.setTimeout(120_000)

function workerPids(hub: HubProcess): number[] {
  return [...hub.stderr.matchAll(/worker (\d+) listening/g)].map((match) => Number(match[1]))
}

t.test('--workers 2: a publish on any worker reaches the subscribers of every worker; a dead worker is restarted with the history, at most 3 times a minute', async (t) => {
  const hub = await startHub(t, ['--workers', '2', '--history', '2'])
  t.match(hub.stdout, /^netserv hub listening on http:\/\/127\.0\.0\.1:\d+\/ \(2 workers, Ctrl-C to stop\)\n$/)
  t.equal(workerPids(hub).length, 2)

  const subscribers = await Promise.all(Array.from({ length: 6 }, () => subscribe(t, hub.port, '/sub/quotes')))
  const replies: Array<{ id: string; subscribers: number }> = []
  for (let i = 0; i < 8; i++) replies.push(await publish(hub.port, 'quotes', `q${i}`))
  await until(() => subscribers.every((subscriber) => subscriber.data.length === 8), 10_000, 'every subscriber has every message')
  for (const subscriber of subscribers) {
    t.same(subscriber.data, ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7'])
    t.same(subscriber.ids, replies.map((reply) => reply.id))
  }
  t.ok(increasing(replies.map((reply) => reply.id)))
  t.ok(replies.some((reply) => reply.subscribers < 6), 'some publishes landed on a worker that held only some subscribers: the others got them through the primary')

  // A worker killed: restarted, and it has the history a resuming client needs.
  const [victim] = workerPids(hub) as [number]
  process.kill(victim, 'SIGKILL')
  await until(() => workerPids(hub).length === 3, 30_000, 'a new worker')
  t.match(hub.stderr, new RegExp(`worker ${victim} died \\(SIGKILL\\)`))
  const resumed = await Promise.all(Array.from({ length: 4 }, () => subscribe(t, hub.port, '/sub/quotes', replies[5]?.id)))
  await until(() => resumed.every((subscriber) => subscriber.data.length === 2), 10_000, 'the replays')
  for (const subscriber of resumed) t.same(subscriber.data, ['q6', 'q7'], 'the last two, on either worker')

  // Dying too often: restarted twice more, then the primary gives up.
  for (let restarts = 2; restarts <= 3; restarts++) {
    process.kill(workerPids(hub).at(-1) as number, 'SIGKILL')
    await until(() => workerPids(hub).length === restarts + 2, 30_000, `restart ${restarts}`)
  }
  process.kill(workerPids(hub).at(-1) as number, 'SIGKILL')
  t.equal(await hub.exit, 1)
  t.match(hub.stderr, /3 restarts within a minute; stopping/)
})

t.test('--workers with the port taken: exit 1', async (t) => {
  const taken = createServer().listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.teardown(() => taken.close())
  const { port } = taken.address() as { port: number }
  const hub = spawnHub(t, ['--workers', '2', '--port', String(port)])
  t.equal(await hub.exit, 1)
  t.match(hub.stderr, /cannot listen/)
  t.match(hub.stderr, /a worker died before all were listening; stopping/)
})

t.test('--workers 2 --redis: each worker an instance on Redis; SIGTERM ends every stream properly, exit 0, also while workers are starting', async (t) => {
  const hub = await startHub(t, ['--workers', '2', '--redis', await testRedisUrl()])
  t.equal(hub.stderr.match(/Redis connected/g)?.length, 2)
  const subscribers = await Promise.all(Array.from({ length: 4 }, () => subscribe(t, hub.port, '/sub/redis')))
  const replies: Array<{ id: string; subscribers: number }> = []
  for (let i = 0; i < 4; i++) replies.push(await publish(hub.port, 'redis', `r${i}`))
  await until(() => subscribers.every((subscriber) => subscriber.data.length === 4), 10_000, 'every subscriber has every message')
  for (const subscriber of subscribers) t.same(subscriber.ids, replies.map((reply) => reply.id))

  const ended = subscribers.map((subscriber) => once(subscriber.socket, 'end'))
  const early = spawnHub(t, ['--workers', '2', '--port', '0'])
  hub.child.kill('SIGTERM')
  await Promise.all(ended)
  t.equal(await hub.exit, 0)
  t.match(hub.stderr, /SIGTERM, stopping 2 workers/)
  t.equal(hub.stderr.match(/stop from the primary, closing/g)?.length, 2)

  await until(() => early.stderr.includes('starting 2 workers'), 30_000, 'the primary up')
  early.child.kill('SIGTERM')
  t.equal(await early.exit, 0)
  t.notMatch(early.stdout, /listening/)
})
