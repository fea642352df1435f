// The sans-I/O iSNS client session (protocols/isns/client-session.ts) on isnsd's captured answers: responses
// matched to requests by transaction ID whatever their order, multi-PDU answers joined, answers nobody waits
// for counted and dropped, timeouts at the `now` given, a malformed answer failing only its request, a
// broken stream losing every request; transaction IDs never reused while in flight.
import t from 'tap';
import { IsnsClientSession, type ClientEvent } from '../../protocols/isns/client-session.js';
import { decodeMessage, type IsnsRequest } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, decodePdu, encodePdu } from '../../protocols/isns/header.js';
import { ReceiveError, ReceiveStage } from '../../protocols/isns/receive.js';
import { encodeMessagePdus } from '../../protocols/isns/segments.js';
import { Tag } from '../../protocols/isns/attributes.js';
import { attr } from '../../protocols/isns/tlv.js';
import { loadFrames } from '../helpers/vectors.js';

const frames = loadFrames('isns/isnsadm-vs-isnsd.json');
const capture = (n: number) => frames.find((f) => f.n === n)!.bytes;
const REG_RSP = capture(6); // DevAttrRegRsp
const QRY_RSP = capture(56); // DevAttrQryRsp: target1, alias, portal, portal group
const NEXT_RSP = capture(69); // DevGetNextRsp, status 9, no delimiter

/** A captured one-PDU answer re-addressed to transaction `tx`. */
function answer(pdu: Buffer, tx: number): Buffer {
  const out = Buffer.from(pdu);
  out.writeUInt16BE(tx, 8);
  return out;
}

/** What the captured answer decodes to, as the answer to `tx`. */
function decoded(pdu: Buffer, tx: number) {
  const p = decodePdu(pdu);
  return decodeMessage({ ...p.header, transactionId: tx, flags: p.header.flags & ~(Flag.FIRST_PDU | Flag.LAST_PDU), payload: p.payload });
}

const query = (functionId: number = FunctionId.DEV_ATTR_QRY): Omit<IsnsRequest, 'transactionId'> => ({
  kind: 'request', functionId, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.2024-01.test:host1'),
  key: [attr(Tag.ISCSI_NODE_TYPE, 1)], operating: [attr(Tag.ISCSI_NAME)],
});

/** The events as [kind, context] pairs. */
const kinds = <C>(events: ClientEvent<C>[]) => events.map((e) => (e.kind === 'broken' ? [e.kind, e.lost] : [e.kind, e.context]));

t.test('answers in another order than the requests are matched by transaction ID', (t) => {
  const s = new IsnsClientSession<string>({ transport: 'tcp', timeoutMs: 5000 });
  const a = s.send(query(FunctionId.DEV_ATTR_REG), 'a', 0);
  const b = s.send(query(), 'b', 0);
  const c = s.send(query(FunctionId.DEV_GET_NEXT), 'c', 0);
  t.same([a.transactionId, b.transactionId, c.transactionId], [1, 2, 3]);
  t.same(decodePdu(b.pdus[0]).header.transactionId, 2, 'the PDUs carry it');
  const events = s.receive(Buffer.concat([answer(NEXT_RSP, 3), answer(REG_RSP, 1), answer(QRY_RSP, 2)]), 10);
  t.same(kinds(events), [['answer', 'c'], ['answer', 'a'], ['answer', 'b']]);
  t.same(events.map((e) => (e.kind === 'answer' ? e.response : null)), [decoded(NEXT_RSP, 3), decoded(REG_RSP, 1), decoded(QRY_RSP, 2)]);
  t.equal(s.inFlight, 0);
  t.same(s.counters, { sent: 3, answered: 3, failed: 0, timedOut: 0, unknownTransaction: 0, notResponse: 0, malformed: 0 });
  t.end();
});

t.test('a multi-PDU answer, dribbled in, is one answer', (t) => {
  const s = new IsnsClientSession<string>({ transport: 'tcp', timeoutMs: 5000 });
  const { transactionId } = s.send(query(), 'q', 0);
  const p = decodePdu(answer(QRY_RSP, transactionId));
  const stream = Buffer.concat(encodeMessagePdus({ functionId: p.header.functionId, transactionId, flags: Flag.SERVER }, p.payload, 48, 4));
  const events: ClientEvent<string>[] = [];
  for (let i = 0; i < stream.length; i += 7) events.push(...s.receive(stream.subarray(i, i + 7), 1));
  t.same(kinds(events), [['answer', 'q']]);
  t.same((events[0] as { response: unknown }).response, decoded(QRY_RSP, transactionId));
  t.end();
});

t.test('answers to a transaction nobody waits for are counted and dropped', (t) => {
  const s = new IsnsClientSession<string>({ transport: 'tcp', timeoutMs: 5000 });
  const { transactionId } = s.send(query(), 'q', 0);
  t.same(s.receive(answer(QRY_RSP, 77), 1), [], 'tx 77: unknown');
  t.same(s.receive(encodePdu({ version: 1, functionId: FunctionId.ESI, transactionId, sequenceId: 0, flags: Flag.SERVER | Flag.FIRST_PDU | Flag.LAST_PDU }, Buffer.alloc(0)), 1), [],
    'a request from the server with our transaction ID is no answer');
  t.equal(s.inFlight, 1, 'the request still waits');
  t.same(kinds(s.receive(answer(QRY_RSP, transactionId), 2)), [['answer', 'q']]);
  t.same(s.receive(answer(QRY_RSP, transactionId), 3), [], 'the same answer twice: the second is unknown');
  t.same([s.counters.unknownTransaction, s.counters.notResponse, s.counters.answered], [2, 1, 1]);
  t.end();
});

