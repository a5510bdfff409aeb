/**
 * The browser client (/netserv.js) in Debian's headless Chromium against a netserv server on
 * 127.0.0.1 speaking the hub's wire protocol: every transport receives, falls back, resumes
 * after drops with no gap and no double, backs off with jitter, stops on unsubscribe; send()
 * publishes on interactive channels.
 */

import t, { type Test } from 'tap'
import { launchChromium, WAIT_MS } from '../fixtures/browser.js'
import { openClientPage, stateOf, subscribeIn, unsubscribeIn, waitForMessages, waitForStatus } from '../fixtures/client-page.js'
import { startHubWireServer, type HubWireServer, type WireTransport } from '../fixtures/hub-wire-server.js'
import { delay, until } from '../fixtures/wire-client.js'

const context = await launchChromium(t)

const TRANSPORTS: readonly WireTransport[] = ['sse', 'longpoll', 'iframe']

/** Waits until the server holds `count` subscriptions open (streams and held polls). */
async function waitForSubscribers(hub: HubWireServer, count: number, what = 'the subscription'): Promise<void> {
  await until(() => hub.streamCount + hub.pendingPolls === count, WAIT_MS, what)
}

async function startHub(t: Test, options: Parameters<typeof startHubWireServer>[0] = {}): Promise<HubWireServer> {
  const hub = await startHubWireServer(options)
  t.teardown(() => hub.close())
  return hub
}

for (const transport of TRANSPORTS) {
  t.test(`${transport}: messages of the subscribed channels, in order, with their ids and events`, async (t) => {
    const hub = await startHub(t)
    const { page, errors } = await openClientPage(context, hub.origin)
    await subscribeIn(page, 's', ['quotes', 'news'], { transport, events: ['headline'] })
    await waitForSubscribers(hub, 1)
    const first = hub.publish('quotes', 'ACME 12.5')
    hub.publish('elsewhere', 'not for this page')
    const second = hub.publish('news', 'line one\nline two \u20ac', 'headline')
    await waitForMessages(page, 's', 2)
    await delay(50)
    const state = await stateOf(page, 's')
    const channels = [{}, {}] // (the stand-in's long-poll carries no channel: existing longPoll)
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
