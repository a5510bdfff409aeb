/// <reference lib="dom" />
/**
 * netserv's browser client, served as `/netserv.js` (./client-script.ts): subscribes to hub
 * channels over SSE, long-poll or a forever-iframe (HUB-SPEC's `GET /sub/...`), falls back
 * from one to the next when a transport cannot work here, resumes from the last id after every
 * drop, and reconnects with capped exponential backoff and jitter.
 *
 * This file runs in browsers only. It is served through ./script-stripper.ts, which knows no
 * regular expressions and refuses template literals: write neither here.
 */

/** The transports, in the order {@link subscribe} falls back through them. */
export type Transport = 'sse' | 'longpoll' | 'iframe'

/** What `onMessage` receives. */
export interface Message {
  /** `<epoch>-<seq>`: what a subscription resumes from. Absent on `gap`, `join` and `leave`. */
  id?: string
  /**
   * Absent for a message published without one; `gap` (some messages since the resume point
   * are lost: what follows is what the hub still has), `join` and `leave` (presence, data
   * JSON `{"user","present","subscribers"}`), or the publisher's.
   */
  event?: string
  /** The published data, as text. */
  data: string
  /** The channel it was published on: long-poll only (SSE and iframe frames do not carry it). */
  channel?: string
}

/** What `onStatus` receives at each change. */
export interface Status {
  /** `waiting`: the connection is gone and the next attempt is `delayMs` away. */
  state: 'connecting' | 'open' | 'waiting' | 'closed'
  transport: Transport
  /** waiting: ms until the next attempt. */
  delayMs?: number
}

/** Options of {@link subscribe}. */
export interface SubscribeOptions {
  /** Use this transport only, with no fallback. Default: the first of sse, longpoll, iframe that works. */
  transport?: Transport
  /** Resume after this id (HUB-SPEC `since`): the retained messages after it come first. */
  since?: string
  /** The hub's origin (and path prefix), e.g. `https://push.example.com`. Default this page's origin. */
  url?: string
  /** The subscriber's user name (HUB-SPEC `?user=`): presence and `user:<id>` channels. */
  user?: string
  /**
   * SSE only: event types to deliver besides plain messages, `gap`, `join` and `leave`. An
   * EventSource hands a named event only to a listener for that name; long-poll and iframe
   * deliver every event whatever this says.
   */
  events?: string[]
  /**
   * Long-poll only: the `credentials` of its requests (fetch's, default `same-origin`).
   * `omit` also puts them on connections of their own: browsers keep requests without
   * credentials apart from the others, each kind with its own six connections per server.
   */
  credentials?: RequestCredentials
  onStatus?: (status: Status) => void
  /** The first reconnection waits between half this and this, in ms. Default 1000. */
  minRetryMs?: number
  /** The cap of the doubling wait, in ms. Default 30000. */
  maxRetryMs?: number
  /**
   * iframe only: a stream that brought nothing, not even a heartbeat, for this long (checked
   * every maxSilenceMs, so noticed after one to two of them) is taken for dead and reopened,
   * in ms. A document whose connection breaks never fires `load`; heartbeats (at least every
   * 25 s from a hub with default options) grow its text. Default 35000.
   */
  maxSilenceMs?: number
}

/** What {@link subscribe} returns. */
export interface Subscription {
  /** Closes the connection and cancels every timer; no message is delivered after it. */
  unsubscribe(): void
}

/** Options of {@link send}. */
export interface SendOptions {
  /** The hub's origin, as in {@link SubscribeOptions.url}. */
  url?: string
  /** The event type to publish with. */
  event?: string
  /** Who sends, as the hub's `authorize` sees it (`?user=`). */
  user?: string
  /** As {@link SubscribeOptions.credentials}. */
  credentials?: RequestCredentials
}

type Callbacks = Record<string, (message: Message) => void>

const FALLBACK: readonly Transport[] = ['sse', 'longpoll', 'iframe']

/**
 * Where forever-iframes find their page: each stream's scripts call
 * `parent.__netserv.<name>(message)`. One object per window, shared by every copy of this
 * script (module and classic) on the page.
 */
const callbacks: Callbacks = ((globalThis as unknown as { __netserv?: Callbacks }).__netserv ??= {})

function query(name: string, value: string | undefined): string {
  return value === undefined ? '' : '&' + name + '=' + encodeURIComponent(value)
}

/**
 * Subscribes to `channels` (at most 16, HUB-SPEC) and calls `onMessage` with each message,
 * `gap` and presence event, in order, until `unsubscribe()`.
 *
 * Transport: `options.transport`, else SSE where EventSource exists, else long-poll. A
 * transport whose first connection fails before it ever opened (an SSE request refused, a
 * first poll that errors) is given up for the next one: SSE, long-poll, forever-iframe (which
 * needs the hub on this page's origin). Once a transport has opened, failures only retry it.
 *
 * Every drop reconnects after a wait drawn between half and all of `minRetryMs * 2^n` (capped
 * at `maxRetryMs`), n counting the failures since the last good connection: one that
 * delivered a message or lived `maxRetryMs`. Each reconnection asks for what followed the
 * last id seen, so nothing is missed or repeated while the hub retains it.
 */
