/**
 * Channels come and go without leaking; the limit on channels; closeChannel and close; the
 * API's refusals; a broker that misbehaves.
 */
import t from 'tap'
import { ErrorCode } from '../../src/errors.js'
import type { Broker, BrokerMessage } from '../../src/hub/broker.js'
import { Hub } from '../../src/hub/hub.js'
import { Framing } from '../../src/push/framing.js'
import { PushStream } from '../../src/push/push-stream.js'
import type { PushMessage } from '../../src/push/push-message.js'
import { startServer } from '../fixtures/test-server.js'
import { jsonOf, requestBytes, startHub, HubStream } from '../fixtures/hub-server.js'
import { until } from '../fixtures/wire-client.js'

t.test('no leaked channels: dropped when nobody listens and nothing is retained', async (t) => {
  const { hub, open, clock } = await startHub(t, { history: { maxAgeMs: 1000 } })
  const streams = []
  for (let i = 0; i < 20; i++) streams.push(await open(`/sub/s${i},shared`))
  t.equal(hub.stats().channels, 21)
  for (const stream of streams) stream.client.destroy()
  await until(() => hub.stats().connections === 0)
  t.equal(hub.stats().channels, 0, 'subscribed, never published: gone with their subscribers')
  await hub.publish('kept', 'x')
  t.equal(hub.stats().channels, 1, 'retained: kept')
  clock.advance(500)
  await hub.publish('kept', 'y')
  clock.advance(600)
  t.equal(hub.info('kept').retained, 1, 'the first expired; the channel stays for the second')
  clock.advance(500)
  t.equal(hub.stats().channels, 0, 'its last message expired: dropped by its timer')
  // Later resumes from before what was forgotten are told so, on any channel.
  const late = await open(`/sub/kept?since=${hub.broker.epoch}-1`)
  await hub.publish('kept', 'z')
  t.strictSame((await late.untilEvents(2)).map((e) => e.type), ['gap', 'message'])
})

t.test('maxChannels: the longest idle channel is evicted; when all have subscribers, 503', async (t) => {
  const { hub, open, request } = await startHub(t, { maxChannels: 3 })
  const old = (await hub.publish('old', '1')).id
  await hub.publish('newer', '2')
  const busy = await open('/sub/busy')
  t.equal(hub.stats().channels, 3)
  await hub.publish('newer', '3')
  await hub.publish('fresh', '4')
  t.equal(hub.info('old').retained, 0, 'old was idle longest: evicted')
  t.equal(hub.info('newer').retained, 2)
  const resumed = await open(`/sub/busy,old?since=${old}`)
  t.equal(hub.info('newer').retained, 0, 'newer, idle longer than fresh, evicted in turn for old')
  t.equal((await resumed.untilEvents(1))[0]?.type, 'gap', 'old was forgotten: a gap')
  await open('/sub/newer')
  const full = await request('GET', '/sub/another')
  t.equal(full.status, 503)
  t.equal((jsonOf(full) as { error: string }).error, ErrorCode.CHANNEL_LIMIT)
  t.equal((await request('GET', '/sub/another?transport=longpoll')).status, 503)
  // Published where there is no room: no subscriber missed it, only its history is lost.
  await hub.publish('another', 'nowhere')
  t.equal(hub.info('another').retained, 0)
  t.equal(hub.stats().channels, 3)
  busy.client.destroy()
})

t.test('closeChannel ends its streams (every channel of each) and answers its polls', async (t) => {
  const { hub, open, server } = await startHub(t)
  const one = await open('/sub/a,b')
  const two = await open('/sub/a')
  const other = await open('/sub/b')
  const poller = await server.connect()
  poller.write(requestBytes('GET', '/sub/a?transport=longpoll'))
  await until(() => hub.stats().subscribers.longpoll === 1)
  t.equal(hub.closeChannel('a'), 3)
  t.equal(hub.closeChannel('nothing'), 0)
  await one.toEnd()
  await two.toEnd()
  t.match(jsonOf(await poller.response()), { messages: [], gap: false })
  t.equal(hub.info('b').subscribers, 1, 'the stream of b alone stays')
  t.equal(other.ended, false)
  t.throws(() => hub.closeChannel('bad name'), { code: ErrorCode.INVALID_CHANNEL })
})

