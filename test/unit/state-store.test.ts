// The state directory: round trip of a BMC's non-volatile state, and damaged files named, not silently reset.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BmcModel } from '../../emulator/bmc/model.js';
import { captureState, restoreState } from '../../emulator/bmc/persistent-state.js';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';
import { Shard } from '../../emulator/fleet/shard.js';

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

t.test('a damaged state file stops the shard with the file named', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-state-'));
  writeFileSync(join(dir, 'bmc-127.42.1.2.json'), '{"version": 1, "users": ');
  const cfg = fleetConfig({ stateDir: dir, racks: [{ bmcs: 3, firstIp: '127.42.1.1' }] });
  t.throws(() => new Shard(cfg, 0, 0, 3), /bmc-127\.42\.1\.2\.json/);
  writeFileSync(join(dir, 'bmc-127.42.1.2.json'), '{"version": 7}');
  t.throws(() => new Shard(cfg, 0, 0, 3), /state of 127\.42\.1\.2 .*not a version 1 BMC state/);
  t.end();
});
