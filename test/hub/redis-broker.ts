/**
 * RedisBroker against a real redis-server: several brokers on one Redis are the instances of
 * one hub. Outages are real too: a killed redis-server, and one instance's connections killed
 * and refused (an ACL user switched off) while the others go on.
 */
import t, { type Test } from 'tap'
import { createClient } from 'redis'
import type { BrokerMessage } from '../../src/hub/broker.js'
import { describeRedisStatus, RedisBroker, redisUrlLabel, type RedisBrokerOptions, type RedisBrokerStatus } from '../../src/hub/redis-broker.js'
import { freePort, RedisProcess, testRedisUrl, uniqueNamespace } from '../fixtures/redis-server.js'
import { delay, until } from '../fixtures/wire-client.js'

/** A started broker and everything it delivered and reported. */
interface Instance {
  broker: RedisBroker
  delivered: BrokerMessage[]
  statuses: RedisBrokerStatus[]
  ids(): string[]
}

async function instance(t: Test, options: RedisBrokerOptions): Promise<Instance> {
  const delivered: BrokerMessage[] = []
  const statuses: RedisBrokerStatus[] = []
  const broker = new RedisBroker({ maxBackoffMs: 100, ...options, onStatus: (status) => statuses.push(status) })
  t.teardown(() => broker.close())
  await broker.start((message) => delivered.push(message))
  return { broker, delivered, statuses, ids: () => delivered.map((message) => message.id) }
}

async function admin(t: Test, url: string): Promise<ReturnType<typeof createClient>> {
  const client = createClient({ url })
  client.on('error', () => {})
  await client.connect()
  t.teardown(() => client.destroy())
  return client
}

function text(data: Uint8Array): string {
  return Buffer.from(data).toString()
}

/** (epoch, seq) pairs strictly increasing. */
function increasing(ids: string[]): boolean {
  const pairs = ids.map((id) => id.split('-').map(Number) as [number, number])
  return pairs.every((pair, i) => {
    const before = pairs[i - 1]
    return before === undefined || pair[0] > before[0] || (pair[0] === before[0] && pair[1] > before[1])
  })
}

const encoder = new TextEncoder()

t.test('two instances: a publish on either reaches both, in one id order, once; publish resolves after local delivery', async (t) => {
  const url = await testRedisUrl()
  const namespace = uniqueNamespace('both')
  const a = await instance(t, { url, namespace })
  const b = await instance(t, { url, namespace })
  t.equal(a.broker.epoch, b.broker.epoch, 'one epoch, shared through Redis')
  t.match(a.broker.epoch, /^\d{13}$/)
  t.ok(a.broker.connected)
  t.same(a.statuses, [{ type: 'up', epoch: a.broker.epoch }])

  const published: string[] = []
  for (let i = 0; i < 20; i++) {
    const from = i % 2 === 0 ? a : b
    const id = await from.broker.publish(`ch${i % 3}`, encoder.encode(`m${i}`), {})
    t.equal(from.delivered.at(-1)?.id, id, 'delivered here before publish resolved')
    published.push(id)
  }
  t.same(published, published.map((_, i) => `${a.broker.epoch}-${i + 1}`), 'one counter for both')
  await until(() => b.delivered.length === 20 && a.delivered.length === 20)
  t.same(a.ids(), published)
  t.same(b.ids(), published)
  t.same(b.delivered.map((message) => [message.channel, text(message.data)]), published.map((_, i) => [`ch${i % 3}`, `m${i}`]))

  // Concurrent publishes from both: still one order everywhere.
  const concurrent = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).broker.publish('burst', encoder.encode(String(i)), {})))
  await until(() => a.delivered.length === 70 && b.delivered.length === 70)
  t.same(a.ids(), b.ids())
  t.ok(increasing(a.ids()))
  t.same([...concurrent].sort(), a.ids().slice(20).sort())
})

t.test('event, content type and binary data travel; absent ones stay absent', async (t) => {
  const url = await testRedisUrl()
  const namespace = uniqueNamespace('fields')
  const a = await instance(t, { url, namespace })
  const b = await instance(t, { url, namespace })
  const binary = new Uint8Array([0, 255, 13, 10, 0x2d, 0])
  await a.broker.publish('cam', binary.subarray(1, 5), { event: 'frame', contentType: 'image/png' })
  await a.broker.publish('plain', new Uint8Array(0), {})
  await until(() => b.delivered.length === 2)
  const [frame, plain] = b.delivered as [BrokerMessage, BrokerMessage]
  t.same([...frame.data], [255, 13, 10, 0x2d])
  t.equal(frame.event, 'frame')
  t.equal(frame.contentType, 'image/png')
  t.equal(plain.data.length, 0)
  t.equal(plain.event, undefined)
  t.equal(plain.contentType, undefined)
  t.equal(plain.channel, 'plain')
})

