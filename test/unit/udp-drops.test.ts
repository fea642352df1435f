// The congestion bench's count of one socket's drops (bench/lib/udp-drops.ts): asked of the kernel with ss, it must
// agree with the socket's line in /proc/net/udp; a real socket on loopback, flooded while it does not read.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { udpSocketDrops, udpSocketDropsFromProc } from '../../bench/lib/udp-drops.js';

t.test('a flooded socket\'s drops, from ss and from /proc/net/udp, agree', async (t) => {
  const receiver = createSocket({ type: 'udp4', recvBufferSize: 4096 });
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  const port = receiver.address().port;
  t.equal(udpSocketDrops(port), 0, 'none yet');
  // another process sends 200 datagrams while this one waits for it, so nothing reads them: the 4 KiB buffer overflows
  const sender = `const s = require('node:dgram').createSocket('udp4'); let n = 0;
    const next = () => n++ < 200 ? s.send(Buffer.alloc(512), ${port}, '127.0.0.1', next) : s.close(); next();`;
  t.equal(spawnSync(process.execPath, ['-e', sender]).status, 0);
  const drops = udpSocketDrops(port);
  t.ok(drops !== null && drops > 0, `dropped some of 200 into a 4 KiB buffer (${drops})`);
  t.equal(drops, udpSocketDropsFromProc(port), 'the same count as /proc/net/udp');
  t.equal(udpSocketDrops(1), null, 'no socket on that port: null');
  receiver.close();
});
