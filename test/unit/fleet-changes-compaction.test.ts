// fleet-changes.json compaction (issue 18): an addition whose BMCs were all removed leaves only its numbers, the
// removals that emptied it go, and the file is rewritten whole (temp file, then rename) once it has grown past
// COMPACT_AFTER changes. Restored, the compacted file gives every BMC the number it had.
import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetConfig, type FleetConfig, type RackConfig } from '../../emulator/fleet/fleet-config.js';
import { COMPACT_AFTER, compactChanges, type FleetChange, type MadeChange } from '../../emulator/fleet/fleet-changes-file.js';
import { addressIndex, fleetSize, liveRack, placements } from '../../emulator/fleet/plan.js';
import { RuntimeChanges } from '../../emulator/fleet/runtime-changes.js';
import type { Supervisor } from '../../emulator/fleet/supervisor.js';

const add = (rack: string, bmcs: string[], rmc: string | null = null): MadeChange => ({
  change: { op: rmc ? 'add-rack' : 'add-bmcs', body: { name: rack, firstIp: bmcs[0], bmcs: bmcs.length } }, added: { rack, bmcs, rmc },
});
const removeBmc = (ip: string): MadeChange => ({ change: { op: 'remove-bmc', ip } });
const removeRack = (name: string): MadeChange => ({ change: { op: 'remove-rack', name } });
const ops = (made: MadeChange[]) => made.map(({ change: c }) =>
  (c.op === 'remove-bmc' ? `- ${c.ip}` : c.op === 'remove-rack' ? `- rack ${c.name}` : `+ ${String(c.body.name)}${c.removed ? ' (removed)' : ''}`));

t.test('an addition emptied by its removals leaves its numbers only; the rest is kept as it was', async (t) => {
  const made = [
    add('a', ['127.62.1.1', '127.62.1.2']), add('b', ['127.62.2.1']), removeBmc('127.62.1.1'), removeBmc('127.62.0.1'),
    removeBmc('127.62.1.2'), add('c', ['127.62.3.1', '127.62.3.2']), removeBmc('127.62.3.1'), add('r', ['127.62.4.1'], '127.62.4.100'),
    removeRack('r'), removeRack('file-rack'),
  ];
  t.same(ops(compactChanges(made)), ['+ a (removed)', '+ b', '- 127.62.0.1', '+ c', '- 127.62.3.1', '+ r (removed)', '- rack file-rack'],
    'a fleet file\'s BMC and rack stay removed; c is half there');
  t.same(ops(compactChanges(compactChanges(made))), ops(compactChanges(made)), 'compacting again changes nothing');
});

t.test('an address added again after its removal belongs to the new addition', async (t) => {
  const made = [add('a', ['127.62.1.1']), removeBmc('127.62.1.1'), add('again', ['127.62.1.1']), removeBmc('127.62.1.1')];
  t.same(ops(compactChanges(made)), ['+ a (removed)', '+ again (removed)']);
  const kept = [add('a', ['127.62.1.1']), removeBmc('127.62.1.1'), add('again', ['127.62.1.1'])];
  t.same(ops(compactChanges(kept)), ['+ a (removed)', '+ again']);
  const sameName = [add('x', ['127.62.1.1']), removeRack('x'), add('x', ['127.62.5.1', '127.62.5.2']), removeBmc('127.62.5.1')];
  t.same(ops(compactChanges(sameName)), ['+ x (removed)', '+ x', '- 127.62.5.1'], 'a rack name used again');
});

/** The supervisor's bookkeeping of positions, without processes: what RuntimeChanges asks of it. */
class PlanOnly {
  config: FleetConfig;
  readonly calls: string[] = [];
  constructor(stateDir: string) {
    this.config = { ...fleetConfig({ racks: [{ name: 'file', bmcs: 2, firstIp: '127.62.0.1' }] }), stateDir };
  }

  async add(rack: RackConfig) {
    const from = fleetSize(this.config);
    this.config = { ...this.config, racks: [...this.config.racks, rack] };
    this.calls.push(`add ${rack.name} at ${from}`);
    return { shard: 0, from, to: from + rack.count };
  }

