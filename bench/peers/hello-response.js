// The bytes every hello peer answers, shared by the raw floor and the memory harness: the
// same status line, fields and 12-byte body netserv's StaticResponse sends (its Date is fixed
// at load, which is what makes it a floor: nothing is formatted per request or per second).
const DATE = new Date().toUTCString()

/** `HTTP/1.1 200 OK` with Date, Connection: keep-alive, Content-Length: 12, Content-Type: text/plain. */
export const HELLO_RESPONSE = Buffer.from(
  `HTTP/1.1 200 OK\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nhello world\n`,
  'latin1',
)

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1')
const kTail = Symbol('tail')
const batches = [Buffer.alloc(0), HELLO_RESPONSE]

/** HELLO_RESPONSE repeated `count` times, built once per count (pipelined answers go out in one write). */
function batch(count) {
  let bytes = batches[count]
  if (bytes === undefined) {
    bytes = Buffer.concat(Array(count).fill(HELLO_RESPONSE))
    if (count <= 256) batches[count] = bytes
  }
  return bytes
}

/**
 * A 'data' listener (module level: no closure per socket) that answers every complete request
 * head in the chunk with HELLO_RESPONSE, in one write. A head's CRLFCRLF split across two
 * chunks is found by re-searching the previous chunk's last 3 bytes with the new chunk's first 3.
 * Bodies are not expected (GET only): this is the floor, not a server.
 */
export function answerHeads(chunk) {
  let count = 0
  let from = 0
  const tail = this[kTail]
  if (tail !== undefined && tail !== null) {
    const seam = Buffer.concat([tail, chunk.subarray(0, 3)])
    const at = seam.indexOf(HEAD_END)
    if (at >= 0) {
      count++
      from = at + 4 - tail.length
    }
  }
  for (;;) {
    const at = chunk.indexOf(HEAD_END, from)
    if (at < 0) break
    count++
    from = at + 4
  }
  // Bytes after the last head end may start the next head: keep up to 3 of them for the seam.
  this[kTail] = from === chunk.length ? null : Buffer.from(chunk.subarray(Math.max(from, chunk.length - 3)))
  if (count > 0) this.write(batch(count))
}
