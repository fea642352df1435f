// The BMC-side SOL state machine (IPMI 2.0 §15.9, timing from SOL parameters 3 and 4) on a fake clock.
import t from 'tap';
import { BmcSolSession, type BmcSolSessionOptions, type SolStep } from '../../protocols/sol/bmc-sol-session.js';
import { BmcStatus, ConsoleOperation, decodeSolPacket, encodeSolPacket, type SolPacket } from '../../protocols/sol/payload.js';

const TIMING = { accumulateIntervalMs: 50, sendThreshold: 4, retryCount: 2, retryIntervalMs: 100 };

function session(options: Partial<BmcSolSessionOptions> = {}): BmcSolSession {
  return new BmcSolSession({ ...TIMING, ...options });
}

function packets(step: SolStep): SolPacket[] {
  return step.packets.map((p) => decodeSolPacket(p));
}

function text(p: SolPacket): string {
  return Buffer.from(p.data).toString('latin1');
}

/** A console packet as ipmitool builds it. */
function consolePacket(fields: Partial<SolPacket> & { text?: string }): Buffer {
  const { text: s, ...rest } = fields;
  return encodeSolPacket({ sequence: 0, ackSequence: 0, acceptedCount: 0, operation: 0, data: Buffer.from(s ?? '', 'latin1'), ...rest });
}

function ack(sequence: number, accepted: number, operation = 0): Buffer {
  return consolePacket({ ackSequence: sequence, acceptedCount: accepted, operation });
}

t.test('characters below the send threshold wait for the accumulate interval', (t) => {
  const s = session();
  const first = s.hostOutput(Buffer.from('ab'), 0);
  t.same(first.packets, [], 'nothing yet');
  t.equal(first.deadline, 50);
  t.same(s.poll(49).packets, []);
  const due = packets(s.poll(50));
  t.equal(due.length, 1);
  t.match(due[0], { sequence: 1, ackSequence: 0, acceptedCount: 0, operation: 0 });
  t.equal(text(due[0]), 'ab');
  t.end();
});

t.test('reaching the send threshold sends at once', (t) => {
  const s = session();
  const out = packets(s.hostOutput(Buffer.from('abcd'), 0));
  t.equal(out.length, 1);
  t.equal(text(out[0]), 'abcd');
  t.end();
});

t.test('one packet outstanding at a time; the next goes when the first is ACKed', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcd'), 0);
  t.same(s.hostOutput(Buffer.from('efgh'), 10).packets, [], 'held while packet 1 is unacknowledged');
  const step = s.receive(ack(1, 4), 20);
  const out = packets(step);
  t.equal(out.length, 1, 'no ACK of an ACK: only the next data packet');
  t.match(out[0], { sequence: 2 });
  t.equal(text(out[0]), 'efgh');
  t.end();
});

t.test('held characters below the threshold still respect their accumulate deadline after an ACK', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcd'), 0);
  s.hostOutput(Buffer.from('e'), 10); // due at 60
  const acked = s.receive(ack(1, 4), 20);
  t.same(acked.packets, []);
  t.equal(acked.deadline, 60);
  const out = packets(s.poll(60));
  t.equal(text(out[0]), 'e');
  t.end();
});

t.test('an unacknowledged packet is retransmitted each retry interval, then dropped after the retry count', (t) => {
  const s = session();
  const sent = s.hostOutput(Buffer.from('abcd'), 0);
  t.equal(sent.deadline, 100);
  t.same(s.poll(99).packets, [], 'not before the interval');
  const r1 = s.poll(100);
  t.same([...r1.packets[0]], [...sent.packets[0]], 'first retry: the same bytes, same sequence number');
  t.equal(r1.deadline, 200);
  const r2 = s.poll(200);
  t.equal(r2.packets.length, 1, 'second retry');
  const gaveUp = s.poll(300);
  t.same(gaveUp.packets, [], 'retry count 2: three transmissions in all');
  t.same(gaveUp.events, [{ kind: 'dropped', sequence: 1, characters: 4 }]);
  t.equal(gaveUp.deadline, null);
  t.match(s.stats, { dataPacketsSent: 1, retransmits: 2, packetsDropped: 1 });
  t.end();
});

