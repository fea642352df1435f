// BMC firmware faults at run time, on a manual clock: the firmwareHang fault (a long HPM.1 step answers 80h for as
// long as it is set), from the fleet file and through the shard's control requests (kept for a restarted shard), and
// the power-loss request (the step cut short, the active image kept, the BMC silent, then back).
import t from 'tap';
import { validateFaults, NO_FAULTS } from '../../emulator/bmc/faults.js';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { bmcKind } from '../../emulator/fleet/nodes/bmc.js';
import { Shard } from '../../emulator/fleet/shard.js';
import { IN_PROGRESS, UpgradeAction } from '../../protocols/ipmi/commands/hpm.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { rawRequest, startStubApi } from '../helpers/control-stub.js';

const IP = '127.82.0.1';
const BMC_FIRMWARE = 0x02; // component 1's bit

function shard(faults: Record<string, unknown> = {}) {
  const clock = new ManualClock(1_000_000);
  const kept: [string, unknown][] = [];
  const config = fleetConfig({ ipmiPort: 9782, racks: [{ bmcs: 1, firstIp: IP, faults }] });
  const s = new Shard(config, 0, 0, 1, undefined, { clock, keep: (_kind, entries) => kept.push(...entries) });
  const bmc = s.nodesOf(bmcKind).nodes[0];
  return { clock, kept, shard: s, bmc, firmware: bmc.model.firmware };
}

t.test('firmwareHang from the fleet file: the backup never ends; lifting the fault ends it at once', async (t) => {
  const h = shard({ firmwareHang: true });
  t.teardown(() => h.shard.close());
  t.equal(h.bmc.faults.settings.firmwareHang, true);
  t.equal(h.firmware.initiate(BMC_FIRMWARE, UpgradeAction.BACKUP, h.clock.now()), IN_PROGRESS);
  h.clock.advance(3_600_000);
  t.same(h.firmware.status(), { command: 0x31, completionCode: IN_PROGRESS }, 'still in progress an hour on');
  h.shard.run('bmc', { op: 'faults', ip: IP, change: { firmwareHang: false } });
  h.clock.advance(0);
  t.same(h.firmware.status(), { command: 0x31, completionCode: CompletionCode.OK }, 'done once the fault is lifted');
});

t.test('firmwareHang set at run time holds a running activation; the supervisor keeps it for the next process', async (t) => {
  const h = shard();
  t.teardown(() => h.shard.close());
  h.firmware.banks.deferred = { major: 1, minor: 2, aux: new Uint8Array(4) };
  t.equal(h.firmware.activate(h.clock.now()), IN_PROGRESS);
  h.shard.run('bmc', { op: 'faults', ip: IP, change: { firmwareHang: true } });
  h.clock.advance(60_000);
  t.equal(h.bmc.model.device.firmwareMinor, 0, 'not activated: no reboot either');
  t.equal(h.bmc.faults.rebootUntil, 0);
  t.match(h.kept.at(-1), [IP, { faults: { firmwareHang: true } }]);
  h.shard.run('bmc', { op: 'faults', ip: IP, change: { firmwareHang: false } });
  h.clock.advance(0);
  t.equal(h.bmc.model.device.firmwareMinor, 2, 'activated, and rebooting into it');
  t.ok(h.bmc.faults.rebootUntil > h.clock.now());
});

t.test('firmwareHang must be a boolean, in the fleet file and in a control request', async (t) => {
  t.throws(() => validateFaults({ ...NO_FAULTS, firmwareHang: 1 as unknown as boolean }), /firmwareHang must be true or false, got 1/);
  t.throws(() => fleetConfig({ racks: [{ bmcs: 1, firstIp: IP, faults: { firmwareHang: 'yes' } }] }), /racks\[0\]\.faults: firmwareHang must be true or false/);
  const h = shard();
  t.teardown(() => h.shard.close());
  t.throws(() => h.shard.run('bmc', { op: 'faults', ip: IP, change: { firmwareHang: 'yes' } }), /firmwareHang/);
  t.equal(h.bmc.faults.settings.firmwareHang, false, 'nothing changed');
});

t.test('power-loss: the write cut short, the active image kept, silent for offMs, then answering', async (t) => {
  const h = shard({ firmwareHang: true });
  t.teardown(() => h.shard.close());
  t.equal(h.firmware.initiate(BMC_FIRMWARE, UpgradeAction.BACKUP, h.clock.now()), IN_PROGRESS, 'a hung backup');
  t.same(h.shard.run('bmc', { op: 'power-loss', ip: IP, offMs: 2000 }), { powerLost: IP, offMs: 2000 });
  t.same(h.firmware.status(), { command: 0x31, completionCode: CompletionCode.UNSPECIFIED }, 'the step cut short (FFh)');
  t.equal(h.firmware.banks.backup, null, 'a backup cut short leaves none');
  t.equal(h.bmc.model.device.firmwareMinor, 0, 'the active image survived');
  t.equal(h.bmc.faults.admit(h.clock.now() + 1999), 'rebooting', 'silent');
  t.equal(h.bmc.faults.admit(h.clock.now() + 2000), 'accept', 'and back');
  t.equal(h.firmware.initiate(BMC_FIRMWARE, UpgradeAction.PREPARE, h.clock.now()), CompletionCode.OK, 'not bricked: a new upgrade may start');
  for (const offMs of [0, -5, 3_600_001]) {
    t.throws(() => h.shard.run('bmc', { op: 'power-loss', ip: IP, offMs }), { status: 400, message: 'offMs must be 1-3600000' });
  }
  t.throws(() => h.shard.run('bmc', { op: 'power-loss', ip: '127.82.0.9', offMs: 10 }), { status: 404, message: 'no BMC at 127.82.0.9' });
});

t.test('the control API: POST /bmcs/IP/power-loss {"offMs": N} reaches the BMC\'s shard; another body is refused', async (t) => {
  const { api, port, calls } = await startStubApi('127.0.0.1');
  t.teardown(() => api.close());
  const json = { 'content-type': 'application/json' };
  t.equal((await rawRequest('127.0.0.1', port, 'POST', `/bmcs/${IP}/power-loss`, json, '{"offMs": 1500}')).status, 200);
  t.same(calls, [{ op: 'power-loss', ip: IP, offMs: 1500 }]);
  const bad = await rawRequest('127.0.0.1', port, 'POST', `/bmcs/${IP}/power-loss`, json, '{"ms": 1500}');
  t.same([bad.status, bad.json], [400, { error: 'body must be {"offMs": N}' }]);
  t.equal(calls.length, 1);
});
