// SOL payload codec (IPMI 2.0 §15.9 Tables 15-2/15-3). Vectors follow what ipmitool 1.8.19 builds and parses
// (src/plugins/lanplus/lanplus.c getSolPayloadWireRep / read_sol_packet): seq, ack seq, accepted count, op, data.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import {
  BmcStatus, ConsoleOperation, SOL_HEADER_LENGTH, decodeSolPacket, encodeSolPacket, encodeSolPacketInto, encodingLengthSolPacket,
} from '../../protocols/sol/payload.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('console data packet: "ls\\r" with sequence 1, nothing acknowledged', (t) => {
  const bytes = hex('01 00 00 00 6c 73 0d');
  const p = decodeSolPacket(bytes);
  t.match(p, { sequence: 1, ackSequence: 0, acceptedCount: 0, operation: 0 });
  t.equal(Buffer.from(p.data).toString('latin1'), 'ls\r');
  t.same([...encodeSolPacket(p)], [...bytes], 'round trip');
  t.equal(encodingLengthSolPacket(p), 7);
  t.end();
});

t.test('ACK-only packet from the console: sequence 0, ACKs packet 5 taking 12 characters', (t) => {
  const p = decodeSolPacket(hex('00 05 0c 00'));
  t.match(p, { sequence: 0, ackSequence: 5, acceptedCount: 12, operation: 0 });
  t.equal(p.data.length, 0);
  t.end();
});

t.test('console break request: ipmitool "~B" sends a sequenced packet with GENERATE_BREAK and no characters', (t) => {
  const p = { sequence: 3, ackSequence: 0, acceptedCount: 0, operation: ConsoleOperation.GENERATE_BREAK, data: new Uint8Array(0) };
  t.same([...encodeSolPacket(p)], [0x03, 0x00, 0x00, 0x10]);
  t.end();
});

t.test('operation bits sit where ipmitool puts them', (t) => {
  t.equal(ConsoleOperation.NACK, 0x40);
  t.equal(ConsoleOperation.RING_WOR, 0x20);
  t.equal(ConsoleOperation.GENERATE_BREAK, 0x10);
  t.equal(ConsoleOperation.CTS_PAUSE, 0x08);
  t.equal(ConsoleOperation.DROP_DCD_DSR, 0x04);
  t.equal(ConsoleOperation.FLUSH_INBOUND, 0x02);
  t.equal(ConsoleOperation.FLUSH_OUTBOUND, 0x01);
  t.equal(BmcStatus.NACK, 0x40);
  t.equal(BmcStatus.TRANSFER_UNAVAILABLE, 0x20);
  t.equal(BmcStatus.DEACTIVATING, 0x10);
  t.equal(BmcStatus.TRANSMIT_OVERRUN, 0x08);
  t.equal(BmcStatus.BREAK_DETECTED, 0x04);
  t.end();
});

t.test('BMC data packet with a piggybacked partial ACK and break-detected status', (t) => {
  const p = decodeSolPacket(hex('0f 02 01 04 41 42'));
  t.match(p, { sequence: 15, ackSequence: 2, acceptedCount: 1, operation: BmcStatus.BREAK_DETECTED });
  t.equal(Buffer.from(p.data).toString(), 'AB');
  t.end();
});

t.test('reserved high bits are masked like real consoles do', (t) => {
  const p = decodeSolPacket(hex('f1 e2 00 80'));
  t.match(p, { sequence: 1, ackSequence: 2, operation: 0 });
  t.end();
});

t.test('decode gives a view, not a copy', (t) => {
  const bytes = hex('01 00 00 00 61');
  const p = decodeSolPacket(bytes);
  bytes[4] = 0x62;
  t.equal(p.data[0], 0x62);
  t.end();
});

t.test('truncated headers throw DecodeError ERR_TRUNCATED and never read past the end', (t) => {
  for (let n = 0; n < SOL_HEADER_LENGTH; n++) {
    const err = t.throws(() => decodeSolPacket(Buffer.alloc(n)));
    t.ok(err instanceof DecodeError, `${n} bytes`);
    t.match(err, { protocol: 'sol', code: 'ERR_TRUNCATED' });
  }
  t.end();
});

t.test('encode refuses values the fields cannot hold', (t) => {
  const base = { sequence: 1, ackSequence: 0, acceptedCount: 0, operation: 0, data: new Uint8Array(0) };
  t.throws(() => encodeSolPacket({ ...base, sequence: 16 }), RangeError);
  t.throws(() => encodeSolPacket({ ...base, ackSequence: -1 }), RangeError);
  t.throws(() => encodeSolPacket({ ...base, acceptedCount: 256 }), RangeError);
  t.throws(() => encodeSolPacket({ ...base, operation: 0x80 }), RangeError);
  t.end();
});

t.test('encodeSolPacketInto writes at an offset and checks room', (t) => {
  const out = Buffer.alloc(10, 0xee);
  const n = encodeSolPacketInto({ sequence: 2, ackSequence: 1, acceptedCount: 3, operation: 0, data: Buffer.from('hi') }, out, 3);
  t.equal(n, 6);
  t.same([...out], [0xee, 0xee, 0xee, 2, 1, 3, 0, 0x68, 0x69, 0xee]);
  t.throws(() => encodeSolPacketInto({ sequence: 2, ackSequence: 1, acceptedCount: 3, operation: 0, data: Buffer.from('hi') }, out, 5), RangeError);
  t.end();
});
