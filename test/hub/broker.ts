import t from 'tap'
import { LocalBroker, type BrokerMessage } from '../../src/hub/broker.js'

t.test('LocalBroker: epoch from its start time, seq counts up, delivery inside publish', async (t) => {
  const broker = new LocalBroker(1234)
  t.equal(broker.epoch, '1234')
  t.equal(await broker.publish('a', new Uint8Array([1]), {}), '1234-1', 'before start: numbered, delivered nowhere')
  const delivered: BrokerMessage[] = []
  await broker.start((message) => delivered.push(message))
  const data = Buffer.from('x')
  const pending = broker.publish('b', data, { event: 'e', contentType: 'text/x' })
  t.equal(delivered.length, 1, 'delivered before publish resolves')
  t.equal(await pending, '1234-2')
  t.strictSame(delivered[0], { channel: 'b', id: '1234-2', data, event: 'e', contentType: 'text/x' })
  await broker.close()
  await broker.publish('c', data, {})
  t.equal(delivered.length, 1, 'nothing after close')
  const now = Date.now()
  t.ok(Number(new LocalBroker().epoch) >= now)
})