t.test('close: streams end properly, polls are answered, later use is refused', async (t) => {
  const { hub, open, server, request } = await startHub(t)
  const stream = await open('/sub/a?user=x')
  const poller = await server.connect()
  poller.write(requestBytes('GET', '/sub/a,b?transport=longpoll'))
  await until(() => hub.stats().subscribers.longpoll === 1)
  const closing = hub.close()
  t.equal(hub.close(), closing, 'the same promise')
  await closing
  t.equal(hub.closed, true)
  await stream.toEnd()
  t.equal((await poller.response()).status, 200)
  t.equal(hub.stats().channels, 0)
  await t.rejects(hub.publish('a', 'x'), { code: ErrorCode.HUB_CLOSED, status: 503 })
  t.equal((await request('GET', '/sub/a')).status, 503)
  t.equal((await request('POST', '/pub/a', {}, 'x')).status, 503)
})

t.test('the API: refusals, a stream already closed, a framing of the application\'s own', async (t) => {
  const errors: unknown[] = []
  const hub = new Hub({ onError: (error) => errors.push(error), channel: () => { throw new Error('settings failed') } })
  t.teardown(() => hub.close())
  await t.rejects(hub.publish('bad name', 'x'), { code: ErrorCode.INVALID_CHANNEL })
  await t.rejects(hub.publish('a', 'x', { event: 'a\nb' }), { code: ErrorCode.INVALID_EVENT_FIELD })
  await t.rejects(hub.publish('a', 'x', { contentType: '' }), { code: ErrorCode.INVALID_RESPONSE_HEADER })
  const bytes = new Uint8Array([104, 105])
  t.match(await hub.publish('a', bytes, { event: 'e', contentType: 'text/plain' }), { id: `${hub.broker.epoch}-1`, subscribers: 0 })
  t.match(errors, [{ message: 'settings failed' }], 'a channel() that throws is reported; the channel has no settings')
  t.strictSame(hub.channelSettings('z'), { presence: false, interactive: false })
  t.throws(() => new Hub({ maxChannels: 0 }), { code: ErrorCode.INVALID_ARGUMENT })
  t.throws(() => new Hub({ history: { maxMessages: -1 } }), { code: ErrorCode.INVALID_ARGUMENT })
  t.throws(() => new Hub({ userQueue: { holdMs: 0 } }), { code: ErrorCode.INVALID_ARGUMENT })
  t.throws(() => new Hub({ maxSendBytes: 0.5 }), { code: ErrorCode.INVALID_ARGUMENT })
  const received: string[] = []
  const server = await startServer(t, {}, (request, response) => {
    if (request.path === '/head') {
      const stream = new PushStream(response, new PlainFraming())
      t.equal(stream.closed, true, 'HEAD: over at birth')
      hub.subscribe(stream, ['a']).unsubscribe()
      return
    }
    const stream = new PushStream(response, new PlainFraming())
    t.throws(() => hub.subscribe(stream, ['a'], { user: 'bad user' }), { code: ErrorCode.INVALID_USER })
    t.throws(() => hub.poll(response, [], undefined), { code: ErrorCode.INVALID_CHANNEL })
    const subscription = hub.subscribe(stream, ['a'], { since: `${hub.broker.epoch}-0` })
    received.push('subscribed')
    stream.onClose(() => received.push('closed'))
    void hub.publish('a', 'live').then(() => {
      subscription.unsubscribe()
      subscription.unsubscribe()
      return hub.publish('a', 'after unsubscribe')
    }).then(() => stream.close())
  })
  const client = await server.connect()
  client.write('HEAD /head HTTP/1.1\r\nHost: h\r\n\r\n')
  t.equal((await client.response({ head: true })).status, 200)
  t.equal(hub.info('a').subscribers, 0)
  client.write('GET /plain HTTP/1.1\r\nHost: h\r\n\r\n')
  const stream = await HubStream.open(client)
  t.equal(stream.head.header('content-type'), 'text/x-plain-frames')
  await stream.toEnd()
  t.equal(stream.data.toString(), 'hi\nlive\n', 'replayed, then live; nothing after unsubscribe')
  t.equal(hub.stats().connections, 0, 'not counted under any transport, and gone')
})

/** A framing of the application's own: each message's text and a newline. */
class PlainFraming extends Framing {
  constructor() {
    super('plain', 'plain', 'text/x-plain-frames', null, null, null, null)
  }

  encode(message: PushMessage, chunked = false): Buffer {
    const text = Buffer.from(message.text + '\n')
    return chunked ? Buffer.concat([Buffer.from(`${text.length.toString(16)}\r\n`), text, Buffer.from('\r\n')]) : text
  }
}

/** A broker that delivers what the test says, and fails where told. */
class ScriptedBroker implements Broker {
  readonly epoch = '77'
  deliver: ((message: BrokerMessage) => void) | null = null
  failStart = false
  failClose = false

