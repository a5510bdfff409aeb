/**
 * user:<id> channels with their queue, and presence.
 */
import t from 'tap'
import { jsonOf, startHub } from '../fixtures/hub-server.js'
import { until } from '../fixtures/wire-client.js'

t.test('user queue: held while the user has no stream, delivered once to the next, bounded in time', async (t) => {
  const { hub, open, clock } = await startHub(t, { userQueue: { maxMessages: 2, holdMs: 1000 } })
  await hub.publish('user:alice', 'one')
  await hub.publish('user:alice', 'two')
  await hub.publish('user:alice', 'three')
  t.equal(hub.stats().channels, 1)
  const first = await open('/sub/news?user=alice')
  t.strictSame((await first.untilEvents(2)).map((e) => e.data), ['two', 'three'], 'the newest maxMessages')
  const second = await open('/sub/news?user=alice')
  const { id } = await hub.publish('user:alice', 'live')
  t.strictSame((await second.untilEvents(1)).map((e) => [e.data, e.lastEventId]), [['live', id]], 'the queue went to the first stream only')
  t.strictSame((await first.untilEvents(3)).map((e) => e.data), ['two', 'three', 'live'])
  first.client.destroy()
  second.client.destroy()
  await until(() => hub.info('user:alice').subscribers === 0)
  await hub.publish('user:alice', 'stale')
  clock.advance(1001)
  await hub.publish('user:alice', 'fresh')
  const third = await open('/sub/news?user=alice')
  t.strictSame((await third.untilEvents(1)).map((e) => e.data), ['fresh'], 'held holdMs, no longer')
})

t.test('user queue and long-poll: a poll with no cursor takes the queue; a resume does not double it', async (t) => {
  const { hub, request } = await startHub(t)
  const { id } = await hub.publish('user:bob', 'note')
  const poll = jsonOf(await request('GET', '/sub/x?transport=longpoll&user=bob')) as { messages: Array<{ data: string; channel: string }>; cursor: string }
  t.strictSame(poll.messages.map((m) => [m.channel, m.data]), [['user:bob', 'note']])
  await hub.publish('user:bob', 'later')
  // Resuming from before both: history has both, the queue has "later"; each comes once.
  const resumed = jsonOf(await request('GET', `/sub/x?transport=longpoll&user=bob&since=${hub.broker.epoch}-0`)) as { messages: Array<{ data: string }> }
  t.strictSame(resumed.messages.map((m) => m.data), ['note', 'later'])
  t.equal(id.split('-')[0], hub.broker.epoch)
  // A held poll on the user's channel takes the message: nothing is queued behind it.
  const client = await request('GET', `/sub/x?transport=longpoll&user=bob&since=${poll.cursor}`)
  t.strictSame((jsonOf(client) as { messages: Array<{ data: string }> }).messages.map((m) => m.data), ['later'])
})

t.test('presence: join and leave with who is present; a second tab neither joins nor leaves', async (t) => {
  const { hub, open } = await startHub(t, { channel: (name) => (name.startsWith('chat') ? { presence: true } : undefined) })
  const alice = await open('/sub/chat.lobby,news?user=alice')
  const [joined] = await alice.untilEvents(1)
  t.strictSame(joined, { type: 'join', data: '{"channel":"chat.lobby","user":"alice","present":["alice"],"subscribers":1}', lastEventId: '' })
  const anonymous = await open('/sub/chat.lobby')
  const bob = await open('/sub/chat.lobby?user=bob')
  const events = await alice.untilEvents(2)
  t.same(JSON.parse(events[1]?.data as string), { channel: 'chat.lobby', user: 'bob', present: ['alice', 'bob'], subscribers: 3 })
  const bobAgain = await open('/sub/chat.lobby?user=bob')
  await hub.publish('chat.lobby', 'hello')
  await alice.untilEvents(3)
  t.equal(alice.events[2]?.data, 'hello', 'no join for a second tab')
  bobAgain.client.destroy()
  await until(() => hub.info('chat.lobby').subscribers === 3)
  bob.client.destroy()
  const [, , , left] = await alice.untilEvents(4)
  t.equal(left?.type, 'leave')
  t.same(JSON.parse(left?.data as string), { channel: 'chat.lobby', user: 'bob', present: ['alice'], subscribers: 2 })
  t.strictSame((await anonymous.untilEvents(3)).map((e) => e.type), ['join', 'message', 'leave'], 'bob came, hello, bob left')
  t.equal(hub.channelSettings('chat.lobby').presence, true)
  t.equal(hub.channelSettings('chat.other').presence, true, 'asked without making the channel')
  t.equal(hub.channelSettings('news').presence, false)
})

t.test('presence: closing the hub tells nobody who left (every stream is ending anyway)', async (t) => {
  const { hub, open } = await startHub(t, { channel: (name) => (name === 'room' ? { presence: true } : undefined) })
  await open('/sub/room?user=ann')
  await open('/sub/room?user=bob')
  const last = await open('/sub/room?user=cy')
  t.strictSame((await last.untilEvents(1)).map((e) => e.type), ['join'])
  await hub.close()
  // Each leave would go to every stream not yet closed, with the whole list of who is left:
  // quadratic in the users present, for events nobody can act on.
  t.strictSame((await last.toEnd()).map((e) => e.type), ['join'])
})

t.test('presence: closeChannel tells its own streams nobody left (they all end); other channels still hear it', async (t) => {
  const { hub, open } = await startHub(t, { channel: (name) => (name.startsWith('room') ? { presence: true } : undefined) })
  const watcher = await open('/sub/room.b')
  await open('/sub/room.a,room.b?user=ann')
  await open('/sub/room.a?user=bob')
  const last = await open('/sub/room.a?user=cy')
  t.strictSame((await last.untilEvents(1)).map((e) => e.type), ['join'])
  t.equal(hub.closeChannel('room.a'), 3)
  t.strictSame((await last.toEnd()).map((e) => e.type), ['join'])
  const [, left] = await watcher.untilEvents(2)
  t.same(JSON.parse(left?.data as string), { channel: 'room.b', user: 'ann', present: [], subscribers: 1 })
})
