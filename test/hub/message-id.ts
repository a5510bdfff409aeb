import t from 'tap'
import { compareMessageIds, formatMessageId, parseMessageId } from '../../src/hub/message-id.js'

t.test('ids netserv issues parse back; one spelling each', async (t) => {
  t.strictSame(parseMessageId('1700000000000-42'), { epoch: 1700000000000, seq: 42 })
  t.strictSame(parseMessageId('0-0'), { epoch: 0, seq: 0 })
  t.equal(formatMessageId({ epoch: 7, seq: 9 }), '7-9')
  for (const bad of ['', '1', '1-', '-1', '1-2-3', '01-2', '1-02', '+1-2', '1-2 ', 'a-1', '1.5-2', '99999999999999999-1', '9999999999999999-1']) {
    t.equal(parseMessageId(bad), null, JSON.stringify(bad))
  }
})

t.test('ids order by epoch, then sequence', async (t) => {
  t.ok(compareMessageIds({ epoch: 1, seq: 9 }, { epoch: 2, seq: 1 }) < 0)
  t.ok(compareMessageIds({ epoch: 2, seq: 1 }, { epoch: 2, seq: 0 }) > 0)
  t.equal(compareMessageIds({ epoch: 2, seq: 3 }, { epoch: 2, seq: 3 }), 0)
})
