import t, { type Test } from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { CURSOR_HEADER, longPoll, type LongPollOptions, type LongPollSource } from '../../src/push/long-poll.js'
import { MessageLog } from '../../src/push/message-log.js'
import { PushMessage, type PushMessageInit } from '../../src/push/push-message.js'
import type { Request } from '../../src/server/request.js'
import type { Response } from '../../src/server/response.js'
import { defaultWheel } from '../../src/timers/timer-wheel.js'
import { get, startServer, type TestServer } from '../fixtures/test-server.js'
import { delay, until, type RawClient, type RawResponse } from '../fixtures/wire-client.js'

/**
 * A long-poll source over a {@link MessageLog}: cursors are sequence numbers, a missing cursor
 * means "from now". `notifyLate` holds wake-ups back until {@link LogSource.notify}, like a
 * source that batches its notifications.
 */
class LogSource implements LongPollSource {
  readonly log: MessageLog
  waiters: Array<() => void> = []
  /** Every listener ever given, canceled or not. */
  readonly everyWaiter: Array<() => void> = []
  notifyLate = false

  constructor(maxMessages = 100) {
    this.log = new MessageLog({ maxMessages })
  }

  publish(init: PushMessageInit | string): void {
    this.log.append(new PushMessage(typeof init === 'string' ? { data: init } : init))
    if (!this.notifyLate) this.notify()
  }

  notify(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter()
  }

  since(cursor: string | undefined): { messages: PushMessage[]; cursor: string; gap: boolean } {
    const after = cursor === undefined ? this.log.lastSeq : Number(cursor)
    const { messages, gap } = this.log.since(after)
    return { messages, cursor: String(this.log.lastSeq), gap }
  }

  wait(listener: () => void): () => void {
    this.waiters.push(listener)
    this.everyWaiter.push(listener)
    return () => {
      this.waiters = this.waiters.filter((waiter) => waiter !== listener)
    }
  }
}

interface PollBody {
  messages: Array<{ id?: string; event?: string; data: string }>
  cursor: string
  gap: boolean
}

function body(response: RawResponse): PollBody {
  return JSON.parse(response.body.toString('utf8')) as PollBody
}

/** A server whose every request is a poll of `source`, with the cursor from `?cursor=`. */
async function pollServer(t: Test, source: LongPollSource, options: Omit<LongPollOptions, 'wheel'> = {}): Promise<TestServer> {
  const server: TestServer = await startServer(t, {}, (request: Request, response: Response) => {
    longPoll(response, source, request.query.get('cursor') ?? undefined, { ...options, wheel: server.wheel })
  })
  return server
}

/** Nothing arrives on `client` for a while (real time: the poll is held, not late). */
async function nothingFor(t: Test, client: RawClient, ms = 30): Promise<void> {
  await delay(ms)
  t.equal(client.buffered.length, 0, 'nothing sent while held')
}

t.test('immediate answer: every message after the cursor, in one JSON body with the next cursor', async (t) => {
  const source = new LogSource()
  source.publish({ data: 'one', id: 'a', event: 'quote' })
  source.publish('two \u00e9')
  source.publish({ data: Buffer.from([0x68, 0x69]) })
  const { connect } = await pollServer(t, source)
  const client = await connect()
  client.write(get('/poll?cursor=1'))
  const response = await client.response()
  t.equal(response.status, 200)
  t.equal(response.header('content-type'), 'application/json')
  t.equal(response.header('cache-control'), 'no-cache')
  t.equal(response.header(CURSOR_HEADER), '3')
  t.equal(CURSOR_HEADER, 'X-Netserv-Cursor')
  t.equal(response.header('content-length'), String(response.body.length))
  t.equal(response.body.toString(), '{"messages":[{"data":"two \u00e9"},{"data":"hi"}],"cursor":"3","gap":false}')
  client.write(get('/poll?cursor=0'))
  t.strictSame(body(await client.response()).messages, [{ data: 'one', id: 'a', event: 'quote' }, { data: 'two \u00e9' }, { data: 'hi' }], 'id and event only when the message has them; on the same connection')
})

