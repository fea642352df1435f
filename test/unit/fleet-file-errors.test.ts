// The fleet file's errors (issue 18): every mistake in one run, each with its line and column in the YAML and its
// path, and the checks across entries: unique rack names, BMC, RMC and target addresses in 127/8 and of their own,
// ranges that fit, RMC IDs, `bmcs:` addresses of the fleet, unique IQNs.
import t from 'tap';
import { FleetFileError, checkFleetDocument, faultsEntry, fleetConfig, readFleetText, targetEntry } from '../../emulator/fleet/fleet-file.js';
import { fleetEnds, placements } from '../../emulator/fleet/plan.js';
import { formatIssue, type FleetIssue } from '../../emulator/fleet/fleet-issues.js';

/** The mistakes of a document without positions, as "path: message" lines. */
function mistakes(doc: unknown): string[] {
  return checkFleetDocument(doc).issues.map((issue) => formatIssue('f', issue).slice('f: '.length));
}

/** The mistakes of YAML text as "line:column: path: message" lines. */
function fileMistakes(text: string): string[] {
  return readFleetText(text).issues.map((issue) => formatIssue('f', issue).slice('f:'.length));
}

const rack = (extra: object = {}) => ({ bmcs: 3, firstIp: '127.40.0.1', ...extra });

t.test('a file with six mistakes: all six in one run, each with its line, column and path', (t) => {
  const text = [
    'ipmiPort: 70000',                                  // 1: out of range
    'racks:',
    '  - name: a',
    '    bmcs: 10',
    '    firstIp: 127.60.1.1',
    '  - name: b',
    '    bmcs: 4',
    '    firstIp: 127.60.1.5',                          // 8: inside rack a
    '  - { name: c, bmcs: 300, firstIp: 127.255.255.1 }', // 9: runs past 127.255.255.254
    '  - { name: d, bmcs: 1, firstIp: 127.61.0.300 }',    // 10: not an address
    'templates:',
    '  big:',
    `    vendor: ${'V'.repeat(64)}`,                     // 13: longer than a FRU field
    'colour: blue',                                     // 14: no such key
  ].join('\n');
  const lines = fileMistakes(text);
  t.same(lines, [
    '1:11: ipmiPort: expected a whole number from 1 to 65535, got 70000',
    '8:14: racks[1].firstIp: two BMCs on 127.60.1.5: racks[1] ("b"), 127.60.1.5-127.60.1.8, overlaps racks[0] ("a"), 127.60.1.1-127.60.1.10',
    '9:22: racks[2].bmcs: 300 BMCs from 127.255.255.1 run past 127.255.255.254, the last loopback address one can have: at most 254 fit',
    '10:34: racks[3].firstIp: not an IPv4 address: "127.61.0.300"',
    '13:13: templates.big.vendor: 64 bytes: at most 63 (it goes into a FRU field)',
    '14:1: colour: unknown key (known here: name, ipmiPort, users, security, shards, control, controlTokenFile, stateDir, templates, firmware, faults, console, racks, bmcs, isns, targets, rollout, firmwareTimings, virtualMedia, redfish, hooks)',
  ], 'all six, in the order of the file, nothing else');
  t.end();
});

t.test('FleetFileError: one line per mistake, FILE:LINE:COLUMN first; past 20, how many more', (t) => {
  const { issues } = readFleetText('racks:\n  - { bmcs: 0, firstIp: 127.1.0.1 }\n');
  const one = new FleetFileError('fleet.yaml', issues);
  t.equal(one.message, 'fleet.yaml:2:13: racks[0].bmcs: expected a whole number from 1 to 1000000, got 0');
  const many = new FleetFileError('fleet.yaml', Array.from({ length: 25 }, (_, i): FleetIssue => ({ path: ['racks', i, 'bmcs'], message: 'no', line: i + 1, column: 3 })));
  const lines = many.message.split('\n');
  t.equal(lines[0], 'fleet.yaml: 25 errors');
  t.equal(lines[1], 'fleet.yaml:1:3: racks[0].bmcs: no');
  t.equal(lines.length, 22);
  t.equal(lines[21], '... and 5 more (bmcfleet fleet validate fleet.yaml lists them all)');
  t.equal(many.issues.length, 25, 'every one kept for whoever prints them all');
  t.end();
});