function subscribe(
  channels: string | string[],
  onMessage: (message: Message) => void,
  options: SubscribeOptions = {},
): Subscription {
  const base = (options.url ?? '') + '/sub/' + (typeof channels === 'string' ? [channels] : channels).map(encodeURIComponent).join(',')
  const minMs = options.minRetryMs ?? 1000
  const maxMs = options.maxRetryMs ?? 30000
  let transport: Transport =
    options.transport ?? (typeof EventSource === 'function' ? 'sse' : typeof fetch === 'function' ? 'longpoll' : 'iframe')
  let lastId = options.since
  /** The current transport has opened once: it works here. */
  let opened = false
  let failures = 0
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let stop: (() => void) | undefined
  /** The current connection delivered something, or when it opened (0: not yet). */
  let delivered = false
  let openedAt = 0

  function status(state: Status['state'], delayMs?: number): void {
    if (options.onStatus === undefined) return
    const value: Status = { state, transport }
    if (delayMs !== undefined) value.delayMs = delayMs
    options.onStatus(value)
  }

  function open(): void {
    opened = true
    openedAt = Date.now()
    status('open')
  }

  function deliver(message: Message): void {
    if (closed) return
    delivered = true
    if (message.id !== undefined) lastId = message.id
    onMessage(message)
  }

  function url(): string {
    return base + '?transport=' + transport + query('since', lastId) + query('user', options.user)
  }

  /** The current connection ended, for whatever reason: fall back, or wait and retry. */
  function dropped(): void {
    stop = undefined
    if (closed) return
    const index = FALLBACK.indexOf(transport)
    if (!opened && options.transport === undefined && index < 2) {
      transport = FALLBACK[index + 1] as Transport
      connect()
      return
    }
    if (delivered || (openedAt > 0 && Date.now() - openedAt >= maxMs)) failures = 0
    const ceilingMs = Math.min(maxMs, minMs * 2 ** failures++)
    const delayMs = Math.round(ceilingMs / 2 + (Math.random() * ceilingMs) / 2)
    status('waiting', delayMs)
    timer = setTimeout(connect, delayMs)
  }

  function connect(): void {
    delivered = false
    openedAt = 0
    status('connecting')
    stop = transport === 'sse' ? sse() : transport === 'longpoll' ? longPoll() : iframe()
  }

  function sse(): () => void {
    const source = new EventSource(url())
    const listener = (event: MessageEvent<string>): void => {
      const message: Message = { data: event.data }
      // The browser keeps the last id for events that carry none (presence, gap): an id is
      // new only when it changed, since ids only grow.
      if (event.lastEventId !== '' && event.lastEventId !== lastId) message.id = event.lastEventId
      if (event.type !== 'message') message.event = event.type
      deliver(message)
    }
    source.onopen = open
    source.onmessage = listener
    for (const name of ['gap', 'join', 'leave'].concat(options.events ?? [])) source.addEventListener(name, listener)
    // Closed at the first error, and reconnected by dropped(): the browser's own reconnection
    // waits a fixed `retry:` with no backoff and no jitter, and gives up on some errors.
    source.onerror = () => {
      source.close()
      dropped()
    }
    return () => source.close()
  }

  function longPoll(): () => void {
    const abort = new AbortController()
    const loop = async (): Promise<void> => {
      for (;;) {
        const response = await fetch(url(), { cache: 'no-store', credentials: options.credentials ?? 'same-origin', signal: abort.signal })
        if (response.status === 204) {
          lastId = response.headers.get('X-Netserv-Cursor') ?? lastId
        } else if (response.ok) {
          const body = (await response.json()) as { messages: Message[]; cursor: string; gap: boolean }
          if (openedAt === 0) open()
          if (body.gap) deliver({ event: 'gap', data: '' })
          for (const message of body.messages) deliver(message)
          lastId = body.cursor
          continue
        } else {
          throw new Error()
        }
        if (openedAt === 0) open()
      }
    }
    loop().catch(() => {
      if (!abort.signal.aborted) dropped()
    })
    return () => abort.abort()
  }

  function iframe(): () => void {
    const name = 'c' + Math.random().toString(36).slice(2)
    const frame = document.createElement('iframe')
    let length = -1
    const remove = (): void => {
      clearInterval(watch)
      frame.onload = null
      frame.remove()
      delete callbacks[name]
    }
    const ended = (): void => {
      remove()
      dropped()
    }
    // Its document loads completely only when the stream ends cleanly; a broken connection
    // leaves it loading for ever, so silence is the only sign.
    const watch = setInterval(() => {
      const now = frame.contentDocument?.body?.textContent?.length ?? 0
      if (now === length) ended()
      length = now
    }, options.maxSilenceMs ?? 35000)
    callbacks[name] = (message) => {
      if (openedAt === 0) open()
      deliver(message)
    }
    frame.onload = ended
    frame.style.display = 'none'
    frame.src = url() + '&callback=__netserv.' + name
    ;(document.body ?? document.documentElement).appendChild(frame)
    return remove
  }

  connect()
  return {
    unsubscribe() {
      if (closed) return
      closed = true
      clearTimeout(timer)
      if (stop !== undefined) stop()
      status('closed')
    },
  }
}

/**
 * Publishes `data` on an interactive channel (HUB-SPEC `POST /send/<channel>`). Resolves with
 * the hub's reply; rejects with an Error whose `status` is the HTTP status (403: not an
 * interactive channel or not authorized, 413: too large) or 0 when the hub was not reached.
 */
async function send(
  channel: string,
  data: string,
  options: SendOptions = {},
): Promise<{ id: string; subscribers: number }> {
  let response: Response
  try {
    response = await fetch(
      (options.url ?? '') + '/send/' + encodeURIComponent(channel) + '?' + query('event', options.event) + query('user', options.user),
      { method: 'POST', body: data, credentials: options.credentials ?? 'same-origin' },
    )
  } catch {
    throw Object.assign(new Error('netserv.send: the hub was not reached'), { status: 0 })
  }
  if (!response.ok) throw Object.assign(new Error('netserv.send: ' + response.status), { status: response.status })
  return (await response.json()) as { id: string; subscribers: number }
}

// One export statement, last: the classic variant (./client-script.ts) replaces it.
export { send, subscribe }
