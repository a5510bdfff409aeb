/**
 * The page's script, as the browser runs it (a JavaScript module in a string: no build step).
 * It imports the browser client from /netserv.js:
 *
 *   netserv.subscribe(channels, onMessage, { transport, user, since, onStatus }) -> { unsubscribe() }
 *   netserv.send(channel, data, { user }) -> Promise
 *
 * What it receives it also keeps in `window.demo` (ids per panel, chat lines, who is here),
 * so the end-to-end tests can read what the page saw.
 */
export const PAGE_SCRIPT = String.raw`
import * as netserv from '/netserv.js'

const MAX_IDS = 2000
const demo = { panels: {}, chat: { lines: [], present: [], transport: null, user: null }, stats: null }
window.demo = demo

function $(selector, root) { return (root || document).querySelector(selector) }

// The ticker, three times: the same channel through each transport, forced (no fallback).
for (const transport of ['sse', 'longpoll', 'iframe']) {
  const root = $('#ticker-' + transport)
  const panel = { ids: [], count: 0, lagMs: null, gaps: 0, opens: 0, state: 'connecting' }
  demo.panels[transport] = panel
  const rows = {}
  netserv.subscribe('quotes', (message) => {
    if (message.event === 'gap') { panel.gaps++; return }
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
  }, {
    transport,
    minRetryMs: 250,
    maxRetryMs: 5000,
    onStatus(status) {
      panel.state = status.state
      if (status.state === 'open') panel.opens++
      $('.state', root).textContent = status.state
    },
  })
}

// The chat: a subscription with a user name (presence), and messages sent with netserv.send.
let chat = null
let chatLastId
const lines = $('#messages')

function line(html, text) {
  const item = document.createElement('li')
  item.innerHTML = html
  if (text !== undefined) item.lastChild.textContent = text
  const atBottom = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 4
  lines.append(item)
  if (atBottom) lines.scrollTop = lines.scrollHeight
}

function showPresence(event) {
  const presence = JSON.parse(event.data)
  demo.chat.present = presence.present
  $('#present').textContent = presence.present.join(', ') || '-'
  line('<span class="note"></span>', presence.user + (event.event === 'join' ? ' joined' : ' left'))
}

function join(name) {
  if (chat !== null) chat.unsubscribe()
  demo.chat.user = name
  $('#name').value = name
  // since: a rename resubscribes, and misses nothing said meanwhile.
  chat = netserv.subscribe('chat', (message) => {
    if (message.id !== undefined) chatLastId = message.id
    if (message.event === 'join' || message.event === 'leave') return showPresence(message)
    if (message.event === 'gap') return
    let said
    try { said = JSON.parse(message.data) } catch { said = { user: '?', text: message.data } }
    demo.chat.lines.push({ user: String(said.user), text: String(said.text) })
    line('<b></b> <span></span>', String(said.text))
    lines.lastChild.firstChild.textContent = String(said.user)
  }, {
    user: name,
    since: chatLastId,
    minRetryMs: 250,
    maxRetryMs: 5000,
    onStatus(status) {
      demo.chat.transport = status.transport
      $('#chat-transport').textContent = '(' + status.transport + ', ' + status.state + ')'
    },
  })
}

// A user name is 1-64 characters of the channel alphabet (HUB-SPEC); anything else becomes '-'.
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
  netserv.send('chat', JSON.stringify({ user: demo.chat.user, text }), { user: demo.chat.user }).catch((error) => {
    line('<span class="note"></span>', 'not sent (' + error.message + ')')
  })
})
// ?name= in the page's address sets the first name; else a guest number.
join(cleanName(new URLSearchParams(location.search).get('name') || '') || 'guest-' + Math.floor(Math.random() * 9000 + 1000))

// The server's figures, once a second; messages out per second from the difference.
let previous = null
async function stats() {
  try {
    const response = await fetch('/stats', { cache: 'no-store' })
    const now = await response.json()
    demo.stats = now
    $('#stat-connections').textContent = now.connections
    for (const transport of ['sse', 'longpoll', 'iframe', 'multipart']) $('#stat-' + transport).textContent = now.subscribers[transport]
    if (previous !== null) $('#stat-rate').textContent = Math.round((now.messagesOut - previous.value.messagesOut) * 1000 / (Date.now() - previous.at))
    previous = { value: now, at: Date.now() }
  } catch {
    // The server is away (restarting): the next second tries again.
  }
  setTimeout(stats, 1000)
}
stats()
`
