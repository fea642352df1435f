// iSNS multi-PDU messages (§5.1.4-5.1.6) and TCP framing: splitting at attribute boundaries, reassembly in
// and out of order, the limits on what a peer can make us hold, and the stream framer on the real vectors.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { loadFrames } from '../helpers/vectors.js';
import { Flag, HEADER_LENGTH, decodePdu, encodePdu, type IsnsPdu } from '../../protocols/isns/header.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Tag } from '../../protocols/isns/attributes.js';
import { attr, decodeAttributes, encodeAttributes } from '../../protocols/isns/tlv.js';
import { decodeMessage, encodeMessage, type IsnsResponse } from '../../protocols/isns/codec.js';
import { Reassembler, encodeMessagePdus, splitPayload } from '../../protocols/isns/segments.js';
import { PduStreamDecoder, StreamBrokenError } from '../../protocols/isns/stream.js';

const frames = loadFrames('isns/isnsadm-vs-isnsd.json');

/** A DevAttrQryRsp listing `n` targets (name, alias, portal): about 100 bytes per target. */
function bigResponse(n: number): IsnsResponse {
  const operating = [];
  for (let i = 0; i < n; i++) {
    operating.push(attr(Tag.ISCSI_NAME, `iqn.2024-01.test.lab:target${i}`), attr(Tag.ISCSI_ALIAS, `disk${i}`),
      attr(Tag.PORTAL_IP_ADDRESS, `127.25.${i >> 8}.${i & 255}`), attr(Tag.PORTAL_PORT, { port: 3260, udp: false }));
  }
  return { kind: 'response', functionId: FunctionId.DEV_ATTR_QRY_RSP, transactionId: 77, flags: Flag.SERVER, status: 0,
    key: [attr(Tag.ISCSI_NODE_TYPE, 1)], operating };
}

function join(r: Reassembler, pdus: Buffer[], now = 0) {
  let done = null;
  for (const b of pdus) {
    const m = r.push(decodePdu(b), now);
    if (m) { t.equal(done, null, 'completes once'); done = m; }
  }
  return done;
}

t.test('a large response goes out in several PDUs cut at attribute boundaries', (t) => {
  const msg = bigResponse(40);
  const pdus = encodeMessage(msg, 256);
  t.ok(pdus.length > 10, `${pdus.length} PDUs`);
  pdus.forEach((b, i) => {
    const p = decodePdu(b);
    t.ok(p.payload.length <= 256, `PDU ${i} payload ${p.payload.length} <= 256`);
    t.equal(p.header.sequenceId, i, 'sequence ids count from 0');
    t.equal(p.header.transactionId, 77);
    t.equal(p.header.functionId, FunctionId.DEV_ATTR_QRY_RSP);
    t.equal(p.header.flags & Flag.FIRST_PDU, i === 0 ? Flag.FIRST_PDU : 0, `PDU ${i} First flag`);
    t.equal(p.header.flags & Flag.LAST_PDU, i === pdus.length - 1 ? Flag.LAST_PDU : 0, `PDU ${i} Last flag`);
    t.equal(p.header.flags & Flag.SERVER, Flag.SERVER);
    // every PDU after the first holds whole attributes (the first opens with the 4-byte status)
    t.doesNotThrow(() => decodeAttributes(p.payload, i === 0 ? 4 : 0), `PDU ${i} holds whole attributes`);
  });
  const whole = join(new Reassembler(), pdus)!;
  t.equal(whole.pduCount, pdus.length);
  t.equal(whole.flags, Flag.SERVER, 'message flags: First/Last PDU belong to the PDUs');
  t.same(decodeMessage(whole), msg, 'reassembles to the message');
  t.end();
});

t.test('reassembly accepts PDUs in any order (UDP)', (t) => {
  const msg = bigResponse(12);
  const pdus = encodeMessage(msg, 128);
  const shuffled = [...pdus.slice(1).reverse(), pdus[0]];
  const r = new Reassembler();
  const whole = join(r, shuffled)!;
  t.same(decodeMessage(whole), msg);
  t.equal(r.pendingCount, 0, 'nothing left pending');
  t.end();
});

t.test('an attribute larger than a PDU is split inside it, and the receiver joins it', (t) => {
  const payload = encodeAttributes([attr(Tag.ISCSI_NAME, 'n'), attr(Tag.ENTITY_CERTIFICATE, Buffer.alloc(300, 7)), attr(Tag.PORTAL_INDEX, 2)]);
  const parts = splitPayload(payload, 64);
  t.same(parts.map((p) => p.length), [12, 64, 64, 64, 64, 64], 'cut before the big attribute, then inside it every 64 bytes');
  t.same(Buffer.concat(parts), payload);
  const pdus = encodeMessagePdus({ functionId: FunctionId.DEV_ATTR_REG, transactionId: 3, flags: Flag.CLIENT }, payload, 64);
  const whole = join(new Reassembler(), pdus)!;
  t.same(Buffer.from(whole.payload), payload);
  t.end();
});

