import t from 'tap'
import { formatBytes, formatCount, formatTable } from '../../src/bench/text-table.js'

t.test('formatTable: Markdown whose columns line up as text; numbers to the right', async (t) => {
  const table = formatTable(
    [{ heading: 'server' }, { heading: 'per conn', numeric: true }, { heading: 'n', numeric: true }],
    [
      ['netserv', '1.17 KiB', '3'],
      ['raw | net', '0.87 KiB'],
      ['x', '1', '2', 'cut'],
      ['two\nlines', '', ''],
    ],
  )
  t.equal(
    table,
    [
      '| server     | per conn |   n |',
      '| ---------- | -------: | --: |',
      '| netserv    | 1.17 KiB |   3 |',
      '| raw \\| net | 0.87 KiB |     |',
      '| x          |        1 |   2 |',
      '| two lines  |          |     |',
      '',
    ].join('\n'),
  )
})

t.test('formatTable: no rows, just the heading', async (t) => {
  t.equal(formatTable([{ heading: 'a' }], []), '| a   |\n| --- |\n')
})

t.test('formatBytes: B, KiB, MiB, GiB; unknown as -', async (t) => {
  t.equal(formatBytes(0), '0 B')
  t.equal(formatBytes(1023.4), '1023 B')
  t.equal(formatBytes(1536), '1.50 KiB')
  t.equal(formatBytes(-2048), '-2.00 KiB')
  t.equal(formatBytes(5 * 2 ** 20, 1), '5.0 MiB')
  t.equal(formatBytes(3 * 2 ** 40), '3072.00 GiB', 'GiB is the largest unit')
  t.equal(formatBytes(Number.NaN), '-')
  t.equal(formatBytes(Infinity), '-')
})

t.test('formatCount: thousands separators; unknown as -', async (t) => {
  t.equal(formatCount(100_000), '100,000')
  t.equal(formatCount(2199.6), '2,200')
  t.equal(formatCount(Number.NaN), '-')
})