t.test('retry count 0 means no retransmission at all', (t) => {
  const s = session({ retryCount: 0 });
  s.hostOutput(Buffer.from('abcd'), 0);
  const step = s.poll(100);
  t.same(step.packets, []);
  t.match(step.events, [{ kind: 'dropped' }]);
  t.end();
});

t.test('after giving up, the characters behind go out with the next sequence number', (t) => {
  const s = session({ retryCount: 0 });
  s.hostOutput(Buffer.from('abcd'), 0);
  s.hostOutput(Buffer.from('wxyz'), 1);
  const out = packets(s.poll(100));
  t.equal(out.length, 1);
  t.match(out[0], { sequence: 2 });
  t.equal(text(out[0]), 'wxyz');
  t.end();
});

t.test('a partial ACK resends the unaccepted tail at once, before anything newer, in a new packet', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcdef'), 0);
  s.hostOutput(Buffer.from('gh'), 5);
  const out = packets(s.receive(ack(1, 2), 10));
  t.equal(out.length, 1);
  t.match(out[0], { sequence: 2 });
  t.equal(text(out[0]), 'cdefgh', 'tail first, then the newer characters');
  t.end();
});

t.test('a NACK holds off for a retry interval, then resends what was not accepted', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcdef'), 0);
  const nacked = s.receive(ack(1, 1, ConsoleOperation.NACK), 10);
  t.same(nacked.packets, [], 'no resend straight into a NACK');
  t.equal(nacked.deadline, 110);
  t.same(s.poll(109).packets, []);
  const out = packets(s.poll(110));
  t.equal(out.length, 1);
  t.match(out[0], { sequence: 2 });
  t.equal(text(out[0]), 'bcdef');
  t.equal(s.stats.nacksReceived, 1);
  t.end();
});

t.test('the console can lift a NACK early by ACKing the packet again without NACK', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcd'), 0);
  s.receive(ack(1, 0, ConsoleOperation.NACK), 10);
  t.same(s.receive(ack(1, 0, ConsoleOperation.NACK), 20).packets, [], 'still NACKed');
  const out = packets(s.receive(ack(1, 0), 30));
  t.equal(out.length, 1, 'resent before the retry interval ran out');
  t.equal(text(out[0]), 'abcd');
  t.end();
});

t.test('a NACK that accepted everything only pauses', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcd'), 0);
  s.hostOutput(Buffer.from('efgh'), 1);
  t.same(s.receive(ack(1, 4, ConsoleOperation.NACK), 10).packets, []);
  const out = packets(s.poll(110));
  t.equal(text(out[0]), 'efgh');
  t.end();
});

t.test('a late or foreign ACK changes nothing', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcd'), 0);
  t.same(s.receive(ack(7, 4), 10).packets, [], 'ACK for a packet never sent');
  t.equal(s.poll(100).packets.length, 1, 'packet 1 is still retransmitted');
  t.end();
});

t.test('console characters are delivered in order and ACKed with the accepted count', (t) => {
  const s = session();
  const a = s.receive(consolePacket({ sequence: 1, text: 'ls' }), 0);
  t.same(a.events.map((e) => (e.kind === 'input' ? Buffer.from(e.data).toString() : e.kind)), ['ls']);
  const acks = packets(a);
  t.equal(acks.length, 1);
  t.match(acks[0], { sequence: 0, ackSequence: 1, acceptedCount: 2, operation: 0 });
  t.equal(acks[0].data.length, 0, 'ACK-only packets carry no data');
  const b = s.receive(consolePacket({ sequence: 2, text: ' -l\r' }), 5);
  t.same(b.events.map((e) => (e.kind === 'input' ? Buffer.from(e.data).toString() : e.kind)), [' -l\r']);
  t.match(packets(b)[0], { ackSequence: 2, acceptedCount: 4 });
  t.end();
});