t.test('splitPayload keeps a small message in one piece and checks its limit', (t) => {
  const payload = Buffer.alloc(40);
  t.equal(splitPayload(payload, 40).length, 1);
  t.throws(() => splitPayload(payload, 6), RangeError);
  t.throws(() => splitPayload(payload, 66), RangeError);
  t.throws(() => splitPayload(payload, 0x10000), RangeError);
  t.end();
});

function pdu(seq: number, flags: number, payload = Buffer.alloc(4), tx = 1, fid = FunctionId.DEV_ATTR_QRY): IsnsPdu {
  return decodePdu(encodePdu({ version: 1, functionId: fid, flags, transactionId: tx, sequenceId: seq }, payload));
}

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { return e instanceof DecodeError ? e.code : `not a DecodeError: ${String(e)}`; }
  return 'no error';
}

t.test('reassembly errors drop the partial message', (t) => {
  const r = new Reassembler();
  t.equal(r.push(pdu(0, Flag.CLIENT | Flag.FIRST_PDU), 0), null);
  t.equal(code(() => r.push(pdu(0, Flag.CLIENT), 0)), 'ERR_SEQUENCE', 'sequence id twice');
  t.equal(r.pendingCount, 0);

  t.equal(r.push(pdu(0, Flag.CLIENT | Flag.FIRST_PDU), 0), null);
  t.equal(r.push(pdu(5, Flag.CLIENT), 0), null);
  t.equal(code(() => r.push(pdu(2, Flag.CLIENT | Flag.LAST_PDU), 0)), 'ERR_SEQUENCE', 'a PDU past the Last one');
  t.equal(r.pendingCount, 0);

  t.equal(r.push(pdu(0, Flag.CLIENT | Flag.LAST_PDU, undefined, 2), 0), null);
  t.equal(code(() => r.push(pdu(1, Flag.CLIENT | Flag.LAST_PDU, undefined, 2), 0)), 'ERR_SEQUENCE', 'two Last PDUs');
  t.end();
});

t.test('limits: message size, partial messages pending, age', (t) => {
  const small = new Reassembler({ maxMessageBytes: 100 });
  t.equal(small.push(pdu(0, Flag.FIRST_PDU, Buffer.alloc(64)), 0), null);
  t.equal(code(() => small.push(pdu(1, 0, Buffer.alloc(64)), 0)), 'ERR_MESSAGE_TOO_LARGE');
  t.equal(small.pendingCount, 0);

  const short = new Reassembler({ maxPdus: 3 });
  for (let i = 0; i < 3; i++) t.equal(short.push(pdu(i, i === 0 ? Flag.FIRST_PDU : 0, Buffer.alloc(0)), 0), null, `empty PDU ${i}`);
  t.equal(code(() => short.push(pdu(3, 0, Buffer.alloc(0)), 0)), 'ERR_MESSAGE_TOO_LARGE', 'empty PDUs count too');

  const few = new Reassembler({ maxPending: 2 });
  few.push(pdu(0, Flag.FIRST_PDU, undefined, 1), 0);
  few.push(pdu(0, Flag.FIRST_PDU, undefined, 2), 1000);
  t.equal(code(() => few.push(pdu(0, Flag.FIRST_PDU, undefined, 3), 0)), 'ERR_TOO_MANY_PENDING');
  t.equal(few.expire(5000, 4500), 1, 'the one started at 0 is older than 4.5 s at 5 s');
  t.equal(few.pendingCount, 1);
  t.equal(few.push(pdu(0, Flag.FIRST_PDU, undefined, 3), 5000), null, 'room again');
  t.end();
});

t.test('a one-PDU message passes straight through; a First PDU restarts a stale partial one', (t) => {
  const r = new Reassembler();
  const p = pdu(0, Flag.FIRST_PDU | Flag.LAST_PDU | Flag.CLIENT, Buffer.from('00000001', 'hex'));
  const m = r.push(p, 0)!;
  t.equal(m.payload, p.payload, 'the same view, no copy');
  r.push(pdu(0, Flag.FIRST_PDU, Buffer.from('aaaaaaaa', 'hex'), 4), 0);
  r.push(pdu(0, Flag.FIRST_PDU, Buffer.from('bbbbbbbb', 'hex'), 4), 0);
  const done = r.push(pdu(1, Flag.LAST_PDU, Buffer.from('cccccccc', 'hex'), 4), 0)!;
  t.equal(Buffer.from(done.payload).toString('hex'), 'bbbbbbbbcccccccc');
  t.end();
});