t.test('held until the next message, then answered with it', async (t) => {
  const source = new LogSource()
  source.publish('old')
  const { connect, wheel } = await pollServer(t, source, { timeoutMs: 5000 })
  const client = await connect()
  client.write(get('/poll?cursor=1'))
  await until(() => source.waiters.length === 1)
  await nothingFor(t, client)
  source.publish({ data: 'new', id: '2' })
  const response = await client.response()
  t.equal(response.header(CURSOR_HEADER), '2')
  t.strictSame(body(response), { messages: [{ id: '2', data: 'new' }], cursor: '2', gap: false })
  t.equal(source.waiters.length, 0)
  await until(() => wheel.size === 1)
  t.pass('the hold timeout was canceled (the one entry left is the connection\'s idle timeout)')
})

t.test('timeout: 204 with the cursor header, not before timeoutMs on the fake clock; the connection stays', async (t) => {
  const source = new LogSource()
  source.publish('seen')
  const { connect, clock } = await pollServer(t, source, { timeoutMs: 1000 })
  const client = await connect()
  client.write(get('/poll?cursor=1'))
  await until(() => source.waiters.length === 1)
  clock.advance(990)
  await nothingFor(t, client)
  clock.advance(20)
  const response = await client.response()
  t.equal(response.status, 204)
  t.equal(response.header(CURSOR_HEADER), '1')
  t.equal(response.header('content-length'), undefined)
  t.equal(response.rawBody.length, 0)
  t.equal(source.waiters.length, 0, 'the wait was canceled')
  source.publish('next')
  client.write(get('/poll?cursor=1'))
  t.strictSame(body(await client.response()).messages, [{ data: 'next' }], 'the next poll on the same connection')
})

t.test('nothing is lost between two polls: what is published in between comes with the next poll', async (t) => {
  const source = new LogSource()
  const { connect } = await pollServer(t, source)
  const client = await connect()
  source.publish('m1')
  client.write(get('/poll?cursor=0'))
  const first = body(await client.response())
  t.strictSame(first.messages, [{ data: 'm1' }])
  // The client is busy with m1: two messages go out with no poll held.
  source.publish('m2')
  source.publish('m3')
  client.write(get(`/poll?cursor=${first.cursor}`))
  const second = body(await client.response())
  t.strictSame(second.messages, [{ data: 'm2' }, { data: 'm3' }])
  t.equal(second.cursor, '3')
})

t.test('gap: messages the client never saw were dropped from the history', async (t) => {
  const source = new LogSource(2)
  for (let i = 1; i <= 5; i++) source.publish(String(i))
  const { connect } = await pollServer(t, source)
  const client = await connect()
  client.write(get('/poll?cursor=1'))
  t.strictSame(body(await client.response()), { messages: [{ data: '4' }, { data: '5' }], cursor: '5', gap: true })
  client.write(get('/poll?cursor=3'))
  t.strictSame(body(await client.response()), { messages: [{ data: '4' }, { data: '5' }], cursor: '5', gap: false })
})

t.test('a gap with no message left is answered at once, not held', async (t) => {
  const source: LongPollSource = {
    since: () => ({ messages: [], cursor: '9', gap: true }),
    wait: () => {
      t.fail('not held')
      return () => {}
    },
  }
  const { connect } = await pollServer(t, source)
  const client = await connect()
  client.write(get('/poll?cursor=1'))
  t.strictSame(body(await client.response()), { messages: [], cursor: '9', gap: true })
})

// Regression: a held poll asked its source again with the client's missing cursor when the
// message came, which meant "from now" again, a now past that message: an empty answer.
t.test('a first poll without a cursor (the source says: from now) is answered with the message it waited for', async (t) => {
  const source = new LogSource()
  source.publish('before')
  const { connect } = await pollServer(t, source)
  const client = await connect()
  client.write(get('/poll'))
  await until(() => source.waiters.length === 1)
  source.publish('after')
  t.strictSame(body(await client.response()).messages, [{ data: 'after' }])
})

// Regression: the timeout answered 204 with the source's newest cursor even when messages after
// the client's cursor had arrived and their wake-up had not run yet (a source that batches its
// notifications): the client moved past them and never saw them.
t.test('a message that arrived just before the timeout is answered, not skipped by the 204 cursor', async (t) => {
  const source = new LogSource()
  source.notifyLate = true
  const { connect, clock } = await pollServer(t, source, { timeoutMs: 1000 })
  const client = await connect()
  client.write(get('/poll?cursor=0'))
  await until(() => source.waiters.length === 1)
  source.publish('late')
  clock.advance(1010)
  const response = await client.response()
  t.equal(response.status, 200)
  t.strictSame(body(response), { messages: [{ data: 'late' }], cursor: '1', gap: false })
  t.equal(source.waiters.length, 0, 'the wait was canceled')
  source.notify()
})

