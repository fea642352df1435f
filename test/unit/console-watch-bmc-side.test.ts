// The console watcher's commands on a real EmulatedBmc (manual clock): the host console as a contiguous byte
// stream, and the receive timestamp of a heartbeat that waited out a busy stall.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { ConsoleByteStream } from '../../emulator/bmc/console-byte-stream.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { ConsoleOemCommand, decodeHeartbeatResponse, encodeHeartbeatRequest } from '../../protocols/ipmi/oem/console-heartbeat.js';

const PEER = { address: '127.0.0.1', port: 40000 };

function bmcAndSession() {
  const clock = new ManualClock(1_700_000_000_000);
  const bmc = new EmulatedBmc({ ip: '127.43.0.1', clock, console: { lineIntervalMs: 100 } });
  const sent: Buffer[] = [];
  const send = (b: Buffer) => { sent.push(b); };
  const c = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: randomBytes });
  let out = c.open();
  for (let i = 0; i < 3; i++) {
    sent.length = 0;
    bmc.handle(out, PEER, send);
    const step = c.handshake(sent[0]);
    if (step.kind === 'send') out = step.datagram;
  }
  sent.length = 0;
  return { clock, bmc, c, sent, send };
}

t.test('the byte stream is contiguous, grows with the host\'s output, and reports what it no longer holds', (t) => {
  const { clock, bmc } = bmcAndSession();
  const stream = new ConsoleByteStream(bmc.host, clock.now(), 4096);
  t.equal(stream.read(0, 1024, clock.now()).head, 0, 'starts empty, at the moment it is made');
  clock.advance(2000);
  const a = stream.read(0, 1024, clock.now());
  t.ok(a.head > 0, 'the host printed in 2 s');
  t.equal(a.start, 0);
  const b = stream.read(a.start + a.data.length, 1024, clock.now());
  t.equal(b.start, a.data.length, 'the next read continues where the last ended');
  const text = Buffer.concat([a.data, b.data]).toString();
  t.match(text, /heartbeat seq=\d+/, 'numbered host lines');
  clock.advance(60_000); // far more than 4 KiB of output
  const late = stream.read(0, 10, clock.now());
  t.ok(late.oldest > 0, 'old bytes dropped from the ring');
  t.equal(late.start, late.oldest, 'a read before the oldest byte starts at the oldest');
  t.end();
});

t.test('a heartbeat queued by a busy stall reports when it arrived and when it was processed', (t) => {
  const { clock, bmc, c, sent, send } = bmcAndSession();
  const hb = (seq: number, rq: number) => c.request(NetFn.OEM_GROUP, ConsoleOemCommand.CONSOLE_HEARTBEAT, encodeHeartbeatRequest({ heartbeatSeq: seq, ackedPosition: 0, maxBytes: 512 }), rq);
  bmc.handle(hb(1, 1), PEER, send);
  const first = decodeHeartbeatResponse(c.response(sent[0])!.data);
  t.equal(first.receivedAt, first.processedAt, 'not busy: processed as it arrived');
  bmc.stall(1500);
  const arrived = clock.now();
  bmc.handle(hb(2, 2), PEER, send);
  clock.advance(1500);
  t.equal(sent.length, 2, 'answered after the stall');
  const second = decodeHeartbeatResponse(c.response(sent[1])!.data);
  t.equal(second.heartbeatSeq, 2);
  t.equal(second.receivedAt, arrived, 'receive time is the arrival');
  t.equal(second.processedAt - second.receivedAt, 1500, 'processing time is after the stall');
  t.ok(second.head > first.head, 'the console moved on meanwhile');
  t.end();
});
