/**
 * Server-Sent Events in a real browser: Chromium's EventSource reads netserv's SSE stream,
 * and when the server drops the connection it reconnects by itself with `Last-Event-ID`, and
 * the server resumes from its MessageLog: every id once, in order.
 */

import type { Page } from 'playwright-core'
import t from 'tap'
import { launchChromium, openPage, WAIT_MS } from '../fixtures/browser.js'
import { startPushDemoServer } from '../fixtures/push-demo-server.js'
import { until } from '../fixtures/wire-client.js'

/** What the page's script keeps (see SSE_PAGE in the fixture). */
interface SsePageState {
  received: Array<{ id: string; data: string }>
  opens: number
  errors: number
  gaps: number
}

function pageState(page: Page): Promise<SsePageState> {
  return page.evaluate(() => (globalThis as unknown as { state: SsePageState }).state)
}

/** Waits until the page holds `count` messages and has opened `opens` connections. */
async function waitFor(page: Page, count: number, opens: number): Promise<void> {
  await page.waitForFunction(
    ([count, opens]) => {
      const state = (globalThis as unknown as { state: SsePageState }).state
      return state.received.length >= count && state.opens >= opens
    },
    [count, opens] as const,
    { timeout: WAIT_MS, polling: 20 },
  )
}

const context = await launchChromium(t)

t.test('an EventSource receives, is dropped, and resumes from Last-Event-ID with no gap and no double', async (t) => {
  // Heartbeats every 60 s: when the page closes, the server must learn it from the FIN, not
  // from a heartbeat that meets a reset.
  const demo = await startPushDemoServer({ retryMs: 100, heartbeatMs: 60_000 })
  t.teardown(() => demo.close())
  const { page, errors } = await openPage(context)
  await page.goto(`${demo.origin}/sse.html`)
  await waitFor(page, 0, 1)
  t.equal(demo.sseStreams.size, 1, 'one stream open')

  demo.publish('one')
  demo.publish('two')
  demo.publish('three')
  await waitFor(page, 3, 1)

  t.equal(demo.dropSse(), 1, 'the server destroys the socket')
  // The browser is away: these reach the log only, and must come back on the reconnect.
  demo.publish('four')
  demo.publish('five')
  await waitFor(page, 5, 2)
  demo.publish('six')
  await waitFor(page, 6, 2)

  const state = await pageState(page)
  t.strictSame(
    state.received,
    [
      { id: '1', data: 'one' },
      { id: '2', data: 'two' },
      { id: '3', data: 'three' },
      { id: '4', data: 'four' },
      { id: '5', data: 'five' },
      { id: '6', data: 'six' },
    ],
    'every message once, in order, across the reconnect',
  )
  t.equal(state.opens, 2, 'one reconnect')
  t.ok(state.errors >= 1, 'the page saw the drop as an error event')
  t.equal(state.gaps, 0, 'nothing was lost from the log')
  t.strictSame(
    demo.seen.map((request) => [request.path, request.lastEventIdHeader]),
    [
      ['/sse', undefined],
      ['/sse', '3'],
    ],
    'the browser reconnected with Last-Event-ID: 3',
  )
  t.equal(demo.replayed, 2, 'four and five came from the log')
  t.strictSame(demo.closeReasons.sse, ['aborted'], 'the dropped stream ended as aborted')
  await page.close()
  await until(() => demo.sseStreams.size === 0, WAIT_MS, 'the stream to end once the page is closed')
  t.strictSame(demo.closeReasons.sse, ['aborted', 'aborted'], 'the closed page aborted its stream')
  t.strictSame(errors.filter((error) => error.startsWith('pageerror')), [], 'no script error')
  t.strictSame(demo.errors, [], 'no handler failed')
})

t.test('a client away longer than the log keeps is told of the gap, then gets what is left', async (t) => {
  const demo = await startPushDemoServer({ retryMs: 100, maxMessages: 3 })
  t.teardown(() => demo.close())
  const { page } = await openPage(context)
  await page.goto(`${demo.origin}/sse.html`)
  await waitFor(page, 0, 1)
  demo.publish('m1')
  await waitFor(page, 1, 1)

  demo.dropSse()
  for (let i = 2; i <= 6; i++) demo.publish(`m${i}`) // the log keeps 4, 5 and 6
  await waitFor(page, 4, 2)
  await page.waitForFunction(() => (globalThis as unknown as { state: SsePageState }).state.gaps > 0, undefined, {
    timeout: WAIT_MS,
  })

  const state = await pageState(page)
  t.strictSame(
    state.received.map((message) => message.id),
    ['1', '4', '5', '6'],
    'what the log still held, in order',
  )
  t.equal(state.gaps, 1, 'one gap event')
  t.equal(demo.seen[1]?.lastEventIdHeader, '1')
  t.strictSame(demo.errors, [], 'no handler failed')
  await page.close()
})

t.test('a first connection resumes from ?lastEventId=; on reconnect the header, kept current, wins', async (t) => {
  const demo = await startPushDemoServer({ retryMs: 100 })
  t.teardown(() => demo.close())
  demo.publish('a')
  demo.publish('b')
  demo.publish('c')
  const { page } = await openPage(context)
  await page.goto(`${demo.origin}/sse.html?from=1`)
  await waitFor(page, 2, 1)

  demo.dropSse()
  demo.publish('d')
  await waitFor(page, 3, 2)
  demo.publish('e')
  await waitFor(page, 4, 2)

  const state = await pageState(page)
  t.strictSame(
    state.received.map((message) => message.id),
    ['2', '3', '4', '5'],
    'after 1 from the URL; after 3 from the header, though the URL still says 1',
  )
  t.strictSame(
    demo.seen.map((request) => [request.lastEventIdHeader, request.lastEventId]),
    [
      [undefined, '1'],
      ['3', '3'],
    ],
  )
  t.strictSame(demo.errors, [], 'no handler failed')
  await page.close()
})
