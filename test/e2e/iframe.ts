/**
 * The forever-iframe in a real browser: Chromium runs each `<script>parent.CALLBACK(...)`
 * of netserv's iframe stream as it arrives, once per message, with the data intact however
 * hostile (`</script>`, `<!--`, U+2028). A stream that ends after its byte allowance finishes
 * its document; the page reconnects from the last id it saw and misses nothing.
 */

import type { Page } from 'playwright-core'
import t from 'tap'
import { launchChromium, openPage, WAIT_MS } from '../fixtures/browser.js'
import { startPushDemoServer } from '../fixtures/push-demo-server.js'
import { until } from '../fixtures/wire-client.js'

/** What the page's script keeps (see IFRAME_PAGE in the fixture). */
interface IframePageState {
  calls: Array<{ id?: string; event?: string; data: string }>
  loads: number
  lastId: string | null
}

function pageState(page: Page): Promise<IframePageState> {
  return page.evaluate(() => (globalThis as unknown as { state: IframePageState }).state)
}

/** Waits until the callback has run `count` times. */
async function waitForCalls(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (count) => (globalThis as unknown as { state: IframePageState }).state.calls.length >= count,
    count,
    { timeout: WAIT_MS, polling: 20 },
  )
}

const context = await launchChromium(t)

t.test('the callback runs once per message, with hostile data intact', async (t) => {
  const demo = await startPushDemoServer()
  t.teardown(() => demo.close())
  const { page, errors } = await openPage(context)
  await page.goto(`${demo.origin}/iframe.html`, { waitUntil: 'domcontentloaded' })
  await until(() => demo.iframeStreams.size === 1, WAIT_MS, 'the iframe to connect')

  const sent = [
    'plain',
    '</script><script>parent.netserv.onMessage({"data":"injected"})</script>',
    '<!--<script>',
    'line\u2028and\u2029paragraph separators',
    'caf\u00e9 \u{1f600} & <b>bold</b>',
    '{"data":"not a field"}',
    '',
  ]
  for (const data of sent) demo.publish(data)
  await waitForCalls(page, sent.length)
  // A last message, published once the others are in: had any script run twice, or an
  // injected one run at all, it would be among the calls before this one.
  demo.publish('last')
  await page.waitForFunction(
    () => {
      const { calls } = (globalThis as unknown as { state: IframePageState }).state
      return calls.length > 0 && calls[calls.length - 1]?.data === 'last'
    },
    undefined,
    { timeout: WAIT_MS, polling: 20 },
  )

  const state = await pageState(page)
  t.strictSame(
    state.calls,
    [...sent, 'last'].map((data, i) => ({ id: String(i + 1), data })),
    'one call per message, in order, each with its data unchanged',
  )
  t.equal(state.loads, 0, 'the document is still streaming')
  t.strictSame(errors.filter((error) => error.startsWith('pageerror')), [], 'no script error')
  t.strictSame(demo.errors, [], 'no handler failed')
  await page.close()
  await until(() => demo.iframeStreams.size === 0, WAIT_MS, 'the stream to end with the page')
  t.strictSame(demo.closeReasons.iframe, ['aborted'], 'the closed page aborted its stream')
})

t.test('a stream ended by its byte allowance: the page reconnects from its last id, nothing missed or doubled', async (t) => {
  // 1 KiB of padding and the head of the document, then room for a dozen messages.
  const demo = await startPushDemoServer({ iframeMaxStreamBytes: 2048 })
  t.teardown(() => demo.close())
  const { page } = await openPage(context)
  await page.goto(`${demo.origin}/iframe.html`, { waitUntil: 'domcontentloaded' })
  await until(() => demo.iframeStreams.size === 1, WAIT_MS, 'the iframe to connect')

  // One message at a time until the allowance is spent and the document ends.
  let published = 0
  while (demo.closeReasons.iframe.length === 0) {
    if (published === 100) throw new Error('the stream never ended')
    demo.publish(`message ${++published}`)
    await waitForCalls(page, published)
  }
  t.strictSame(demo.closeReasons.iframe, ['closed'], 'the server ended the stream cleanly')
  await page.waitForFunction(() => (globalThis as unknown as { state: IframePageState }).state.loads === 1, undefined, {
    timeout: WAIT_MS,
  })

  // The page waits for the go-ahead to reconnect: these are published while no stream is open.
  t.equal(demo.iframeStreams.size, 0, 'no stream open')
  demo.publish(`message ${++published}`)
  demo.publish(`message ${++published}`)
  await page.evaluate(() => (globalThis as unknown as { reconnect(): void }).reconnect())
  await waitForCalls(page, published)
  demo.publish(`message ${++published}`)
  await waitForCalls(page, published)

  const state = await pageState(page)
  t.strictSame(
    state.calls,
    Array.from({ length: published }, (_, i) => ({ id: String(i + 1), data: `message ${i + 1}` })),
    `every one of ${published} messages once, in order, across the reconnect`,
  )
  t.equal(demo.seen[1]?.lastEventId, String(published - 3), 'the page reconnected from the last id it saw')
  t.equal(demo.replayed, 2, 'the two published while away came from the log')
  t.equal(demo.iframeStreams.size, 1, 'streaming again')
  t.strictSame(demo.errors, [], 'no handler failed')
  await page.close()
})