t.test('positions: an unknown key points at the key, a fault at its value, something missing at its mapping', (t) => {
  const text = [
    'faults:',
    '  latencyMs: 5',
    '  lossPercent: 150',
    'racks:',
    '  - bmcs: 2',
    '    firstIp: 127.62.0.1',
    '    rmc: { id: 4 }',
    '    colour: red',
  ].join('\n');
  t.same(fileMistakes(text), [
    '3:16: faults: lossPercent must be 0-100, got 150',
    '7:10: racks[0].rmc.ip: required: the RMC\'s own address (it listens on the rollout port there)',
    '8:5: racks[0].colour: unknown key (known here: name, bmcs, firstIp, template, firmware, faults, console, rmc)',
  ]);
  t.same(fileMistakes('racks: [ { bmcs: 2, firstIp: 127.62.0.1 } ]\nracks: []\n'), ['2:1: not valid YAML: Map keys must be unique'], 'YAML mistakes with their place too');
  t.end();
});

t.test('checks across entries run on the racks that pass, while others have mistakes', (t) => {
  t.same(mistakes({ racks: [rack({ bmcs: 'many' }), rack({ name: 'x' }), rack({ name: 'x', firstIp: '127.40.0.2' })] }), [
    'racks[0].bmcs: expected a whole number from 1 to 1000000, got "many"',
    'racks[2].name: "x" is racks[1]\'s name already: rack names are unique (a rollout selects racks by name)',
    'racks[2].firstIp: two BMCs on 127.40.0.2: racks[2] ("x"), 127.40.0.2-127.40.0.4, overlaps racks[1] ("x"), 127.40.0.1-127.40.0.3',
  ]);
  t.end();
});

t.test('rack names: unique, a default name (rack-N) included', (t) => {
  t.same(mistakes({ racks: [rack({ name: 'rack-2' }), rack({ firstIp: '127.41.0.1' })] }),
    ['racks[1]: its default name "rack-2" is racks[0]\'s name already: give it a name of its own']);
  t.same(mistakes({ racks: [rack(), rack({ firstIp: '127.41.0.1' })] }), [], 'rack-1 and rack-2');
  t.end();
});

t.test('addresses: in 127/8, ranges that fit, named in full when they overlap', (t) => {
  t.same(mistakes({ racks: [rack({ firstIp: '10.0.0.1' })] }),
    ['racks[0].firstIp: 10.0.0.1 is not in 127.0.0.0/8: each BMC binds its own address, and only loopback addresses reach this machine without configuration']);
  t.same(mistakes({ racks: [rack({ firstIp: '126.255.255.254' })] }), ['racks[0].firstIp: 126.255.255.254 is not in 127.0.0.0/8: each BMC binds its own address, and only loopback addresses reach this machine without configuration'], 'a range that would run into 127/8 is not in it either');
  t.same(mistakes({ racks: [rack({ firstIp: '127.255.255.255', bmcs: 1 })] }),
    ['racks[0].bmcs: 1 BMC from 127.255.255.255 run past 127.255.255.254, the last loopback address one can have: none fits']);
  t.same(mistakes({ racks: [rack({ firstIp: '127.255.255.250', bmcs: 5 })] }), [], 'the last five fit exactly');
  t.same(mistakes({ racks: [rack({ firstIp: '127.255.255.250', bmcs: 6 })] }),
    ['racks[0].bmcs: 6 BMCs from 127.255.255.250 run past 127.255.255.254, the last loopback address one can have: at most 5 fit']);
  t.same(mistakes({ racks: [rack({ name: 'wide', bmcs: 600, firstIp: '127.40.0.1' }), rack({ name: 'inside', bmcs: 1, firstIp: '127.40.2.7' })] }),
    ['racks[1].firstIp: two BMCs on 127.40.2.7: racks[1] ("inside"), 127.40.2.7, overlaps racks[0] ("wide"), 127.40.0.1-127.40.2.92'],
    'a rack inside another, .0 and .255 skipped in the span');
  t.same(mistakes({ racks: [rack({ bmcs: 254, firstIp: '127.40.0.1' }), rack({ firstIp: '127.40.0.255' })] }), [], 'racks end to end: .255 is nobody\'s');
  t.end();
});

