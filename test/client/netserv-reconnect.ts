/**
 * The browser client reconnecting: the server drops every connection and each transport
 * resumes from its last id with no gap and no double; refused reconnections back off with
 * jitter up to the cap; unsubscribe ends the connection and every timer.
 */

import t from 'tap'
import { launchChromium } from '../fixtures/browser.js'
import { openClientPage, startHub, stateOf, subscribeIn, TRANSPORTS, unsubscribeIn, waitForMessages, waitForStatus, waitForSubscribers } from '../fixtures/client-page.js'
import { delay } from '../fixtures/wire-client.js'

const context = await launchChromium(t)

for (const transport of TRANSPORTS) {
  t.test(`${transport}: the server drops every connection; the client resumes from its last id, no gap, no double`, async (t) => {
    const hub = await startHub(t, { heartbeatMs: 100 })
    const { page, errors } = await openClientPage(context, hub.origin)
    await subscribeIn(page, 's', 'quotes', { transport, minRetryMs: 100, maxRetryMs: 400, maxSilenceMs: 300 })
    await waitForSubscribers(hub, 1)
    const ids = [await hub.publish('quotes', '1'), await hub.publish('quotes', '2')]
    await waitForMessages(page, 's', 2)
    for (let round = 0; round < 3; round++) {
      await waitForSubscribers(hub, 1, 'the subscription back')
      t.equal(hub.dropAll(), 1, 'dropped')
      // Published while the client is away: it must ask for them.
      ids.push(await hub.publish('quotes', String(ids.length + 1)))
      ids.push(await hub.publish('quotes', String(ids.length + 1)))
      await waitForMessages(page, 's', ids.length)
    }
    await waitForSubscribers(hub, 1, 'the last reconnection')
    ids.push(await hub.publish('quotes', 'live'))
    await waitForMessages(page, 's', ids.length)
    await delay(100)
    const { received, statuses } = await stateOf(page, 's')
    t.strictSame(
      received.map((message) => message.id),
      ids,
      'every id once, in order',
    )
    t.notOk(received.some((message) => message.event === 'gap'), 'no gap')
    const subs = hub.requests.filter((request) => request.path === '/sub/quotes')
    t.ok(subs.every((request) => request.transport === transport), 'never left its transport')
    if (transport !== 'longpoll') {
      t.strictSame(
        subs.map((request) => request.since),
        [undefined, ids[1], ids[3], ids[5]],
        'each reconnection asked from the last id seen',
      )
    }
    const waits = statuses.filter((status) => status.state === 'waiting')
    // Chromium itself retries a request whose reused connection broke before any answer, so
    // a dropped poll may come back without the client noticing.
    if (transport !== 'longpoll') t.ok(waits.length >= 3, 'waited before each reconnection')
    t.ok(
      waits.every((status) => (status.delayMs as number) >= 50 && (status.delayMs as number) <= 100),
      'after a good connection the wait starts again from minRetryMs',
    )
    t.strictSame(errors.filter((error) => error.startsWith('pageerror')), [], 'no page error')
    t.strictSame(hub.errors, [], 'no handler failed')
    await page.close()
  })


  t.test(`${transport}: unsubscribe closes the connection and stops every timer`, async (t) => {
    const hub = await startHub(t, { heartbeatMs: 100 })
    const { page } = await openClientPage(context, hub.origin)
    await subscribeIn(page, 's', 'quotes', { transport, minRetryMs: 50, maxRetryMs: 50 })
    await waitForSubscribers(hub, 1)
    await hub.publish('quotes', 'before')
    await waitForMessages(page, 's', 1)
    await unsubscribeIn(page, 's')
    await waitForSubscribers(hub, 0, 'the connection to close')
    const requests = hub.requests.length
    await hub.publish('quotes', 'after')
    await delay(400)
    t.equal(hub.requests.length, requests, 'no request after unsubscribe')
    const { received, statuses } = await stateOf(page, 's')
    t.strictSame(
      received.map((message) => message.data),
      ['before'],
    )
    t.equal(statuses.at(-1)?.state, 'closed')

    // Unsubscribed while waiting to reconnect: the timer goes too.
    await subscribeIn(page, 'w', 'quotes', { transport, minRetryMs: 200, maxRetryMs: 200, maxSilenceMs: 300 })
    await waitForSubscribers(hub, 1)
    await hub.publish('quotes', 'one')
    await waitForMessages(page, 'w', 1)
    hub.refuse.add(transport)
    hub.dropAll()
    await waitForStatus(page, 'w', 'waiting')
    await unsubscribeIn(page, 'w')
    const before = hub.requests.length
    await delay(600)
    t.equal(hub.requests.length, before, 'the pending reconnection never happened')
    t.equal(hub.openSubscriptions, 0)
    await page.close()
  })
}

t.test('backoff: refused reconnections wait twice as long each time, with jitter, capped', async (t) => {
  const hub = await startHub(t)
  const { page } = await openClientPage(context, hub.origin)
  const minRetryMs = 100
  const maxRetryMs = 800
  await subscribeIn(page, 's', 'quotes', { minRetryMs, maxRetryMs })
  await waitForSubscribers(hub, 1)
  await hub.publish('quotes', 'x')
  await waitForMessages(page, 's', 1)
  // SSE worked, so failures now retry SSE, never fall back.
  hub.refuse.add('sse')
  hub.dropAll()
  await waitForStatus(page, 's', 'waiting', 7)
  await unsubscribeIn(page, 's')
  const { statuses } = await stateOf(page, 's')
  const waits = statuses.filter((status) => status.state === 'waiting').slice(0, 7)
  const ceilings = [100, 200, 400, 800, 800, 800, 800]
  waits.forEach((status, i) => {
    const ceiling = ceilings[i] as number
    t.ok(
      (status.delayMs as number) >= ceiling / 2 && (status.delayMs as number) <= ceiling,
      `wait ${i + 1}: ${status.delayMs} ms in [${ceiling / 2}, ${ceiling}]`,
    )
    t.equal(status.transport, 'sse')
  })
  t.ok(new Set(waits.map((status, i) => (status.delayMs as number) / (ceilings[i] as number))).size > 1, 'jittered: not a fixed fraction')
  // The server saw the attempts spaced at least as far apart as the client said it would wait.
  const attempts = hub.requests.filter((request) => request.refused).map((request) => request.atMs)
  t.ok(attempts.length >= 6)
  for (let i = 1; i < 6; i++) {
    const waited = (attempts[i] as number) - (attempts[i - 1] as number)
    const said = waits[i]?.delayMs as number
    t.ok(waited >= said - 5, `attempt ${i + 1} came ${Math.round(waited)} ms after the one before (the client said ${said})`)
  }
  await page.close()
})
