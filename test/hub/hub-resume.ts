/**
 * Resume: the replay/live seam, gaps, several channels under one Last-Event-ID.
 */
import t from 'tap'
import { jsonOf, startHub } from '../fixtures/hub-server.js'
import { delay } from '../fixtures/wire-client.js'

t.test('replay then live under concurrent publishes: every id once, in order', async (t) => {
  const { hub, open } = await startHub(t, { history: { maxMessages: 1000 } })
  const total = 400
  const ids: string[] = []
  let publishing = true
  // Bursts of publishes, each tick, while subscribers come and resume from earlier ids.
  const publisher = (async () => {
    for (let i = 0; i < total; i += 8) {
      const burst = []
      for (let j = i; j < i + 8; j++) burst.push(hub.publish('ticks', String(j)).then((result) => ids.push(result.id)))
      await Promise.all(burst)
      await delay(0)
    }
    publishing = false
  })()
  const streams = []
  while (ids.length < 24) await delay(1)
  for (let k = 0; publishing && k < 6; k++) {
    const since = ids[Math.floor(ids.length / 2)] as string
    streams.push({ since, stream: await open('/sub/ticks', { 'Last-Event-ID': since }) })
    await delay(2)
  }
  await publisher
  t.ok(streams.length >= 2, 'subscribers came while publishing')
  const last = ids[ids.length - 1] as string
  for (const { since, stream } of streams) {
    while (stream.events.at(-1)?.lastEventId !== last) await stream.chunk()
    const seen = stream.events.map((event) => Number(event.lastEventId.split('-')[1]))
    const from = Number(since.split('-')[1]) + 1
    t.strictSame(seen, Array.from({ length: total - from + 1 }, (_, i) => from + i), `from ${since}: no loss, no double`)
    t.equal(stream.events[0]?.type, 'message', 'no gap')
  }
})

t.test('gaps: history too short, another epoch, malformed, from the future; none when nothing of the channel was lost', async (t) => {
  const { hub, open, request } = await startHub(t, { history: { maxMessages: 2 } })
  const epoch = hub.broker.epoch
  const published = []
  for (const data of ['a1', 'a2', 'a3']) published.push((await hub.publish('a', data)).id)
  const b = (await hub.publish('b', 'b1')).id
  const dataOf = async (since: string): Promise<string[]> => {
    const response = await request('GET', `/sub/a?transport=longpoll&since=${encodeURIComponent(since)}`)
    const body = jsonOf(response) as { messages: Array<{ data: string }>; gap: boolean }
    return [String(body.gap), ...body.messages.map((message) => message.data)]
  }
  t.strictSame(await dataOf(published[0] as string), ['false', 'a2', 'a3'], 'a1 seen, a2 a3 retained: no gap')
  t.strictSame(await dataOf(`${epoch}-0`), ['true', 'a2', 'a3'], 'a1 lost')
  t.strictSame(await dataOf('1-1'), ['true', 'a2', 'a3'], 'another epoch')
  t.strictSame(await dataOf('nonsense'), ['true', 'a2', 'a3'], 'malformed')
  t.strictSame(await dataOf(`${epoch}-99`), ['true', 'a2', 'a3'], 'an id this hub never issued')
  // b's single message is retained: resuming b from 0 misses nothing of b.
  const stream = await open(`/sub/b?since=${epoch}-0`)
  const [event] = await stream.untilEvents(1)
  t.strictSame(event, { type: 'message', data: 'b1', lastEventId: b })
  // SSE: the gap event comes before the replay.
  const gapped = await open(`/sub/a`, { 'Last-Event-ID': `${epoch}-0`, Accept: 'text/event-stream' })
  const events = await gapped.untilEvents(3)
  t.strictSame(events.map((e) => [e.type, e.data]), [['gap', ''], ['message', 'a2'], ['message', 'a3']])
})

t.test('one Last-Event-ID resumes several channels, merged in id order', async (t) => {
  const { hub, open } = await startHub(t)
  const first = (await hub.publish('a', 'a1')).id
  await hub.publish('b', 'b1')
  await hub.publish('c', 'not subscribed')
  await hub.publish('a', 'a2')
  await hub.publish('b', 'b2')
  const stream = await open('/sub/a,b', { 'Last-Event-ID': first })
  await stream.untilEvents(3)
  await hub.publish('b', 'b3')
  const events = await stream.untilEvents(4)
  t.strictSame(events.map((event) => event.data), ['b1', 'a2', 'b2', 'b3'])
  const ids = events.map((event) => Number(event.lastEventId.split('-')[1]))
  t.strictSame(ids, [...ids].sort((x, y) => x - y))
})
