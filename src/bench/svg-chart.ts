/**
 * A line chart as a standalone SVG document, for benchmark results a README shows (memory
 * against connections, one line per server): axes from 0 with round ticks, one polyline and
 * its points per series, a legend. Plain SVG 1.1, no script, no external font, so GitHub and
 * any browser render it the same.
 */

/** One line: its points as [x, y]; a point with a non-finite coordinate is left out. */
export interface ChartSeries {
  readonly label: string
  readonly points: ReadonlyArray<readonly [number, number]>
}

/** What to draw. */
export interface LineChart {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly ChartSeries[]
  /** Pixels; default 760 by 440. */
  readonly width?: number
  readonly height?: number
}

/**
 * Okabe and Ito's palette (distinct on white and for the common colour blindnesses) without
 * its pale yellow, then black and three of Tol's muted colours: eleven lines before a colour
 * comes back.
 */
const COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#882255', '#999933', '#888888', '#332288']
const MARGIN = { top: 40, bottom: 50, left: 70 }
/** Width of a legend character at the 12 px font, generously: the legend must not be cut. */
const LEGEND_CHAR_PX = 7

/**
 * Round tick values from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten, about
 * `count` of them. `max` <= 0 (or not finite) gives [0, 1].
 */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1]
  const rough = max / count
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = ([1, 2, 5, 10].find((factor) => factor * power >= rough) as number) * power
  const ticks: number[] = []
  for (let i = 0; ticks.length === 0 || (ticks[ticks.length - 1] as number) < max; i++) ticks.push(Number((i * step).toPrecision(12)))
  return ticks
}

/** A tick label: 100000 -> `100k`, 2500000 -> `2.5M`, 0.5 -> `0.5`. */
export function formatTick(value: number): string {
  const short = (scaled: number, unit: string): string => `${Number(scaled.toPrecision(3))}${unit}`
  if (Math.abs(value) >= 1e6) return short(value / 1e6, 'M')
  if (Math.abs(value) >= 1e3) return short(value / 1e3, 'k')
  return String(Number(value.toPrecision(3)))
}

/** Text for an SVG text node or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

const round = (value: number): string => String(Math.round(value * 10) / 10)

/** The chart as an SVG document (UTF-8 text, ending in a newline). */
export function renderLineChart(chart: LineChart): string {
  const width = chart.width ?? 760
  const height = chart.height ?? 440
  // The legend sits right of the plot, as wide as its longest label.
  const marginRight = Math.max(100, 50 + LEGEND_CHAR_PX * Math.max(0, ...chart.series.map((series) => series.label.length)))
  const plotWidth = width - MARGIN.left - marginRight
  const plotHeight = height - MARGIN.top - MARGIN.bottom
  const visible = chart.series.map((series) => series.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)))
  const all = visible.flat()
  const xTicks = niceTicks(Math.max(0, ...all.map(([x]) => x)))
  const yTicks = niceTicks(Math.max(0, ...all.map(([, y]) => y)))
  const xMax = xTicks[xTicks.length - 1] as number
  const yMax = yTicks[yTicks.length - 1] as number
  const px = (x: number): string => round(MARGIN.left + (x / xMax) * plotWidth)
  const py = (y: number): string => round(MARGIN.top + plotHeight - (y / yMax) * plotHeight)
  const bottom = MARGIN.top + plotHeight
  const right = MARGIN.left + plotWidth
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ]
  for (const tick of yTicks) {
    out.push(`<line x1="${MARGIN.left}" y1="${py(tick)}" x2="${right}" y2="${py(tick)}" stroke="#e0e0e0"/>`)
    out.push(`<text x="${MARGIN.left - 6}" y="${py(tick)}" text-anchor="end" dominant-baseline="middle">${formatTick(tick)}</text>`)
  }
  for (const tick of xTicks) {
    out.push(`<line x1="${px(tick)}" y1="${bottom}" x2="${px(tick)}" y2="${bottom + 5}" stroke="#000000"/>`)
    out.push(`<text x="${px(tick)}" y="${bottom + 18}" text-anchor="middle">${formatTick(tick)}</text>`)
  }
  out.push(`<polyline points="${MARGIN.left},${MARGIN.top} ${MARGIN.left},${bottom} ${right},${bottom}" fill="none" stroke="#000000"/>`)
  out.push(`<text x="${round(MARGIN.left + plotWidth / 2)}" y="${height - 10}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`)
  out.push(`<text transform="translate(16 ${round(MARGIN.top + plotHeight / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`)
  chart.series.forEach((series, index) => {
    const colour = COLOURS[index % COLOURS.length] as string
    const points = visible[index] as Array<readonly [number, number]>
    out.push(`<g stroke="${colour}" fill="${colour}">`)
    if (points.length > 1) out.push(`<polyline points="${points.map(([x, y]) => `${px(x)},${py(y)}`).join(' ')}" fill="none" stroke-width="2"/>`)
    for (const [x, y] of points) out.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3"/>`)
    const legendY = MARGIN.top + 10 + index * 20
    out.push(`<line x1="${right + 15}" y1="${legendY}" x2="${right + 35}" y2="${legendY}" stroke-width="2"/>`)
    out.push(`<text x="${right + 41}" y="${legendY}" dominant-baseline="middle" stroke="none" fill="#000000">${escapeXml(series.label)}</text>`)
    out.push('</g>')
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