t.test('a retransmitted console packet is ACKed again but not delivered twice', (t) => {
  const s = session();
  s.receive(consolePacket({ sequence: 3, text: 'x' }), 0);
  const again = s.receive(consolePacket({ sequence: 3, text: 'x' }), 100);
  t.same(again.events, [], 'no second delivery');
  t.match(packets(again), [{ sequence: 0, ackSequence: 3, acceptedCount: 1 }]);
  t.equal(s.stats.duplicatesReceived, 1);
  const next = s.receive(consolePacket({ sequence: 4, text: 'y' }), 200);
  t.equal(next.events.length, 1, 'the next sequence number is new data');
  t.end();
});

t.test('more characters than one ACK can count are partly accepted', (t) => {
  const s = session({ maxAcceptCharacters: 8 });
  const step = s.receive(consolePacket({ sequence: 1, text: 'abcdefghijkl' }), 0);
  t.same(step.events.map((e) => (e.kind === 'input' ? Buffer.from(e.data).toString() : e.kind)), ['abcdefgh']);
  t.match(packets(step)[0], { ackSequence: 1, acceptedCount: 8 });
  t.end();
});

t.test('an ACK rides on a data packet that is going out anyway', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('ab'), 0);
  const step = s.receive(consolePacket({ sequence: 1, text: 'q' }), 60); // accumulate deadline passed
  const out = packets(step);
  t.equal(out.length, 1, 'one packet, not data plus ACK');
  t.match(out[0], { sequence: 1, ackSequence: 1, acceptedCount: 1 });
  t.equal(text(out[0]), 'ab');
  t.end();
});

t.test('ACK-only console packets are not ACKed and their stray characters are ignored', (t) => {
  const s = session();
  const step = s.receive(consolePacket({ sequence: 0, text: 'zz' }), 0);
  t.same(step.packets, []);
  t.same(step.events, []);
  t.end();
});

t.test('outbound sequence numbers run 1..15 and wrap to 1, never 0', (t) => {
  const s = session({ sendThreshold: 1 });
  const seen: number[] = [];
  let now = 0;
  let p = packets(s.hostOutput(Buffer.from('a'), now))[0];
  for (let i = 0; i < 20; i++) {
    seen.push(p.sequence);
    s.hostOutput(Buffer.from('b'), ++now);
    p = packets(s.receive(ack(p.sequence, 1), ++now))[0];
  }
  t.same(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 1, 2, 3, 4, 5]);
  t.end();
});

t.test('inbound sequence numbers that wrap are still new data', (t) => {
  const s = session();
  const delivered: string[] = [];
  for (const [i, seq] of [14, 15, 1, 2].entries()) {
    for (const e of s.receive(consolePacket({ sequence: seq, text: String(i) }), i).events) {
      if (e.kind === 'input') delivered.push(Buffer.from(e.data).toString());
    }
  }
  t.same(delivered, ['0', '1', '2', '3']);
  t.end();
});

t.test('large output is split into packets of at most maxPacketCharacters, in order', (t) => {
  const s = session({ maxPacketCharacters: 251 });
  const all = Buffer.alloc(600);
  for (let i = 0; i < all.length; i++) all[i] = i & 0xff;
  let out = packets(s.hostOutput(all, 0));
  const got: Buffer[] = [];
  let now = 0;
  while (out.length > 0) {
    got.push(Buffer.from(out[0].data));
    out = packets(s.receive(ack(out[0].sequence, out[0].data.length), ++now));
    if (out.length === 0) out = packets(s.poll(now + 50));
  }
  t.same(got.map((b) => b.length), [251, 251, 98]);
  t.ok(Buffer.concat(got).equals(all), 'bytes in order, none lost or repeated');
  t.end();
});

