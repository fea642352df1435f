// The UDP socket read on its own thread (runtime/udp-reader-thread.ts): every datagram reaches the handler, in order
// and whole; sends leave from the same port; a busy main thread costs no datagram up to the unread bound, and past
// it each one is dropped and counted. Real sockets on loopback; the blocked main thread is a spawnSync.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { getPriority } from 'node:os';
import { UdpReaderThread } from '../../runtime/udp-reader-thread.js';
import { BindError } from '../../runtime/udp-endpoint.js';

/** Sends `count` datagrams ("0", "1", ...) to 127.0.0.1:port from another process, then waits `thenMs`. */
function sendFromChild(port: number, count: number, thenMs: number): void {
  const script = `import socket, time\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(${count}): s.sendto(str(i).encode(), ('127.0.0.1', ${port}))\ntime.sleep(${thenMs / 1000})`;
  const r = spawnSync('/usr/bin/python3', ['-c', script]);
  if (r.status !== 0) throw new Error(`the sender failed: ${r.stderr}`);
}

const until = async (done: () => boolean) => { while (!done()) await new Promise((resolve) => setTimeout(resolve, 10)); };

t.test('every datagram reaches the handler, whole and in order, and answers leave from its port', async (t) => {
  const got: string[] = [];
  const reader = await UdpReaderThread.open({ address: '127.0.0.1', port: 0 }, (d) => got.push(d.toString()));
  t.teardown(() => reader.close());
  sendFromChild(reader.port, 200, 0);
  await until(() => got.length === 200);
  t.same(got, Array.from({ length: 200 }, (_, i) => String(i)));

  const peer = createSocket('udp4');
  await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
  t.teardown(() => peer.close());
  const heard = new Promise<{ text: string; from: number }>((resolve) => peer.once('message', (m, rinfo) => resolve({ text: m.toString(), from: rinfo.port })));
  reader.send(Buffer.from('first'), peer.address().port, '127.0.0.1');
  t.same(await heard, { text: 'first', from: reader.port });
  t.equal(reader.sendErrors, 0);
  t.equal(reader.dropped, 0);
});

t.test('a main thread busy for a while loses nothing up to the bound; past it each datagram is dropped and counted', async (t) => {
  const got: string[] = [];
  const reader = await UdpReaderThread.open({ address: '127.0.0.1', port: 0, recvBufferSize: null, maxUnread: 100 }, (d) => got.push(d.toString()));
  t.teardown(() => reader.close());
  // 150 fit in the default kernel buffer even unread; the reader thread takes them while this thread waits
  sendFromChild(reader.port, 150, 300);
  await until(() => got.length === 100);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(got, Array.from({ length: 100 }, (_, i) => String(i)), 'the first 100, in order');
  t.equal(reader.dropped, 50, 'the rest dropped and counted');
  sendFromChild(reader.port, 10, 0);
  await until(() => got.length === 110);
  t.equal(reader.dropped, 50, 'room again once handled');
});

t.test('a port already taken is a BindError naming it', async (t) => {
  const first = await UdpReaderThread.open({ address: '127.0.0.1', port: 0 }, () => {});
  t.teardown(() => first.close());
  await t.rejects(UdpReaderThread.open({ address: '127.0.0.1', port: first.port }, () => {}), BindError);
  await t.rejects(UdpReaderThread.open({ address: '127.0.0.1', port: first.port }, () => {}), { message: new RegExp(`127\\.0\\.0\\.1:${first.port}: EADDRINUSE`) });
});

t.test('the reader thread asks for the nice it is given: granted with CAP_SYS_NICE, otherwise it keeps the process\'s', async (t) => {
  const asked = await UdpReaderThread.open({ address: '127.0.0.1', port: 0, nice: -5 }, () => {});
  t.teardown(() => asked.close());
  const root = process.getuid?.() === 0;
  t.equal(asked.nice, root ? -5 : getPriority(), root ? 'as root: granted' : 'not root: refused, as the process');
  const plain = await UdpReaderThread.open({ address: '127.0.0.1', port: 0 }, () => {});
  t.teardown(() => plain.close());
  t.equal(plain.nice, getPriority(), 'none asked: the process\'s');
});
