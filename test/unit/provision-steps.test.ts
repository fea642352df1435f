// Provisioning steps 1 and 2 (discover, inventory) against emulated BMCs serving real UDP on loopback, in this
// process: what is saved for a BMC that answers, one whose password is not ours, one too slow for the step's
// timeout, and an address where nothing answers.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discover } from '../../orchestrator/provisioning/discover.js';
import { UnknownHostError, readInventories } from '../../orchestrator/provisioning/inventory.js';
import { HostStage } from '../../orchestrator/store/host-records.js';
import { SqliteProvisioningStore } from '../../orchestrator/store/sqlite-provisioning-store.js';
import { systemClock } from '../../runtime/clock.js';
import { freeUdpPort } from '../helpers/free-port.js';
import { startUdpBmc, type UdpBmc } from '../helpers/udp-bmc.js';

const OURS = '127.141.0.1';
const OTHER_PASSWORD = '127.141.0.2';
const SMALL = '127.141.0.3';
const SLOW = '127.141.0.5';
const NOTHING = '127.141.0.4';
const LOGIN = { username: 'admin', password: 'password', timeoutMs: 400, retries: 1 };

t.test('discover, then inventory: saved per host, failures with their reason, the others go on', async (t) => {
  const port = await freeUdpPort();
  const bmcs: UdpBmc[] = [
    await startUdpBmc(OURS, port),
    await startUdpBmc(OTHER_PASSWORD, port, { users: [{ name: 'admin', password: 'not-ours', privilege: 4 }] }),
    await startUdpBmc(SMALL, port, {
      hardware: { cpus: [{ model: 'Small CPU', cores: 4, threads: 8, mhz: 1800 }], disks: [{ slot: 'Bay 0', model: 'HDD', sizeGB: 500, serial: 'S0' }] },
    }),
    await startUdpBmc(SLOW, port, { faults: { latencyMs: 150 } }),
  ];
  t.teardown(async () => { for (const b of bmcs) await b.close(); });
  const store = new SqliteProvisioningStore(join(mkdtempSync(join(tmpdir(), 'bmcfleet-provision-')), 'rollouts.db'));
  t.teardown(() => store.close());

  const result = await discover({
    addresses: [OURS, OTHER_PASSWORD, SMALL, NOTHING, SLOW], port, window: 2, timeoutMs: 300, retries: 1,
    login: LOGIN, identifyTimeoutMs: 250, store, clock: systemClock,
  });
  t.same(result.hosts.map((h) => h.address), [OURS, OTHER_PASSWORD, SMALL, SLOW], 'four found; nothing at .4');
  t.match(result.sweep, { swept: 5, found: 4, silent: 1 });
  t.equal(result.identified, 2);
  t.equal(result.failed, 2);
  const [ours, other, small, slow] = store.hosts();
  t.match(ours, { stage: HostStage.IDENTIFIED, port, failure: null, identity: { firmware: '1.00', ipmiVersion: '2.0', manufacturerId: 32473 } });
  t.match(ours.identity?.guid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'an RFC 4122 GUID (version 5)');
  t.match(ours.authCaps, { authTypes: ['md5'], ipmi20: true, kgSet: false });
  t.match(other, { stage: HostStage.FOUND, identity: null, failure: { step: 'identify', cause: 'wrong-password' } });
  t.match(other.failure?.message, /127\.141\.0\.2/, 'the message names the host');
  t.ok(other.authCaps, 'its capabilities need no password');
  t.equal(small.stage, HostStage.IDENTIFIED);
  t.match(slow, { stage: HostStage.FOUND, failure: { step: 'identify', cause: 'timed-out', message: '127.141.0.5: not identified within 0.25 s' } });

  const inv = await readInventories({ login: LOGIN, timeoutMs: 5000, store, clock: systemClock });
  t.same(inv.skipped.map((s) => s.address), [OTHER_PASSWORD, SLOW], 'those not identified are not asked');
  t.match(inv.skipped[0].reason, /^its BMC was not identified: 127\.141\.0\.2: session setup/);
  t.equal(inv.read, 2);
  const read = store.host(OURS)!;
  t.equal(read.stage, HostStage.INVENTORIED);
  t.ok(read.hardware!.cpus.length > 0 && read.hardware!.nics.length > 0, 'CPUs and NICs');
  t.match(read.hardware!.nics[0].mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'NICs with their MACs');
  t.match(read.hardware!.fru, { manufacturer: read.hardware!.vendor }, 'the FRU product area: the same maker as the inventory says');
  t.equal(read.hardware!.fruError, null);
  t.same(store.host(SMALL)!.hardware!.cpus, [{ model: 'Small CPU', cores: 4, threads: 8, mhz: 1800 }]);
  t.same(store.host(SMALL)!.hardware!.disks.map((d) => d.sizeGB), [500]);

  await t.rejects(readInventories({ login: LOGIN, store, clock: systemClock, addresses: ['127.141.9.9'] }), UnknownHostError);
  const wrong = await readInventories({ login: { ...LOGIN, password: 'nope' }, store, clock: systemClock, addresses: [OURS] });
  t.equal(wrong.failed, 1);
  t.match(store.host(OURS), { stage: HostStage.INVENTORIED, failure: { step: 'inventory', cause: 'wrong-password' } },
    'a failed read keeps the last hardware and says why');
  t.ok(store.host(OURS)!.hardware);
});
