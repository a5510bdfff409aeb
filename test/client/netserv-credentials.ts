/**
 * The client's `credentials` option: long-polls and sends carry the page's cookies by default
 * (fetch's `same-origin`), none with `omit` (which browsers also keep on connections apart).
 */

import t from 'tap'
import { launchChromium } from '../fixtures/browser.js'
import { openClientPage, startHub, subscribeIn, waitForMessages, waitForSubscribers } from '../fixtures/client-page.js'

const context = await launchChromium(t)

t.test('credentials: same-origin by default; omit sends no cookie, on long-polls and sends', async (t) => {
  const hub = await startHub(t)
  const { page, errors } = await openClientPage(context, hub.origin)
  await page.evaluate(() => {
    ;(globalThis as unknown as { document: { cookie: string } }).document.cookie = 'session=1'
  })
  await subscribeIn(page, 'with', 'quotes', { transport: 'longpoll', user: 'poller-with' })
  await subscribeIn(page, 'without', 'quotes', { transport: 'longpoll', user: 'poller-without', credentials: 'omit' })
  await waitForSubscribers(hub, 2)
  await hub.publish('quotes', 'x')
  await waitForMessages(page, 'with', 1)
  await waitForMessages(page, 'without', 1)
  const cookieOf = (user: string): boolean[] => hub.requests.filter((request) => request.user === user).map((request) => request.cookie)
  t.ok(cookieOf('poller-with').length >= 2 && cookieOf('poller-with').every((cookie) => cookie), 'every default long-poll carries the cookie')
  t.ok(cookieOf('poller-without').length >= 2 && cookieOf('poller-without').every((cookie) => !cookie), 'no omit long-poll carries it')
  await page.evaluate(async () => {
    const { netserv } = globalThis as unknown as { netserv: typeof import('../../src/client/netserv.js') }
    await netserv.send('chat', 'a', { user: 'sender-with' })
    await netserv.send('chat', 'b', { user: 'sender-without', credentials: 'omit' })
  })
  t.strictSame(cookieOf('sender-with'), [true], 'a default send carries the cookie')
  t.strictSame(cookieOf('sender-without'), [false], 'an omit send carries none')
  t.strictSame(errors, [], 'no console error')
  await page.close()
})