// Regression: a client that left while its poll was held (a browser closes with FIN) kept the
// poll, its wait on the source and its timer until the timeout or the next message.
t.test('client gone while held (FIN): the wait and the timer are canceled at once', async (t) => {
  const source = new LogSource()
  const { connect, wheel, server } = await pollServer(t, source, { timeoutMs: 60_000 })
  const client = await connect()
  client.write(get('/poll?cursor=0'))
  await until(() => source.waiters.length === 1)
  t.equal(wheel.size, 1, 'the hold timeout')
  client.destroy()
  await until(() => source.waiters.length === 0)
  await until(() => server.connectionCount === 0)
  t.equal(wheel.size, 0, 'no timer left')
})

t.test('client gone while held (reset): the wait and the timer are canceled', async (t) => {
  const source = new LogSource()
  const { connect, wheel, server } = await pollServer(t, source, { timeoutMs: 60_000 })
  const client = await connect()
  client.write(get('/poll?cursor=0'))
  await until(() => source.waiters.length === 1)
  client.socket.resetAndDestroy()
  await until(() => source.waiters.length === 0)
  await until(() => server.connectionCount === 0)
  t.equal(wheel.size, 0)
  source.publish('nobody')
  t.pass('publishing after the client left wakes nothing')
})

t.test('a poll started after its client left: answered with nothing, held not at all', async (t) => {
  const source = new LogSource()
  let gone!: () => void
  const clientGone = new Promise<void>((resolve) => (gone = resolve))
  const outcomes: string[] = []
  const { connect, wheel } = await startServer(t, {}, async (request, response) => {
    await clientGone
    const waitersBefore = source.waiters.length
    longPoll(response, source, request.query.get('cursor') ?? undefined, { wheel })
    outcomes.push(`${request.query.get('cursor')}: finished ${response.finished}, waiting ${source.waiters.length - waitersBefore}`)
  })
  source.publish('x')
  for (const cursor of ['0', '1']) {
    const client = await connect()
    client.write(get(`/poll?cursor=${cursor}`))
    await delay(10)
    client.socket.resetAndDestroy()
    await client.whenClosed
  }
  await delay(20)
  gone()
  await until(() => outcomes.length === 2)
  t.strictSame(outcomes, ['0: finished true, waiting 0', '1: finished true, waiting 0'], 'with a message to give and with none')
  t.equal(wheel.size, 0)
})

t.test('a source that calls a canceled listener anyway: the answered poll is not answered twice', async (t) => {
  const source = new LogSource()
  const { connect, clock } = await pollServer(t, source, { timeoutMs: 1000 })
  const client = await connect()
  client.write(get('/poll?cursor=0'))
  await until(() => source.waiters.length === 1)
  clock.advance(1010)
  t.equal((await client.response()).status, 204)
  for (const listener of source.everyWaiter) listener()
  client.write(get('/poll?cursor=0'))
  await until(() => source.waiters.length === 1)
  source.publish('once')
  t.strictSame(body(await client.response()).messages, [{ data: 'once' }])
  await delay(10)
  t.equal(client.buffered.length, 0, 'nothing more')
})

t.test('defaults: 25 s on the process-wide wheel', async (t) => {
  const source = new LogSource()
  const { connect } = await startServer(t, {}, (_request, response) => longPoll(response, source, '0'))
  const client = await connect()
  client.write(get('/poll'))
  await until(() => source.waiters.length === 1)
  t.equal(defaultWheel().size, 1, 'held on the default wheel')
  source.publish('y')
  t.strictSame(body(await client.response()).messages, [{ data: 'y' }])
  t.equal(defaultWheel().size, 0)
})

t.test('timeoutMs must be a positive integer', async (t) => {
  const source = new LogSource()
  const thrown: unknown[] = []
  const { connect } = await startServer(t, {}, (request, response) => {
    try {
      longPoll(response, source, '0', { timeoutMs: Number(request.query.get('t')) })
    } catch (error) {
      thrown.push(error)
      response.status = 500
      response.end()
    }
  })
  const client = await connect()
  for (const bad of ['0', '-1', '1.5', 'NaN']) {
    client.write(get(`/poll?t=${bad}`))
    t.equal((await client.response()).status, 500)
  }
  t.equal(thrown.length, 4)
  for (const error of thrown) t.match(error, { code: ErrorCode.INVALID_ARGUMENT })
  t.equal(source.waiters.length, 0)
})
