import t from 'tap'
import { progressLine } from '../../src/bench/progress-bar.js'

t.test('progressLine: a bar, a percentage, the counts and a label', async (t) => {
  t.equal(progressLine(45_000, 100_000, 'step 3/5', 20), '[#########-----------]  45% 45,000/100,000 step 3/5')
  t.equal(progressLine(0, 10, 'x', 4), '[----]   0% 0/10 x')
  t.equal(progressLine(10, 10, 'x', 4), '[####] 100% 10/10 x')
  t.equal(progressLine(15, 10, 'over', 4), '[####] 100% 15/10 over', 'clamped above')
  t.equal(progressLine(-1, 10, 'under', 4), '[----]   0% -1/10 under', 'clamped below')
  t.equal(progressLine(0, 0, 'nothing to do', 4), '[####] 100% 0/0 nothing to do')
  t.equal(progressLine(1, 3, 'default width').indexOf(']'), 31, '30 cells by default')
})
