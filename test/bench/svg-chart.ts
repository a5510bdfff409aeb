import t from 'tap'
import { escapeXml, formatTick, niceTicks, renderLineChart } from '../../src/bench/svg-chart.js'

t.test('niceTicks: 0 to at least max in steps of 1, 2 or 5 times a power of ten', async (t) => {
  t.strictSame(niceTicks(100_000), [0, 20_000, 40_000, 60_000, 80_000, 100_000])
  t.strictSame(niceTicks(93), [0, 20, 40, 60, 80, 100])
  t.strictSame(niceTicks(7, 5), [0, 2, 4, 6, 8])
  t.strictSame(niceTicks(0.3), [0, 0.1, 0.2, 0.3])
  t.strictSame(niceTicks(9.5, 2), [0, 5, 10])
  t.strictSame(niceTicks(1, 1), [0, 1], 'a step of 10 times the power when 5 is too small')
  t.strictSame(niceTicks(0), [0, 1])
  t.strictSame(niceTicks(-3), [0, 1])
  t.strictSame(niceTicks(Infinity), [0, 1])
  t.strictSame(niceTicks(Number.NaN), [0, 1])
})

t.test('formatTick: k and M for large values, three significant digits', async (t) => {
  t.equal(formatTick(0), '0')
  t.equal(formatTick(0.5), '0.5')
  t.equal(formatTick(250), '250')
  t.equal(formatTick(1000), '1k')
  t.equal(formatTick(12_500), '12.5k')
  t.equal(formatTick(100_000), '100k')
  t.equal(formatTick(2_500_000), '2.5M')
  t.equal(formatTick(-4000), '-4k')
})

t.test('escapeXml: markup characters become references', async (t) => {
  t.equal(escapeXml(`a<b>&"c'`), 'a&#60;b&#62;&#38;&#34;c&#39;')
  t.equal(escapeXml('plain'), 'plain')
})

t.test('renderLineChart: a document with one line and its points per series, and a legend', async (t) => {
  const svg = renderLineChart({
    title: 'Memory <per> connection',
    xLabel: 'connections',
    yLabel: 'MiB',
    width: 500,
    height: 300,
    series: [
      { label: 'netserv & co', points: [[0, 0], [50_000, 100], [100_000, 200]] },
      { label: 'one point', points: [[100_000, 50]] },
      { label: 'gaps', points: [[0, Number.NaN], [Infinity, 3], [20_000, 10]] },
    ],
  })
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="500" height="300" viewBox="0 0 500 300"/)
  t.ok(svg.endsWith('</svg>\n'))
  t.match(svg, 'Memory &#60;per&#62; connection')
  t.match(svg, '>netserv &#38; co</text>')
  // Plot area: x from 70 to 500 - (50 + 7 x 12 characters) = 366, y from 40 to 300 - 50 = 250;
  // ticks up to 100k and 200.
  t.match(svg, '<polyline points="70,250 218,145 366,40" fill="none" stroke-width="2"/>', 'the first line, scaled')
  t.equal(svg.match(/stroke-width="2"\/>/g)?.length, 1 + 3, 'no line for a single point; a legend stroke per series')
  t.match(svg, '<circle cx="366" cy="197.5" r="3"/>', 'a lone point is drawn')
  t.notMatch(svg, /NaN|Infinity/, 'non-finite points are left out')
  t.match(svg, '<circle cx="129.2" cy="239.5" r="3"/>', 'the one finite point of the gappy series')
  t.match(svg, '>100k</text>')
  t.match(svg, '>200</text>')
  t.match(svg, /stroke="#0072b2"[^]*stroke="#d55e00"[^]*stroke="#009e73"/, 'a colour per series')
})

t.test('renderLineChart: no data still draws axes; colours cycle past the palette; default size', async (t) => {
  const series = Array.from({ length: 12 }, (_, index) => ({ label: `s${index}`, points: [] }))
  const svg = renderLineChart({ title: 't', xLabel: 'x', yLabel: 'y', series })
  t.match(svg, 'width="760" height="440"')
  t.match(svg, '>1</text>', 'axes 0 to 1')
  t.equal(svg.match(/<g stroke="#0072b2"/g)?.length, 2, 'the twelfth series takes the first colour again')
  t.notMatch(svg, '<circle')
  t.match(svg, '<line x1="70" y1="390" x2="660" y2="390"', 'short labels: the legend takes its minimum, 100 px')
})
