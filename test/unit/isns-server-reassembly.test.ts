// Issue 17, "reassembly has no global budget": clients that start multi-PDU messages (RFC 4171 §5.2) and
// never finish them, over TCP and UDP, hold at most the server's reassembly budget between them; past it the
// oldest partial message goes first, and a legitimate client's message still comes through. Real sockets on
// 127.25.17.x.
import t from 'tap';
import dgram from 'node:dgram';
import net from 'node:net';
import { IsnsServer } from '../../emulator/isns/server.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import { encodeMessage, encodeMessageBody, type IsnsResponse } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, encodePdu } from '../../protocols/isns/header.js';
import { IsnsStreamReceiver } from '../../protocols/isns/receive.js';
import { attr } from '../../protocols/isns/tlv.js';

const HOST = '127.25.17.1';
const PORT = 17421;
const PART = 60_000;
const BUDGET = 256 * 1024;

/** A DevAttrQry of 180,000 bytes (a huge alias as key, from a 7-character source) in three PDUs of 60,000. */
function bigQuery(tx: number): Buffer[] {
  const body = encodeMessageBody({
    kind: 'request', functionId: FunctionId.DEV_ATTR_QRY, transactionId: tx, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.a:b'),
    key: [attr(Tag.ISCSI_ALIAS, 'x'.repeat(3 * PART - 41))], operating: [attr(Tag.ISCSI_NAME)],
  });
  if (body.length !== 3 * PART) throw new Error(`body of ${body.length} bytes`);
  return [0, 1, 2].map((seq) => encodePdu({
    version: 1, functionId: FunctionId.DEV_ATTR_QRY, transactionId: tx, sequenceId: seq,
    flags: Flag.CLIENT | (seq === 0 ? Flag.FIRST_PDU : 0) | (seq === 2 ? Flag.LAST_PDU : 0),
  }, body.subarray(seq * PART, (seq + 1) * PART)));
}

async function waitFor(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
}

/** A raw connection that collects the responses the server sends it. */
async function connection(localAddress: string): Promise<{ sock: net.Socket; got: IsnsResponse[] }> {
  const sock = net.connect({ host: HOST, port: PORT, localAddress });
  const got: IsnsResponse[] = [];
  const receiver = new IsnsStreamReceiver();
  sock.on('data', (c) => {
    receiver.write(c);
    for (let item = receiver.next(0); item !== null; item = receiver.next(0)) if ('kind' in item && item.kind === 'response') got.push(item);
  });
  sock.on('error', () => {});
  await new Promise<void>((r) => sock.once('connect', () => r()));
  return { sock, got };
}

t.test('partial messages of many connections and UDP peers stay within the budget; the oldest goes first', async (t) => {
  const server = new IsnsServer({ host: HOST, port: PORT, reassemblyBudgetBytes: BUDGET });
  await server.start();
  t.teardown(() => server.stop());
  const dropped = () => server.counters.drops.get('reassembly budget') ?? 0;
  const seen = () => server.reassemblyBytes / PART + dropped(); // first PDUs taken in, held or dropped since

  const attackers = [];
  for (let i = 0; i < 5; i++) {
    const c = await connection('127.25.17.22');
    t.teardown(() => c.sock.destroy());
    c.sock.write(bigQuery(100 + i)[0]);
    await waitFor(() => seen() === i + 1); // in order, so that the first is the oldest
    attackers.push(c);
  }
  for (let i = 0; i < 2; i++) {
    const u = dgram.createSocket('udp4');
    t.teardown(() => u.close());
    await new Promise<void>((r) => u.bind(0, '127.25.17.24', () => r()));
    u.send(bigQuery(200 + i)[0], PORT, HOST);
    await waitFor(() => seen() === 6 + i);
  }
  t.equal(dropped(), 3, 'three of seven partial messages dropped');
  t.equal(server.reassemblyBytes, 4 * PART, 'four held');
  t.ok(server.reassemblyBytes <= BUDGET, `${server.reassemblyBytes} bytes held, within ${BUDGET}`);

  // a legitimate registration in four PDUs comes through during the attack
  const legit = await connection('127.25.17.23');
  t.teardown(() => legit.sock.destroy());
  const reg = encodeMessage({
    kind: 'request', functionId: FunctionId.DEV_ATTR_REG, transactionId: 7, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.r:legit'),
    key: [attr(Tag.ENTITY_IDENTIFIER)], operating: [attr(Tag.ISCSI_NAME, 'iqn.r:legit'), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET), attr(Tag.ISCSI_ALIAS, 'y'.repeat(3000))],
  }, 1024);
  t.equal(reg.length, 4);
  legit.sock.write(Buffer.concat(reg));
  await waitFor(() => legit.got.length === 1);
  t.same(legit.got.map((r) => [r.transactionId, r.status]), [[7, 0]], 'registered');

  // the first attacker's message was dropped: its other PDUs make nothing, and the query after them is answered alone
  const first = attackers[0];
  const [, second, last] = bigQuery(100);
  const query = encodeMessage({
    kind: 'request', functionId: FunctionId.DEV_ATTR_QRY, transactionId: 9, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.a:b'),
    key: [attr(Tag.ISCSI_NAME, 'iqn.r:legit')], operating: [attr(Tag.ISCSI_NAME)],
  });
  first.sock.write(Buffer.concat([second, last, ...query]));
  await waitFor(() => first.got.length >= 1);
  t.same(first.got.map((r) => r.transactionId), [9], 'only the query is answered');
  t.ok(server.reassemblyBytes <= BUDGET, 'still within the budget');
});
