/**
 * Every transport through /sub, and the long-poll cursor loop.
 */
import t from 'tap'
import { CURSOR_HEADER } from '../../src/push/long-poll.js'
import { jsonOf, startHub } from '../fixtures/hub-server.js'
import { until } from '../fixtures/wire-client.js'

t.test('sse by default and by Accept; event and id as published', async (t) => {
  const { hub, open } = await startHub(t)
  const plain = await open('/sub/q')
  const byAccept = await open('/sub/q', { Accept: 'text/event-stream' })
  t.equal(plain.head.header('content-type'), 'text/event-stream')
  t.equal(byAccept.head.header('content-type'), 'text/event-stream')
  t.equal(plain.head.header('access-control-allow-origin'), '*')
  const { id } = await hub.publish('q', 'line one\nline two', { event: 'quote' })
  for (const stream of [plain, byAccept]) {
    t.strictSame(await stream.untilEvents(1), [{ type: 'quote', data: 'line one\nline two', lastEventId: id }])
  }
})

t.test('multipart by Accept or by name: each message a part with its publish Content-Type', async (t) => {
  const { hub, open, request, errors } = await startHub(t)
  const byAccept = await open('/sub/cam', { Accept: 'multipart/x-mixed-replace' })
  const byName = await open('/sub/cam?transport=multipart')
  const boundary = /boundary="?([^";]+)/.exec(byAccept.head.header('content-type') as string)?.[1] as string
  t.ok(boundary)
  const published = await request('POST', '/pub/cam', { 'Content-Type': 'image/png' }, Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  t.equal(published.status, 200)
  await byAccept.untilData('PNG')
  t.match(byAccept.data.toString('latin1'), `--${boundary}\r\nContent-Type: image/png\r\nContent-Length: 4\r\n\r\n\x89PNG`)
  await byName.untilData('PNG')
  // A part holding the boundary cannot be carried: skipped for that stream, reported, the others go on.
  await hub.publish('cam', `--${boundary}`)
  await hub.publish('cam', 'after', { contentType: 'text/plain' })
  await byAccept.untilData('after')
  t.notMatch(byAccept.data.toString('latin1'), `\r\n\r\n--${boundary}\r\n--`)
  t.match(errors, [{ code: 'NETSERV_BOUNDARY_IN_PART' }, { code: 'NETSERV_BOUNDARY_IN_PART' }], 'reported once per stream')
})

t.test('iframe: parent.<callback>(...) scripts; a bad callback is a 400 before any head', async (t) => {
  const { hub, open, request } = await startHub(t)
  const stream = await open('/sub/q?transport=iframe&callback=feed.push')
  t.equal(stream.head.header('content-type'), 'text/html; charset=utf-8')
  const { id } = await hub.publish('q', 'hi', { event: 'e' })
  const text = await stream.untilData('hi')
  t.match(text, `<script>parent.feed.push({"id":"${id}","event":"e","data":"hi"})</script>`)
  const withDefault = await open('/sub/q?transport=iframe')
  await hub.publish('q', 'again')
  t.match(await withDefault.untilData('again'), 'parent.push({')
  const bad = await request('GET', '/sub/q?transport=iframe&callback=alert(1)')
  t.equal(bad.status, 400)
  t.equal((jsonOf(bad) as { error: string }).error, 'NETSERV_INVALID_CALLBACK')
})

t.test('chunked: each message one chunk of its data', async (t) => {
  const { hub, open } = await startHub(t)
  const stream = await open('/sub/q?transport=chunked')
  await hub.publish('q', 'one')
  t.equal((await stream.chunk())?.toString(), 'one')
})

t.test('an unknown transport is a 400', async (t) => {
  const { request } = await startHub(t)
  const response = await request('GET', '/sub/q?transport=websocket')
  t.equal(response.status, 400)
  t.equal((jsonOf(response) as { error: string }).error, 'NETSERV_INVALID_TRANSPORT')
})

interface PollReply {
  messages: Array<{ id: string; data: string; channel: string; event?: string }>
  cursor: string
  gap: boolean
}

t.test('long-poll: held until a message, the cursor loop loses nothing, 204 with the cursor on timeout', async (t) => {
  const { hub, server, clock, request } = await startHub(t, { longPollTimeoutMs: 1000 })
  const client = await server.connect()
  client.write('GET /sub/a,b?transport=longpoll HTTP/1.1\r\nHost: h\r\n\r\n')
  await until(() => hub.stats().subscribers.longpoll === 1)
  t.equal(hub.info('a').subscribers, 1, 'a held poll is a subscriber')
  const { id: first } = await hub.publish('b', 'b1', { event: 'x' })
  const reply = await client.response()
  t.equal(reply.header(CURSOR_HEADER), first)
  t.equal(reply.header('access-control-expose-headers'), CURSOR_HEADER)
  t.strictSame(jsonOf(reply), { messages: [{ data: 'b1', id: first, event: 'x', channel: 'b' }], cursor: first, gap: false })
  // Published between two polls: the next poll gets it at once.
  await hub.publish('a', 'a1')
  await hub.publish('z', 'not polled')
  client.write(`GET /sub/a,b?transport=longpoll&since=${first} HTTP/1.1\r\nHost: h\r\n\r\n`)
  const second = jsonOf(await client.response()) as PollReply
  t.strictSame(second.messages.map((m) => [m.channel, m.data]), [['a', 'a1']])
  t.equal(second.cursor.split('-')[1], '3', 'the cursor is the hub-wide newest id')
  client.write(`GET /sub/a,b?transport=longpoll&since=${second.cursor} HTTP/1.1\r\nHost: h\r\n\r\n`)
  await until(() => hub.stats().subscribers.longpoll === 1)
  clock.advance(1010)
  const timeout = await client.response()
  t.equal(timeout.status, 204)
  t.equal(timeout.header(CURSOR_HEADER), second.cursor)
  t.equal(hub.stats().subscribers.longpoll, 0)
  t.equal(hub.info('a').subscribers, 0)
  // A poll answered at once on a channel that holds nothing: the channel made for it is gone.
  const head = await request('HEAD', '/sub/never?transport=longpoll&since=1-1')
  t.equal(head.status, 200, 'another epoch: answered at once, with a gap')
  t.equal(head.header(CURSOR_HEADER), second.cursor)
  t.strictSame(hub.info('never'), { subscribers: 0, retained: 0, lastId: null })
  t.equal(hub.stats().channels, 3, 'a, b, z: with messages; nothing else kept')
})
