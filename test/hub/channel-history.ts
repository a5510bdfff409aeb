import t from 'tap'
import { ErrorCode } from '../../src/errors.js'
import { ChannelHistory, type RetainedMessage } from '../../src/hub/channel-history.js'
import { PushMessage } from '../../src/push/push-message.js'

function entry(seq: number, timeMs = 0, epoch = 5): RetainedMessage {
  return { message: new PushMessage({ data: `m${seq}`, id: `${epoch}-${seq}` }), id: { epoch, seq }, timeMs }
}

const seqs = (entries: RetainedMessage[]): number[] => entries.map((e) => e.id.seq)

t.test('ids far apart: what follows an id, and a gap only when one of this channel is gone', async (t) => {
  const history = new ChannelHistory({ maxMessages: 3 })
  for (const seq of [10, 20, 30]) history.append(entry(seq), 0)
  t.strictSame(seqs(history.after({ epoch: 5, seq: 15 }, 0).messages), [20, 30])
  t.strictSame(seqs(history.after({ epoch: 5, seq: 30 }, 0).messages), [])
  t.equal(history.after({ epoch: 5, seq: 0 }, 0).gap, false)
  history.append(entry(40), 0)
  t.equal(history.size(0), 3)
  t.equal(history.forgottenThrough?.seq, 10)
  // 11..19 were never this channel's: resuming from 10 or later misses nothing.
  t.strictSame(history.after({ epoch: 5, seq: 10 }, 0), { messages: history.all(0).slice(0), gap: false })
  t.strictSame(seqs(history.after({ epoch: 5, seq: 9 }, 0).messages), [20, 30, 40])
  t.equal(history.after({ epoch: 5, seq: 9 }, 0).gap, true)
  t.strictSame(seqs(history.all(0)), [20, 30, 40])
})

t.test('age: older than maxAgeMs is dropped (and remembered as lost)', async (t) => {
  const history = new ChannelHistory({ maxAgeMs: 100 })
  t.equal(history.newestTimeMs, -1)
  history.append(entry(1, 0), 0)
  history.append(entry(2, 50), 50)
  t.equal(history.newestTimeMs, 50)
  t.equal(history.size(100), 2, 'exactly maxAgeMs old is kept')
  t.equal(history.size(101), 1)
  t.equal(history.after({ epoch: 5, seq: 0 }, 101).gap, true)
  t.equal(history.size(151), 0)
  t.equal(history.newestTimeMs, -1)
  t.equal(history.forgottenThrough?.seq, 2)
})

t.test('a long life: spent slots are reclaimed, order kept', async (t) => {
  const history = new ChannelHistory({ maxMessages: 40 })
  for (let seq = 1; seq <= 1000; seq++) history.append(entry(seq), 0)
  t.strictSame(seqs(history.all(0)), Array.from({ length: 40 }, (_, i) => 961 + i))
  t.strictSame(seqs(history.after({ epoch: 5, seq: 990 }, 0).messages), [991, 992, 993, 994, 995, 996, 997, 998, 999, 1000])
})

t.test('what the hub forgot before the channel existed counts as lost', async (t) => {
  const history = new ChannelHistory({}, { epoch: 5, seq: 7 })
  t.equal(history.after({ epoch: 5, seq: 6 }, 0).gap, true)
  t.equal(history.after({ epoch: 5, seq: 7 }, 0).gap, false)
  t.equal(history.maxMessages, 100)
  t.equal(history.maxAgeMs, 3_600_000)
})

t.test('limits are positive integers', async (t) => {
  for (const bad of [0, -1, 1.5, NaN]) {
    t.throws(() => new ChannelHistory({ maxMessages: bad }), { code: ErrorCode.INVALID_ARGUMENT })
    t.throws(() => new ChannelHistory({ maxAgeMs: bad }), { code: ErrorCode.INVALID_ARGUMENT })
  }
})
