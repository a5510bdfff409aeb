import t from 'tap'
import { channelPattern } from '../../src/cli/channel-pattern.js'
import { ErrorCode } from '../../src/errors.js'

t.test('* for any run of characters, comma-separated alternatives, . literal', async (t) => {
  const matches = channelPattern('chat*,news,room.*.voice', 'presence')
  for (const yes of ['chat', 'chat.lobby', 'news', 'room.1.voice']) t.ok(matches(yes), yes)
  for (const no of ['news2', 'xchat', 'roomx1.voice', 'room.1xvoice']) t.notOk(matches(no), no)
  t.ok(channelPattern('*', 'x')('anything'))
  for (const bad of ['', 'a,', 'chat?', 'a b', '[ab]']) {
    t.throws(() => channelPattern(bad, 'interactive'), { code: ErrorCode.INVALID_ARGUMENT, message: /^--interactive: / })
  }
})
