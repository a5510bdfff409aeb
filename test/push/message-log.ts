import t from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { MessageLog } from '../../src/push/message-log.js'
import { PushMessage } from '../../src/push/push-message.js'

/** `count` messages whose data is their sequence number as the log will give it, from `first`. */
function messages(first: number, count: number): PushMessage[] {
  return Array.from({ length: count }, (_, i) => new PushMessage({ data: String(first + i) }))
}

/** The data of each message, to compare slices by what they hold. */
function texts(list: readonly PushMessage[]): string[] {
  return list.map((message) => message.text)
}

t.test('defaults: 100 messages, one hour, Date.now', async (t) => {
  const log = new MessageLog()
  t.equal(log.maxMessages, 100)
  t.equal(log.maxAgeMs, 3_600_000)
  t.equal(log.lastSeq, 0)
  t.equal(log.size, 0)
  t.equal(log.append(new PushMessage({ data: 'x' })), 1)
  t.equal(log.size, 1, 'just appended by the wall clock: not expired')
})

t.test('invalid options: NETSERV_INVALID_ARGUMENT', async (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    t.throws(() => new MessageLog({ maxMessages: bad }), { code: ErrorCode.INVALID_ARGUMENT }, `maxMessages ${bad}`)
    t.throws(() => new MessageLog({ maxAgeMs: bad }), { code: ErrorCode.INVALID_ARGUMENT }, `maxAgeMs ${bad}`)
  }
  t.equal(new MessageLog({ maxMessages: 1, maxAgeMs: 1 }).maxMessages, 1)
})

t.test('append numbers from 1; since(after) gives exactly what followed, in order', async (t) => {
  const log = new MessageLog({ maxMessages: 10 })
  const sent = messages(1, 5)
  t.strictSame(
    sent.map((message) => log.append(message)),
    [1, 2, 3, 4, 5],
  )
  t.equal(log.lastSeq, 5)
  t.equal(log.size, 5)
  for (let after = 0; after <= 5; after++) {
    const slice = log.since(after)
    t.strictSame(texts(slice.messages), texts(sent.slice(after)), `since(${after})`)
    t.equal(slice.gap, false, `since(${after}): nothing dropped`)
  }
  t.equal(log.since(2).messages[0], sent[2], 'the very message appended, not a copy')
})

t.test('empty log: nothing, no gap', async (t) => {
  const log = new MessageLog({ maxMessages: 3 })
  t.strictSame(log.since(0), { messages: [], gap: false })
})

t.test('ring wrap: the oldest go, every offset of the ring reads back in order, gap when unseen ones went', async (t) => {
  const capacity = 3
  const log = new MessageLog({ maxMessages: capacity })
  // Enough appends to put the ring's start at every slot, several times over.
  for (let seq = 1; seq <= 4 * capacity + 2; seq++) {
    log.append(new PushMessage({ data: String(seq) }))
    const kept = Math.min(seq, capacity)
    t.equal(log.size, kept)
    const firstKept = seq - kept + 1
    for (let after = 0; after <= seq; after++) {
      const slice = log.since(after)
      const expected: string[] = []
      for (let s = Math.max(after + 1, firstKept); s <= seq; s++) expected.push(String(s))
      t.strictSame(texts(slice.messages), expected, `after ${seq} appends, since(${after})`)
      t.equal(slice.gap, after + 1 < firstKept, `after ${seq} appends, since(${after}) gap`)
    }
  }
})

t.test('age expiry by the injected clock: kept up to maxAgeMs old, then gone, with a gap for the unread', async (t) => {
  let nowMs = 10_000
  const log = new MessageLog({ maxMessages: 10, maxAgeMs: 1000, now: () => nowMs })
  log.append(new PushMessage({ data: 'a' }))
  nowMs += 500
  log.append(new PushMessage({ data: 'b' }))
  nowMs += 500
  t.equal(log.size, 2, 'exactly maxAgeMs old: still kept')
  t.strictSame(texts(log.since(0).messages), ['a', 'b'])
  nowMs += 1
  t.equal(log.size, 1, 'a is older than maxAgeMs')
  t.strictSame(log.since(0).gap, true, 'a was dropped before a reader from 0 saw it')
  t.strictSame(texts(log.since(0).messages), ['b'])
  t.strictSame(texts(log.since(1).messages), ['b'])
  t.equal(log.since(1).gap, false, 'a reader that saw a lost nothing')
  nowMs += 500
  t.equal(log.size, 0, 'everything expired')
  t.strictSame(log.since(2), { messages: [], gap: false }, 'a reader that saw the last one lost nothing')
  t.strictSame(log.since(1), { messages: [], gap: true }, 'a reader that missed b is told')
  t.equal(log.lastSeq, 2, 'numbers never go back')
  t.equal(log.append(new PushMessage({ data: 'c' })), 3)
  t.strictSame(texts(log.since(2).messages), ['c'], 'appending after a full expiry')
  t.equal(log.since(2).gap, false)
})

t.test('expiry is applied by append too, so a full ring of old messages does not push out a fresh one', async (t) => {
  let nowMs = 0
  const log = new MessageLog({ maxMessages: 2, maxAgeMs: 100, now: () => nowMs })
  log.append(new PushMessage({ data: 'old1' }))
  log.append(new PushMessage({ data: 'old2' }))
  nowMs = 1000
  log.append(new PushMessage({ data: 'new' }))
  t.equal(log.size, 1)
  t.strictSame(texts(log.since(2).messages), ['new'])
})

// Regression: since() with a number the log never issued (a client from before a restart, whose
// log started again at 1) gave nothing and no gap, so the client waited for numbers it had
// already seen and silently missed everything until then.
t.test('since() with a cursor the log never issued: everything retained, and a gap', async (t) => {
  const log = new MessageLog({ maxMessages: 5 })
  t.strictSame(log.since(7), { messages: [], gap: true }, 'nothing yet, but the client must start over')
  log.append(new PushMessage({ data: '1' }))
  log.append(new PushMessage({ data: '2' }))
  for (const after of [3, 500, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    const slice = log.since(after)
    t.strictSame(texts(slice.messages), ['1', '2'], `since(${after})`)
    t.equal(slice.gap, true, `since(${after}) gap`)
  }
  t.strictSame(log.since(2), { messages: [], gap: false }, 'the newest number is a known cursor')
})