t.test('RMCs: in 127/8, one address and one ID each, never a BMC\'s address', (t) => {
  const racks = (a: object, b: object) => [rack({ name: 'a', rmc: a }), rack({ name: 'b', firstIp: '127.41.0.1', rmc: b })];
  t.same(mistakes({ racks: racks({ ip: '192.168.0.1' }, { ip: '127.42.0.2' }) }),
    ['racks[0].rmc.ip: 192.168.0.1 is not in 127.0.0.0/8: an RMC binds its own address, and only loopback addresses reach this machine without configuration']);
  t.same(mistakes({ racks: racks({ ip: '127.41.0.3' }, { ip: '127.42.0.2', id: 1 }) }), [
    'racks[0].rmc.ip: rack a\'s RMC is on 127.41.0.3, BMC number 5\'s address (racks[1] ("b")): an RMC needs its own',
    'racks[1].rmc.id: ID 1 is racks[0]\'s RMC already',
  ]);
  t.end();
});

t.test('bmcs: only addresses of the fleet\'s BMCs', (t) => {
  t.same(mistakes({ racks: [rack()], bmcs: { '127.40.0.3': { faults: { latencyMs: 1 } }, '127.40.0.4': {} } }),
    ['bmcs.127.40.0.4: no BMC of this fleet has this address']);
  t.end();
});

t.test('templates a rack names must exist; the message lists those that do', (t) => {
  t.same(mistakes({ templates: { big: {} }, racks: [rack({ template: 'huge' })] }), ['racks[0].template: no template named "huge" (templates: big)']);
  t.end();
});

t.test('targets: unique IQNs, each on an address and port of its own, in 127/8', (t) => {
  const isns = { listen: '127.0.0.1:3205' };
  t.same(mistakes({ isns, racks: [rack()], targets: [{ name: 'x', count: 2, firstIp: '127.50.0.1' }, { name: 'x-2', firstIp: '127.50.1.1' }] }),
    ['targets[1].name: two targets named iqn.2026-11.org.bmcfleet:x-2 (targets[0] too)']);
  t.same(mistakes({ isns, racks: [rack()], targets: [{ name: 'x', count: 3, firstIp: '127.50.0.1' }, { name: 'y', firstIp: '127.50.0.3' }] }),
    ['targets[1].firstIp: two targets on 127.50.0.3 port 3260: targets[1] ("y"), 127.50.0.3, overlaps targets[0] ("x"), 127.50.0.1-127.50.0.3']);
  t.same(mistakes({ isns, racks: [rack()], targets: [{ name: 'x', count: 3, firstIp: '127.50.0.1' }, { name: 'y', firstIp: '127.50.0.3', port: 3261 }] }), [], 'another port');
  t.same(mistakes({ isns, racks: [rack()], targets: [{ name: 'x', firstIp: '10.1.1.1' }] }),
    ['targets[0].firstIp: 10.1.1.1 is not in 127.0.0.0/8: each target binds its own address, and only loopback addresses reach this machine without configuration']);
  t.end();
});

t.test('the fleet\'s real first and last addresses: a firstIp ending in .0 or .255 is skipped', (t) => {
  const c = fleetConfig({ racks: [rack({ firstIp: '127.60.1.0', bmcs: 2 }), rack({ firstIp: '127.60.2.250', bmcs: 7 })] });
  t.same(fleetEnds(c), { first: '127.60.1.1', last: '127.60.3.2' });
  const all = placements(c);
  t.same([all[0].ip, all[all.length - 1].ip], ['127.60.1.1', '127.60.3.2'], 'as the plan places them');
  t.end();
});

t.test('the control API\'s bodies get the same checks, reported under "body"', (t) => {
  t.throws(() => faultsEntry({ lossPercent: 150 }, 'faults'), { message: 'faults: body: lossPercent must be 0-100, got 150' });
  t.throws(() => faultsEntry({ jitter: 1 }, 'faults'), /faults: body\.jitter: unknown key/);
  t.same(faultsEntry({ latencyMs: 5 }, 'faults'), { latencyMs: 5 });
  t.throws(() => targetEntry({ name: 'x', firstIp: '10.2.0.1' }, 'POST /targets'), /POST \/targets: body\.firstIp: 10\.2\.0\.1 is not in 127\.0\.0\.0\/8/);
  t.same(targetEntry({ name: 'x', count: 2, firstIp: '127.2.0.254' }, 'POST /targets').map((s) => [s.iqn, s.ip]),
    [['iqn.2026-11.org.bmcfleet:x-1', '127.2.0.254'], ['iqn.2026-11.org.bmcfleet:x-2', '127.2.1.1']]);
  t.end();
});
