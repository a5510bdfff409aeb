/**
 * Listeners kept in one field: null for none, the function itself for one (a response or a
 * stream almost always has one: whoever keeps it in a set), an array only from the second.
 * An array from the first would cost a long-lived stream 184 B for one listener (its first
 * push makes room for 17, bench/RESULTS.md).
 */
export type ListenerList<Listener extends (this: void, ...args: never[]) => void> = Listener | Listener[] | null

/** `list` with `listener` added last: store the result back in the field. */
export function addListener<Listener extends (this: void, ...args: never[]) => void>(list: ListenerList<Listener>, listener: Listener): ListenerList<Listener> {
  if (list === null) return listener
  if (typeof list === 'function') return [list, listener]
  list.push(listener)
  return list
}

/** Calls every listener of `list` with `a` and `b`, in the order they were added. */
export function callListeners<A, B>(list: ListenerList<(this: void, a: A, b: B) => void>, a: A, b: B): void {
  if (list === null) return
  if (typeof list === 'function') {
    list(a, b)
    return
  }
  for (const listener of list) listener(a, b)
}
