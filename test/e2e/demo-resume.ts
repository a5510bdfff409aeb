/**
 * The demo page when the server drops every stream: each ticker panel reconnects by itself
 * and resumes after the last id it saw, so its ids show no gap and no double; the camera
 * `<img>` is reopened and shows new frames; the chat comes back with who is here.
 */

import t from 'tap'
import { launchChromium, openPage, saveArtifact, WAIT_MS } from '../fixtures/browser.js'
import { pageState, startDemo, TRANSPORTS, waitForCamera, waitForQuotes, waitForState } from '../fixtures/demo-page.js'
import { until } from '../fixtures/wire-client.js'

/** Every channel the page holds a stream or a poll on. */
const CHANNELS = ['quotes', 'chat', 'stats', 'camera']

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
  await page.goto(`${origin}/?name=dora`, { waitUntil: 'domcontentloaded' })
  await waitForQuotes(page, 10)
  await waitForCamera(page)
  await waitForState(page, (state) => Object.values(state.panels).every((panel) => panel.opens === 1) && state.chat.present.includes('dora'), null)
  const before = await page.locator('#camera').screenshot()
  const cameraOpens = (await pageState(page)).camera.opens
  const joinsBefore = ((await page.locator('#messages').textContent()) ?? '').split('dora joined').length - 1
  t.equal(joinsBefore, 1, 'dora joined once')

  // Every stream ends (SSE, iframe, camera) and every held poll is answered.
  const dropped = CHANNELS.reduce((sum, channel) => sum + demo.hub.closeChannel(channel), 0)
  t.ok(dropped >= 3, `the hub ended ${dropped} streams and polls`)
  t.equal(demo.hub.stats().subscribers.multipart, 0, 'the camera stream is gone')
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

  // The <img> fires no event when its stream ends: the page sees its picture stop changing.
  await waitForState(page, (state, opens) => state.camera.opens > opens, cameraOpens)
  await until(() => demo.hub.stats().subscribers.multipart === 1, WAIT_MS, 'the camera stream to be reopened')
  let after = await page.locator('#camera').screenshot()
  const deadline = Date.now() + WAIT_MS
  while (after.equals(before) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    after = await page.locator('#camera').screenshot()
  }
  saveArtifact('demo-camera-reopened', after)
  t.notOk(after.equals(before), 'the camera shows new frames again')

  // The chat's stream came back with the user: joined again, and hearing what is said.
  await page.waitForFunction(
    (count) => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('messages').textContent.split('dora joined').length - 1 === count,
    joinsBefore + 1,
    { timeout: WAIT_MS, polling: 20 },
  )
  t.ok((await pageState(page)).chat.present.includes('dora'), 'present again')
  await demo.hub.publish('chat', JSON.stringify({ user: 'server', text: 'after the drop' }))
  await waitForState(page, (state) => state.chat.lines.some((line) => line.text === 'after the drop'), null)
  t.pass('the chat is back, with who is here')
  t.strictSame(errors.filter((error) => error.startsWith('pageerror')), [], 'no script error')
  await page.close()
})
