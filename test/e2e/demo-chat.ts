/**
 * The demo's chat in a real browser: two pages in one room see each other's messages and
 * each other in "who is here"; with SSE unavailable the client falls back to long-poll.
 *
 * The two pages are in two browsers: a browser opens at most six HTTP/1.1 connections to one
 * server, and one demo page holds five open (three ticker panels, the camera, the chat).
 */

import t from 'tap'
import { launchChromium, openPage, saveArtifact, WAIT_MS } from '../fixtures/browser.js'
import { pageState, startDemo, waitForState } from '../fixtures/demo-page.js'
import { until } from '../fixtures/wire-client.js'

const context = await launchChromium(t)
const otherBrowser = await launchChromium(t)

t.test('a message typed in one page appears in another, and presence shows both', async (t) => {
  const { origin } = await startDemo(t)
  const alice = await openPage(context)
  t.teardown(() => alice.page.close())
  await alice.page.goto(`${origin}/?name=alice`, { waitUntil: 'domcontentloaded' })
  await waitForState(alice.page, (state) => state.chat.present.includes('alice'), null)

  // The second page joins as a guest, then takes a name through the form.
  const bob = await openPage(otherBrowser)
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

  await bob.page.close()
  await waitForState(alice.page, (state) => state.chat.present.join() === 'alice', null)
  t.pass('bob left')
  t.strictSame([...alice.errors, ...bob.errors], [], 'no console error')
})

t.test('with SSE unavailable the chat falls back to long-poll, and still works', async (t) => {
  const { demo, origin } = await startDemo(t)
  const { page } = await openPage(context)
  t.teardown(() => page.close())
  // As a proxy that cannot stream would: every SSE request of the chat fails.
  let refused = 0
  await page.route(/\/sub\/chat\?transport=sse/, (route) => {
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
  t.equal((await pageState(page)).chat.transport, 'longpoll')
  t.match(await page.locator('#chat-transport').innerText(), 'longpoll')
})
