import t from 'tap'
import { renderManPage } from '../../src/cli/man-page.js'

const page = renderManPage({
  name: 'netserv thing',
  summary: 'does a thing',
  synopsis: ['netserv thing [--size N]', 'netserv thing --help'],
  description:
    'A first paragraph long enough that it has to be wrapped at the page width of eighty columns, with every line indented like a man page.\n\n    {"kept": "as written",\n     "indented": true}\n\nA last paragraph\nwhose line breaks are not kept.',
  flags: {
    size: { type: 'integer', valueName: 'N', summary: 'How big.', min: 1, max: 9, default: 3 },
    name: { type: 'string', valueName: 'S', summary: 'No default here.' },
    quiet: { type: 'boolean', summary: `Say less; a word longer than the column stays whole: ${'x'.repeat(70)}.` },
  },
  sections: [['EXIT STATUS', '    0   fine\n    2   bad usage']],
})

t.test('sections in man-page order, each line within 80 columns but unbreakable words', async (t) => {
  const lines = page.split('\n')
  const titles = lines.filter((line) => /^[A-Z]/.test(line))
  t.strictSame(titles, ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS'])
  for (const line of lines) if (!line.includes('xxxx')) t.ok(line.length <= 80, `fits: ${line}`)
  t.ok(page.endsWith('\n'), 'ends with a newline')
})

t.test('the text of each part', async (t) => {
  t.match(page, 'NAME\n       netserv thing - does a thing\n\nSYNOPSIS\n       netserv thing [--size N]\n       netserv thing --help\n\n')
  t.match(page, '\n           {"kept": "as written",\n            "indented": true}\n\n', 'indented paragraphs keep their layout')
  t.match(page, '\n       A last paragraph whose line breaks are not kept.\n\n', 'other paragraphs are re-flowed')
  t.match(page, /\n {7}A first paragraph long enough that it has to be wrapped at the page width\n {7}of eighty columns, with every line indented like a man page\.\n/)
  t.match(page, '\n       --size N     How big. Default: 3.\n')
  t.match(page, '\n       --name S     No default here.\n')
  t.match(page, `\n       --quiet      Say less; a word longer than the column stays whole:\n                    ${'x'.repeat(70)}.\n`)
  t.match(page, '\n       -h, --help   Print this page and exit.\n')
  t.match(page, 'EXIT STATUS\n           0   fine\n           2   bad usage\n')
})
