/**
 * The HTTP interface's rules: who may publish, what /send takes, authorize, the error statuses,
 * /stats, CORS.
 */
import t from 'tap'
import { jsonOf, requestBytes, startHub } from '../fixtures/hub-server.js'
import { until } from '../fixtures/wire-client.js'

const errorOf = (response: { body: Buffer }): string => (jsonOf(response as never) as { error: string }).error

t.test('/pub: loopback without a token; with one, exactly the bearer token', async (t) => {
  const open = await startHub(t)
  const loopback = await open.request('POST', '/pub/a?event=tick', { 'Content-Type': 'application/json' }, '{"x":1}')
  t.equal(loopback.status, 200)
  t.match(jsonOf(loopback), { id: /^\d+-1$/, subscribers: 0 })
  t.equal(loopback.header('access-control-allow-origin'), undefined, 'no CORS on POST')
  const guarded = await startHub(t, { token: 's3cret' })
  for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cret2', 'Basic s3cret', 'Bearer']) {
    const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization }
    const refused = await guarded.request('POST', '/pub/a', headers, 'x')
    t.equal(refused.status, 403, String(authorization))
    t.equal(errorOf(refused), 'NETSERV_FORBIDDEN')
  }
  const stream = await guarded.open('/sub/a')
  const accepted = await guarded.request('POST', '/pub/a', { Authorization: 'bearer  s3cret ', 'X-Netserv-Event': 'note' }, 'hello')
  t.equal(accepted.status, 200)
  t.equal((jsonOf(accepted) as { subscribers: number }).subscribers, 1)
  t.strictSame(await stream.untilEvents(1), [{ type: 'note', data: 'hello', lastEventId: (jsonOf(accepted) as { id: string }).id }])
  const deleted = await guarded.request('DELETE', '/pub/a', { Authorization: 'Bearer s3cret' })
  t.strictSame(jsonOf(deleted), { closed: 1 })
  await stream.toEnd()
  t.equal((await guarded.request('DELETE', '/pub/a')).status, 403)
})

t.test('GET /pub: info, CORS; other methods 405 with Allow', async (t) => {
  const { request, hub } = await startHub(t)
  const { id } = await hub.publish('a', 'x')
  const info = await request('GET', '/pub/a')
  t.strictSame(jsonOf(info), { subscribers: 0, retained: 1, lastId: id })
  t.equal(info.header('access-control-allow-origin'), '*')
  t.strictSame(jsonOf(await request('GET', '/pub/nothing.here')), { subscribers: 0, retained: 0, lastId: null })
  for (const [method, target, allow] of [
    ['PUT', '/pub/a', 'GET, HEAD, POST, DELETE'],
    ['POST', '/sub/a', 'GET, HEAD, OPTIONS'],
    ['GET', '/send/a', 'POST'],
    ['DELETE', '/stats', 'GET, HEAD, OPTIONS'],
  ] as const) {
    const response = await request(method, target)
    t.equal(response.status, 405, `${method} ${target}`)
    t.equal(response.header('allow'), allow)
    t.equal(errorOf(response), 'NETSERV_METHOD_NOT_ALLOWED')
  }
})

t.test('bad channel lists are 400 with a code; other paths are not the hub', async (t) => {
  const { request } = await startHub(t)
  const cases: Array<[string, string, string]> = [
    ['GET', '/sub/a%20b', 'NETSERV_INVALID_CHANNEL'],
    ['GET', '/sub/', 'NETSERV_INVALID_CHANNEL'],
    ['GET', '/sub/a,,b', 'NETSERV_INVALID_CHANNEL'],
    ['GET', '/sub/%E0%A4%A', 'NETSERV_INVALID_CHANNEL'],
    ['GET', `/sub/${Array.from({ length: 17 }, (_, i) => `c${i}`).join(',')}`, 'NETSERV_TOO_MANY_CHANNELS'],
    ['GET', '/sub/a?user=no%20spaces', 'NETSERV_INVALID_USER'],
    ['POST', '/pub/a/b', 'NETSERV_INVALID_CHANNEL'],
    ['GET', '/pub/' + 'x'.repeat(129), 'NETSERV_INVALID_CHANNEL'],
    ['POST', '/send/a%2Fb', 'NETSERV_INVALID_CHANNEL'],
  ]
  for (const [method, target, code] of cases) {
    const response = await request(method, target)
    t.equal(response.status, 400, target)
    t.equal(errorOf(response), code, target)
  }
  t.equal((await request('GET', '/sub/user%3Aalice,a?transport=longpoll&since=1-1')).status, 200, 'percent-encoded colon')
  for (const target of ['/', '/sub', '/pub', '/stats/x', '/subscribe/a']) t.equal((await request('GET', target)).status, 404, target)
  const event = await request('POST', '/pub/a?event=a%0Ab', {}, 'x')
  t.equal(event.status, 500, 'an event the framing refuses: not the client\'s code path, reported')
})

