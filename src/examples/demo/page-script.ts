/**
 * The page's script, as the browser runs it (a JavaScript module in a string: no build step).
 * It imports the browser client from /netserv.js:
 *
 *   netserv.subscribe(channels, onMessage, { transport, user, since, events, onStatus }) -> { unsubscribe() }
 *   netserv.send(channel, data, { user }) -> Promise
 *
 * A browser opens at most six HTTP/1.1 connections to one server, for all its tabs, so the
 * page holds three: one subscription for the SSE panel, the chat, who is here and the
 * figures; the forever-iframe; the camera. The long-polls and chat messages go without
 * credentials (cookies), which browsers send over connections apart: two tabs fit.
 *
 * What it receives it also keeps in `window.demo` (ids per panel, chat lines, who is here),
 * so the end-to-end tests can read what the page saw.
 */
export const PAGE_SCRIPT = String.raw`
import * as netserv from '/netserv.js'

const MAX_IDS = 2000
const RETRY = { minRetryMs: 250, maxRetryMs: 5000 }
const demo = { panels: {}, chat: { lines: [], present: [], transport: null, user: null }, stats: null, camera: { opens: 1 } }
window.demo = demo

function $(selector, root) { return (root || document).querySelector(selector) }

// A ticker panel: a row per symbol, the count of quotes and the lag of the last one.
function tickerPanel(transport) {
  const root = $('#ticker-' + transport)
  const panel = { ids: [], count: 0, lagMs: null, gaps: 0, opens: 0, state: 'connecting', transport }
  demo.panels[transport] = panel
  const rows = {}
  function quote(message) {
    const quote = JSON.parse(message.data)
    panel.count++
    panel.ids.push(message.id)
    if (panel.ids.length > MAX_IDS) panel.ids.shift()
    // The quote carries its publish time: receive time minus it is the lag (same machine).
    panel.lagMs = Math.max(0, Date.now() - quote.time)
    let row = rows[quote.symbol]
    if (row === undefined) {
      row = rows[quote.symbol] = document.createElement('tr')
      row.innerHTML = '<td></td><td></td><td></td>'
      row.firstChild.textContent = quote.symbol
      const body = $('tbody', root)
      const after = [...body.children].find((other) => other.firstChild.textContent > quote.symbol)
      body.insertBefore(row, after || null)
    }
    row.children[1].textContent = quote.price.toFixed(2)
    row.children[2].textContent = (quote.change >= 0 ? '+' : '') + quote.change.toFixed(2)
    row.children[2].className = quote.change >= 0 ? 'up' : 'down'
    $('.count', root).textContent = panel.count
    $('.lag', root).textContent = panel.lagMs + ' ms'
  }
  function status(status) {
    panel.state = status.state
    panel.transport = status.transport
    if (status.state === 'open') panel.opens++
    $('.state', root).textContent = status.state + (status.transport === transport ? '' : ' (' + status.transport + ')')
  }
  return { quote, status, gap() { panel.gaps++ } }
}

// Long-poll and forever-iframe: the quotes alone, each through its transport (no fallback).
for (const transport of ['longpoll', 'iframe']) {
  const panel = tickerPanel(transport)
  netserv.subscribe('quotes', (message) => (message.event === 'gap' ? panel.gap() : panel.quote(message)), {
    ...RETRY, transport, credentials: 'omit', onStatus: panel.status,
  })
}

// SSE: one subscription to three channels, told apart by event type: quotes for the panel,
// the chat (plain messages, join and leave) and the server's figures. No transport forced:
// where SSE cannot work, the client falls back to long-poll, and this panel says so.
const ssePanel = tickerPanel('sse')
let subscription = null
let lastId
const lines = $('#messages')

function line(html, text) {
  const item = document.createElement('li')
  item.innerHTML = html
  if (text !== undefined) item.lastChild.textContent = text
  const atBottom = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 4
  lines.append(item)
  if (atBottom) lines.scrollTop = lines.scrollHeight
}

function showSaid(message) {
  let said
  try { said = JSON.parse(message.data) } catch { said = { user: '?', text: message.data } }
  demo.chat.lines.push({ user: String(said.user), text: String(said.text) })
  line('<b></b> <span></span>', String(said.text))
  lines.lastChild.firstChild.textContent = String(said.user)
}

// Who is here: the users with a stream open on chat. A long-poll is no stream: a page that
// fell back to long-poll reads the chat but is not listed (README, "The demo").
function showPresence(message) {
  const presence = JSON.parse(message.data)
  demo.chat.present = presence.present
  $('#present').textContent = presence.present.join(', ') || '-'
  line('<span class="note"></span>', presence.user + (message.event === 'join' ? ' joined' : ' left'))
}

// Messages out per second: the difference between two updates.
let previousStats = null
function showStats(message) {
  const now = JSON.parse(message.data)
  demo.stats = now
  $('#stat-connections').textContent = now.connections
  for (const transport of ['sse', 'longpoll', 'iframe', 'multipart']) $('#stat-' + transport).textContent = now.subscribers[transport]
  if (previousStats !== null) $('#stat-rate').textContent = Math.round((now.messagesOut - previousStats.messagesOut) * 1000 / Math.max(1, now.time - previousStats.time))
  previousStats = now
}

// The user name is part of the subscription (presence), so a rename subscribes again, since
// the last id: nothing said or quoted meanwhile is missed.
function join(name) {
  if (subscription !== null) subscription.unsubscribe()
  demo.chat.user = name
  $('#name').value = name
  subscription = netserv.subscribe(['quotes', 'chat', 'stats'], (message) => {
    if (message.id !== undefined) lastId = message.id
    switch (message.event) {
      case 'quote': return ssePanel.quote(message)
      case 'stats': return showStats(message)
      case 'join': case 'leave': return showPresence(message)
      case 'gap': return ssePanel.gap()
      default: return showSaid(message)
    }
  }, {
    ...RETRY,
    user: name,
    since: lastId,
    events: ['quote', 'stats'],
    onStatus(status) {
      ssePanel.status(status)
      demo.chat.transport = status.transport
      $('#chat-transport').textContent = '(' + status.transport + ', ' + status.state + ')'
    },
  })
}

// A user name: the channel alphabet (anything else becomes '-'), at most 32 characters like the
// name field (the hub would take 64).
function cleanName(text) { return text.trim().replace(/[^A-Za-z0-9_.~-]/g, '-').slice(0, 32) }

$('#name-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const name = cleanName($('#name').value)
  if (name !== '' && name !== demo.chat.user) join(name)
})
$('#chat-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const text = $('#text').value.trim()
  if (text === '') return
  $('#text').value = ''
  netserv.send('chat', JSON.stringify({ user: demo.chat.user, text }), { user: demo.chat.user, credentials: 'omit' }).catch((error) => {
    line('<span class="note"></span>', 'not sent (' + error.message + ')')
  })
})
// ?name= in the page's address sets the first name; else a guest number.
join(cleanName(new URLSearchParams(location.search).get('name') || '') || 'guest-' + Math.floor(Math.random() * 9000 + 1000))

// The camera. A browser fires no event when a multipart stream ends: the <img> keeps its last
// frame. The clock in the picture moves every second, so a picture unchanged for 3 s means the
// stream is gone (or never came): open it again, at a new URL so that no cache answers.
const camera = $('#camera')
const canvas = document.createElement('canvas')
let lastPicture = ''
setInterval(() => {
  let picture = ''
  if (camera.naturalWidth > 0) {
    canvas.width = camera.naturalWidth
    canvas.height = camera.naturalHeight
    canvas.getContext('2d').drawImage(camera, 0, 0)
    picture = canvas.toDataURL()
  }
  if (picture === lastPicture) {
    demo.camera.opens++
    camera.src = '/sub/camera?transport=multipart&open=' + demo.camera.opens
  }
  lastPicture = picture
}, 3000)
`
