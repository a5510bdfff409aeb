import t from 'tap'
import { HubCounters, prometheusText } from '../../src/hub/hub-stats.js'

t.test('Prometheus text: HELP and TYPE per metric, a label per transport', async (t) => {
  const counters = new HubCounters()
  const text = prometheusText({
    connections: 3,
    subscribers: { ...counters.subscribers, sse: 2, longpoll: 1 },
    channels: 4,
    messagesIn: 5,
    messagesOut: 6,
    bytesOut: 7,
    slowReadersDropped: 8,
  })
  t.match(text, '# TYPE netserv_subscribers gauge\nnetserv_subscribers{transport="sse"} 2\nnetserv_subscribers{transport="longpoll"} 1\n')
  for (const line of ['netserv_connections 3', 'netserv_channels 4', 'netserv_messages_in_total 5', 'netserv_messages_out_total 6', 'netserv_bytes_out_total 7', 'netserv_slow_readers_dropped_total 8']) {
    t.match(text, `\n${line}\n`)
  }
  t.match(text, '# TYPE netserv_bytes_out_total counter\n')
  // Every line is a comment or `name{labels} value`.
  for (const line of text.trimEnd().split('\n')) t.match(line, /^(# (HELP|TYPE) netserv_\w+ .+|netserv_\w+(\{transport="\w+"\})? \d+)$/)
})
