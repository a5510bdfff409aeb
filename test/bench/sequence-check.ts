import t from 'tap'
import { SequenceCheck } from '../../src/bench/sequence-check.js'

t.test('in order: every message taken, the last id kept for a resume', async (t) => {
  const check = new SequenceCheck()
  t.equal(check.lastId, '')
  check.accept(1700, 1, 1)
  check.accept(1700, 5, 2)
  check.accept(1700, 12, 3)
  check.finish(3)
  t.strictSame([check.received, check.missing, check.doubled, check.foreign, check.lastId, check.lastSeq, check.lastN], [3, 0, 0, 0, '1700-12', 12, 3])
})

t.test('a hole in the count and a tail never received are missing', async (t) => {
  const check = new SequenceCheck()
  check.accept(9, 1, 1)
  check.accept(9, 4, 4)
  t.equal(check.missing, 2)
  check.finish(7)
  t.equal(check.missing, 5)
  check.finish(3)
  t.equal(check.missing, 5, 'nothing more when it had everything')
})

t.test('a repeated or earlier id, or a count not above the last, is a double and is not taken', async (t) => {
  const check = new SequenceCheck()
  check.accept(9, 3, 1)
  check.accept(9, 3, 2)
  check.accept(9, 2, 2)
  check.accept(9, 4, 1)
  t.equal(check.doubled, 3)
  t.equal(check.received, 1)
  t.equal(check.lastId, '9-3')
  check.accept(9, 5, 2)
  t.equal(check.missing, 0)
})

t.test('a message of another epoch is foreign, not taken', async (t) => {
  const check = new SequenceCheck()
  check.accept(9, 1, 1)
  check.accept(8, 2, 2)
  t.equal(check.foreign, 1)
  t.equal(check.received, 1)
})
