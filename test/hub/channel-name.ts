import t from 'tap'
import { checkChannelList, checkChannelName, checkUserName, isChannelName, userChannel } from '../../src/hub/channel-name.js'
import { ErrorCode } from '../../src/errors.js'

t.test('channel names: 1-128 characters of A-Za-z0-9_.:~-', async (t) => {
  for (const good of ['a', 'user:alice', 'chat.lobby', 'A_b-c~d:e.f', 'x'.repeat(128)]) t.ok(isChannelName(good), good)
  for (const bad of ['', 'x'.repeat(129), 'a b', 'a/b', 'a,b', 'é', 'a%20']) {
    t.notOk(isChannelName(bad), bad)
    t.throws(() => checkChannelName(bad), { code: ErrorCode.INVALID_CHANNEL, status: 400 })
  }
  t.equal(checkChannelName('ok'), 'ok')
  // A long bad name is cut short in the message.
  t.throws(() => checkChannelName('!'.repeat(500)), { message: /\.\.\." is not a channel name/ })
})

t.test('user names: 1-64 characters of the same alphabet', async (t) => {
  t.equal(checkUserName('alice'), 'alice')
  t.equal(userChannel('alice'), 'user:alice')
  for (const bad of ['', 'x'.repeat(65), 'a b']) t.throws(() => checkUserName(bad), { code: ErrorCode.INVALID_USER, status: 400 })
})

t.test('a subscription names 1-16 channels; duplicates are dropped', async (t) => {
  t.strictSame(checkChannelList(['a', 'b', 'a']), ['a', 'b'])
  t.throws(() => checkChannelList([]), { code: ErrorCode.INVALID_CHANNEL })
  t.throws(() => checkChannelList(['a', '']), { code: ErrorCode.INVALID_CHANNEL })
  const sixteen = Array.from({ length: 16 }, (_, i) => `c${i}`)
  t.equal(checkChannelList(sixteen).length, 16)
  t.throws(() => checkChannelList([...sixteen, 'c16']), { code: ErrorCode.TOO_MANY_CHANNELS, status: 400 })
})
