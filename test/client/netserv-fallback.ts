/**
 * The browser client falling back (no EventSource, SSE refused, long-poll refused) and
 * sending on interactive channels.
 */

import t from 'tap'
import { launchChromium } from '../fixtures/browser.js'
import { openClientPage, startHub, stateOf, subscribeIn, waitForMessages, waitForSubscribers } from '../fixtures/client-page.js'

const context = await launchChromium(t)

t.test('fallback: no EventSource in the page: long-poll', async (t) => {
  const hub = await startHub(t)
  const { page } = await openClientPage(context, hub.origin)
  await page.evaluate(() => {
    delete (globalThis as { EventSource?: unknown }).EventSource
  })
  await subscribeIn(page, 's', 'quotes')
  await waitForSubscribers(hub, 1)
  const id = await hub.publish('quotes', 'x')
  await waitForMessages(page, 's', 1)
  t.strictSame((await stateOf(page, 's')).received, [{ id, data: 'x', channel: 'quotes' }])
  t.strictSame(
    hub.requests.map((request) => request.transport),
    ['longpoll', 'longpoll'],
    'long-poll from the start',
  )
  await page.close()
})

t.test('fallback: SSE refused, then long-poll refused: each is given up at its first failure', async (t) => {
  const hub = await startHub(t)
  hub.refuse.add('sse')
  const { page, errors } = await openClientPage(context, hub.origin)
  await subscribeIn(page, 'poll', 'quotes')
  await waitForSubscribers(hub, 1)
  hub.refuse.add('longpoll')
  await subscribeIn(page, 'frame', 'quotes')
  await waitForSubscribers(hub, 2)
  const id = await hub.publish('quotes', 'x')
  await waitForMessages(page, 'poll', 1)
  await waitForMessages(page, 'frame', 1)
  t.strictSame((await stateOf(page, 'poll')).received, [{ id, data: 'x', channel: 'quotes' }])
  t.strictSame((await stateOf(page, 'frame')).received, [{ id, data: 'x' }])
  t.strictSame(
    hub.requests.slice(0, 5).map((request) => [request.transport, request.refused]),
    [
      ['sse', true],
      ['longpoll', false],
      ['sse', true],
      ['longpoll', true],
      ['iframe', false],
    ],
  )
  t.strictSame(
    (await stateOf(page, 'frame')).statuses.map((status) => [status.state, status.transport]),
    [
      ['connecting', 'sse'],
      ['connecting', 'longpoll'],
      ['connecting', 'iframe'],
      ['open', 'iframe'],
    ],
  )
  t.strictSame(errors.filter((error) => error.startsWith('pageerror')), [], 'no page error')
  await page.close()
})

t.test('send(): publishes on an interactive channel; refusals reject with the status', async (t) => {
  const hub = await startHub(t)
  const { page } = await openClientPage(context, hub.origin)
  await subscribeIn(page, 'chat', 'chat', { events: ['said'] })
  await waitForSubscribers(hub, 1)
  const reply = await page.evaluate(() =>
    (globalThis as unknown as { netserv: typeof import('../../src/client/netserv.js') }).netserv.send('chat', 'hello \u00e9', {
      event: 'said',
      user: 'alice',
    }),
  )
  t.match(reply, { id: /^\d+-1$/, subscribers: 1 })
  t.equal(hub.requests.find((request) => request.method === 'POST')?.user, 'alice')
  await waitForMessages(page, 'chat', 1)
  const plain = await page.evaluate(() =>
    (globalThis as unknown as { netserv: typeof import('../../src/client/netserv.js') }).netserv.send('chat', 'plain'),
  )
  await waitForMessages(page, 'chat', 2)
  t.strictSame((await stateOf(page, 'chat')).received, [
    { id: reply.id, event: 'said', data: 'hello \u00e9' },
    { id: plain.id, data: 'plain' },
  ])
  const refused = await page.evaluate(() =>
    (globalThis as unknown as { netserv: typeof import('../../src/client/netserv.js') }).netserv
      .send('quotes', 'no')
      .then(
        () => null,
        (error: Error & { status: number }) => [error.message, error.status],
      ),
  )
  t.strictSame(refused, ['netserv.send: 403', 403])
  const unreachable = await page.evaluate(() =>
    (globalThis as unknown as { netserv: typeof import('../../src/client/netserv.js') }).netserv
      .send('chat', 'no', { url: 'http://127.0.0.1:1' })
      .then(
        () => null,
        (error: Error & { status: number }) => error.status,
      ),
  )
  t.equal(unreachable, 0, 'status 0: the hub was not reached')
  await page.close()
})
