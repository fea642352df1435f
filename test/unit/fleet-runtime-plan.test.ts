// The plan of a fleet changed at run time: a removed BMC's number stays empty (never reused, so no identity moves),
// and a rack entry from the control API gets the fleet file's checks and defaults as the next rack.
import t from 'tap';
import { FleetFileError, fleetConfig, rackEntry } from '../../emulator/fleet/fleet-config.js';
import { addressIndex, allRemoved, fleetEnds, fleetSize, liveBmcs, liveRack, liveRackCount, placements, rackAt, rackPlacements, socketsIn } from '../../emulator/fleet/plan.js';

const base = fleetConfig({
  firmware: '2.07', faults: { latencyMs: 5 }, console: { lineIntervalMs: 250 }, templates: { big: { vendor: 'Big' } },
  racks: [{ name: 'a', bmcs: 3, firstIp: '127.61.0.1' }],
});

t.test('removed positions are gaps: the others keep their numbers, and the address may come back at a new one', async (t) => {
  const added = rackEntry({ firstIp: '127.61.0.2', bmcs: 1 }, 'POST /bmcs', base);
  const cfg = { ...base, racks: [...base.racks, added], removedBmcs: [1] };
  t.same(placements(cfg).map((p) => `${p.index} ${p.ip} ${p.rack.name}`), ['0 127.61.0.1 a', '2 127.61.0.3 a', '3 127.61.0.2 rack-2']);
  t.same([...addressIndex(cfg)], [['127.61.0.1', 0], ['127.61.0.3', 2], ['127.61.0.2', 3]], 'no overlap: the old position is empty');
  t.equal(fleetSize(cfg), 4);
  t.equal(liveBmcs(cfg), 3);
  t.same(placements(cfg, 1, 3).map((p) => p.index), [2], 'a shard\'s slice skips the gap too');
  t.equal(rackAt(cfg, 3).name, 'rack-2');
  t.throws(() => rackAt(cfg, 4), RangeError);
  t.same(rackPlacements(cfg, base.racks[0], 0), placements(cfg, 0, 3), 'one rack\'s BMCs: the same as its slice, gap and all');
  t.same(rackPlacements(cfg, added, 3).map((p) => `${p.index} ${p.ip}`), ['3 127.61.0.2']);
});

t.test('a rack whose BMCs were all removed is gone: its name may be used again', async (t) => {
  const b = rackEntry({ name: 'b', firstIp: '127.61.2.1', bmcs: 2 }, 'POST /bmcs', base);
  const cfg = { ...base, racks: [...base.racks, b], removedBmcs: [3] };
  t.same(liveRack(cfg, 'b'), { rack: b, from: 3 }, 'one of its two BMCs is left');
  t.equal(liveRack({ ...cfg, removedBmcs: [4, 3] }, 'b'), null);
  t.equal(liveRack(cfg, 'nope'), null);
  t.ok(allRemoved(cfg, 3, 3), 'nothing to remove in an empty range');
  t.notOk(allRemoved(cfg, 2, 4));
});

t.test('the sockets of a shard\'s positions as the fleet now runs: its BMCs not removed, its racks\' RMCs', async (t) => {
  const r = rackEntry({ firstIp: '127.61.1.1', bmcs: 2, rmc: { ip: '127.61.1.100' } }, 'POST /racks', base);
  const cfg = { ...base, racks: [...base.racks, r], removedBmcs: [1] };
  t.equal(socketsIn(cfg, 0, 5), 5, 'two BMCs of a, two of the new rack and its RMC');
  t.equal(socketsIn(cfg, 0, 3), 2, 'a removed BMC holds none');
  t.equal(socketsIn(cfg, 3, 5), 3, 'an RMC counts where its rack begins');
  t.equal(socketsIn(cfg, 4, 5), 1, 'and nowhere else');
  t.equal(socketsIn({ ...cfg, racks: [base.racks[0], { ...r, rmc: null }] }, 3, 5), 2, 'an RMC removed with its rack holds none');
});

t.test('a rack entry from the control API: the fleet file\'s defaults, as the fleet\'s next rack', async (t) => {
  t.same(rackEntry({ firstIp: '127.61.1.1', bmcs: 2, template: 'big', rmc: { ip: '127.61.1.100' } }, 'POST /racks', base), {
    name: 'rack-2', count: 2, firstIp: '127.61.1.1', template: 'big', firmware: { major: 2, minor: 7 }, faults: { ...base.racks[0].faults },
    consoleLineIntervalMs: 250, rmc: { ip: '127.61.1.100', id: 2 },
  });
  t.equal(base.maxBmcs, 100_000, 'security.maxBmcs defaults to 100,000');
  t.equal(fleetConfig({ security: { maxBmcs: 8 }, racks: [{ bmcs: 1, firstIp: '127.61.0.1' }] }).maxBmcs, 8);
});

t.test('its mistakes, every one at once, named under body', async (t) => {
  const err = t.throws(() => rackEntry({ firstIp: '127.255.255.250', bmcs: 9, template: 'small', colour: 'red' }, 'POST /bmcs', base)) as FleetFileError;
  t.type(err, FleetFileError);
  t.match(err.message, /body\.colour: unknown key/);
  const checks = t.throws(() => rackEntry({ firstIp: '127.255.255.250', bmcs: 9, template: 'small' }, 'POST /bmcs', base)) as FleetFileError;
  t.match(checks.message, /body\.template: no template named "small" \(templates: big\)/);
  t.match(checks.message, /body\.bmcs: 9 BMCs from 127\.255\.255\.250 run past 127\.255\.255\.254.*at most 5 fit/);
});

t.test('the fleet\'s ends and racks as it runs: removed BMCs and racks are not named', async (t) => {
  const spare = rackEntry({ name: 'spare', firstIp: '127.61.3.254', bmcs: 3 }, 'POST /bmcs', base);
  const cfg = { ...base, racks: [...base.racks, spare] };
  t.same(fleetEnds(cfg), { first: '127.61.0.1', last: '127.61.4.2' }, '.255 skipped');
  t.same(fleetEnds({ ...cfg, removedBmcs: [0, 5] }), { first: '127.61.0.2', last: '127.61.4.1' }, 'the first and last removed');
  t.same(fleetEnds({ ...cfg, removedBmcs: [5, 4, 3] }), { first: '127.61.0.1', last: '127.61.0.3' }, 'the added rack removed');
  t.equal(liveRackCount({ ...cfg, removedBmcs: [5, 4, 3] }), 1);
  t.same(fleetEnds({ ...cfg, removedBmcs: [0, 1, 2] }), { first: '127.61.3.254', last: '127.61.4.2' }, 'the file\'s rack removed');
  t.equal(liveRackCount(cfg), 2);
  t.equal(fleetEnds({ ...cfg, removedBmcs: [0, 1, 2, 3, 4, 5] }), null, 'none served');
  const withRmc = rackEntry({ name: 'r', firstIp: '127.61.5.1', bmcs: 1, rmc: { ip: '127.61.5.100' } }, 'POST /racks', base);
  t.equal(liveRackCount({ ...base, racks: [...base.racks, withRmc], removedBmcs: [3] }), 2, 'a rack whose RMC runs is live');
});
