/**
 * What a number of connections (or subscribers) add to a server's heap, from two V8 heap
 * snapshots taken before and after they were opened: object groups by count and self bytes,
 * divided by how many were opened. Used by connection-memory.ts and fanout.ts.
 */
import { readFileSync } from 'node:fs'

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

export interface HeapGrowth {
  /** Constructor name for objects, the kind for the rest. */
  key: string
  count: number
  bytes: number
}

/** Count and self bytes per object group: constructor name for objects, the kind for the rest. */
function heapGroups(path: string): Map<string, { count: number; bytes: number }> {
  const heap = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot
  const fields = heap.snapshot.meta.node_fields
  const types = heap.snapshot.meta.node_types[0]
  const width = fields.length
  const typeField = fields.indexOf('type')
  const nameField = fields.indexOf('name')
  const sizeField = fields.indexOf('self_size')
  const result = new Map<string, { count: number; bytes: number }>()
  const nodes = heap.nodes
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeField] as number] ?? '?'
    const name = heap.strings[nodes[i + nameField] as number] ?? '?'
    // Objects and closures by name; strings, arrays, code... by kind (their names are contents).
    const key = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden' ? `${type} ${name}` : `(${type})`
    const group = result.get(key) ?? { count: 0, bytes: 0 }
    group.count++
    group.bytes += nodes[i + sizeField] as number
    result.set(key, group)
  }
  return result
}

/** Growth per opened connection, by group, largest first. */
export function heapGrowth(before: string, after: string, opened: number): HeapGrowth[] {
  const a = heapGroups(before)
  const rows: HeapGrowth[] = []
  for (const [key, group] of heapGroups(after)) {
    const base = a.get(key) ?? { count: 0, bytes: 0 }
    rows.push({ key, count: (group.count - base.count) / opened, bytes: (group.bytes - base.bytes) / opened })
  }
  return rows.sort((x, y) => y.bytes - x.bytes)
}

/** The `topCount` largest groups as a Markdown table, `unit` naming what was opened ('connection'). */
export function printHeapGrowth(rows: readonly HeapGrowth[], unit: string, topCount: number): void {
  console.log('(synthetic rows are the C++ socket wrap as the snapshot estimates it: outside the V8 heap, not in heapUsed)')
  console.log(`| objects | per ${unit} | bytes per ${unit} |`)
  console.log('| --- | ---: | ---: |')
  for (const row of rows.slice(0, topCount)) {
    if (Math.abs(row.bytes) < 1) continue
    console.log(`| ${row.key.replaceAll('|', '\\|')} | ${row.count.toFixed(2)} | ${row.bytes.toFixed(0)} |`)
  }
}
