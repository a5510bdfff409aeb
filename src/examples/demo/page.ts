/**
 * The demo's one page, as a string: HTML and CSS here, the script in ./page-script.ts. Kept in
 * TypeScript modules rather than .html files because tsc copies no .html into lib/, and
 * `npm install && npm start` on a fresh clone must serve it with no build step of its own.
 *
 * Everything live on it comes from the hub through the browser client at /netserv.js, except
 * the camera: a plain `<img>` on a multipart stream, as in 1995 (the script reopens it when
 * its picture stops changing).
 */
import { PAGE_SCRIPT } from './page-script.js'

const STYLE = `
:root { color-scheme: dark; --bg: #0b1120; --card: #141c2f; --line: #243046; --text: #e8ecf4; --dim: #8a94a8;
  --up: #2ecc71; --down: #e74c3c; --accent: #5aa9ff; font: 14px/1.4 system-ui, sans-serif; }
body { margin: 0; background: var(--bg); color: var(--text); }
header { padding: 14px 20px; border-bottom: 1px solid var(--line); display: flex; align-items: baseline; gap: 14px; }
header h1 { margin: 0; font-size: 20px; }
header span { color: var(--dim); }
main { display: grid; grid-template-columns: repeat(3, 1fr); gap: 14px; padding: 14px 20px;
  grid-template-areas: "sse longpoll iframe" "camera chat chat" "stats chat chat"; }
#ticker-sse { grid-area: sse; } #ticker-longpoll { grid-area: longpoll; } #ticker-iframe { grid-area: iframe; }
#camera-panel { grid-area: camera; } #stats-panel { grid-area: stats; } #chat-panel { grid-area: chat; display: flex; flex-direction: column; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
h2 { margin: 0 0 8px; font-size: 14px; text-transform: uppercase; letter-spacing: .06em; color: var(--accent); }
h2 small { color: var(--dim); text-transform: none; letter-spacing: 0; font-weight: normal; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
td { padding: 3px 0; border-bottom: 1px solid var(--line); }
td + td { text-align: right; }
.up { color: var(--up); } .down { color: var(--down); }
.figures { display: flex; justify-content: space-between; margin-top: 8px; color: var(--dim); }
.figures b { color: var(--text); font-variant-numeric: tabular-nums; }
#camera { display: block; width: 100%; height: auto; max-width: 512px; image-rendering: pixelated; border-radius: 4px; background: #101828; aspect-ratio: 16 / 9; }
#messages { flex: 1; min-height: 160px; height: 0; overflow-y: auto; margin: 0 0 8px; padding: 0; list-style: none; }
#messages li { padding: 2px 0; overflow-wrap: anywhere; }
#messages b { color: var(--accent); }
#messages .note { color: var(--dim); font-style: italic; }
form { display: flex; gap: 6px; margin: 0 0 8px; align-items: center; }
label { color: var(--dim); }
input { flex: 1; min-width: 0; background: var(--bg); color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; font: inherit; }
button { background: var(--accent); color: #04101f; border: 0; border-radius: 4px; padding: 6px 12px; font: inherit; font-weight: 600; cursor: pointer; }
#present { color: var(--dim); }
dl { display: grid; grid-template-columns: 1fr auto; gap: 4px 12px; margin: 0; font-variant-numeric: tabular-nums; }
dt { color: var(--dim); } dd { margin: 0; text-align: right; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; grid-template-areas: "sse" "longpoll" "iframe" "camera" "chat" "stats"; } }
`

/** One ticker panel: the same channel through one transport. */
function tickerPanel(transport: string, title: string, how: string): string {
  return `<section class="ticker" id="ticker-${transport}">
<h2>${title} <small>${how}</small></h2>
<table><tbody></tbody></table>
<div class="figures"><span>messages <b class="count">0</b></span><span>lag <b class="lag">-</b></span><span class="state">connecting</span></div>
</section>`
}

/** The page, whole. */
export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>netserv demo</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body>
<header><h1>netserv</h1><span>one raw-socket HTTP/1.1 engine, every push transport, one hub</span></header>
<main>
${tickerPanel('sse', 'Server-Sent Events', 'EventSource, also the chat')}
${tickerPanel('longpoll', 'Long-poll', 'fetch loop')}
${tickerPanel('iframe', 'Forever-iframe', '&lt;script&gt; per message')}
<section id="camera-panel"><h2>Camera <small>&lt;img&gt; on multipart/x-mixed-replace, PNG frames drawn by the server</small></h2>
<img id="camera" src="/sub/camera?transport=multipart" alt="the server's camera: a clock and a price chart" width="256" height="144"></section>
<section id="stats-panel"><h2>Server <small>hub.stats(), pushed every second</small></h2><dl id="stats">
<dt>connections</dt><dd id="stat-connections">-</dd>
<dt>SSE subscribers</dt><dd id="stat-sse">-</dd>
<dt>long-poll subscribers</dt><dd id="stat-longpoll">-</dd>
<dt>iframe subscribers</dt><dd id="stat-iframe">-</dd>
<dt>multipart subscribers</dt><dd id="stat-multipart">-</dd>
<dt>messages out / s</dt><dd id="stat-rate">-</dd>
</dl></section>
<section id="chat-panel"><h2>Chat <small>an interactive channel with presence</small></h2>
<form id="name-form"><label for="name">you are</label><input id="name" maxlength="32" autocomplete="off" aria-label="your name"><button>Rename</button></form>
<ul id="messages"></ul>
<form id="chat-form"><input id="text" maxlength="500" autocomplete="off" placeholder="say something" aria-label="message"><button>Send</button></form>
<div>here: <span id="present">-</span> <small id="chat-transport"></small></div></section>
</main>
<script type="module">${PAGE_SCRIPT}</script>
</body></html>
`
