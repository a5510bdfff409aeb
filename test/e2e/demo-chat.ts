/**
 * The demo's chat in a real browser: two tabs of one browser see each other's messages and
 * each other in "who is here", and every panel of both keeps receiving; with SSE unavailable
 * the client falls back to long-poll.
 *
 * Two tabs of one browser, not two browsers: a browser opens at most six HTTP/1.1 connections
 * to one server for all its tabs, and the page is built to fit two in them (page-script.ts).
 */

import type { Page } from 'playwright-core'
import t from 'tap'
import { launchChromium, openPage, saveArtifact, WAIT_MS } from '../fixtures/browser.js'
import { pageState, startDemo, waitForState } from '../fixtures/demo-page.js'
import { until } from '../fixtures/wire-client.js'

const context = await launchChromium(t)

/** Waits until every ticker panel of `page` has 10 quotes more than now. */
async function waitForMoreQuotes(page: Page): Promise<void> {
  const counts = Object.fromEntries(Object.entries((await pageState(page)).panels).map(([transport, panel]) => [transport, panel.count]))
  await waitForState(page, (state, counts) => Object.entries(state.panels).every(([transport, panel]) => panel.count >= (counts[transport] as number) + 10), counts)
}

t.test('two tabs of one browser: a message typed in one appears in the other, presence shows both, every panel keeps receiving', async (t) => {
  const { demo, origin } = await startDemo(t)
  const alice = await openPage(context)
  t.teardown(() => alice.page.close())
  await alice.page.goto(`${origin}/?name=alice`, { waitUntil: 'domcontentloaded' })
  await waitForState(alice.page, (state) => state.chat.present.includes('alice'), null)

  // The second page joins as a guest, then takes a name through the form.
  const bob = await openPage(context)
  t.teardown(() => bob.page.close())
  await bob.page.goto(origin, { waitUntil: 'domcontentloaded' })
  await waitForState(bob.page, (state) => state.chat.present.length === 2, null)
  await bob.page.locator('#name').fill('bob')
  await bob.page.locator('#name').press('Enter')
  for (const { page } of [alice, bob]) {
    await waitForState(page, (state) => state.chat.present.slice().sort().join() === 'alice,bob', null)
    t.equal(await page.locator('#present').innerText(), (await pageState(page)).chat.present.join(', '), 'who is here, shown')
  }

  await alice.page.locator('#text').fill('hello <b>bob</b>')
  await alice.page.locator('#text').press('Enter')
  await bob.page.locator('#text').fill('hi alice')
  await bob.page.locator('#text').press('Enter')
  for (const { page } of [alice, bob]) {
    await waitForState(page, (state) => state.chat.lines.length >= 2, null)
    t.strictSame(
      (await pageState(page)).chat.lines,
      [
        { user: 'alice', text: 'hello <b>bob</b>' },
        { user: 'bob', text: 'hi alice' },
      ],
      'both messages, in order, in each page',
    )
  }
  t.match(await bob.page.locator('#messages').innerText(), 'alice hello <b>bob</b>', 'shown as text, not markup')
  saveArtifact('demo-chat', await bob.page.locator('#chat-panel').screenshot())
  for (const { page } of [alice, bob]) {
    await waitForMoreQuotes(page)
    const state = await pageState(page)
    t.ok(Object.values(state.panels).every((panel) => panel.state === 'open'), `${state.chat.user}: every ticker panel open and receiving`)
  }
  // Every stream of both tabs is open at once: none waits for a connection.
  const { subscribers } = demo.hub.stats()
  t.strictSame([subscribers.sse, subscribers.iframe, subscribers.multipart], [2, 2, 2], 'two SSE, two iframe and two camera streams')

  await bob.page.close()
  await waitForState(alice.page, (state) => state.chat.present.join() === 'alice', null)
  t.pass('bob left')
  t.strictSame([...alice.errors, ...bob.errors], [], 'no console error')
})

t.test('with SSE unavailable the chat falls back to long-poll, and still works', async (t) => {
  const { demo, origin } = await startDemo(t)
  const { page } = await openPage(context)
  t.teardown(() => page.close())
  // As a proxy that cannot stream would: every SSE request fails.
  let refused = 0
  await page.route(/\/sub\/quotes,chat,stats\?transport=sse/, (route) => {
    refused++
    return route.abort()
  })
  await page.goto(`${origin}/?name=carol`, { waitUntil: 'domcontentloaded' })
  await waitForState(page, (state) => state.chat.transport === 'longpoll', null)
  t.ok(refused >= 1, 'SSE was tried first and refused')
  // Its first poll carries no cursor: it waits for what is published from now on.
  await until(() => demo.hub.info('chat').subscribers === 1, WAIT_MS, 'the poll to be held')
  await demo.hub.publish('chat', JSON.stringify({ user: 'server', text: 'over long-poll' }))
  await waitForState(page, (state) => state.chat.lines.some((line) => line.text === 'over long-poll'), null)
  await waitForState(page, (state) => state.panels.sse.count >= 10 && state.stats !== null, null)
  const state = await pageState(page)
  t.equal(state.chat.transport, 'longpoll')
  t.equal(state.panels.sse.transport, 'longpoll', 'the SSE panel receives its quotes over long-poll')
  t.match(await page.locator('#chat-transport').innerText(), 'longpoll')
  t.equal(await page.locator('#ticker-sse .state').innerText(), 'open (longpoll)', 'and says so')
  t.strictSame(state.chat.present, [], 'a long-poll is not present (README, The demo)')
})
