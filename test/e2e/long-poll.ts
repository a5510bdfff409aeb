/**
 * Long-poll in a real browser: a fetch loop in the page, each poll carrying the cursor of the
 * one before, receives every message published, including those published while no poll was
 * pending, and goes on through the 204s of polls that timed out.
 */

import type { Page } from 'playwright-core'
import t from 'tap'
import { launchChromium, openPage, WAIT_MS } from '../fixtures/browser.js'
import { startPushDemoServer } from '../fixtures/push-demo-server.js'
import { until } from '../fixtures/wire-client.js'

/** What the page's script keeps (see LONG_POLL_PAGE in the fixture). */
interface PollPageState {
  received: Array<{ id?: string; event?: string; data: string }>
  /** How many messages each 200 answer carried. */
  batches: number[]
  polls: number
  empty: number
  gaps: number
  hold: boolean
  paused: boolean
  error: string | null
}

function pageState(page: Page): Promise<PollPageState> {
  return page.evaluate(() => (globalThis as unknown as { state: PollPageState }).state)
}

/** Waits until the page holds `count` messages. */
async function waitForMessages(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (count) => (globalThis as unknown as { state: PollPageState }).state.received.length >= count,
    count,
    { timeout: WAIT_MS, polling: 20 },
  )
}

const context = await launchChromium(t)

t.test('a long-poll loop receives everything published, also while no poll is pending', async (t) => {
  const demo = await startPushDemoServer({ pollTimeoutMs: 300 })
  t.teardown(() => demo.close())
  const { page, errors } = await openPage(context)
  await page.goto(`${demo.origin}/long-poll.html`, { waitUntil: 'domcontentloaded' })
  await until(() => demo.pendingPolls === 1, WAIT_MS, 'the first poll')

  demo.publish('a')
  await waitForMessages(page, 1)

  // A poll with nothing to say is answered 204 with the cursor, and the loop polls on.
  await page.waitForFunction(() => (globalThis as unknown as { state: PollPageState }).state.empty >= 1, undefined, {
    timeout: WAIT_MS,
  })
  await until(() => demo.pendingPolls === 1, WAIT_MS, 'a poll after the 204')

  // Hold the loop after its next answer: then publish with no poll pending.
  await page.evaluate(() => {
    ;(globalThis as unknown as { state: PollPageState }).state.hold = true
  })
  demo.publish('b')
  await page.waitForFunction(
    () => {
      const state = (globalThis as unknown as { state: PollPageState }).state
      return state.paused && state.received.length === 2
    },
    undefined,
    { timeout: WAIT_MS, polling: 20 },
  )
  await until(() => demo.pendingPolls === 0, WAIT_MS, 'the answered poll to finish')
  demo.publish('c')
  demo.publish('d')
  demo.publish('e')
  await page.evaluate(() => (globalThis as unknown as { go(): void }).go())
  await waitForMessages(page, 5)

  await until(() => demo.pendingPolls === 1, WAIT_MS, 'the next poll')
  demo.publish('f')
  await waitForMessages(page, 6)

  const state = await pageState(page)
  t.strictSame(
    state.received,
    ['a', 'b', 'c', 'd', 'e', 'f'].map((data, i) => ({ id: String(i + 1), data })),
    'every message once, in order',
  )
  t.strictSame(state.batches, [1, 1, 3, 1], 'c, d and e, published between two polls, came in one answer')
  t.ok(state.empty >= 1, 'polls that timed out were answered 204 and the loop went on')
  t.equal(state.gaps, 0)
  t.equal(state.error, null, 'the loop never failed')
  const cursors = demo.seen.map((request) => request.cursor)
  t.equal(cursors[0], undefined, 'the first poll had no cursor')
  t.ok(
    cursors.slice(1).every((cursor) => cursor !== undefined && /^\d+$/.test(cursor)),
    'every later poll sent the cursor it was given',
  )
  t.ok(cursors.includes('2'), 'the poll after the pause asked from 2')
  t.strictSame(errors.filter((error) => error.startsWith('pageerror')), [], 'no script error')
  t.strictSame(demo.errors, [], 'no handler failed')
  await page.close()
})

t.test('a poll away longer than the log keeps learns of the gap and gets what is left', async (t) => {
  const demo = await startPushDemoServer({ maxMessages: 2 })
  t.teardown(() => demo.close())
  const { page } = await openPage(context)
  await page.goto(`${demo.origin}/long-poll.html`, { waitUntil: 'domcontentloaded' })
  await until(() => demo.pendingPolls === 1, WAIT_MS, 'the first poll')
  await page.evaluate(() => {
    ;(globalThis as unknown as { state: PollPageState }).state.hold = true
  })
  demo.publish('1')
  await page.waitForFunction(() => (globalThis as unknown as { state: PollPageState }).state.paused, undefined, {
    timeout: WAIT_MS,
  })
  for (let i = 2; i <= 5; i++) demo.publish(String(i)) // the log keeps 4 and 5
  await page.evaluate(() => (globalThis as unknown as { go(): void }).go())
  await waitForMessages(page, 3)

  const state = await pageState(page)
  t.strictSame(
    state.received.map((message) => message.id),
    ['1', '4', '5'],
  )
  t.equal(state.gaps, 1, 'the answer said gap')
  t.equal(state.error, null)
  t.strictSame(demo.errors, [], 'no handler failed')
  // The loop polls on; the poll is held for 25 s, but a closed page lets it go at once.
  await until(() => demo.pendingPolls === 1, WAIT_MS, 'the next poll')
  await page.close()
  await until(() => demo.pendingPolls === 0, WAIT_MS, 'the held poll to end with the page')
})