t.test('/send: interactive channels only, at most maxSendBytes, published like /pub', async (t) => {
  const { request, open, server, errors } = await startHub(t, { maxSendBytes: 8, channel: (name) => ({ interactive: name === 'chat' }) })
  const refused = await request('POST', '/send/news', {}, 'hi')
  t.equal(refused.status, 403)
  t.equal(errorOf(refused), 'NETSERV_NOT_INTERACTIVE')
  const stream = await open('/sub/chat')
  const sent = await request('POST', '/send/chat?event=say', {}, 'hi there')
  t.equal(sent.status, 200)
  t.strictSame(await stream.untilEvents(1), [{ type: 'say', data: 'hi there', lastEventId: (jsonOf(sent) as { id: string }).id }])
  const declared = await request('POST', '/send/chat', {}, 'nine byte')
  t.equal(declared.status, 413)
  t.equal(errorOf(declared), 'NETSERV_BODY_TOO_LARGE')
  // A chunked body has no length to refuse it by: counted as it comes, refused once over.
  const client = await server.connect()
  client.write('POST /send/chat HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n')
  client.write('5\r\nworld\r\n')
  const chunked = await client.response()
  t.equal(chunked.status, 413)
  client.write('5\r\nagain\r\n0\r\n\r\n')
  client.write(requestBytes('POST', '/send/chat', { 'Transfer-Encoding': 'chunked' }).toString('latin1') + '3\r\nabc\r\n0\r\n\r\n')
  t.equal((await client.response()).status, 200, 'the connection goes on after the refused body')
  t.strictSame((await stream.untilEvents(2)).map((e) => e.data), ['hi there', 'abc'])
  t.strictSame(errors, [])
})

t.test('bodies cut short: the engine answers, the hub adds nothing', async (t) => {
  const { server, hub } = await startHub(t, { channel: () => ({ interactive: true }) }, { maxBodyBytes: 16 })
  for (const target of ['/pub/a', '/send/a']) {
    const client = await server.connect()
    client.write(`POST ${target} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n`)
    client.write('20\r\n' + 'x'.repeat(32) + '\r\n0\r\n\r\n')
    const response = await client.response()
    t.equal(response.status, 413, target)
    t.match(response.body.toString(), 'NETSERV_BODY_TOO_LARGE')
  }
  t.equal(hub.info('a').retained, 0)
})

t.test('authorize: sync and async, allowed, refused, thrown, rejected', async (t) => {
  type Answer = boolean | Promise<boolean>
  const asked: string[] = []
  let answer: (channel: string) => Answer = () => true
  const { request, open, errors, hub, server } = await startHub(t, {
    channel: () => ({ interactive: true }),
    authorize: (req, channel, action) => {
      asked.push(`${action} ${channel} ${req.path}`)
      return answer(channel)
    },
  })
  const allowed = await open('/sub/a,b?user=al')
  t.strictSame(asked, ['subscribe a /sub/a,b', 'subscribe b /sub/a,b', 'subscribe user:al /sub/a,b'], 'once per channel, the user channel too')
  answer = (channel) => channel !== 'b'
  t.equal((await request('GET', '/sub/a,b')).status, 403, 'sync refusal')
  answer = (channel) => Promise.resolve(channel === 'a')
  const async = await open('/sub/a?transport=sse')
  t.equal(async.head.status, 200, 'async allowance')
  const refused = await request('GET', '/sub/a,b')
  t.equal(refused.status, 403, 'async refusal')
  t.equal(errorOf(refused), 'NETSERV_FORBIDDEN')
  answer = () => {
    throw new Error('authorize threw')
  }
  const thrown = await request('GET', '/sub/a')
  t.equal(thrown.status, 500)
  t.equal(errorOf(thrown), 'NETSERV_HANDLER_FAILED')
  answer = () => Promise.reject(new Error('authorize rejected'))
  t.equal((await request('POST', '/send/a', {}, 'x')).status, 500)
  t.match(errors, [{ message: 'authorize threw' }, { message: 'authorize rejected' }])
  answer = () => Promise.resolve(true)
  t.equal((await request('POST', '/pub/a', {}, 'published')).status, 200, 'publish asks too')
  t.match(asked.at(-1), 'publish a /pub/a')
  // The client leaves while the answer is awaited: nothing is opened.
  let release: ((allowed: boolean) => void) | null = null
  answer = () => new Promise((resolve) => (release = resolve))
  const index = server.sockets.length
  const leaving = await server.connect()
  leaving.write(requestBytes('GET', '/sub/late'))
  await until(() => asked.at(-1) === 'subscribe late /sub/late')
  const socket = await server.socket(index)
  // A reset: gone at once (after a FIN the server would still answer the request).
  leaving.socket.resetAndDestroy()
  await until(() => socket.destroyed)
  ;(release as unknown as (allowed: boolean) => void)(true)
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(hub.info('late').subscribers, 0)
  t.equal(allowed.head.status, 200)
})

t.test('/stats: JSON, Prometheus text with Accept: text/plain, CORS, preflight', async (t) => {
  const { request, open, hub } = await startHub(t)
  await open('/sub/a')
  await open('/sub/a?transport=chunked')
  await hub.publish('a', 'x')
  const json = await request('GET', '/stats')
  t.equal(json.header('access-control-allow-origin'), '*')
  t.match(jsonOf(json), { connections: 2, subscribers: { sse: 1, longpoll: 0, iframe: 0, multipart: 0, chunked: 1 }, channels: 1, messagesIn: 1, messagesOut: 2, slowReadersDropped: 0 })
  t.ok((jsonOf(json) as { bytesOut: number }).bytesOut > 2)
  const text = await request('GET', '/stats', { Accept: 'text/plain' })
  t.equal(text.header('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  t.match(text.body.toString(), 'netserv_subscribers{transport="chunked"} 1\n')
  for (const target of ['/stats', '/sub/a']) {
    const preflight = await request('OPTIONS', target, { Origin: 'http://elsewhere', 'Access-Control-Request-Headers': 'last-event-id' })
    t.equal(preflight.status, 204, target)
    t.equal(preflight.header('access-control-allow-origin'), '*')
    t.match(preflight.header('access-control-allow-headers'), 'Last-Event-ID')
  }
})
