// The boot requests' DDs against our iSNS server over a real socket (orchestrator/bootcfg/isns-boot-domains.ts): the
// DDs are listed once per connection, not once per request (a listing walks every DD with DevGetNext, which made
// reserving N hosts cost N x N round trips); a repick swaps the DD's target; a DD removed behind the manager's back
// is noticed when the server refuses a change to it; a new connection (a server restart) is listed afresh.
import t from 'tap';
import { IsnsServer } from '../../emulator/isns/server.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { IsnsBootDomains } from '../../orchestrator/bootcfg/isns-boot-domains.js';
import { MANAGER_IQN } from '../../orchestrator/bootcfg/start-bootcfg.js';

const SERVER = '127.94.2.1';
const target = (n: number) => `iqn.2026-11.org.bmcfleet:disk-${n}`;
const initiator = (n: number) => `iqn.2026-11.org.bmcfleet:host-${n}`;

async function controlNode(port: number): Promise<{ client: IsnsClient; listings: () => number }> {
  const client = await IsnsClient.connect({ host: SERVER, port, source: MANAGER_IQN });
  await client.register({ nodes: [{ name: MANAGER_IQN, type: NodeType.CONTROL }], portals: [] });
  const listDds = client.listDds.bind(client);
  let listings = 0;
  client.listDds = () => { listings++; return listDds(); };
  return { client, listings: () => listings };
}

const membersOf = async (c: IsnsClient, name: string) => (await c.listDds()).find((d) => d.name === name)?.members.slice().sort();

t.test('one listing per connection; repick, a DD removed behind its back, and a new connection', async (t) => {
  const server = new IsnsServer({ host: SERVER, port: 0, registry: { defaultRegistrationPeriod: 600 } });
  await server.start();
  t.teardown(() => server.stop());
  let manager = await controlNode(server.port);
  const viewer = await controlNode(server.port);
  t.teardown(async () => { await manager.client.close(); await viewer.client.close(); });
  const domains = new IsnsBootDomains(() => manager.client);

  const ids = await Promise.all(Array.from({ length: 20 }, (_, n) => domains.ensure(`dd-${n}`, [target(n), initiator(n)])));
  t.equal(new Set(ids).size, 20, 'twenty DDs');
  t.equal(manager.listings(), 1, 'twenty requests at once, one listing');
  t.same(await membersOf(viewer.client, 'dd-7'), [target(7), initiator(7)].sort(), 'a DD holds its target and initiator');
  t.equal(await domains.ensure('dd-7', [target(7), initiator(7)]), ids[7], 'asked again: the same DD, found by its name');

  t.equal(await domains.ensure('dd-3', [target(99), initiator(3)]), ids[3], 'a repick keeps the DD');
  t.same(await membersOf(viewer.client, 'dd-3'), [target(99), initiator(3)].sort(), 'with the new target instead of the old');

  await viewer.client.ddDeregister(ids[5]);
  await domains.ensure('dd-5', [target(55), initiator(5)]);
  t.same(await membersOf(viewer.client, 'dd-5'), [target(55), initiator(5)].sort(), 'a DD removed behind its back is made again');
  t.equal(manager.listings(), 2, 'after the server refused a change to it, listed afresh');

  await domains.remove('dd-0');
  await domains.remove('dd-0');
  t.equal(await membersOf(viewer.client, 'dd-0'), undefined, 'removed; removing twice is fine');

  await manager.client.close();
  manager = await controlNode(server.port);
  t.equal(await domains.ensure('dd-9', [target(9), initiator(9)]), ids[9], 'a new connection finds the DD by its name');
  t.equal(manager.listings(), 1, 'by listing once on that connection');
  t.equal(await domains.ensure('dd-0', [target(0), initiator(0)]) > 0, true, 'and makes one it does not have');
  t.same(await membersOf(viewer.client, 'dd-0'), [target(0), initiator(0)].sort());
});
