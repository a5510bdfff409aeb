/**
 * multipart/x-mixed-replace in a real browser: an `<img>` on netserv's multipart stream of PNG
 * frames shows one frame, then another, as a camera feed would. Read back from Chromium's own
 * screenshots, so what is checked is what a user would see.
 *
 * Chromium shows part N once the headers of part N+1 have arrived (see multipart-framing.ts):
 * the fixture's camera keeps frames coming every 100 ms, as a real feed does.
 */

import type { Page } from 'playwright-core'
import t from 'tap'
import { launchChromium, openPage, saveArtifact, WAIT_MS } from '../fixtures/browser.js'
import { decodePng, pixelAt, type Rgb } from '../fixtures/png.js'
import { CAMERA_COLOURS, CAMERA_HEIGHT, CAMERA_WIDTH, startPushDemoServer } from '../fixtures/push-demo-server.js'
import { until } from '../fixtures/wire-client.js'

/** Which camera colour `colour` is (-1 for none): channels within 8, for any rounding. */
function colourIndex(colour: Rgb): number {
  return CAMERA_COLOURS.findIndex(
    (c) => Math.abs(c.r - colour.r) <= 8 && Math.abs(c.g - colour.g) <= 8 && Math.abs(c.b - colour.b) <= 8,
  )
}

/** A screenshot of the `<img>` and the camera colour at its centre (-1 if it shows none). */
async function shoot(page: Page): Promise<{ png: Buffer; colour: number; width: number; height: number }> {
  const png = await page.locator('#camera').screenshot({ animations: 'allow', timeout: WAIT_MS })
  const image = decodePng(png)
  return {
    png,
    colour: colourIndex(pixelAt(image, image.width >> 1, image.height >> 1)),
    width: image.width,
    height: image.height,
  }
}

const context = await launchChromium(t)

t.test('an <img> on a multipart stream changes between two screenshots', async (t) => {
  const demo = await startPushDemoServer({ frameIntervalMs: 100 })
  t.teardown(() => demo.close())
  const { page, errors } = await openPage(context)
  await page.goto(`${demo.origin}/camera.html`, { waitUntil: 'domcontentloaded' })
  await page.waitForFunction(
    () => {
      const img = (globalThis as unknown as { document: { getElementById(id: string): { naturalWidth: number } } })
        .document.getElementById('camera')
      return img.naturalWidth > 0
    },
    undefined,
    { timeout: WAIT_MS, polling: 20 },
  )

  const first = await shoot(page)
  t.strictSame([first.width, first.height], [CAMERA_WIDTH, CAMERA_HEIGHT], 'the screenshot is the image')
  t.not(first.colour, -1, `the first screenshot shows a frame (colour ${first.colour})`)
  saveArtifact('multipart-1', first.png)

  // Screenshots until one shows another frame: the next frame is 100 ms away, however slow
  // a screenshot is on a loaded machine.
  const deadline = Date.now() + WAIT_MS
  let second = await shoot(page)
  while (second.colour === first.colour && Date.now() < deadline) second = await shoot(page)
  saveArtifact('multipart-2', second.png)
  t.not(second.colour, -1, `the second screenshot shows a frame (colour ${second.colour})`)
  t.not(second.colour, first.colour, 'the image changed between the two screenshots')
  t.notOk(second.png.equals(first.png), 'the screenshots differ')

  t.equal(demo.cameraStreams.size, 1, 'one stream fed the image')
  t.equal(await page.evaluate(() => (globalThis as unknown as { state: { errors: number } }).state.errors), 0, 'no image error')
  await page.close()
  await until(() => demo.cameraStreams.size === 0, WAIT_MS, 'the camera stream to end with the page')
  t.strictSame(demo.closeReasons.camera, ['aborted'], 'the closed page aborted its stream')
  t.strictSame(errors.filter((error) => error.startsWith('pageerror')), [], 'no script error')
  t.strictSame(demo.errors, [], 'no handler failed')
})
