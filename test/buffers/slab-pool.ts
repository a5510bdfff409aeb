import { once } from 'node:events'
import net from 'node:net'
import t from 'tap'
import { DEFAULT_SLAB_BYTES, SlabPool } from '../../src/buffers/slab-pool.js'

/** What every argument error carries (tap matches these properties). */
const INVALID = { code: 'NETSERV_INVALID_ARGUMENT', status: 0 }

/** Writes `text` as latin1 into the open reservation and commits it. */
function carve(pool: SlabPool, text: string, maxBytes = text.length): Buffer {
  const slab = pool.reserve(maxBytes)
  slab.write(text, pool.offset, 'latin1')
  return pool.commit(text.length)
}

t.test('slabBytes must be a positive integer', async (t) => {
  t.equal(new SlabPool().slabBytes, DEFAULT_SLAB_BYTES)
  t.equal(DEFAULT_SLAB_BYTES, 65536)
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => new SlabPool(bad), INVALID, String(bad))
  }
})

t.test('an idle pool holds no slab', async (t) => {
  const pool = new SlabPool(64)
  t.equal(pool.slab.length, 0)
  t.equal(pool.freeBytes, 0)
  t.equal(pool.slabsAllocated, 0)
})

t.test('commit returns a view of exactly the used bytes, carved front to back', async (t) => {
  const pool = new SlabPool(64)
  const slab = pool.reserve(16)
  t.equal(pool.slabsAllocated, 1)
  t.equal(slab.length, 64)
  t.equal(pool.offset, 0)
  slab.write('HTTP/1.1 200 OK\r\n', 0, 'latin1')
  const a = pool.commit(17)
  t.equal(a.toString('latin1'), 'HTTP/1.1 200 OK\r\n')
  t.equal(a.buffer, slab.buffer, 'a view, not a copy')
  t.equal(a.byteOffset, slab.byteOffset)
  t.equal(pool.offset, 17)
  t.equal(pool.freeBytes, 64 - 17)
  const b = carve(pool, 'second')
  t.equal(b.byteOffset - slab.byteOffset, 17, 'the next view starts where the last ended')
  t.equal(b.toString('latin1'), 'second')
  t.equal(a.toString('latin1'), 'HTTP/1.1 200 OK\r\n', 'earlier view untouched')
  const empty = carve(pool, '')
  t.equal(empty.length, 0)
  t.equal(pool.offset, 23)
})

t.test('a full slab is abandoned for a new one; old views keep their bytes', async (t) => {
  const pool = new SlabPool(32)
  const first = carve(pool, 'a'.repeat(20))
  const firstSlab = pool.slab
  // 12 bytes are left: a reservation of 13 rolls over.
  const second = carve(pool, 'b'.repeat(13))
  t.equal(pool.slabsAllocated, 2)
  t.not(pool.slab, firstSlab)
  t.not(second.buffer, first.buffer)
  t.equal(second.byteOffset - pool.slab.byteOffset, 0, 'starts at the front of the new slab')
  t.equal(first.toString('latin1'), 'a'.repeat(20))
  t.equal(second.toString('latin1'), 'b'.repeat(13))
  // Exactly the free bytes: no rollover.
  carve(pool, 'c'.repeat(19))
  t.equal(pool.freeBytes, 0)
  t.equal(pool.slabsAllocated, 2)
})

t.test('a reservation larger than a slab gets a slab of its own size', async (t) => {
  const pool = new SlabPool(16)
  carve(pool, 'x')
  const big = 'y'.repeat(100)
  const view = carve(pool, big)
  t.equal(view.toString('latin1'), big)
  t.equal(pool.slab.length, 100)
  t.equal(pool.slabsAllocated, 2)
  carve(pool, 'z')
  t.equal(pool.slab.length, 16, 'then back to normal slabs')
})

