// Issue 17, "unread answers pile up": a client pipelines queries with large answers and never reads them.
// The server must stop reading from that connection once maxOutputBytes of answers wait unsent (TCP flow
// control then holds the rest of the queries), keep serving everyone else meanwhile, and lose nothing: once
// the client reads, every answer comes, in order. Real sockets on 127.25.17.x; no wall-clock assertions.
import t from 'tap';
import net from 'node:net';
import { IsnsServer } from '../../emulator/isns/server.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import { encodeMessage } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag } from '../../protocols/isns/header.js';
import { IsnsStreamReceiver } from '../../protocols/isns/receive.js';
import { attr } from '../../protocols/isns/tlv.js';

const HOST = '127.25.17.1';
const PORT = 17401;
const QUERIES = 1000;

/** "Every target's name and alias": about 30 KB of answer for a 60-byte question, once 100 targets with long aliases exist. */
const everyTarget = (tx: number) => Buffer.concat(encodeMessage({
  kind: 'request', functionId: FunctionId.DEV_ATTR_QRY, transactionId: tx, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.flood:reader'),
  key: [attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET)], operating: [attr(Tag.ISCSI_NAME), attr(Tag.ISCSI_ALIAS)],
}));

t.test(`${QUERIES} pipelined queries whose answers are never read: the server stops reading, others are served, nothing is lost`, async (t) => {
  const server = new IsnsServer({ host: HOST, port: PORT, maxOutputBytes: 64 * 1024, registry: { defaultDiscoveryDomain: true } });
  await server.start();
  t.teardown(() => server.stop());
  const loader = await IsnsClient.connect({ host: HOST, port: PORT, source: 'iqn.flood:t000' });
  const nodes = Array.from({ length: 100 }, (_, i) => ({ name: `iqn.flood:t${String(i).padStart(3, '0')}`, type: NodeType.TARGET, alias: 'a'.repeat(250) }));
  await loader.register({ nodes });
  await loader.close();

  // the attack: every query at once, then no reading at all
  const answeredBefore = server.counters.answered;
  const attacker = net.connect({ host: HOST, port: PORT, localAddress: '127.25.17.2' });
  t.teardown(() => attacker.destroy());
  await new Promise<void>((r) => attacker.once('connect', () => r()));
  attacker.pause();
  const queries = Buffer.concat(Array.from({ length: QUERIES }, (_, i) => everyTarget(i + 1)));
  await new Promise<void>((r) => attacker.write(queries, () => r()));

  // meanwhile a legitimate client is served (its round trip also lets the server take in what it had read)
  const legit = await IsnsClient.connect({ host: HOST, port: PORT, source: 'iqn.flood:legit' });
  t.teardown(() => legit.close());
  for (let i = 0; i < 3; i++) {
    const r = await legit.request(FunctionId.DEV_ATTR_QRY, [attr(Tag.ISCSI_NAME, 'iqn.flood:t042')], [attr(Tag.ISCSI_ALIAS)]);
    t.equal(r.status, 0, `legitimate query ${i + 1} answered during the attack`);
  }
  const forAttacker = server.counters.answered - answeredBefore - 3;
  // what the kernel buffers on loopback (a few MB both ways) plus 64 KiB, at about 30 KB per answer: far fewer than all
  t.ok(forAttacker < QUERIES / 2, `the server answered ${forAttacker} of ${QUERIES} queries and then stopped reading`);

  // the client reads at last: every answer, in order
  const receiver = new IsnsStreamReceiver();
  const txs: number[] = [];
  await new Promise<void>((resolve) => {
    attacker.on('data', (chunk) => {
      receiver.write(chunk);
      for (let item = receiver.next(0); item !== null; item = receiver.next(0)) if ('transactionId' in item) txs.push(item.transactionId);
      if (txs.length >= QUERIES) resolve();
    });
    attacker.resume();
  });
  t.same(txs, Array.from({ length: QUERIES }, (_, i) => i + 1), 'all answered, in order');
});