t.test('an instance that starts later loads the newest maxHistory messages, then follows', async (t) => {
  const url = await testRedisUrl()
  const namespace = uniqueNamespace('late')
  const a = await instance(t, { url, namespace, maxHistory: 5 })
  for (let i = 0; i < 8; i++) await a.broker.publish('news', encoder.encode(`n${i}`), {})
  const late = await instance(t, { url, namespace, maxHistory: 5 })
  t.same(late.ids(), a.ids().slice(3), 'the newest 5, oldest first, delivered before start resolved')
  const next = await a.broker.publish('news', encoder.encode('n8'), {})
  await until(() => late.delivered.length === 6)
  t.equal(late.delivered[5]?.id, next)
  t.equal(late.broker.epoch, a.broker.epoch)
})

t.test('start rejects NETSERV_REDIS_UNAVAILABLE when Redis cannot be reached within connectTimeoutMs; close is safe in any state', async (t) => {
  const port = await freePort()
  const broker = new RedisBroker({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200, maxBackoffMs: 50 })
  await t.rejects(broker.start(() => {}), { code: 'NETSERV_REDIS_UNAVAILABLE', message: new RegExp(`cannot use Redis at redis://127.0.0.1:${port}: .*ECONNREFUSED`) })
  t.equal(broker.connected, false)
  await broker.close()
  await broker.close()
  await new RedisBroker({ url: `redis://127.0.0.1:${port}` }).close()
  // Reachable but unusable: the ids key holds a string.
  const url = await testRedisUrl()
  const namespace = uniqueNamespace('unusable')
  const client = await admin(t, url)
  await client.set(`{${namespace}}:ids`, 'not a hash')
  await t.rejects(new RedisBroker({ url, namespace }).start(() => {}), { code: 'NETSERV_REDIS_UNAVAILABLE', message: /WRONGTYPE/ })
})

t.test('Redis killed mid-run: reported, local publishes still delivered locally with ids above all before, recovered on restart with ids above the local ones', async (t) => {
  const redis = await RedisProcess.start(t)
  const namespace = uniqueNamespace('killed')
  const a = await instance(t, { url: redis.url, namespace })
  const b = await instance(t, { url: redis.url, namespace })
  await a.broker.publish('x', encoder.encode('before'), {})
  await until(() => b.delivered.length === 1)
  const epochBefore = a.broker.epoch

  // A publish in flight when Redis dies: CLIENT PAUSE holds the script until the kill.
  const client = await admin(t, redis.url)
  await client.sendCommand(['CLIENT', 'PAUSE', '5000', 'WRITE'])
  const inFlight = a.broker.publish('x', encoder.encode('in flight'), {})
  await new Promise((resolve) => setTimeout(resolve, 50))
  await redis.kill()
  const inFlightId = await inFlight
  await until(() => !a.broker.connected && !b.broker.connected)
  t.match(a.statuses.at(-1), { type: 'down', error: Error }, 'reported')
  t.match(b.statuses.at(-1), { type: 'down' })
  t.equal(a.delivered.at(-1)?.id, inFlightId, 'the publish in flight was delivered locally')
  t.equal(text((a.delivered.at(-1) as BrokerMessage).data), 'in flight')

  const during = [await a.broker.publish('x', encoder.encode('during 1'), {}), await a.broker.publish('y', encoder.encode('during 2'), { event: 'e' })]
  t.same(a.ids().slice(-3), [inFlightId, ...during], 'delivered here at once')
  t.ok(increasing(a.ids()), 'above everything delivered before')
  t.not(a.broker.epoch, epochBefore, 'a local epoch')
  t.equal(a.delivered.at(-1)?.event, 'e')
  t.equal(b.delivered.length, 1, 'not on the other instance')

  await redis.restart()
  await until(() => a.broker.connected && b.broker.connected, 10_000, 'both reconnected')
  t.match(a.statuses.at(-1), { type: 'up' })
  t.match(b.statuses.at(-1), { type: 'up' })
  const after = await b.broker.publish('x', encoder.encode('after'), {})
  await until(() => a.delivered.at(-1)?.id === after)
  t.ok(increasing(a.ids()), 'the first id after the outage is above the local ones')
  t.ok(increasing(b.ids()))
  t.equal(a.broker.epoch, b.broker.epoch, 'one epoch again')
  t.equal(a.broker.epoch, after.split('-')[0])
  const again = await a.broker.publish('x', encoder.encode('again'), {})
  await until(() => b.delivered.at(-1)?.id === again)
  t.equal(a.delivered.at(-1)?.id, again)
})