t.test('a request times out at its deadline on the time given; a late answer is then unknown', (t) => {
  const s = new IsnsClientSession<string>({ transport: 'tcp', timeoutMs: 5000 });
  t.equal(s.nextDeadline(), null);
  const first = s.send(query(FunctionId.DEV_ATTR_REG), 'first', 1000);
  s.send(query(), 'second', 3000);
  t.equal(s.nextDeadline(), 6000);
  t.same(s.expire(5999), [], 'not at 5999');
  t.same(s.expire(6000), [{ kind: 'timeout', context: 'first', functionId: FunctionId.DEV_ATTR_REG }], 'at 6000');
  t.equal(s.nextDeadline(), 8000, "the second's");
  t.same(s.receive(answer(REG_RSP, first.transactionId), 6500), [], 'the late answer is dropped');
  t.equal(s.counters.unknownTransaction, 1);
  t.same(kinds(s.expire(100_000)), [['timeout', 'second']]);
  t.equal(s.nextDeadline(), null);
  t.equal(s.counters.timedOut, 2);
  t.end();
});

t.test('a malformed answer fails its own request only', (t) => {
  const s = new IsnsClientSession<string>({ transport: 'tcp', timeoutMs: 5000 });
  const a = s.send(query(), 'a', 0);
  s.send(query(), 'b', 0);
  const bad = encodePdu({ version: 1, functionId: FunctionId.DEV_ATTR_QRY_RSP, transactionId: a.transactionId, sequenceId: 0, flags: Flag.SERVER | Flag.FIRST_PDU | Flag.LAST_PDU },
    Buffer.from('00000000' + '0000002000000003', 'hex')); // an iSCSI Name 3 bytes long
  const garbled = encodePdu({ version: 1, functionId: FunctionId.DEV_ATTR_QRY_RSP, transactionId: 50, sequenceId: 0, flags: Flag.SERVER | Flag.FIRST_PDU | Flag.LAST_PDU }, Buffer.alloc(2));
  const events = s.receive(Buffer.concat([bad, garbled, answer(QRY_RSP, 2)]), 1);
  t.same(kinds(events), [['failed', 'a'], ['answer', 'b']]);
  const e = (events[0] as { error: ReceiveError }).error;
  t.same([e instanceof ReceiveError, e.stage, e.code], [true, ReceiveStage.MESSAGE, 'ERR_ATTR_LENGTH']);
  t.same([s.counters.failed, s.counters.malformed], [1, 1], 'the garbled answer to no one is counted');
  t.end();
});

t.test('a stream that cannot be framed loses every waiting request, in the order sent', (t) => {
  const s = new IsnsClientSession<string>({ transport: 'tcp', timeoutMs: 5000 });
  s.send(query(), 'a', 0);
  s.send(query(), 'b', 0);
  s.send(query(), 'c', 0);
  const auth = Buffer.from('000180020000' + '6c00' + '00010000' + '00000002' + '00000004', 'hex'); // auth block length 4 < 20
  const events = s.receive(Buffer.concat([answer(QRY_RSP, 2), auth]), 1);
  t.same(kinds(events), [['answer', 'b'], ['broken', ['a', 'c']]], 'the answer before the break still counts');
  t.equal((events[1] as { error: ReceiveError }).error.code, 'ERR_AUTH_LENGTH');
  t.equal(s.inFlight, 0);
  t.end();
});

t.test('over UDP: one datagram per PDU; what is not iSNSP is counted and dropped', (t) => {
  const s = new IsnsClientSession<string>({ transport: 'udp', timeoutMs: 5000 });
  const a = s.send(query(), 'a', 0);
  const b = s.send(query(), 'b', 0);
  t.same(s.receive(Buffer.from('not isns'), 1), []);
  t.same(s.receive(Buffer.concat([answer(REG_RSP, a.transactionId), answer(REG_RSP, b.transactionId)]), 1), [], 'two PDUs in one datagram: not one PDU');
  t.equal(s.counters.malformed, 2);
  const p = decodePdu(answer(QRY_RSP, b.transactionId));
  const pdus = encodeMessagePdus({ functionId: p.header.functionId, transactionId: b.transactionId, flags: Flag.SERVER }, p.payload, 64, 4);
  const events = [...pdus].reverse().flatMap((d) => s.receive(d, 2));
  t.same(kinds(events), [['answer', 'b']], 'a multi-PDU answer in any order');
  t.same(kinds(s.receive(answer(REG_RSP, a.transactionId), 3)), [['answer', 'a']]);
  t.end();
});

t.test('transaction IDs: 1-65535, never one that is still waiting, and no more than 65535 at once', (t) => {
  const s = new IsnsClientSession<number>({ transport: 'tcp', timeoutMs: 5000 });
  const ids = new Set<number>();
  for (let i = 0; i < 0xffff; i++) ids.add(s.send(query(), i, 0).transactionId);
  t.equal(ids.size, 0xffff, 'all different');
  t.notOk(ids.has(0), 'never 0');
  t.throws(() => s.send(query(), -1, 0), RangeError, 'every ID waits');
  t.same(kinds(s.receive(answer(REG_RSP, 2), 1)), [['answer', 1]]);
  t.equal(s.send(query(), 99, 1).transactionId, 2, 'the one answered is the only one free');
  t.end();
});
