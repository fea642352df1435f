// The state directory: round trip of a BMC's non-volatile state; a damaged file is moved aside and named, and its BMC
// alone starts from its defaults; files and the directory the fleet makes are its owner's only.
import t from 'tap';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BmcModel } from '../../emulator/bmc/model.js';
import { captureState, restoreState } from '../../emulator/bmc/persistent-state.js';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';
import { Shard } from '../../emulator/fleet/shard.js';
import { bmcKind } from '../../emulator/fleet/nodes/bmc.js';
import type { BmcNodes } from '../../emulator/fleet/nodes/bmc-nodes.js';
import { ManualClock } from '../../runtime/manual-clock.js';

t.test('capture then restore gives the same users, SEL, boot options and firmware', (t) => {
  const a = new BmcModel({ ip: '127.42.0.1', now: 0 });
  a.users.setName(3, 'carol');
  a.bootOptions.write(5, Uint8Array.from([0x80, 0x04, 0, 0, 0]), false);
  a.device.firmwareMajor = 3;
  a.emit({ kind: 'power', outcome: 'powered-off', powerOn: false }, 5000);
  const saved = JSON.parse(JSON.stringify(captureState(a)));
  const b = new BmcModel({ ip: '127.42.0.1', now: 0 });
  restoreState(b, saved);
  t.equal(b.users.byId(3)?.name, 'carol');
  t.same(b.sel.list(), a.sel.list());
  t.equal(b.bootDevice, a.bootDevice);
  t.equal(b.device.firmwareMajor, 3);
  t.throws(() => restoreState(b, { ...saved, version: 99 }), /not a version 1 BMC state/);
  t.end();
});

t.test('a truncated or foreign state file is quarantined: moved aside and logged; its BMC starts from its defaults, the others from theirs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-state-'));
  const good = new BmcModel({ ip: '127.42.1.1', now: 0 });
  good.users.setName(3, 'carol');
  writeFileSync(join(dir, 'bmc-127.42.1.1.json'), JSON.stringify(captureState(good)));
  writeFileSync(join(dir, 'bmc-127.42.1.2.json'), '{"version": 1, "users": ');
  writeFileSync(join(dir, 'bmc-127.42.1.3.json'), '{"version": 7}');
  const cfg = fleetConfig({ stateDir: dir, racks: [{ bmcs: 3, firstIp: '127.42.1.1' }] });
  const log: string[] = [];
  const shard = new Shard(cfg, 0, 0, 3, undefined, { clock: new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), log: (line) => log.push(line) });
  t.teardown(() => shard.close());

  const bmcs = shard.nodesOf(bmcKind).nodes;
  t.equal(bmcs[0].model.users.byId(3)?.name, 'carol', 'the good file is restored');
  const defaults = (ip: string) => captureState(new BmcModel({ ip, now: 0 })).users;
  t.same(bmcs[1].model.users.toJSON(), defaults('127.42.1.2'), 'the truncated one\'s BMC has the default users');
  t.same(bmcs[2].model.users.toJSON(), defaults('127.42.1.3'));
  t.same(readdirSync(dir).sort(), [
    'bmc-127.42.1.1.json', 'bmc-127.42.1.2.json.bad-2026-01-02T03-04-05-678Z', 'bmc-127.42.1.3.json.bad-2026-01-02T03-04-05-678Z',
  ]);
  t.equal(readFileSync(join(dir, 'bmc-127.42.1.2.json.bad-2026-01-02T03-04-05-678Z'), 'utf8'), '{"version": 1, "users": ', 'kept as it was');
  t.equal(log.length, 2);
  t.match(log[0], /^state of 127\.42\.1\.2 in .* cannot be read back \(.*JSON.*\): moved to bmc-127\.42\.1\.2\.json\.bad-2026-01-02T03-04-05-678Z; this BMC starts from its defaults$/);
  t.match(log[1], /^state of 127\.42\.1\.3 .*not a version 1 BMC state/);
});

t.test('state files are readable by their owner only (0600), and so is a state directory the fleet makes (0700)', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'bmcfleet-state-'));
  const made = join(parent, 'fleet');
  const dir = join(made, 'state');
  const cfg = fleetConfig({ stateDir: dir, racks: [{ bmcs: 2, firstIp: '127.42.2.1' }] });
  const first = new Shard(cfg, 0, 0, 2);
  t.equal(statSync(made).mode & 0o777, 0o700, 'each directory it made');
  t.equal(statSync(dir).mode & 0o777, 0o700);
  const nodes = first.nodesOf(bmcKind) as BmcNodes;
  nodes.run({ op: 'power', ip: '127.42.2.1', action: 'off' });
  nodes.flushState();
  const file = join(dir, 'bmc-127.42.2.1.json');
  t.equal(statSync(file).mode & 0o777, 0o600, 'a file it writes');
  await first.close();

  chmodSync(file, 0o644); // as an older version left it
  const again = new Shard(cfg, 0, 0, 2);
  t.equal(statSync(file).mode & 0o777, 0o600, 'a file readable by all is closed when it is loaded');
  await again.close();
  chmodSync(dir, 0o755);
  await new Shard(cfg, 0, 0, 2).close();
  t.equal(statSync(dir).mode & 0o777, 0o755, 'a directory that exists is left as it is');
});
