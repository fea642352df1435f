// The iSNS receive path (protocols/isns/receive.ts) on real bytes: isnsadm's requests and isnsd's answers
// from the capture, pipelined on one stream, split at every byte boundary, cut into several PDUs; and each
// kind of bad input giving its ReceiveError stage and DecodeError code, in arrival order.
import t from 'tap';
import { isDeepStrictEqual } from 'node:util';
import { DecodeError } from '../../protocols/errors.js';
import { decodeMessage, type IsnsMessage } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, decodePdu, encodePdu } from '../../protocols/isns/header.js';
import { IsnsDatagramReceiver, IsnsStreamReceiver, ReceiveError, ReceiveStage, type Received } from '../../protocols/isns/receive.js';
import { encodeMessagePdus } from '../../protocols/isns/segments.js';
import { loadFrames } from '../helpers/vectors.js';

const frames = loadFrames('isns/isnsadm-vs-isnsd.json');
const requests = frames.filter((f) => f.from === 'client').map((f) => f.bytes);
/** isnsd's answer to the second target query: target1 with its alias, portal and portal group (216 bytes). */
const bigAnswer = frames.find((f) => f.n === 56)!.bytes;

/** What a one-PDU capture decodes to, read the long way round (header, then body). */
function expected(pdu: Buffer): IsnsMessage {
  const p = decodePdu(pdu);
  return decodeMessage({ ...p.header, flags: p.header.flags & ~(Flag.FIRST_PDU | Flag.LAST_PDU), payload: p.payload });
}

/** The same message as several PDUs of at most `maxPayload` bytes. */
function inPdus(pdu: Buffer, maxPayload: number): Buffer[] {
  const p = decodePdu(pdu);
  const tlvStart = p.header.functionId & 0x8000 ? 4 : 0;
  return encodeMessagePdus({ functionId: p.header.functionId, transactionId: p.header.transactionId, flags: p.header.flags }, p.payload, maxPayload, tlvStart);
}

function drain(r: IsnsStreamReceiver, now = 0): Received[] {
  const out: Received[] = [];
  for (let item = r.next(now); item !== null; item = r.next(now)) out.push(item);
  return out;
}

/** [stage, code, transaction ID] of each error, or the message's transaction ID. */
const summary = (items: Received[]) => items.map((i) => (i instanceof ReceiveError ? [i.stage, i.code, i.header?.transactionId ?? null] : i.transactionId));

const pdu = (o: { version?: number; functionId?: number; tx: number; seq?: number; flags: number; payload?: Buffer }) => encodePdu(
  { version: o.version ?? 1, functionId: o.functionId ?? FunctionId.DEV_ATTR_QRY, transactionId: o.tx, sequenceId: o.seq ?? 0, flags: o.flags },
  o.payload ?? Buffer.alloc(0));
const WHOLE = Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU;

t.test("isnsadm's pipelined requests in one chunk come out whole, in order", (t) => {
  const r = new IsnsStreamReceiver();
  r.write(Buffer.concat(requests));
  const got = drain(r);
  t.equal(got.length, requests.length);
  t.same(got, requests.map(expected), 'each decodes as its PDU alone does');
  t.equal(r.buffered, 0);
  t.end();
});

t.test('two messages, one of them in four PDUs, split at every byte boundary and fed byte by byte', (t) => {
  const multi = inPdus(bigAnswer, 64);
  t.equal(multi.length, 4, 'the 204-byte answer in four PDUs');
  const stream = Buffer.concat([requests[0], ...multi]);
  const want = [expected(requests[0]), expected(bigAnswer)];
  let wrong = 0;
  for (let cut = 0; cut <= stream.length; cut++) {
    const r = new IsnsStreamReceiver();
    r.write(stream.subarray(0, cut));
    const got = drain(r);
    r.write(stream.subarray(cut));
    got.push(...drain(r));
    if (!isDeepStrictEqual(got, want)) {
      wrong++;
      t.fail(`split at byte ${cut}`);
    }
  }
  t.equal(wrong, 0, `all ${stream.length + 1} splits give both messages`);
  const r = new IsnsStreamReceiver();
  const got: Received[] = [];
  for (let i = 0; i < stream.length; i++) {
    r.write(stream.subarray(i, i + 1));
    got.push(...drain(r));
  }
  t.same(got, want, 'byte by byte');
  t.equal(r.pendingCount, 0, 'nothing left partial');
  t.end();
});

