// The client's RegistrationKeeper against our server, both on one fake clock: the registration outlives
// many registration periods because it is refreshed at half of each; once stopped, it expires.
import t from 'tap';
import { IsnsServer } from '../../emulator/isns/server.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { RegistrationKeeper } from '../../clients/isns/registration-keeper.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { LunState } from '../../protocols/isns/vendor-lun.js';

/** Waits (real time, bounded only against a hang) until `pred` holds: a refresh crosses a real socket. */
async function until(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
}

t.test('a kept registration survives its period; a stopped one expires', async (t) => {
  const clock = new ManualClock(1_000_000);
  const server = new IsnsServer({ host: '127.25.5.1', port: 17728, clock });
  await server.start();
  const c = await IsnsClient.connect({ host: '127.25.5.1', port: 17728, source: 'iqn.t:kept', clock });
  t.teardown(async () => { await c.close(); await server.stop(); });
  const keeper = new RegistrationKeeper(c, {
    eid: 'kept-entity', registrationPeriod: 10,
    nodes: [{ name: 'iqn.t:kept', type: NodeType.TARGET, luns: [{ lun: 0, sizeBytes: 4096n, state: LunState.ONLINE }] }],
    portals: [{ ip: '127.25.5.2', port: 3260 }],
    portalGroups: [{ name: 'iqn.t:kept', ip: '127.25.5.2', port: 3260, tag: 1 }],
  }, clock);
  const r = await keeper.start();
  t.equal(r.eid, 'kept-entity');
  t.equal(r.registrationPeriod, 10);
  for (let s = 1; s <= 60; s++) {
    clock.advance(1000);
    // Refreshes are due every 5 s of fake time (half the period): wait for each to complete before moving on.
    const due = Math.floor(s / 5);
    await until(() => keeper.refreshes + keeper.failures >= due);
  }
  t.ok(server.registry.store.entities.has('kept-entity'), 'alive after 60 s with a 10 s period');
  t.ok(keeper.refreshes >= 10, `${keeper.refreshes} refreshes`);
  t.same(server.registry.store.nodes.get('iqn.t:kept')?.luns, [{ lun: 0, sizeBytes: 4096n, state: LunState.ONLINE }], 'LUN attributes registered');
  await keeper.stop();
  for (let s = 0; s < 12; s++) clock.advance(1000); // the server's expiry runs on the fake clock
  t.notOk(server.registry.store.entities.has('kept-entity'), 'expired once no longer refreshed');
});
