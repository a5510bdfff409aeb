import t from 'tap'
import { Presence, presenceData } from '../../src/hub/presence.js'

t.test('a user joins with the first stream and leaves with the last', async (t) => {
  const presence = new Presence()
  t.equal(presence.join('alice'), true)
  t.equal(presence.join('bob'), true)
  t.equal(presence.join('alice'), false, 'a second tab')
  t.strictSame(presence.present(), ['alice', 'bob'])
  t.equal(presence.leave('alice'), false)
  t.strictSame(presence.present(), ['alice', 'bob'])
  t.equal(presence.leave('alice'), true)
  t.strictSame(presence.present(), ['bob'])
  t.equal(presenceData('chat', 'alice', ['bob'], 3), '{"channel":"chat","user":"alice","present":["bob"],"subscribers":3}')
})
