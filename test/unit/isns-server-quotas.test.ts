// Issue 17, "the registry can be filled for good", end to end: over TCP from one address, registrations
// stop at the per-source quota while another address still registers, and a restart with the state
// directory keeps both the quota and the cap on a requested period of 0. Real sockets on 127.25.17.x.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsnsServer } from '../../emulator/isns/server.js';
import { IsnsClient, IsnsStatusError } from '../../clients/isns/isns-client.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { Status } from '../../protocols/isns/status.js';

const HOST = '127.25.17.1';
const PORT = 17441;
const A = '127.25.17.42';
const B = '127.25.17.43';

async function client(t: Test, localAddress: string, source: string): Promise<IsnsClient> {
  const c = await IsnsClient.connect({ host: HOST, port: PORT, source, localAddress });
  t.teardown(() => c.close());
  return c;
}

const refusal = (p: Promise<unknown>) => p.then(() => null, (err) => (err instanceof IsnsStatusError ? err.status : err));

t.test('a flood of anonymous registrations from one address stops at its quota, also after a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isns-quota-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const options = { host: HOST, port: PORT, stateDir: dir, registry: { maxEntitiesPerSource: 20 } };
  const first = new IsnsServer(options);
  await first.start();
  const flood = await client(t, A, 'iqn.flood:0');
  let accepted = 0;
  let refused: unknown = null;
  for (let i = 0; i < 30 && refused === null; i++) {
    refused = await refusal(flood.register({ nodes: [{ name: `iqn.flood:${i}`, type: NodeType.TARGET }] }, `iqn.flood:${i}`));
    if (refused === null) accepted++;
  }
  t.equal(accepted, 20, 'twenty accepted');
  t.equal(refused, Status.INTERNAL_ERROR, 'then refused');
  const legit = await client(t, B, 'iqn.legit:b');
  const r = await legit.register({ eid: 'legit-b', registrationPeriod: 0, nodes: [{ name: 'iqn.legit:b', type: NodeType.TARGET }] });
  t.equal(r.registrationPeriod, 86_400, 'another address registers; a period of 0 is granted the cap');
  await flood.close();
  await legit.close();
  await first.stop();

  const second = new IsnsServer(options);
  await second.start();
  t.teardown(() => second.stop());
  t.equal(second.registry.store.nodes.size, 21, 'loaded');
  const again = await client(t, A, 'iqn.flood:99');
  t.equal(await refusal(again.register({ nodes: [{ name: 'iqn.flood:99', type: NodeType.TARGET }] })), Status.INTERNAL_ERROR, 'still refused after the restart');
  const legit2 = await client(t, B, 'iqn.legit:c');
  t.equal(await refusal(legit2.register({ nodes: [{ name: 'iqn.legit:c', type: NodeType.TARGET }] })), null, 'the other address still registers');
  t.equal(second.registry.store.entities.get('legit-b')?.registrationPeriod, 86_400);
});