t.test('one instance cut off while the others go on: without local publishes it catches up on everything; with them, what it missed is skipped and reported', async (t) => {
  const url = await testRedisUrl()
  const namespace = uniqueNamespace('cutoff')
  const client = await admin(t, url)
  const user = `netserv-${namespace}`
  await client.sendCommand(['ACL', 'SETUSER', user, 'on', '>secret', '~*', '&*', '+@all'])
  t.teardown(() => client.sendCommand(['ACL', 'DELUSER', user]))
  const cutOff = async (): Promise<void> => {
    await client.sendCommand(['ACL', 'SETUSER', user, 'off'])
    await client.sendCommand(['CLIENT', 'KILL', 'USER', user])
    await until(() => !a.broker.connected)
    // Long enough for several recovery checks to find it still refused.
    await delay(200)
  }
  const restore = async (): Promise<void> => {
    await client.sendCommand(['ACL', 'SETUSER', user, 'on'])
    await until(() => a.broker.connected)
  }
  const a = await instance(t, { url: url.replace('redis://', `redis://${user}:secret@`), namespace })
  const b = await instance(t, { url, namespace })

  await cutOff()
  const missed = [await b.broker.publish('x', encoder.encode('1'), {}), await b.broker.publish('x', encoder.encode('2'), {})]
  t.equal(a.delivered.length, 0)
  await restore()
  await until(() => a.delivered.length === 2)
  t.same(a.ids(), missed, 'read on from its cursor: nothing lost')
  t.notOk(a.statuses.some((status) => status.type === 'skipped'))

  await cutOff()
  const elsewhere = [await b.broker.publish('x', encoder.encode('3'), {}), await b.broker.publish('x', encoder.encode('4'), {})]
  const local = await a.broker.publish('x', encoder.encode('local'), {})
  t.same(a.ids().slice(-1), [local])
  await restore()
  await until(() => a.statuses.some((status) => status.type === 'skipped'))
  t.same(a.statuses.find((status) => status.type === 'skipped'), { type: 'skipped', count: 2 })
  t.notOk(a.ids().some((id) => elsewhere.includes(id)), 'published elsewhere during its local numbering: skipped, not out of order')
  const next = await b.broker.publish('x', encoder.encode('5'), {})
  await until(() => a.delivered.at(-1)?.id === next)
  t.ok(increasing(a.ids()))
  t.ok(increasing(b.ids()))
  t.equal(b.delivered.length, 5, 'b never saw the local message')
})

t.test('Redis refusing the scripts (a key of the wrong type): publishes delivered locally, reported until it is fixed', async (t) => {
  const url = await testRedisUrl()
  const namespace = uniqueNamespace('refused')
  const client = await admin(t, url)
  const a = await instance(t, { url, namespace })
  await a.broker.publish('x', encoder.encode('1'), {})
  await client.del(`{${namespace}}:ids`)
  await client.set(`{${namespace}}:ids`, 'clobbered')
  const id = await a.broker.publish('x', encoder.encode('2'), {})
  t.equal(a.delivered.at(-1)?.id, id, 'delivered locally')
  t.equal(a.broker.connected, false)
  await until(() => a.statuses.filter((status) => status.type === 'down').length >= 2, 5000, 'recovery attempts reported')
  t.match(a.statuses.at(-1), { type: 'down', error: { message: /WRONGTYPE/ } })
  await client.del(`{${namespace}}:ids`)
  await until(() => a.broker.connected)
  const next = await a.broker.publish('x', encoder.encode('3'), {})
  t.equal(a.delivered.at(-1)?.id, next)
  t.ok(increasing(a.ids()))
})

