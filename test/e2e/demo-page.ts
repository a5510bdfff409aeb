/**
 * The demo page in a real browser: it loads with no error, each ticker panel receives quotes
 * over its own transport, the camera `<img>` shows new frames, and the server's figures show.
 */

import type { Page } from 'playwright-core'
import t from 'tap'
import { launchChromium, openPage, saveArtifact, WAIT_MS } from '../fixtures/browser.js'
import { pageState, startDemo, TRANSPORTS, waitForCamera, waitForQuotes, waitForState } from '../fixtures/demo-page.js'
import { decodePng } from '../fixtures/png.js'

const context = await launchChromium(t)

t.test('the page loads with no error and each ticker panel receives quotes over its transport', async (t) => {
  const { demo, origin } = await startDemo(t)
  const { page, errors } = await openPage(context)
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.goto(`${origin}/?name=alice`, { waitUntil: 'domcontentloaded' })
  await waitForQuotes(page, 20)
  // One figures update after every panel and the camera opened, so they count them.
  await waitForState(
    page,
    (state) => state.stats !== null && state.stats.subscribers.iframe >= 1 && state.stats.subscribers.longpoll >= 1 && state.stats.subscribers.multipart >= 1,
    null,
  )

  const state = await pageState(page)
  for (const transport of TRANSPORTS) {
    const panel = state.panels[transport]
    t.equal(panel.state, 'open', `${transport}: open`)
    t.equal(panel.transport, transport, `${transport}: over ${transport}`)
    t.ok(panel.ids.every((id) => /^\d+-\d+$/.test(id)), `${transport}: every quote has a hub id`)
    t.ok(panel.lagMs !== null && panel.lagMs >= 0, `${transport}: a lag is shown`)
    // Read in one go: quotes keep coming.
    const [count, shownCount] = await page.evaluate((transport) => {
      const { demo, document } = globalThis as unknown as {
        demo: { panels: Record<string, { count: number }> }
        document: { querySelector(selector: string): { textContent: string } }
      }
      return [demo.panels[transport]?.count, document.querySelector(`#ticker-${transport} .count`).textContent]
    }, transport)
    t.equal(shownCount, String(count), `${transport}: its message count shown`)
    t.match(await page.locator(`#ticker-${transport} .lag`).innerText(), /^\d+ ms$/, `${transport}: its lag shown`)
    const shown = await page.locator(`#ticker-${transport}`).innerText()
    for (const symbol of demo.ticker.symbols) t.match(shown, symbol, `${transport}: ${symbol} quoted`)
  }
  t.equal(state.stats?.subscribers.sse, 1, 'stats: one SSE stream carries the panel, the chat and the figures')
  t.match(await page.locator('#stat-connections').innerText(), /^\d+$/, 'the figures are shown')
  await waitForState(page, () => /^\d+$/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('stat-rate').textContent), null)
  t.pass('messages out per second, from two updates')

  await waitForCamera(page)
  saveArtifact('demo-page', await page.screenshot({ fullPage: true }))
  t.strictSame(errors, [], 'no console error, no script error')
  await page.close()
})

/** A screenshot of the camera `<img>`. */
function shoot(page: Page): Promise<Buffer> {
  return page.locator('#camera').screenshot({ animations: 'allow', timeout: WAIT_MS })
}

t.test('the camera <img> shows a new frame a second later', async (t) => {
  const { origin } = await startDemo(t)
  const { page, errors } = await openPage(context)
  await page.goto(origin, { waitUntil: 'domcontentloaded' })
  await waitForCamera(page)
  const first = await shoot(page)
  saveArtifact('demo-camera-1', first)
  const image = decodePng(first)
  t.ok(image.width >= 256, `the frame is shown at ${image.width}x${image.height}`)
  // A second later the clock has moved on; on a loaded machine a frame may come late, so
  // look again (every second) until one differs.
  const deadline = Date.now() + WAIT_MS
  let second: Buffer
  do {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    second = await shoot(page)
  } while (second.equals(first) && Date.now() < deadline)
  saveArtifact('demo-camera-2', second)
  t.notOk(second.equals(first), 'the two screenshots differ')
  t.strictSame(errors, [], 'no console error')
  await page.close()
})
