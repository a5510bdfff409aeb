import t from 'tap'
import { SoakEventReader } from '../../src/bench/soak-event-reader.js'
import { encodeSoakPayload } from '../../src/bench/soak-payload.js'

type Seen = Array<string | number[]>

function read(pieces: readonly string[]): Seen {
  const seen: Seen = []
  const reader = new SoakEventReader({
    onMessage: (epoch, seq, n, publishedUs) => seen.push([epoch, seq, n, publishedUs]),
    onNamedEvent: (type) => seen.push(`event ${type}`),
    onMalformed: () => seen.push('malformed'),
  })
  for (const piece of pieces) {
    const buffer = Buffer.from(`<<${piece}>>`, 'latin1')
    reader.feed(buffer, 2, buffer.length - 2)
  }
  return seen
}

const p = (n: number, publishedUs: number): string => encodeSoakPayload(n, publishedUs, 60)
// As the hub frames (retry, heartbeat comments, id + data, a gap event), and every other case.
const STREAM =
  'retry: 3000\n\n: heartbeat\n\n' +
  `id: 1764000000000-1\ndata: ${p(1, 5)}\n\n` +
  'event: gap\ndata: {"channel":"x"}\n\n' +
  `id:1764000000000-22\r\ndata:${p(2, 123456789012)}\r\n\r\n` +
  `data: ${p(3, 7)}\r\rid: 1764000000000-23\rdata: ${p(4, 8)}\r\n\n` +
  `event: message\nunknown: x\nidx: 5\n:comment\ndata: ${p(5, 9)}\n\n` +
  'id: 9\ndata: {"n":6,"t":1,"p":""}\n\n' +
  `id: 1764000000000-30\ndata: ${p(7, 1)}\ndata: second line\n\n` +
  'id: 1764000000000-31\ndata: {"n":8,"t":1}\n\n' +
  'id: 1764000000000-32\ndata: {"n":x,"t":1,"p":""}\n\n' +
  'id: 1764000000000-33\ndata: {"n":9,"t":,"p":""}\n\n' +
  'id: 1764000000000-34\ndata: {"n":10;"t":1,"p":""}\n\n' +
  'id: 1764000000000-35\ndata\n\n' +
  'id: 1764000000000-36\nevent\ndata: {"m":1}\n\n' +
  'id: 1-2-3\ndata: {"n":11,"t":1,"p":""}\n\n' +
  'id: -3\ndata: {"n":12,"t":1,"p":""}\n\n' +
  'id: 7-\ndata: {"n":13,"t":1,"p":""}\n\n' +
  'id: 7-1x\ndata: {"n":14,"t":1,"p":""}\n\n' +
  'id\ndata: {"n":15,"t":1,"p":""}\n\n' +
  'event: nothing\n\nid: 1764000000000-40\n\ndata: {"n":16,"t":2,"p":""}\n\n' +
  'id: 5-6\ndata: {"n":17,"t":3,"p":""}\n'
const SEEN: Seen = [
  [1764000000000, 1, 1, 5],
  'event gap',
  [1764000000000, 22, 2, 123456789012],
  [1764000000000, 22, 3, 7],
  [1764000000000, 23, 4, 8],
  [1764000000000, 23, 5, 9],
  'malformed', // an id without a dash
  'malformed', // two data lines
  'malformed', // a payload without its third field
  'malformed', // n not a number
  'malformed', // t without digits
  'malformed', // n followed by something else than a comma
  'malformed', // an empty data line
  'malformed', // data that is not a payload (and `event` alone names nothing)
  'malformed', // two dashes
  'malformed', // no epoch
  'malformed', // no seq
  'malformed', // a letter in the seq
  'malformed', // an empty id
  [1764000000000, 40, 16, 2], // an event with no data dispatches nothing; its id carries over
]

t.test('messages as numbers; named events; anything else malformed; ids carry over; no data no event', async (t) => {
  t.strictSame(read([STREAM]), SEEN)
})

t.test('the same at every split point (a CRLF split between pieces too) and byte by byte', async (t) => {
  const expected = JSON.stringify(SEEN)
  for (let split = 0; split <= STREAM.length; split++) {
    const seen = JSON.stringify(read([STREAM.slice(0, split), STREAM.slice(split)]))
    if (seen !== expected) t.fail(`split at ${split}: ${seen}`)
  }
  t.strictSame(read([...STREAM]), SEEN)
})