t.test('views are never overwritten by later reservations', async (t) => {
  const pool = new SlabPool(1024)
  const views: Buffer[] = []
  for (let i = 0; i < 5000; i++) views.push(carve(pool, `head ${i};`))
  t.ok(pool.slabsAllocated > 40, 'many slabs were used')
  let intact = 0
  for (let i = 0; i < views.length; i++) if (views[i]?.toString('latin1') === `head ${i};`) intact++
  t.equal(intact, 5000)
})

t.test('extend keeps the written bytes, in place or moved to a new slab', async (t) => {
  const pool = new SlabPool(32)
  carve(pool, '0123456789')
  let slab = pool.reserve(4)
  const start = pool.offset
  slab.write('abcd', start, 'latin1')
  slab = pool.extend(4, 20)
  t.equal(pool.offset, start, 'room left: nothing moves')
  t.equal(pool.slabsAllocated, 1)
  slab.write('efgh', start + 4, 'latin1')
  slab = pool.extend(8, 40)
  t.equal(pool.slabsAllocated, 2)
  t.equal(pool.offset, 0)
  t.equal(slab.length, 40, 'a slab big enough for the grown reservation')
  t.equal(slab.toString('latin1', 0, 8), 'abcdefgh', 'written bytes carried over')
  slab.write('ij', 8, 'latin1')
  t.equal(pool.commit(10).toString('latin1'), 'abcdefghij')
})

t.test('misuse throws instead of corrupting', async (t) => {
  const pool = new SlabPool(32)
  t.throws(() => pool.commit(0), /no reservation is open/)
  t.throws(() => pool.extend(0, 8), /no reservation is open/)
  t.throws(() => pool.reserve(-1), INVALID)
  t.throws(() => pool.reserve(1.5), INVALID)
  t.throws(() => pool.reserve(Number.NaN), INVALID)
  pool.reserve(8)
  t.throws(() => pool.reserve(8), /already open/, 'two writers interleaved')
  t.throws(() => pool.commit(33), INVALID, 'more than the slab holds')
  t.throws(() => pool.commit(-1), INVALID)
  t.throws(() => pool.extend(4, -1), INVALID)
  t.equal(pool.commit(32).length, 32, 'up to the end of the slab is fine')
})

t.test('cancel abandons the reservation and its bytes are reused', async (t) => {
  const pool = new SlabPool(32)
  carve(pool, 'keep')
  pool.reserve(8)
  pool.cancel()
  t.equal(pool.offset, 4)
  t.equal(carve(pool, 'next').byteOffset - pool.slab.byteOffset, 4)
  pool.cancel()
  t.doesNotThrow(() => pool.reserve(1), 'cancel without a reservation is harmless')
})

// The lifetime rule under a real socket: views queued behind a reader that is not reading
// must reach it intact while the pool goes on carving (and rolling over) underneath.
t.test('views queued in a backed-up socket arrive intact', async (t) => {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const address = server.address() as net.AddressInfo
  const accepted = once(server, 'connection')
  const client = net.connect(address.port, '127.0.0.1')
  await once(client, 'connect')
  const [peer] = (await accepted) as [net.Socket]
  peer.pause()

  const pool = new SlabPool(4096)
  const expected: Buffer[] = []
  let queued = false
  for (let i = 0; i < 40000; i++) {
    const text = `${i.toString(36).padStart(4, '0')}:${'x'.repeat(i % 300)}\n`
    const view = carve(pool, text)
    expected.push(Buffer.from(text, 'latin1'))
    if (!client.write(view)) queued = true
  }
  t.ok(queued, 'the socket buffered in user space')
  t.ok(client.writableLength > 0, 'views are still queued while the pool moves on')
  t.ok(pool.slabsAllocated > 100)
  client.end()

  const received: Buffer[] = []
  peer.on('data', (chunk: Buffer) => received.push(chunk))
  peer.resume()
  await once(peer, 'end')
  peer.destroy()
  const all = Buffer.concat(received)
  const want = Buffer.concat(expected)
  t.equal(all.length, want.length)
  t.ok(all.equals(want), 'byte-exact')
})
