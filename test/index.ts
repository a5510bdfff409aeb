import t from 'tap'
import * as netserv from '../src/index.js'

t.test('the package exports its nouns and nothing undefined', async (t) => {
  for (const name of ['createServer', 'Server', 'Request', 'Response', 'StaticResponse', 'RequestParser', 'RequestHead', 'TimerWheel', 'TimerEntry', 'defaultWheel', 'systemClock', 'ErrorCode', 'NetservError', 'ParserError', 'METHODS', 'PushMessage', 'PushStream', 'broadcast', 'openStream', 'longPoll', 'MessageLog', 'lastEventIdOf', 'SseFraming', 'MultipartFraming', 'IframeFraming', 'ChunkedFraming', 'Hub', 'LocalBroker', 'ClusterBroker', 'ClusterSequencer', 'isChannelName', 'parseMessageId'] as const) {
    t.not(netserv[name], undefined, name)
  }
  t.equal(Object.values(netserv).filter((value) => value === undefined).length, 0)
})
