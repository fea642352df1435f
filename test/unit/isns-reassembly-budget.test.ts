// One reassembly budget shared by every receiver of a server (protocols/isns/reassembly-budget.ts): half-received
// multi-PDU messages (RFC 4171 §5.2) of all connections and UDP peers together stay within it, the oldest partial
// message is dropped first, whoever holds it, and what is dropped or completed gives its bytes back.
import t from 'tap';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, encodePdu } from '../../protocols/isns/header.js';
import { IsnsDatagramReceiver, IsnsStreamReceiver, ReceiveError, type Received } from '../../protocols/isns/receive.js';
import { ReassemblyBudget } from '../../protocols/isns/reassembly-budget.js';
import { encodeMessageBody } from '../../protocols/isns/codec.js';
import { Tag } from '../../protocols/isns/attributes.js';
import { attr } from '../../protocols/isns/tlv.js';

/** A 1200-byte DevAttrQry body (source, a long alias as key, delimiter, one operating attribute) in three PDUs of 400 (for a 7-character source). */
function query(tx: number, source: string): Buffer[] {
  const body = encodeMessageBody({
    kind: 'request', functionId: FunctionId.DEV_ATTR_QRY, transactionId: tx, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, source),
    key: [attr(Tag.ISCSI_ALIAS, 'x'.repeat(1159))], operating: [attr(Tag.ISCSI_NAME)],
  });
  if (body.length !== 1200) throw new Error(`body of ${body.length} bytes`);
  const out: Buffer[] = [];
  for (let seq = 0; seq < 3; seq++) {
    const flags = Flag.CLIENT | (seq === 0 ? Flag.FIRST_PDU : 0) | (seq === 2 ? Flag.LAST_PDU : 0);
    out.push(encodePdu({ version: 1, functionId: FunctionId.DEV_ATTR_QRY, transactionId: tx, sequenceId: seq, flags }, body.subarray(seq * 400, seq * 400 + 400)));
  }
  return out;
}

function drain(r: IsnsStreamReceiver): Received[] {
  const out: Received[] = [];
  for (let item = r.next(0); item !== null; item = r.next(0)) out.push(item);
  return out;
}

t.test('three connections share 1200 bytes: a growing message drops the oldest others first', (t) => {
  const budget = new ReassemblyBudget(1200);
  const [a, b, c] = [0, 1, 2].map(() => new IsnsStreamReceiver({ budget }));
  const msgs = [query(1, 'iqn.t:a'), query(2, 'iqn.t:b'), query(3, 'iqn.t:c')];
  t.equal(msgs[0].length, 3, 'each message is three PDUs');
  a.write(msgs[0][0]);
  b.write(msgs[1][0]);
  t.same([drain(a), drain(b)], [[], []], 'first PDUs held');
  t.equal(budget.heldBytes, 800);
  c.write(msgs[2][0]);
  t.same(drain(c), []);
  t.equal(budget.heldBytes, 1200, 'exactly the budget');
  // c goes on: room for its second and third PDU comes from the oldest others, a then b
  c.write(msgs[2][1]);
  t.same(drain(c), []);
  t.same([a.pendingCount, b.pendingCount, c.pendingCount], [0, 1, 1], 'a, the oldest, was dropped for c');
  t.equal(budget.dropped, 1);
  t.equal(budget.heldBytes, 1200);
  c.write(msgs[2][2]);
  const done = drain(c);
  t.equal(done.length, 1);
  t.notOk(done[0] instanceof ReceiveError, 'c completes');
  t.same([a.pendingCount, b.pendingCount, c.pendingCount], [0, 0, 0], 'b went too');
  t.equal(budget.dropped, 2);
  t.equal(budget.heldBytes, 0, 'all given back');
  b.write(msgs[1][2]);
  t.same(drain(b), [], 'nothing comes of b');
  t.equal(budget.heldBytes, 400, "b's last PDU waits alone (until the reassembly timeout)");
  // a's remaining PDUs no longer make a message (its first PDU is gone)
  a.write(Buffer.concat(msgs[0].slice(1)));
  t.same(drain(a), [], 'nothing comes of a');
  t.equal(budget.heldBytes, 1200, "within the budget");
  a.clear();
  b.clear();
  t.equal(budget.heldBytes, 0, 'clearing a receiver (its connection closed) gives everything back');
  t.end();
});

t.test('a message that does not fit on its own fails with ERR_REASSEMBLY_BUDGET', (t) => {
  const budget = new ReassemblyBudget(700);
  const r = new IsnsStreamReceiver({ budget });
  const m = query(9, 'iqn.t:9');
  r.write(Buffer.concat(m.slice(0, 2)));
  const got = drain(r);
  t.equal(got.length, 1);
  t.ok(got[0] instanceof ReceiveError);
  t.equal((got[0] as ReceiveError).code, 'ERR_REASSEMBLY_BUDGET');
  t.equal((got[0] as ReceiveError).header?.transactionId, 9, 'answered by its transaction (status 2 from a server)');
  t.equal(budget.heldBytes, 0);
  t.end();
});

t.test('UDP peers and TCP connections draw on the same budget; evicting a peer gives its bytes back', (t) => {
  const budget = new ReassemblyBudget(1200);
  const udp = new IsnsDatagramReceiver({ maxPeers: 1, budget });
  const tcp = new IsnsStreamReceiver({ budget });
  t.equal(udp.receive(query(1, 'iqn.u:1')[0], 'peer1', 0), null);
  t.equal(budget.heldBytes, 400);
  t.equal(udp.receive(query(2, 'iqn.u:2')[0], 'peer2', 0), null, 'peer2 takes the one peer slot');
  t.equal(budget.heldBytes, 400, "peer1's bytes were given back");
  tcp.write(query(3, 'iqn.t:3')[0]);
  drain(tcp);
  t.equal(budget.heldBytes, 800);
  tcp.write(query(4, 'iqn.t:4')[0]);
  drain(tcp);
  t.equal(budget.heldBytes, 1200);
  tcp.write(query(5, 'iqn.t:5')[0]);
  drain(tcp);
  t.equal(budget.heldBytes, 1200, "peer2's message, the oldest, made room");
  t.equal(udp.expire(0, 1000), 0);
  t.equal(udp.peerCount, 0, 'the emptied peer is forgotten');
  t.end();
});

t.test('one-PDU messages never touch the budget', (t) => {
  const budget = new ReassemblyBudget(64 * 1024);
  const r = new IsnsStreamReceiver({ budget });
  const one = encodePdu({ version: 1, functionId: FunctionId.DEV_ATTR_QRY, transactionId: 5, sequenceId: 0, flags: Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU },
    Buffer.from('000000200000000869716e2e743a61000000000000000000000020', 'hex').subarray(0, 24));
  r.write(one);
  t.equal(drain(r).length, 1);
  t.equal(budget.heldBytes, 0);
  t.end();
});
