import type { ChildProcess } from 'node:child_process'

/**
 * Sends `message` (none if null: the child speaks first, as with 'listening') and resolves with
 * the child's next message of type `reply`; rejects after `timeoutMs`, so a stuck child ends the
 * run rather than hanging it.
 */
export function ask<T>(child: ChildProcess, message: object | null, reply: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.removeListener('message', onMessage)
      reject(new Error(`no '${reply}' in ${timeoutMs} ms`))
    }, timeoutMs)
    function onMessage(answer: { type?: string }): void {
      if (answer.type !== reply) return
      clearTimeout(timer)
      child.removeListener('message', onMessage)
      resolve(answer as T)
    }
    child.on('message', onMessage)
    if (message !== null) child.send(message)
  })
}