  async reserve(rack: RackConfig) {
    const from = fleetSize(this.config);
    const removed = Array.from({ length: rack.count }, (_, k) => from + k);
    this.config = { ...this.config, racks: [...this.config.racks, { ...rack, rmc: null }], removedBmcs: [...this.config.removedBmcs, ...removed] };
    this.calls.push(`reserve ${rack.name} at ${from}`);
  }

  async removeBmc(ip: string) {
    this.config = { ...this.config, removedBmcs: [...this.config.removedBmcs, addressIndex(this.config).get(ip)!] };
  }

  async removeRack(name: string) {
    const { rack, from } = liveRack(this.config, name)!;
    const gone = placements(this.config, from, from + rack.count).map((p) => p.index);
    this.config = { ...this.config, removedBmcs: [...this.config.removedBmcs, ...gone] };
    return { bmcs: [], rmc: null };
  }
}

const changesOf = (plan: PlanOnly) => new RuntimeChanges(plan as unknown as Supervisor);
const served = (plan: PlanOnly) => placements(plan.config).map((p) => `${p.index} ${p.ip}`);

t.test('past COMPACT_AFTER changes the file is rewritten compacted, and restores to the same numbers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-changes-'));
  const file = join(dir, 'fleet-changes.json');
  const plan = new PlanOnly(dir);
  const changes = changesOf(plan);
  await changes.addBmcs({ name: 'kept-1', firstIp: '127.62.9.1', bmcs: 2 });
  // BMCs that come and go: one addition and its removal a round
  const rounds = COMPACT_AFTER / 2;
  for (let i = 0; i < rounds; i++) {
    await changes.addBmcs({ address: '127.62.10.1' });
    if (i === rounds - 1) t.equal(JSON.parse(readFileSync(file, 'utf8')).length, COMPACT_AFTER, `not compacted at ${COMPACT_AFTER} changes`);
    await changes.removeBmc('127.62.10.1'); // the change past the bound
  }
  await changes.addBmcs({ name: 'kept-2', firstIp: '127.62.11.1', bmcs: 1 });
  const written = JSON.parse(readFileSync(file, 'utf8')) as FleetChange[];
  t.equal(written.length, 1 + rounds + 1, 'each round is one numbers-only addition');
  t.match(written[1], { op: 'add-bmcs', body: { address: '127.62.10.1' }, removed: true });
  t.notOk(written.some((c) => c.op === 'remove-bmc'));
  t.same(readdirSync(dir), ['fleet-changes.json'], 'no temp file left');
  const before = served(plan);
  t.same(before, ['0 127.62.0.1', '1 127.62.0.2', '2 127.62.9.1', '3 127.62.9.2', `${4 + rounds} 127.62.11.1`]);

  const again = new PlanOnly(dir);
  await changesOf(again).restore(() => {});
  t.same(served(again), before, 'every BMC has the number it had: its MAC, GUID and state file with it');
  t.equal(again.calls.filter((c) => c.startsWith('reserve')).length, rounds, 'the emptied additions bind nothing');
  t.equal(fleetSize(again.config), fleetSize(plan.config));
});

t.test('a compacted file written by hand is made again the same way; a bad one still stops the start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-changes-'));
  writeFileSync(join(dir, 'fleet-changes.json'), JSON.stringify([
    { op: 'add-bmcs', body: { firstIp: '127.62.20.1', bmcs: 3 }, removed: true },
    { op: 'add-bmcs', body: { firstIp: '127.62.20.1', bmcs: 1 } },
  ]));
  const plan = new PlanOnly(dir);
  await changesOf(plan).restore(() => {});
  t.same(plan.calls, ['reserve rack-2 at 2', 'add rack-3 at 5']);
  t.same(served(plan).at(-1), '5 127.62.20.1');
  writeFileSync(join(dir, 'fleet-changes.json'), '[{');
  await t.rejects(changesOf(new PlanOnly(dir)).restore(() => {}), /fleet-changes\.json: /);
});