  start(deliver: (message: BrokerMessage) => void): Promise<void> {
    this.deliver = deliver
    return this.failStart ? Promise.reject(new Error('cannot start')) : Promise.resolve()
  }

  publish(): Promise<string> {
    return Promise.resolve('77-1000')
  }

  close(): Promise<void> {
    return this.failClose ? Promise.reject(new Error('cannot close')) : Promise.resolve()
  }
}

t.test('a broker that misbehaves: bad or repeated ids, a start that fails; onError that throws', async (t) => {
  const broker = new ScriptedBroker()
  const errors: unknown[] = []
  const hub = new Hub({ broker, onError: (error) => errors.push(error) })
  const deliver = broker.deliver as (message: BrokerMessage) => void
  const data = Buffer.from('x')
  deliver({ channel: 'a', id: '77-5', data })
  deliver({ channel: 'a', id: '77-5', data })
  deliver({ channel: 'a', id: '77-4', data })
  deliver({ channel: 'a', id: 'nope', data })
  deliver({ channel: 'bad name', id: '77-6', data })
  deliver({ channel: 'a', id: '77-7', data, event: 'x\ny' })
  t.equal(hub.info('a').retained, 1)
  t.equal(errors.length, 5)
  t.match(errors, [{ code: ErrorCode.INVALID_ARGUMENT }, { code: ErrorCode.INVALID_ARGUMENT }, { code: ErrorCode.INVALID_ARGUMENT }, { code: ErrorCode.INVALID_ARGUMENT }, { code: ErrorCode.INVALID_EVENT_FIELD }])
  // The id the broker gave, though not yet delivered here: the channel's count stands in.
  t.strictSame(await hub.publish('a', 'y'), { id: '77-1000', subscribers: 0 })
  await hub.close()
  deliver({ channel: 'a', id: '77-9', data })
  t.equal(errors.length, 5, 'nothing after close')

  const failing = new ScriptedBroker()
  failing.failStart = true
  const warnings: unknown[] = []
  const onWarning = (warning: Error): void => void warnings.push(warning)
  process.on('warning', onWarning)
  t.teardown(() => process.removeListener('warning', onWarning))
  const broken = new Hub({
    broker: failing,
    onError: () => {
      // Not even an Error.
      throw 'onError threw'
    },
  })
  await t.rejects(broken.publish('a', 'x'), { message: 'cannot start' })
  await broken.close()
  await until(() => warnings.length > 0)
  t.match(warnings, [{ message: 'onError threw' }], 'a throwing onError falls back to a process warning')

  const defaultReporting = new Hub({ broker: Object.assign(new ScriptedBroker(), { failClose: true }) })
  await t.rejects(defaultReporting.close(), { message: 'cannot close' })
  ;(defaultReporting.broker as ScriptedBroker).deliver?.({ channel: 'a', id: 'bad', data })
  const before = warnings.length
  const noisy = new Hub({ broker: new ScriptedBroker() })
  ;(noisy.broker as ScriptedBroker).deliver?.({ channel: 'a', id: 'bad', data })
  await until(() => warnings.length > before)
  t.match(warnings.at(-1), { code: ErrorCode.INVALID_ARGUMENT }, 'no onError: a process warning')
  await noisy.close()
})

t.test('a user channel whose history expired stays while its queue holds', async (t) => {
  const { hub, clock, open, request } = await startHub(t, { history: { maxAgeMs: 100 }, userQueue: { holdMs: 1000 } })
  await hub.publish('user:kim', 'waiting')
  clock.advance(500)
  t.equal(hub.info('user:kim').retained, 0)
  t.equal(hub.stats().channels, 1, 'the queue holds it')
  // A HEAD subscription takes nothing and settles the channel again: still held, for the queue.
  t.equal((await request('HEAD', '/sub/x?user=kim')).status, 200)
  t.equal(hub.stats().channels, 1)
  clock.advance(400)
  t.equal(hub.stats().channels, 1, 'its timer is the queue\'s')
  const stream = await open('/sub/x?user=kim')
  t.strictSame((await stream.untilEvents(1)).map((e) => e.data), ['waiting'])
  stream.client.destroy()
  await until(() => hub.stats().channels === 0)
})

t.test('a slow reader is cut and counted', async (t) => {
  const { hub, open } = await startHub(t, { stream: { maxUnwrittenBytes: 64 * 1024 } })
  const stream = await open('/sub/big')
  const { subscribers } = await hub.publish('big', 'x'.repeat(256 * 1024))
  t.equal(subscribers, 0, 'the stream could not take it')
  await stream.client.whenClosed
  t.equal(hub.stats().slowReadersDropped, 1)
  t.equal(hub.stats().connections, 0)
})
