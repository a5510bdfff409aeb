import t, { type Test } from 'tap'
import { CHAT_CHANNEL, createDemo, STATS_CHANNEL } from '../../../src/examples/demo/server.js'
import { decodePng } from '../../fixtures/png.js'
import { until } from '../../fixtures/wire-client.js'

/** The demo listening on 127.0.0.1 port 0, closed when `t` ends. */
async function start(t: Test, options: Parameters<typeof createDemo>[0] = {}): Promise<{ demo: ReturnType<typeof createDemo>; origin: string }> {
  const demo = createDemo(options)
  const { port } = await demo.server.listen(0, '127.0.0.1')
  t.teardown(() => demo.close())
  return { demo, origin: `http://127.0.0.1:${port}` }
}

t.test('GET / is the page, /netserv.js the client; anything else not the hub\'s is 404', async (t) => {
  const { origin } = await start(t)
  const page = await fetch(`${origin}/`)
  t.equal(page.status, 200)
  t.equal(page.headers.get('content-type'), 'text/html; charset=utf-8')
  const html = await page.text()
  t.match(html, "import * as netserv from '/netserv.js'")
  t.match(html, '<img id="camera" src="/sub/camera?transport=multipart"')
  const client = await fetch(`${origin}/netserv.js`)
  t.equal(client.status, 200)
  t.match(client.headers.get('content-type'), /^text\/javascript/)
  t.match(await client.text(), /export ?\{.*subscribe/)
  const missing = await fetch(`${origin}/nope`)
  t.equal(missing.status, 404)
  t.equal(await missing.text(), 'not found\n')
})

t.test('the ticker and the camera publish to the hub from the start', async (t) => {
  const { demo, origin } = await start(t, { tickerIntervalMs: 20, cameraIntervalMs: 50 })
  await until(() => demo.hub.info('quotes').retained >= 3 && demo.hub.info('camera').retained >= 2, 5000, 'quotes and frames')
  const poll = await fetch(`${origin}/sub/quotes,camera?transport=longpoll&since=0-0`)
  const body = (await poll.json()) as { messages: Array<{ channel: string; data: string }> }
  const quote = JSON.parse(body.messages.find((message) => message.channel === 'quotes')?.data ?? '{}') as Record<string, unknown>
  t.strictSame(Object.keys(quote), ['symbol', 'price', 'change', 'time'], 'a quote as JSON')
  const frame = await fetch(`${origin}/sub/camera?transport=multipart`)
  t.match(frame.headers.get('content-type'), /^multipart\/x-mixed-replace; boundary=/)
  const reader = frame.body?.getReader()
  let bytes = Buffer.alloc(0)
  let png = -1
  while (png < 0 || bytes.indexOf('IEND', png) < 0) {
    const { value } = (await reader?.read()) ?? {}
    bytes = Buffer.concat([bytes, value ?? Buffer.alloc(0)])
    png = bytes.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  }
  t.match(bytes.toString('latin1', 0, png), /Content-Type: image\/png/, 'a part of type image/png')
  t.equal(decodePng(bytes.subarray(png, bytes.indexOf('IEND', png) + 8)).width, 256, 'holding a frame')
  await reader?.cancel()
})

t.test('the hub\'s figures are published on the stats channel, as event stats', async (t) => {
  const { demo, origin } = await start(t, { statsIntervalMs: 20 })
  await until(() => demo.hub.info(STATS_CHANNEL).retained >= 2, 5000, 'two updates')
  const poll = await fetch(`${origin}/sub/${STATS_CHANNEL}?transport=longpoll&since=0-0`)
  const body = (await poll.json()) as { messages: Array<{ event: string; data: string }> }
  const [first, second] = body.messages
  t.equal(first?.event, 'stats')
  const figures = JSON.parse(first?.data ?? '{}') as Record<string, unknown>
  t.match(figures, { connections: Number, subscribers: { sse: Number, longpoll: Number }, messagesOut: Number, time: Number })
  t.ok((JSON.parse(second?.data ?? '{}') as { time: number }).time >= (figures.time as number), 'each with its time')
})

t.test('a figures update failing (the hub closed under it) is dropped, not thrown', async (t) => {
  const demo = createDemo({ statsIntervalMs: 5 })
  const published = demo.hub.stats().messagesIn
  await demo.hub.close()
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(demo.hub.stats().messagesIn, published, 'nothing published into a closed hub')
  await demo.close()
})

t.test('the chat channel is interactive, with presence; other channels are not', async (t) => {
  const { origin } = await start(t)
  const sent = await fetch(`${origin}/send/${CHAT_CHANNEL}?user=alice`, { method: 'POST', body: '{"user":"alice","text":"hi"}' })
  t.equal(sent.status, 200)
  t.match((await sent.json()) as object, { id: /^\d+-\d+$/ })
  const refused = await fetch(`${origin}/send/quotes`, { method: 'POST', body: 'x' })
  t.equal(refused.status, 403, 'pages may not publish quotes')
  await refused.body?.cancel()
})

t.test('close stops the publishers and ends every stream', async (t) => {
  const demo = createDemo({ tickerIntervalMs: 10 })
  const { port } = await demo.server.listen(0, '127.0.0.1')
  const stream = await fetch(`http://127.0.0.1:${port}/sub/quotes`)
  t.equal(stream.status, 200)
  await demo.close()
  t.equal(demo.server.closing, true)
  await t.resolves(stream.text(), 'the stream ended')
  const retained = demo.hub.info('quotes').retained
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(demo.hub.info('quotes').retained, retained, 'no quote after close')
})
