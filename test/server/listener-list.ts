import t from 'tap'
import { addListener, callListeners, type ListenerList } from '../../src/server/listener-list.js'

type Listener = (this: void, a: string, b: number) => void

t.test('none, one, then many: null, the function itself, then one array kept in order', async (t) => {
  const calls: string[] = []
  const listener = (name: string): Listener => (a, b) => calls.push(`${name}:${a}${b}`)
  let list: ListenerList<Listener> = null
  callListeners(list, 'x', 0)
  t.strictSame(calls, [], 'no listener, no call')
  const first = listener('first')
  list = addListener(list, first)
  t.equal(list, first, 'one listener is stored as itself: no array')
  callListeners(list, 'a', 1)
  list = addListener(list, listener('second'))
  t.ok(Array.isArray(list), 'an array from the second on')
  const array = list
  list = addListener(list, listener('third'))
  t.equal(list, array, 'the third joins the same array')
  callListeners(list, 'b', 2)
  t.strictSame(calls, ['first:a1', 'first:b2', 'second:b2', 'third:b2'])
})