t.test('the reading connection lost while a publish is in flight: delivered locally at once; its entry, read later, skipped', async (t) => {
  const redis = await RedisProcess.start(t)
  const client = await admin(t, redis.url)
  const a = await instance(t, { url: redis.url, namespace: uniqueNamespace('reader') })
  await a.broker.publish('x', encoder.encode('1'), {})
  await client.sendCommand(['CLIENT', 'PAUSE', '300', 'WRITE'])
  const inFlight = a.broker.publish('x', encoder.encode('2'), {})
  const list = String(await client.sendCommand(['CLIENT', 'LIST']))
  const readerId = /^id=(\d+) .*name=netserv-hub-reader /m.exec(list)?.[1] as string
  await client.sendCommand(['CLIENT', 'KILL', 'ID', readerId])
  const id = await inFlight
  t.equal(a.delivered.at(-1)?.id, id)
  t.match(a.statuses.at(-1), { type: 'down' })
  await until(() => a.broker.connected, 5000, 'reconnected after the pause')
  await until(() => a.statuses.some((status) => status.type === 'skipped'))
  t.same(a.statuses.find((status) => status.type === 'skipped'), { type: 'skipped', count: 1 }, 'its Redis copy, already delivered here')
  const next = await a.broker.publish('x', encoder.encode('3'), {})
  t.same(a.delivered.map((message) => text(message.data)), ['1', '2', '3'])
  t.equal(a.delivered.at(-1)?.id, next)
  t.ok(increasing(a.ids()))
})

t.test('without onStatus nothing is reported; a publish after close is not delivered', async (t) => {
  const url = await testRedisUrl()
  const delivered: BrokerMessage[] = []
  const broker = new RedisBroker({ url, namespace: uniqueNamespace('quiet') })
  await broker.start((message) => delivered.push(message))
  await broker.publish('x', encoder.encode('1'), {})
  await broker.close()
  t.match(await broker.publish('x', encoder.encode('2'), {}), /^\d+-\d+$/)
  t.equal(delivered.length, 1)
})

t.test('connect first (to fail before serving), then start; the URL is checked and its password kept out of messages', async (t) => {
  const url = await testRedisUrl()
  const delivered: BrokerMessage[] = []
  const broker = new RedisBroker({ url, namespace: uniqueNamespace('connect') })
  t.teardown(() => broker.close())
  const connecting = broker.connect()
  t.equal(broker.connect(), connecting, 'once')
  await connecting
  t.equal(broker.connected, false, 'not following before start')
  await broker.start((message) => delivered.push(message))
  t.equal(broker.connected, true)
  await broker.publish('x', encoder.encode('1'), {})
  t.equal(delivered.length, 1)

  t.equal(redisUrlLabel('redis://user:secret@10.0.0.1:6379/2'), 'redis://user:***@10.0.0.1:6379/2')
  t.equal(redisUrlLabel('rediss://cache.example'), 'rediss://cache.example')
  for (const bad of ['http://127.0.0.1:6379', '127.0.0.1:6379', '']) {
    t.throws(() => new RedisBroker({ url: bad }), { code: 'NETSERV_INVALID_ARGUMENT', message: /not a Redis URL/ }, bad)
  }
  const port = await freePort()
  await t.rejects(new RedisBroker({ url: `redis://:hunter2@127.0.0.1:${port}`, connectTimeoutMs: 0 }).connect(), {
    code: 'NETSERV_REDIS_UNAVAILABLE',
    message: new RegExp(`^cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: `),
  })
})

t.test('close delivers publishes still in flight locally and stops delivering', async (t) => {
  const url = await testRedisUrl()
  const namespace = uniqueNamespace('close')
  const client = await admin(t, url)
  const a = await instance(t, { url, namespace })
  await client.sendCommand(['CLIENT', 'PAUSE', '300', 'WRITE'])
  const inFlight = a.broker.publish('x', encoder.encode('late'), {})
  await new Promise((resolve) => setTimeout(resolve, 20))
  await a.broker.close()
  const id = await inFlight
  t.equal(a.delivered.at(-1)?.id, id)
  t.equal(a.delivered.length, 1)
  t.equal(a.broker.connected, false)
})

t.test('describeRedisStatus: one line per status', async (t) => {
  t.equal(describeRedisStatus({ type: 'up', epoch: '17' }), 'Redis connected, epoch 17')
  t.match(describeRedisStatus({ type: 'down', error: new Error('ECONNREFUSED') }), /^Redis unreachable \(ECONNREFUSED\): publishes are delivered on this process only/)
  t.match(describeRedisStatus({ type: 'skipped', count: 3 }), /^3 messages from Redis skipped/)
})
