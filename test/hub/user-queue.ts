import t from 'tap'
import { ErrorCode } from '../../src/errors.js'
import type { RetainedMessage } from '../../src/hub/channel-history.js'
import { UserQueue } from '../../src/hub/user-queue.js'
import { PushMessage } from '../../src/push/push-message.js'

function entry(seq: number, timeMs: number): RetainedMessage {
  return { message: new PushMessage({ data: `m${seq}` }), id: { epoch: 1, seq }, timeMs }
}

t.test('bounded in number: the oldest goes first; take empties it', async (t) => {
  const queue = new UserQueue({ maxMessages: 2 })
  t.equal(queue.newestTimeMs, -1)
  for (const seq of [1, 2, 3]) queue.push(entry(seq, 0), 0)
  t.equal(queue.size(0), 2)
  t.equal(queue.newestTimeMs, 0)
  t.strictSame(queue.take(0).map((e) => e.id.seq), [2, 3])
  t.equal(queue.size(0), 0)
})

t.test('bounded in time: held for holdMs', async (t) => {
  const queue = new UserQueue({ holdMs: 100 })
  queue.push(entry(1, 0), 0)
  queue.push(entry(2, 60), 60)
  t.equal(queue.size(100), 2)
  t.strictSame(queue.take(101).map((e) => e.id.seq), [2])
  t.equal(new UserQueue().maxMessages, 100)
  t.equal(new UserQueue().holdMs, 60_000)
  t.throws(() => new UserQueue({ holdMs: 0 }), { code: ErrorCode.INVALID_ARGUMENT, message: /userQueue.holdMs/ })
})
