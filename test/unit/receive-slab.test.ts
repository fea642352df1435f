// Socket reads into a slab (runtime/receive-slab.ts): each read's bytes follow the last read's in one buffer while the
// largest message fits in what is left, a new slab once it does not, and bytes handed out are never written over.
import t from 'tap';
import net from 'node:net';
import { ReceiveSlab, SLAB_FROM, slabReads } from '../../runtime/receive-slab.js';

t.test('reads follow one another in one slab while the largest message fits; then a new slab, the old views kept', async (t) => {
  let largest = SLAB_FROM + 100_000;
  const slab = new ReceiveSlab(() => largest);
  const room = slab.room();
  t.ok(room.length >= largest, `room for the largest message: ${room.length}`);
  room.fill(1, 0, 30_000);
  const a = slab.took(30_000);
  const room2 = slab.room();
  t.equal(room2.buffer, room.buffer, 'the next read goes on in the same slab');
  t.equal(room2.byteOffset, a.byteOffset + a.length, 'right where the last one ended');
  room2.fill(2, 0, 10);
  const b = slab.took(10);
  t.equal(b.byteOffset, a.byteOffset + a.length);
  largest = 2_000_000;
  const room3 = slab.room();
  t.not(room3.buffer, room.buffer, 'too little left for the largest message now: a new slab');
  t.ok(room3.length >= largest);
  room3.fill(3);
  t.ok(a.every((x) => x === 1) && b.every((x) => x === 2), 'bytes handed out are not written over');
});

t.test('shorter messages are read as Node reads them: into one shared buffer, each read copied out, none kept', async (t) => {
  const slab = new ReceiveSlab(() => 120 * 1024);
  const other = new ReceiveSlab(() => 1000);
  const room = slab.room();
  t.ok(room.length >= 64 * 1024, 'room for a read');
  room.fill(5, 0, 40_000);
  const long = slab.took(40_000);
  t.not(long.buffer, room.buffer, 'a read is copied out of the room');
  t.equal(long.length, 40_000);
  const room2 = other.room();
  t.equal(room2.buffer, room.buffer, 'every connection reads into the same room');
  room2.fill(6, 0, 61);
  const short = other.took(61);
  t.ok(short.every((x) => x === 6) && long.every((x) => x === 5), 'and what was read before is not written over');
});

t.test('over a socket: every byte, in order, each read a view of a slab', async (t) => {
  const sent = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < sent.length; i++) sent[i] = (i * 7) % 256;
  const server = net.createServer((s) => s.end(sent));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const chunks: Buffer[] = [];
  const socket = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, onread: slabReads(() => 1024 * 1024) });
  socket.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve) => socket.on('end', resolve));
  t.ok(Buffer.concat(chunks).equals(sent), 'every byte, in order');
  t.ok(chunks.every((c) => c.buffer.byteLength > 1024 * 1024), 'each read a view of a slab with room for the largest message');
  let joined = 0;
  for (let i = 1; i < chunks.length; i++) {
    if (chunks[i].buffer === chunks[i - 1].buffer && chunks[i].byteOffset === chunks[i - 1].byteOffset + chunks[i - 1].length) joined++;
  }
  t.comment(`${joined} of ${chunks.length - 1} reads went on where the one before ended`); // how reads fall is the kernel's
});
