// The BMC SOL state machine against a console that behaves like ipmitool's lanplus SOL code (ACK every sequenced
// packet with its full length, drop a repeat of the last sequence number, retransmit its own packets until ACKed),
// over a link that loses packets. Seeded, fake clock: every run is the same run.
import t from 'tap';
import { BmcSolSession, type SolStep } from '../../protocols/sol/bmc-sol-session.js';
import { decodeSolPacket, encodeSolPacket } from '../../protocols/sol/payload.js';
import { Rng } from '../fuzz/fuzz-helpers.js';

interface Outcome {
  /** What the console printed (BMC to console). */
  consoleGot: number[];
  /** What the host's serial port received (console to BMC). */
  hostGot: number[];
  droppedCharacters: number;
  session: BmcSolSession;
  endedAt: number;
}

const CONSOLE_RETRY_MS = 150;

function simulate(seed: number, loss: number, hostOutput: Buffer, consoleInput: Buffer): Outcome {
  const rng = new Rng(seed);
  const bmc = new BmcSolSession({ accumulateIntervalMs: 20, sendThreshold: 8, retryCount: 7, retryIntervalMs: 100, maxPacketCharacters: 16 });
  const toConsole: Buffer[] = [];
  const toBmc: Buffer[] = [];
  const consoleGot: number[] = [];
  const hostGot: number[] = [];
  let droppedCharacters = 0;
  const send = (queue: Buffer[], p: Buffer) => { if (!rng.bool(loss)) queue.push(p); };
  const apply = (step: SolStep) => {
    for (const p of step.packets) send(toConsole, p);
    for (const e of step.events) {
      if (e.kind === 'input') hostGot.push(...e.data);
      if (e.kind === 'dropped') droppedCharacters += e.characters;
    }
  };

  // console state
  let lastSeen = 0;
  let consoleSeq = 0;
  let outstanding: { seq: number; data: Buffer; deadline: number } | null = null;
  let consolePending = Buffer.from(consoleInput);
  const consoleReceive = (raw: Buffer, now: number) => {
    const p = decodeSolPacket(raw);
    if (p.ackSequence !== 0 && outstanding && p.ackSequence === outstanding.seq) {
      const tail = outstanding.data.subarray(p.acceptedCount);
      consolePending = Buffer.concat([tail, consolePending]);
      outstanding = null;
    }
    if (p.sequence !== 0) {
      if (p.sequence !== lastSeen) consoleGot.push(...p.data);
      lastSeen = p.sequence;
      send(toBmc, encodeSolPacket({ sequence: 0, ackSequence: p.sequence, acceptedCount: p.data.length, operation: 0, data: new Uint8Array(0) }));
    }
    void now;
  };

  let fed = 0;
  let now = 0;
  for (; now < 120_000; now++) {
    // the host writes 5 characters every 3 ms
    if (fed < hostOutput.length && now % 3 === 0) {
      apply(bmc.hostOutput(hostOutput.subarray(fed, fed + 5), now));
      fed += 5;
    }
    for (const p of toConsole.splice(0)) consoleReceive(p, now);
    for (const p of toBmc.splice(0)) apply(bmc.receive(p, now));
    if (outstanding && now >= outstanding.deadline) {
      send(toBmc, encodeSolPacket({ sequence: outstanding.seq, ackSequence: 0, acceptedCount: 0, operation: 0, data: outstanding.data }));
      outstanding.deadline = now + CONSOLE_RETRY_MS;
    }
    if (!outstanding && consolePending.length > 0) {
      consoleSeq = consoleSeq >= 15 ? 1 : consoleSeq + 1;
      outstanding = { seq: consoleSeq, data: consolePending.subarray(0, 3), deadline: now + CONSOLE_RETRY_MS };
      consolePending = consolePending.subarray(3);
      send(toBmc, encodeSolPacket({ sequence: outstanding.seq, ackSequence: 0, acceptedCount: 0, operation: 0, data: outstanding.data }));
    }
    apply(bmc.poll(now));
    const quiet = fed >= hostOutput.length && bmc.deadline === null && !outstanding && consolePending.length === 0 &&
      toConsole.length === 0 && toBmc.length === 0;
    if (quiet) break;
  }
  return { consoleGot, hostGot, droppedCharacters, session: bmc, endedAt: now };
}

/** 0, 1, 2, ... : strictly increasing bytes, so order and duplicates are easy to see. */
function ramp(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => i));
}

function strictlyIncreasing(xs: number[]): boolean {
  return xs.every((x, i) => i === 0 || x > xs[i - 1]);
}

t.test('no loss: everything arrives once, in order, with no retransmission', (t) => {
  const o = simulate(1, 0, ramp(200), Buffer.from('show version\r'));
  t.same(o.consoleGot, [...ramp(200)]);
  t.equal(Buffer.from(o.hostGot).toString(), 'show version\r');
  t.match(o.session.stats, { retransmits: 0, packetsDropped: 0, duplicatesReceived: 0 });
  t.end();
});

t.test('20% loss each way: retransmission and duplicate suppression still deliver everything exactly once', (t) => {
  const typed = 'for i in 1 2 3; do echo line $i; done; dmesg | tail -n 20; uptime; reboot now please\r';
  const o = simulate(0x5eed, 0.2, ramp(240), Buffer.from(typed));
  t.equal(o.droppedCharacters, 0, 'retry count 7 is enough at this loss');
  t.same(o.consoleGot, [...ramp(240)], 'console got every character once, in order');
  t.equal(Buffer.from(o.hostGot).toString(), typed, 'host got every character once, in order');
  t.ok(o.session.stats.retransmits > 0, 'the link did lose BMC packets or ACKs');
  t.ok(o.session.stats.duplicatesReceived > 0, 'the console did retransmit after a lost ACK');
  t.equal(o.session.deadline, null, 'nothing left to do');
  t.end();
});

t.test('70% loss: packets are given up, but nothing is duplicated or reordered and the session settles', (t) => {
  const o = simulate(0xbad1, 0.7, ramp(240), Buffer.from('abc'));
  t.ok(o.droppedCharacters > 0, 'some packets ran out of retries');
  t.ok(strictlyIncreasing(o.consoleGot), 'no duplicate, no reordering');
  t.ok(o.consoleGot.length + o.droppedCharacters >= 240, 'every character delivered or reported dropped');
  t.equal(Buffer.from(o.hostGot).toString(), 'abc', 'console input still arrives exactly once');
  t.equal(o.session.deadline, null);
  t.ok(o.endedAt < 120_000, 'the simulation ended on its own');
  t.end();
});

t.test('garbage from the console never throws and never makes the BMC send more than ACKs', (t) => {
  const rng = new Rng(0xf022);
  const s = new BmcSolSession({ accumulateIntervalMs: 10, sendThreshold: 1, retryCount: 1, retryIntervalMs: 10 });
  let packetsOut = 0;
  let most = 0;
  for (let i = 0; i < 5000; i++) {
    const step = s.receive(rng.bytes(rng.int(40)), i);
    packetsOut += step.packets.length;
    most = Math.max(most, step.packets.length);
    for (const p of step.packets) if (decodeSolPacket(p).sequence !== 0) most = 99; // the host sent nothing
  }
  t.equal(most, 1, 'at most one packet per input, and only ACK-only packets');
  t.ok(packetsOut > 0, 'sequenced garbage was ACKed');
  t.equal(s.buffered, 0);
  t.end();
});
