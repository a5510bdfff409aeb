import t from 'tap'
import { MAX_SOCKETS_PER_CLIENT, parseDurationMs, parseSoakFlags } from '../../src/bench/soak-flags.js'
import { ErrorCode } from '../../src/errors.js'

t.test('parseDurationMs: ms, s, m, h; a bare number is seconds', async (t) => {
  t.equal(parseDurationMs('250ms', 'd'), 250)
  t.equal(parseDurationMs('30s', 'd'), 30_000)
  t.equal(parseDurationMs(' 10m ', 'd'), 600_000)
  t.equal(parseDurationMs('1.5h', 'd'), 5_400_000)
  t.equal(parseDurationMs('45', 'd'), 45_000)
  for (const text of ['', '0s', '-1s', '10x', 'm', '1e3s', 'ten']) {
    t.throws(() => parseDurationMs(text, 'duration'), { code: ErrorCode.INVALID_ARGUMENT, message: `--duration must be a duration such as 30s, 10m or 1h, got ${JSON.stringify(text)}` })
  }
})

t.test('defaults: 10,000 subscribers, 4 clients, 1 channel, 100/s for 10 minutes, judged after a minute', async (t) => {
  t.strictSame(parseSoakFlags([]), {
    subscribers: 10_000,
    clients: 4,
    channels: 1,
    ratePerSecond: 100,
    durationMs: 600_000,
    warmupMs: 60_000,
    sampleEveryMs: 10_000,
    reconnectShare: 0.01,
    reconnectEveryMs: 60_000,
    maxHeapGrowth: 0.05,
    history: 1000,
    payloadBytes: 100,
    firstAddress: 101,
    json: null,
    lib: null,
  })
})

t.test('a short run scales warm-up, sampling and resumes to its length', async (t) => {
  const settings = parseSoakFlags(['--duration', '30s'])
  t.equal(settings.warmupMs, 7500)
  t.equal(settings.sampleEveryMs, 3000)
  t.equal(settings.reconnectEveryMs, 6000)
})

t.test('every flag given', async (t) => {
  const settings = parseSoakFlags([
    '--subscribers', '30000', '--clients', '6', '--channels', '3', '--rate', '50', '--duration', '2m', '--warmup', '20s',
    '--sample-every', '5s', '--reconnect-percent', '2.5', '--reconnect-every', '10s', '--max-heap-growth-percent', '10',
    '--history', '500', '--payload-bytes', '200', '--first-address', '200', '--json', 'out.json', '--lib', '/tmp/lib',
  ])
  t.strictSame(settings, {
    subscribers: 30_000,
    clients: 6,
    channels: 3,
    ratePerSecond: 50,
    durationMs: 120_000,
    warmupMs: 20_000,
    sampleEveryMs: 5000,
    reconnectShare: 0.025,
    reconnectEveryMs: 10_000,
    maxHeapGrowth: 0.1,
    history: 500,
    payloadBytes: 200,
    firstAddress: 200,
    json: 'out.json',
    lib: '/tmp/lib',
  })
  t.equal(parseSoakFlags(['--subscribers', '30000']).clients, 6, 'clients enough for 5,000 sockets each')
})

t.test('refusals', async (t) => {
  const refused = (argv: string[], message: string | RegExp): void => {
    t.throws(() => parseSoakFlags(argv), { code: ErrorCode.INVALID_ARGUMENT, message }, argv.join(' '))
  }
  refused(['--nope'], /Unknown option '--nope'/)
  refused(['--subscribers', '0'], '--subscribers must be a positive integer, got "0"')
  refused(['--rate', '1.5'], '--rate must be a positive integer, got "1.5"')
  refused(['--subscribers', '40000', '--clients', '2'], `--clients 2 would hold 20000 sockets each, over ${MAX_SOCKETS_PER_CLIENT}: use more`)
  refused(['--first-address', '252'], '--first-address 252 leaves no room for 4 clients in 127.0.1.1-254')
  refused(['--subscribers', '2', '--channels', '3'], '--channels 3 is more than the 2 subscribers')
  refused(['--duration', '10s', '--warmup', '9s'], '--warmup plus --sample-every must leave room for two samples in --duration')
  refused(['--reconnect-percent', '101'], '--reconnect-percent must be a percentage from 0 to 100, got "101"')
  refused(['--max-heap-growth-percent', ''], '--max-heap-growth-percent must be a percentage from 0 to 100, got ""')
  refused(['--reconnect-percent', 'x'], '--reconnect-percent must be a percentage from 0 to 100, got "x"')
})