t.test('a stream: reassembly and body errors answerable in place, the connection going on', (t) => {
  const r = new IsnsStreamReceiver({ maxPending: 1 });
  r.write(Buffer.concat([
    pdu({ tx: 1, flags: Flag.CLIENT | Flag.FIRST_PDU }), // partial: waits
    pdu({ tx: 1, seq: 0, flags: Flag.CLIENT }), // the same Sequence ID again
    requests[3],
    pdu({ tx: 2, flags: Flag.CLIENT | Flag.FIRST_PDU }),
    pdu({ tx: 3, flags: Flag.CLIENT | Flag.FIRST_PDU }), // a second partial message: over maxPending 1
    pdu({ version: 2, tx: 5, flags: WHOLE }),
    pdu({ tx: 6, flags: WHOLE, payload: Buffer.from('0000002000000003', 'hex') }), // iSCSI Name of 3 bytes: not a multiple of 4
    pdu({ tx: 7, flags: WHOLE, payload: Buffer.from('00000020000000', 'hex') }), // half an attribute header
  ]));
  const got = drain(r);
  t.same(summary(got), [
    [ReceiveStage.REASSEMBLY, 'ERR_SEQUENCE', 1],
    requests[3].readUInt16BE(8),
    [ReceiveStage.REASSEMBLY, 'ERR_TOO_MANY_PENDING', 3],
    [ReceiveStage.MESSAGE, 'ERR_VERSION', 5],
    [ReceiveStage.MESSAGE, 'ERR_ATTR_LENGTH', 6],
    [ReceiveStage.MESSAGE, 'ERR_TRUNCATED', 7],
  ]);
  t.notOk(r.isBroken, 'none of these breaks the stream');
  const version = got[3] as ReceiveError;
  t.ok(version instanceof DecodeError, 'a ReceiveError is a DecodeError');
  t.same([version.protocol, version.field, version.offset], ['isns', 'version', 0]);
  t.same([version.raw?.version, version.raw?.functionId, version.raw?.transactionId], [2, FunctionId.DEV_ATTR_QRY, 5], 'the joined message, to answer');
  t.equal((got[0] as ReceiveError).raw, null, 'no message at the reassembly stage');
  t.end();
});

t.test('a stream: message over the size limit, then one within it', (t) => {
  const r = new IsnsStreamReceiver({ maxMessageBytes: 100 });
  r.write(Buffer.concat([
    pdu({ tx: 4, seq: 0, flags: Flag.CLIENT | Flag.FIRST_PDU, payload: Buffer.alloc(60) }),
    pdu({ tx: 4, seq: 1, flags: Flag.CLIENT | Flag.LAST_PDU, payload: Buffer.alloc(60) }),
    requests[0],
  ]));
  t.same(summary(drain(r)), [[ReceiveStage.REASSEMBLY, 'ERR_MESSAGE_TOO_LARGE', 4], requests[0].readUInt16BE(8)]);
  t.end();
});

t.test('a stream breaks at a PDU over the limit or a short authentication block: what came before first', (t) => {
  const big = pdu({ tx: 9, flags: WHOLE, payload: Buffer.alloc(2000) });
  const r = new IsnsStreamReceiver({ maxPduBytes: 1000 });
  r.write(Buffer.concat([requests[1], big.subarray(0, 20)]));
  const got = drain(r);
  t.same(summary(got), [requests[1].readUInt16BE(8), [ReceiveStage.FRAMING, 'ERR_PDU_TOO_LARGE', 9]]);
  t.equal((got[1] as ReceiveError).header?.functionId, FunctionId.DEV_ATTR_QRY, 'the breaking header, to answer');
  t.ok(r.isBroken);
  r.write(requests[2]);
  t.equal(r.next(0), null, 'nothing after the break');
  t.equal(r.buffered, 0, 'and nothing held');

  const auth = new IsnsStreamReceiver();
  auth.write(Buffer.concat([requests[0], Buffer.from('000100010000' + 'ac00' + '00080000' + '00000002' + '00000004', 'hex')])); // auth length 4 < 20
  t.same(summary(drain(auth)), [requests[0].readUInt16BE(8), [ReceiveStage.FRAMING, 'ERR_AUTH_LENGTH', 8]]);
  t.end();
});

