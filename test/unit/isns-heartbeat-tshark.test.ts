// An independent decoder checks our Name Service Heartbeats (RFC 4171 §5.6.5.14) as they go over the
// wire: the server's heartbeats to a UDP port on loopback are captured by the real tshark and dissected as
// iSNS. Each must show as Heartbeat with the server's address, ports, interval and a rising counter, and
// nothing may show as malformed or as an expert error.
import t from 'tap';
import dgram from 'node:dgram';
import { execFile, spawnSync } from 'node:child_process';
import { ManualClock } from '../../runtime/manual-clock.js';
import { IsnsServer } from '../../emulator/isns/server.js';
import { malformedLines, startCapture } from '../helpers/tshark.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const DEST = { host: '127.36.0.31', port: 17971 };

function dissectIsns(file: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-r', file, '-d', `udp.port==${port},isns`, '-V'], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout));
  });
}

t.test('tshark dissects captured heartbeats as iSNS Heartbeat with our values', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const sink = dgram.createSocket('udp4');
  let got = 0;
  sink.on('message', () => got++);
  await new Promise<void>((r) => sink.bind(DEST.port, DEST.host, () => r()));
  t.teardown(() => sink.close());
  const capture = await startCapture(`udp port ${DEST.port}`);
  const clock = new ManualClock();
  const server = new IsnsServer({ host: '127.36.0.30', port: 17970, clock, heartbeat: { address: DEST.host, port: DEST.port, intervalSeconds: 7 } });
  await server.start();
  clock.advance(7000);
  clock.advance(7000);
  for (let i = 0; i < 1000 && got < 3; i++) await new Promise((r) => setTimeout(r, 10));
  await server.stop();
  await capture.stop();
  t.equal(got, 3, 'three heartbeats arrived');

  const out = await dissectIsns(capture.file, DEST.port);
  t.same(malformedLines(out), [], 'nothing malformed, no expert error');
  t.equal(out.match(/Function ID: Heartbeat \(14\)/g)?.length, 3, 'three iSNS Heartbeats dissected');
  for (const want of ['Heartbeat Address (ipv6): ::ffff:127.36.0.30', 'Heartbeat TCP Port: 17970', 'Heartbeat UDP Port: 17970',
    'Heartbeat Interval (secs): 7', 'Heartbeat counter: 1', 'Heartbeat counter: 2', 'Heartbeat counter: 3', 'Server, Last PDU, First PDU']) {
    t.ok(out.includes(want), want);
  }
});
