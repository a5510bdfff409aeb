/**
 * The demo page when the server drops every stream: each ticker panel reconnects by itself
 * and resumes after the last id it saw, so its ids show no gap and no double.
 */

import t from 'tap'
import { launchChromium, openPage } from '../fixtures/browser.js'
import { pageState, startDemo, TRANSPORTS, waitForQuotes, waitForState } from '../fixtures/demo-page.js'

const context = await launchChromium(t)

/** The ids the hub retains on `quotes` after `since`, read over its own long-poll interface. */
async function retainedAfter(origin: string, since: string): Promise<string[]> {
  const response = await fetch(`${origin}/sub/quotes?transport=longpoll&since=${since}`)
  const body = (await response.json()) as { messages: Array<{ id: string }>; gap: boolean }
  if (body.gap) throw new Error(`the hub no longer retains what followed ${since}`)
  return body.messages.map((message) => message.id)
}

t.test('the server drops every stream; each panel resumes where it was, no id missed or doubled', async (t) => {
  const { demo, origin } = await startDemo(t, { hub: { history: { maxMessages: 2000 } } })
  const { page, errors } = await openPage(context)
  await page.goto(origin, { waitUntil: 'domcontentloaded' })
  await waitForQuotes(page, 10)
  await waitForState(page, (state) => Object.values(state.panels).every((panel) => panel.opens === 1), null)

  const dropped = demo.hub.closeChannel('quotes')
  t.ok(dropped >= 2, `the hub ended ${dropped} streams (SSE and iframe at least)`)
  // Quotes go on meanwhile. Each panel opens again, then receives what it missed and more.
  await waitForState(page, (state) => state.panels.sse.opens >= 2 && state.panels.iframe.opens >= 2, null)
  const counts = Object.fromEntries(Object.entries((await pageState(page)).panels).map(([transport, panel]) => [transport, panel.count]))
  await waitForState(page, (state, counts) => Object.entries(state.panels).every(([transport, panel]) => panel.count >= (counts[transport] as number) + 10), counts)

  const state = await pageState(page)
  for (const transport of TRANSPORTS) {
    const { ids, gaps } = state.panels[transport]
    const [first] = ids
    if (first === undefined) throw new Error(`${transport}: no ids`)
    const retained = await retainedAfter(origin, first)
    t.strictSame(ids.slice(1), retained.slice(0, ids.length - 1), `${transport}: ${ids.length} ids, the hub's own sequence on quotes, none missing or doubled`)
    t.equal(gaps, 0, `${transport}: no gap announced`)
  }
  t.strictSame(errors.filter((error) => error.startsWith('pageerror')), [], 'no script error')
  await page.close()
})