t.test('a stream: partial messages expire by age, on the time given', (t) => {
  const r = new IsnsStreamReceiver();
  r.write(pdu({ tx: 1, flags: Flag.CLIENT | Flag.FIRST_PDU }));
  t.equal(r.next(1000), null);
  t.equal(r.pendingCount, 1);
  t.equal(r.expire(31_000, 30_000), 0, 'not yet at 30 s');
  t.equal(r.expire(31_001, 30_000), 1, 'gone after');
  t.equal(r.pendingCount, 0);
  t.end();
});

t.test('datagrams: one PDU each, joined per peer, interleaved with one-PDU messages', (t) => {
  const r = new IsnsDatagramReceiver();
  const [a0, a1, a2, a3] = inPdus(bigAnswer, 64);
  const b = inPdus(bigAnswer, 64).map((x) => { const y = Buffer.from(x); y.writeUInt16BE(99, 8); return y; }); // same answer, tx 99
  t.equal(r.receive(a2, 'a', 0), null, 'out of order (UDP)');
  t.equal(r.receive(b[0], 'b', 0), null);
  t.same(r.receive(requests[0], 'a', 0), expected(requests[0]), 'a one-PDU message from a peer with a partial one');
  t.same(r.receive(requests[1], 'c', 0), expected(requests[1]), 'and from a peer with none');
  t.equal(r.peerCount, 2, 'no state for c');
  t.equal(r.receive(a0, 'a', 0), null);
  t.equal(r.receive(a3, 'a', 0), null);
  t.same(r.receive(a1, 'a', 0), expected(bigAnswer), "a's message");
  t.equal(r.peerCount, 1, 'a holds nothing more');
  for (const x of b.slice(1, 3)) t.equal(r.receive(x, 'b', 0), null);
  t.same(r.receive(b[3], 'b', 0), { ...expected(bigAnswer), transactionId: 99 }, "b's message");
  t.equal(r.peerCount, 0);
  t.end();
});

t.test('datagrams: what is not one PDU, and the peers bound', (t) => {
  const evicted: string[] = [];
  const r = new IsnsDatagramReceiver({ maxPeers: 2 }, (peer) => evicted.push(peer));
  const short = r.receive(Buffer.from('hello'), 'x', 0) as ReceiveError;
  t.same([short.stage, short.code, short.header], [ReceiveStage.FRAMING, 'ERR_TRUNCATED', null], 'under a header: no header to answer');
  const cut = r.receive(requests[0].subarray(0, 30), 'x', 0) as ReceiveError;
  t.same([cut.stage, cut.code, cut.header?.transactionId], [ReceiveStage.FRAMING, 'ERR_TRUNCATED', requests[0].readUInt16BE(8)]);
  const trailing = r.receive(Buffer.concat([requests[0], Buffer.alloc(4)]), 'x', 0) as ReceiveError;
  t.same([trailing.stage, trailing.code], [ReceiveStage.FRAMING, 'ERR_TRAILING'], 'two PDUs in a datagram');
  t.same(summary([r.receive(pdu({ version: 3, tx: 5, flags: WHOLE }), 'x', 0)!]), [[ReceiveStage.MESSAGE, 'ERR_VERSION', 5]]);
  const first = (tx: number) => pdu({ tx, flags: Flag.CLIENT | Flag.FIRST_PDU });
  r.receive(first(1), 'p1', 0);
  r.receive(first(2), 'p2', 0);
  t.same(evicted, []);
  r.receive(first(3), 'p3', 0);
  t.same(evicted, ['p1'], 'the peer holding partial messages longest makes room');
  t.equal(r.peerCount, 2);
  t.equal(r.receive(pdu({ tx: 3, flags: Flag.CLIENT | Flag.FIRST_PDU }), 'p3', 5), null, 'a retransmitted first PDU starts over');
  t.same(summary([r.receive(pdu({ tx: 3, seq: 0, flags: Flag.CLIENT | Flag.LAST_PDU }), 'p3', 5)!]), [[ReceiveStage.REASSEMBLY, 'ERR_SEQUENCE', 3]]);
  t.equal(r.peerCount, 1, 'p3 dropped with its failed message');
  t.equal(r.expire(40_000, 30_000), 1, "p2's partial message expires");
  t.equal(r.peerCount, 0);
  t.end();
});
