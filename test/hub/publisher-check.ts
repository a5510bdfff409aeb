import t from 'tap'
import { isLoopback } from '../../src/hub/publisher-check.js'

t.test('loopback: 127.0.0.0/8 and ::1, plain or IPv4-mapped', async (t) => {
  for (const address of ['127.0.0.1', '127.0.1.9', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(address), address)
  for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '', '1270.0.0.1', '::2']) t.notOk(isLoopback(address), address)
})
