// Issue 17, "UDP answers amplify": an answer to a UDP question (whose source address nobody verified) is at
// most udpAnswerFactor times the question's bytes. A query whose answer is larger gets status 12 (Busy) over
// UDP and its full answer over TCP; small answers go out as before; a change that was made keeps its status
// and key. Real sockets on 127.25.17.x, and udpAnswer (emulator/isns/udp-answer.ts) on its own.
import t from 'tap';
import dgram from 'node:dgram';
import { IsnsServer } from '../../emulator/isns/server.js';
import { udpAnswer } from '../../emulator/isns/udp-answer.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import { decodeMessage, encodeMessage, type IsnsResponse } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, decodePdu } from '../../protocols/isns/header.js';
import { Reassembler } from '../../protocols/isns/segments.js';
import { Status } from '../../protocols/isns/status.js';
import { attr } from '../../protocols/isns/tlv.js';

const HOST = '127.25.17.1';
const PORT = 17431;

const query = (tx: number, key: ReturnType<typeof attr>, want: number[]) => Buffer.concat(encodeMessage({
  kind: 'request', functionId: FunctionId.DEV_ATTR_QRY, transactionId: tx, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.amp:asker'),
  key: [key], operating: want.map((tag) => attr(tag)),
}));

t.test('a small UDP question never draws more than three times its size', async (t) => {
  const server = new IsnsServer({ host: HOST, port: PORT, registry: { defaultDiscoveryDomain: true } });
  await server.start();
  t.teardown(() => server.stop());
  const tcp = await IsnsClient.connect({ host: HOST, port: PORT, source: 'iqn.amp:t000' });
  t.teardown(() => tcp.close());
  await tcp.register({ nodes: Array.from({ length: 100 }, (_, i) => ({ name: `iqn.amp:t${String(i).padStart(3, '0')}`, type: NodeType.TARGET, alias: 'a'.repeat(250) })) });

  const u = dgram.createSocket('udp4');
  t.teardown(() => u.close());
  const datagrams: Buffer[] = [];
  u.on('message', (m) => datagrams.push(m));
  await new Promise<void>((r) => u.bind(0, '127.25.17.32', () => r()));
  const ask = async (q: Buffer): Promise<{ bytes: number; rsp: IsnsResponse }> => {
    datagrams.length = 0;
    u.send(q, PORT, HOST);
    for (let i = 0; i < 300 && datagrams.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const m = new Reassembler().push(decodePdu(datagrams[0]), 0)!;
    return { bytes: datagrams.reduce((n, d) => n + d.length, 0), rsp: decodeMessage(m) as IsnsResponse };
  };

  // every target's name and alias: some 30 KB of answer for a 64-byte question
  const big = query(1, attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET), [Tag.ISCSI_NAME, Tag.ISCSI_ALIAS]);
  const refused = await ask(big);
  t.ok(refused.bytes <= 3 * big.length, `${refused.bytes} bytes answered a ${big.length}-byte question`);
  t.same([refused.rsp.transactionId, refused.rsp.status], [1, Status.BUSY], 'status 12, the answer only over TCP');
  t.equal(server.counters.drops.get('udp answer refused'), 1);
  const overTcp = await tcp.request(FunctionId.DEV_ATTR_QRY, [attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET)], [attr(Tag.ISCSI_NAME), attr(Tag.ISCSI_ALIAS)],
    { source: 'iqn.amp:asker' });
  t.equal(overTcp.operating.length, 200, 'over TCP: 100 names and aliases');

  // a small answer goes out over UDP as before
  const small = query(2, attr(Tag.ISCSI_NAME, 'iqn.amp:t042'), [Tag.ISCSI_NAME]);
  const answered = await ask(small);
  t.same([answered.rsp.transactionId, answered.rsp.status], [2, Status.SUCCESSFUL]);
  t.same(answered.rsp.operating.map((a) => a.value), ['iqn.amp:t042']);
  t.ok(answered.bytes <= 3 * small.length);
});

t.test('udpAnswer: over the bound, a change keeps its status and key, anything else gets Busy', (t) => {
  const rsp: IsnsResponse = {
    kind: 'response', functionId: 0x8001, transactionId: 5, flags: Flag.SERVER, status: Status.SUCCESSFUL,
    key: [attr(Tag.ENTITY_IDENTIFIER, 'isns.entity.0001')], operating: [attr(Tag.ISCSI_NAME, 'iqn.x:y'), attr(Tag.ISCSI_ALIAS, 'z'.repeat(400))],
  };
  const whole = udpAnswer(rsp, true, 10_000);
  t.equal(whole.cut, null);
  t.same(whole.pdus, encodeMessage(rsp), 'within the bound: as it is');
  const keyed = udpAnswer(rsp, true, 100);
  t.equal(keyed.cut, 'cut to key');
  t.same(decodeMessage(new Reassembler().push(decodePdu(keyed.pdus[0]), 0)!), { ...rsp, operating: [] }, 'status 0 and the EID');
  const bare = udpAnswer(rsp, true, 20);
  t.equal(bare.cut, 'cut to status');
  t.equal(bare.pdus[0].length, 16, 'header and status');
  const busy = udpAnswer(rsp, false, 100);
  t.equal(busy.cut, 'refused');
  t.same(busy.pdus, encodeMessage({ ...rsp, status: Status.BUSY, key: [], operating: [], noDelimiter: true }));
  t.end();
});
