/**
 * Two `netserv hub --redis` processes on one redis-server are one hub: a subscriber on one
 * gets what is published on the other, a client resumes on either, ids grow across both,
 * and a Redis killed and restarted mid-run is reported and survived.
 */
import t from 'tap'
import { increasing, publish, spawnHub, startHub, subscribe } from '../fixtures/hub-process.js'
import { freePort, RedisProcess } from '../fixtures/redis-server.js'
import { until } from '../fixtures/wire-client.js'

// Each hub process loads the TypeScript source through tap's loader: seconds on a busy box.
t.setTimeout(90_000)

t.test('two instances on one Redis: publish on one, subscribe on the other, resume on either, survive Redis dying', async (t) => {
  // A server of its own: the CLI uses the default key namespace, and this test kills it.
  const redis = await RedisProcess.start(t)
  const [a, b] = await Promise.all([startHub(t, ['--redis', redis.url]), startHub(t, ['--redis', redis.url])])
  t.match(a.stderr, /Redis connected, epoch \d+/)

  const onA = await subscribe(t, a.port, '/sub/news')
  const replies: Array<{ id: string; subscribers: number }> = []
  for (let i = 0; i < 6; i++) replies.push(await publish(i % 2 === 0 ? b.port : a.port, 'news', `m${i}`))
  await until(() => onA.data.length === 6, 10_000, 'six messages on a')
  t.same(onA.data, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'], 'published on both, in order, once')
  t.same(onA.ids, replies.map((reply) => reply.id))
  t.ok(increasing(onA.ids), 'ids grow across the instances')
  t.equal(new Set(onA.ids.map((id) => id.split('-')[0])).size, 1, 'one epoch')

  // The client goes away; two more are published; it comes back on the other instance.
  onA.close()
  const missed = [await publish(a.port, 'news', 'm6'), await publish(b.port, 'news', 'm7')]
  const onB = await subscribe(t, b.port, '/sub/news', onA.ids.at(-1))
  await until(() => onB.data.length === 2, 10_000, 'the replay on b')
  t.same(onB.data, ['m6', 'm7'], 'nothing lost, nothing twice')
  t.same(onB.ids, missed.map((reply) => reply.id))
  t.notOk(onB.events.some((event) => event.type === 'gap'))

  // Redis dies: reported; each instance still delivers its own publishes.
  const onA2 = await subscribe(t, a.port, '/sub/news')
  await redis.kill()
  await until(() => /Redis unreachable/.test(a.stderr) && /Redis unreachable/.test(b.stderr), 10_000, 'the loss reported')
  const local = await publish(a.port, 'news', 'during')
  await until(() => onA2.data.includes('during'), 10_000, 'a local publish delivered')
  t.equal(onA2.ids.at(-1), local.id)
  t.ok(increasing([...onB.ids, local.id]), 'numbered above everything before')
  t.notOk(onB.data.includes('during'), 'not on the other instance')

  await redis.restart()
  await until(() => (a.stderr.match(/Redis connected/g) ?? []).length === 2 && (b.stderr.match(/Redis connected/g) ?? []).length === 2, 15_000, 'both back')
  const after = await publish(b.port, 'news', 'after')
  await until(() => onA2.data.includes('after') && onB.data.includes('after'), 10_000, 'delivered everywhere again')
  t.ok(increasing(onA2.ids), 'above the local ids')
  t.ok(increasing(onB.ids))
  t.equal(onA2.ids.at(-1), after.id)

  a.child.kill('SIGTERM')
  b.child.kill('SIGTERM')
  t.same(await Promise.all([a.exit, b.exit]), [0, 0])
})

t.test('--redis: unreachable at start, exit 1; not a Redis URL, exit 2', async (t) => {
  const port = await freePort()
  const unreachable = spawnHub(t, ['--port', '0', '--redis', `redis://:pw@127.0.0.1:${port}`])
  const bad = spawnHub(t, ['--redis', 'http://127.0.0.1:6379'])
  t.equal(await unreachable.exit, 1)
  t.match(unreachable.stderr, new RegExp(`^netserv hub: cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: `))
  t.equal(unreachable.stdout, '', 'no banner: it never served')
  t.equal(await bad.exit, 2)
  t.match(bad.stderr, /^netserv hub: not a Redis URL/)
})