t.test('stream framer: the captured PDUs in one chunk, byte by byte, and split anywhere', (t) => {
  const all = Buffer.concat(frames.map((f) => f.bytes));
  const expect = frames.map((f) => f.bytes.toString('hex'));
  const hexOf = (ps: IsnsPdu[]) => ps.map((p) => encodePdu(p.header, p.payload).toString('hex'));
  t.same(hexOf(new PduStreamDecoder().push(all)), expect, 'one chunk');
  const d = new PduStreamDecoder();
  const got: IsnsPdu[] = [];
  for (let i = 0; i < all.length; i++) got.push(...d.push(all.subarray(i, i + 1)));
  t.same(hexOf(got), expect, 'byte by byte');
  t.equal(d.buffered, 0);
  const d2 = new PduStreamDecoder();
  const got2 = [...d2.push(all.subarray(0, 5)), ...d2.push(all.subarray(5, 300)), ...d2.push(all.subarray(300))];
  t.same(hexOf(got2), expect, 'split inside a header and inside a payload');
  t.end();
});

t.test('stream framer: a PDU with an authentication block, byte by byte', (t) => {
  const auth = Buffer.from('00000002' + '00000018' + '0000000065000000' + '00000000' + '01020304', 'hex'); // BSD 2, 24 bytes
  const pduBytes = encodePdu({ version: 1, functionId: FunctionId.HEARTBEAT, flags: Flag.SERVER | Flag.FIRST_PDU | Flag.LAST_PDU, transactionId: 1, sequenceId: 0 }, Buffer.alloc(28), auth);
  t.equal(pduBytes.readUInt16BE(6) & Flag.AUTH, Flag.AUTH, 'encodePdu sets the Auth flag');
  const d = new PduStreamDecoder();
  const got: IsnsPdu[] = [];
  for (let i = 0; i < pduBytes.length; i++) got.push(...d.push(pduBytes.subarray(i, i + 1)));
  t.equal(got.length, 1);
  t.equal(Buffer.from(got[0].authBlock!).toString('hex'), auth.toString('hex'));
  t.equal(got[0].payload.length, 28);
  t.end();
});

t.test('stream framer: a PDU over the limit is an error; held bytes are bounded by it', (t) => {
  const d = new PduStreamDecoder(1000);
  const big = encodePdu({ version: 1, functionId: 1, flags: Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU, transactionId: 1, sequenceId: 0 }, Buffer.alloc(2000));
  t.equal(code(() => d.push(big.subarray(0, HEADER_LENGTH))), 'ERR_PDU_TOO_LARGE');
  const auth = Buffer.from('000100010000' + 'ac00' + '00010000' + '00000002' + 'ffffffff', 'hex');
  t.equal(code(() => new PduStreamDecoder().push(auth)), 'ERR_PDU_TOO_LARGE', 'an authentication block of 4 GiB');
  t.end();
});

t.test('stream framer: the break carries the PDUs completed before it and the header that broke it', (t) => {
  const d = new PduStreamDecoder(1000);
  const small = (tx: number) => encodePdu({ version: 1, functionId: 2, flags: Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU, transactionId: tx, sequenceId: 0 }, Buffer.alloc(8));
  const big = encodePdu({ version: 1, functionId: 1, flags: Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU, transactionId: 9, sequenceId: 0 }, Buffer.alloc(2000));
  t.same(d.push(small(1).subarray(0, 5)), [], 'half a PDU held');
  let broken: unknown;
  try {
    d.push(Buffer.concat([small(1).subarray(5), small(2), big.subarray(0, 20)]));
  } catch (err) {
    broken = err;
  }
  t.ok(broken instanceof StreamBrokenError, 'a StreamBrokenError');
  const e = broken as StreamBrokenError;
  t.equal(e.code, 'ERR_PDU_TOO_LARGE');
  t.same(e.completed.map((p) => p.header.transactionId), [1, 2], 'the two whole PDUs before it, the first one joined across chunks');
  t.same([e.header?.functionId, e.header?.transactionId], [1, 9], 'the header of the PDU that broke it');
  const badAuth = Buffer.concat([small(3), Buffer.from('000100010000' + 'ac00' + '00010000' + '00000002' + '00000004', 'hex')]); // auth length 4 < minimum
  let second: unknown;
  try {
    new PduStreamDecoder().push(badAuth);
  } catch (err) {
    second = err;
  }
  t.equal((second as StreamBrokenError).code, 'ERR_AUTH_LENGTH');
  t.same((second as StreamBrokenError).completed.map((p) => p.header.transactionId), [3]);
  t.end();
});
