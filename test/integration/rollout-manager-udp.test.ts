// A whole rollout over real UDP on loopback: RolloutManager's one socket broadcasts the Prepare to 127.255.255.255,
// then offers, sends chunks, Flashes and asks for status by unicast; the RMCs are scripted stand-ins (the real RMC is
// being built in emulator/rack/), each on its own 127.50.0.x address, with one 0.0.0.0 listener fanning the
// broadcast out in user space as a shard does (../shared/DESIGN.md). One RMC loses a fifth of its chunks.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { RolloutManager } from '../../orchestrator/rollout/rollout-manager.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { ScriptedRmc } from '../helpers/scripted-rmc.js';
import { signing, trustedKeys } from '../helpers/rollout-harness.js';
import { serveRmcs } from '../helpers/udp-rmcs.js';

t.test('over loopback UDP: prepare, transfer (one link lossy), Flash, reports, done', async (t) => {
  const rmcs = [1, 2, 3].map((rmcId) => new ScriptedRmc({ rmcId, trustedKeys, bmcCount: 4 }));
  let n = 0;
  rmcs[1].dropIn = (m) => m.type === MessageType.IMAGE_CHUNK && ++n % 5 === 0;
  const fleet = await serveRmcs(rmcs);
  t.teardown(() => fleet.close());
  const store = new SqliteRolloutStore(join(mkdtempSync(join(tmpdir(), 'bmcfleet-manager-udp-')), 'manager.db'));
  const manager = await RolloutManager.open({
    store, key: signing, rmcPort: fleet.port,
    tuning: { chunkSize: 4096, transferSlots: 2, retransmitTimeoutMs: 100, repeatMs: 100, statusIntervalMs: 200, round: { marginMs: 50, pollTimeoutMs: 200 } },
  });
  t.teardown(() => { manager.close(); store.close(); });
  const image = packFirmwareImage(buildFirmware({ deviceId: 0x20, manufacturerId: 32473, productId: 1 }, { major: 2, minor: 0, aux: new Uint8Array(4) }, 200_000), 0);
  const id = manager.start({
    image, flashTimeMs: Date.now() + 1500, rmcs: rmcs.map((r) => ({ rmcId: r.rmcId, address: r.address, rackName: `rack-${r.rmcId}` })),
    replyScheme: { scheme: ReplyScheme.IMMEDIATE }, concurrency: 2,
  });
  const deadline = Date.now() + 20_000;
  while (manager.status(id).status !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const status = manager.status(id);
  t.equal(status.status, 'done');
  t.same(status.bmcs, { flashed: 12, skipped: 0, failed: 0, pending: 0 });
  t.ok(status.bytesSent > 3 * image.length, 'resends to the lossy RMC');
  t.same(manager.report(id).racks.map((r) => r.bmcs.map((b) => b.result)), [1, 2, 3].map(() => ['flashed', 'flashed', 'flashed', 'flashed']));
  t.same(rmcs.map((r) => r.flashes), [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]);
  t.ok(manager.counters.datagramsSent > 3 * 49 && manager.counters.bytesSent > status.bytesSent, `counters ${JSON.stringify(manager.counters)}`);
  t.equal(manager.counters.sendErrors, 0);
});

t.test('a rollout over, an RMC it gave up for silence reports after all: the manager records its rack, reported late', async (t) => {
  const rmcs = [1, 2].map((rmcId) => new ScriptedRmc({ rmcId, trustedKeys, bmcCount: 2 }));
  const fleet = await serveRmcs(rmcs);
  t.teardown(() => fleet.close());
  const store = new SqliteRolloutStore(join(mkdtempSync(join(tmpdir(), 'bmcfleet-manager-late-')), 'manager.db'));
  const manager = await RolloutManager.open({
    store, key: signing, rmcPort: fleet.port,
    tuning: { chunkSize: 4096, repeatMs: 100, statusIntervalMs: 200, silenceLimitMs: 1000, round: { marginMs: 50, pollTimeoutMs: 200 } },
  });
  t.teardown(() => { manager.close(); store.close(); });
  const image = packFirmwareImage(buildFirmware({ deviceId: 0x20, manufacturerId: 32473, productId: 1 }, { major: 2, minor: 0, aux: new Uint8Array(4) }, 20_000), 0);
  const id = manager.start({
    image, flashTimeMs: Date.now() + 1500, rmcs: rmcs.map((r) => ({ rmcId: r.rmcId, address: r.address, rackName: `rack-${r.rmcId}` })),
    replyScheme: { scheme: ReplyScheme.IMMEDIATE },
  });
  const until = async (what: string, when: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!when() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    t.ok(when(), what);
  };
  const rack2 = () => manager.status(id).rmcs[1];
  await until('RMC 2 answered its Flash', () => rack2().stage === 'flashing');
  rmcs[1].silent = true; // it hears nothing and says nothing, its rack not flashed
  await until('the rollout is over', () => manager.status(id).status === 'done');
  t.match(rack2(), { stage: 'failed', failure: /^no answer for 1 s while flashing/ });
  t.match(manager.status(id).bmcs, { flashed: 2, failed: 2, pending: 0 }, 'its BMCs count as failed');
  t.match(manager.report(id).racks[1], { stage: 'failed', bmcs: [{ result: 'pending' }, { result: 'pending' }] }, 'the report: the rack failed, its BMCs as last heard');

  rmcs[1].silent = false; // back: at its next tick it flashes its rack and sends the report to the manager, unasked
  await until('its report recorded', () => rack2().stage === 'reported');
  t.match(rack2(), { failure: /^reported late, after no answer for 1 s while flashing/ });
  t.match(manager.status(id), { status: 'done', bmcs: { flashed: 4, failed: 0 } }, 'the rollout stays done, every BMC flashed');
  t.same(manager.report(id).racks.map((r) => r.bmcs.map((b) => b.result)), [['flashed', 'flashed'], ['flashed', 'flashed']]);
  t.same(rmcs.map((r) => r.flashes), [[1, 1], [1, 1]]);
  t.equal(manager.counters.strays, 0, 'the late pages were taken, not counted as strays');
});
