/**
 * The browser client (/netserv.js) in Chromium against a netserv server speaking the hub's
 * wire protocol (a real Hub): each transport receives what its channels publish, resumes from `since`,
 * learns of gaps, sees presence; the classic script works as the module does.
 */

import t from 'tap'
import { launchChromium } from '../fixtures/browser.js'
import { openClientPage, startHub, stateOf, subscribeIn, TRANSPORTS, unsubscribeIn, waitForMessages, waitForSubscribers } from '../fixtures/client-page.js'
import { delay } from '../fixtures/wire-client.js'

const context = await launchChromium(t)

for (const transport of TRANSPORTS) {
  t.test(`${transport}: messages of the subscribed channels, in order, with their ids and events`, async (t) => {
    const hub = await startHub(t)
    const { page, errors } = await openClientPage(context, hub.origin)
    await subscribeIn(page, 's', ['quotes', 'news'], { transport, events: ['headline'] })
    await waitForSubscribers(hub, 1)
    const first = await hub.publish('quotes', 'ACME 12.5')
    await hub.publish('elsewhere', 'not for this page')
    const second = await hub.publish('news', 'line one\nline two \u20ac', 'headline')
    await waitForMessages(page, 's', 2)
    await delay(50)
    const state = await stateOf(page, 's')
    // Only long-poll replies say which channel a message is from.
    const channels = transport === 'longpoll' ? [{ channel: 'quotes' }, { channel: 'news' }] : [{}, {}]
    t.strictSame(state.received, [
      { id: first, data: 'ACME 12.5', ...channels[0] },
      { id: second, event: 'headline', data: 'line one\nline two \u20ac', ...channels[1] },
    ])
    t.strictSame(
      state.statuses.map((status) => [status.state, status.transport]),
      [
        ['connecting', transport],
        ['open', transport],
      ],
    )
    const request = hub.requests[0]
    t.equal(request?.path, '/sub/quotes,news')
    t.equal(request?.transport, transport)
    t.strictSame(errors, [], 'no page error')
    t.strictSame(hub.errors, [], 'no handler failed')
    await page.close()
  })
}

for (const transport of TRANSPORTS) {
  t.test(`${transport}: since resumes after an id; a since the hub cannot place gives a gap, then what it has`, async (t) => {
    const hub = await startHub(t)
    const ids = [await hub.publish('quotes', 'a'), await hub.publish('quotes', 'b'), await hub.publish('quotes', 'c')]
    const { page } = await openClientPage(context, hub.origin)
    await subscribeIn(page, 'resumed', 'quotes', { transport, since: ids[0] as string })
    await subscribeIn(page, 'stranger', 'quotes', { transport, since: '1-1' })
    await waitForMessages(page, 'resumed', 2)
    await waitForMessages(page, 'stranger', 4)
    const channel = transport === 'longpoll' ? { channel: 'quotes' } : {}
    t.strictSame((await stateOf(page, 'resumed')).received, [
      { id: ids[1], data: 'b', ...channel },
      { id: ids[2], data: 'c', ...channel },
    ])
    t.strictSame((await stateOf(page, 'stranger')).received, [
      { event: 'gap', data: '' },
      { id: ids[0], data: 'a', ...channel },
      { id: ids[1], data: 'b', ...channel },
      { id: ids[2], data: 'c', ...channel },
    ])
    const sinces = hub.requests.map((request) => request.since)
    t.ok(sinces.includes(ids[0]) && sinces.includes('1-1'), 'each asked from its since')
    await page.close()
  })
}

t.test('presence: join and leave reach a subscriber as events', async (t) => {
  const hub = await startHub(t)
  const { page } = await openClientPage(context, hub.origin)
  await subscribeIn(page, 'alice', 'room', { user: 'alice' })
  await waitForMessages(page, 'alice', 1)
  await subscribeIn(page, 'bob', 'room', { user: 'bob' })
  await waitForMessages(page, 'alice', 2)
  await unsubscribeIn(page, 'bob')
  await waitForMessages(page, 'alice', 3)
  const { received } = await stateOf(page, 'alice')
  t.strictSame(received, [
    { event: 'join', data: JSON.stringify({ channel: 'room', user: 'alice', present: ['alice'], subscribers: 1 }) },
    { event: 'join', data: JSON.stringify({ channel: 'room', user: 'bob', present: ['alice', 'bob'], subscribers: 2 }) },
    { event: 'leave', data: JSON.stringify({ channel: 'room', user: 'bob', present: ['alice'], subscribers: 1 }) },
  ])
  t.strictSame(
    hub.requests.map((request) => request.user),
    ['alice', 'bob'],
  )
  await page.close()
})

t.test('the classic script sets window.netserv', async (t) => {
  const hub = await startHub(t)
  const { page, errors } = await openClientPage(context, hub.origin, '/classic.html')
  await subscribeIn(page, 's', 'quotes')
  await waitForSubscribers(hub, 1)
  const id = await hub.publish('quotes', 'x')
  await waitForMessages(page, 's', 1)
  t.strictSame((await stateOf(page, 's')).received, [{ id, data: 'x' }])
  t.equal(await page.evaluate(() => typeof (globalThis as { subscribe?: unknown }).subscribe), 'undefined', 'no global but netserv')
  t.strictSame(errors, [], 'no page error')
  await page.close()
})