t.test('console operations: break, flushes, modem lines', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcdef'), 0); // packet 1 in flight
  s.hostOutput(Buffer.from('g'), 1);
  const step = s.receive(consolePacket({
    sequence: 1, operation: ConsoleOperation.GENERATE_BREAK | ConsoleOperation.FLUSH_OUTBOUND | ConsoleOperation.FLUSH_INBOUND | ConsoleOperation.CTS_PAUSE,
  }), 10);
  t.same(step.events, [
    { kind: 'flush-outbound', discarded: 7 },
    { kind: 'flush-inbound' },
    { kind: 'break' },
    { kind: 'modem', ctsPause: true, dropDcdDsr: false, ring: false },
  ]);
  t.match(packets(step), [{ sequence: 0, ackSequence: 1, acceptedCount: 0 }], 'the operation packet is ACKed');
  t.same(s.poll(1000).packets, [], 'flushed packet is not retransmitted');
  const same = s.receive(consolePacket({ sequence: 2, operation: ConsoleOperation.CTS_PAUSE }), 20);
  t.same(same.events, [], 'modem lines reported only when they change');
  const released = s.receive(consolePacket({ sequence: 3 }), 30);
  t.same(released.events, [{ kind: 'modem', ctsPause: false, dropDcdDsr: false, ring: false }]);
  t.end();
});

t.test('a host break goes out as a sequenced packet with BREAK_DETECTED', (t) => {
  const s = session();
  const out = packets(s.hostBreak(0));
  t.equal(out.length, 1);
  t.match(out[0], { sequence: 1, operation: BmcStatus.BREAK_DETECTED });
  t.equal(out[0].data.length, 0);
  t.end();
});

t.test('characters dropped on a full buffer are reported with TRANSMIT_OVERRUN', (t) => {
  const s = session({ maxBufferedCharacters: 4, sendThreshold: 10 });
  s.hostOutput(Buffer.from('abcdef'), 0);
  t.equal(s.stats.overrunCharacters, 2);
  const out = packets(s.poll(50));
  t.equal(text(out[0]), 'abcd');
  t.equal(out[0].operation & BmcStatus.TRANSMIT_OVERRUN, BmcStatus.TRANSMIT_OVERRUN);
  s.receive(ack(1, 4), 60);
  s.hostOutput(Buffer.from('x'), 61);
  t.equal(packets(s.poll(111))[0].operation, 0, 'reported once');
  t.end();
});

t.test('while transfer is unavailable console characters are NACKed and not taken', (t) => {
  const s = session();
  s.setTransferAvailable(false);
  const refused = s.receive(consolePacket({ sequence: 1, text: 'a' }), 0);
  t.same(refused.events, []);
  t.match(packets(refused), [{ sequence: 0, ackSequence: 1, acceptedCount: 0, operation: BmcStatus.NACK | BmcStatus.TRANSFER_UNAVAILABLE }]);
  s.setTransferAvailable(true);
  const taken = s.receive(consolePacket({ sequence: 1, text: 'a' }), 100);
  t.equal(taken.events.length, 1, 'the retransmission is delivered once transfer is back');
  t.end();
});

t.test('malformed payloads are reported, not thrown, and change nothing', (t) => {
  const s = session();
  const step = s.receive(Buffer.from([0x01, 0x00]), 0);
  t.same(step.packets, []);
  t.match(step.events, [{ kind: 'malformed', error: { code: 'ERR_TRUNCATED' } }]);
  t.equal(s.stats.malformed, 1);
  t.end();
});

t.test('deactivate sends one SOL DEACTIVATING packet and then stays silent', (t) => {
  const s = session();
  s.hostOutput(Buffer.from('abcd'), 0);
  const end = s.deactivate();
  t.match(packets(end), [{ sequence: 0, operation: BmcStatus.DEACTIVATING }]);
  t.same(end.events, [{ kind: 'deactivated' }]);
  t.equal(end.deadline, null);
  t.notOk(s.active);
  t.same(s.poll(1000).packets, []);
  t.same(s.receive(consolePacket({ sequence: 1, text: 'a' }), 1000).events, []);
  t.same(s.deactivate().packets, [], 'only once');
  t.end();
});

t.test('deactivate without notifying the console sends nothing', (t) => {
  const s = session();
  const end = s.deactivate(false);
  t.same(end.packets, []);
  t.same(end.events, [{ kind: 'deactivated' }]);
  t.notOk(s.active);
  t.end();
});
