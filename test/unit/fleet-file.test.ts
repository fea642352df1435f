// The fleet file: defaults, the checks that name the bad field, and the plan every shard derives from it.
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetFileError, fleetConfig, loadFleetFile } from '../../emulator/fleet/fleet-file.js';
import { addressIndex, autoShards, bmcOptions, fleetSize, placements, shardRange } from '../../emulator/fleet/plan.js';
import { BmcModel } from '../../emulator/bmc/model.js';

const rack = (extra: object = {}) => ({ bmcs: 3, firstIp: '127.40.0.1', ...extra });

t.test('defaults: admin/password, port 623, no suite 0, 32 sessions, auto shards, control on a free local port', (t) => {
  const c = fleetConfig({ racks: [rack()] });
  t.same(c.users, [{ name: 'admin', password: 'password', privilege: 4 }]);
  t.equal(c.ipmiPort, 623);
  t.equal(c.allowCipherSuite0, false);
  t.equal(c.maxSessions, 32);
  t.equal(c.shards, 0);
  t.same(c.control, { host: '127.0.0.1', port: 0 });
  t.same(c.racks[0].firmware, { major: 1, minor: 0 });
  t.equal(fleetConfig({ control: 'none', racks: [rack()] }).control, null);
  t.end();
});

t.test('every bad field is named', (t) => {
  const bad: [unknown, RegExp][] = [
    [{}, /racks: expected a list/],
    [{ racks: [] }, /at least one rack/],
    [{ racks: [rack({ bmcs: 0 })] }, /racks\[0\]\.bmcs: expected a whole number from 1/],
    [{ racks: [rack({ firstIp: '10.0.0' })] }, /racks\[0\]\.firstIp: not an IPv4 address/],
    [{ racks: [rack({ template: 'big' })] }, /racks\[0\]\.template: no template named "big"/],
    [{ racks: [rack({ faults: { lossPercent: -1 } })] }, /racks\[0\]\.faults: lossPercent must be 0-100/],
    [{ racks: [rack({ faults: { jitter: 5 } })] }, /racks\[0\]\.faults\.jitter: unknown key/],
    [{ racks: [rack()], users: [{ name: 'x', password: 'p', privilege: 'root' }] }, /users\[0\]\.privilege: expected one of/],
    [{ racks: [rack()], users: [{ name: 'x', password: 'a'.repeat(21) }] }, /users\[0\]\.password: at most 20 bytes/],
    [{ racks: [rack()], firmware: '1.x' }, /firmware: expected a version MAJOR\.MINOR/],
    [{ racks: [rack()], control: 'localhost' }, /control: expected HOST:PORT/],
    [{ racks: [rack()], colour: 'blue' }, /colour: unknown key/],
  ];
  for (const [doc, message] of bad) t.throws(() => fleetConfig(doc, 'f.yaml'), message, String(message));
  t.throws(() => fleetConfig({}, 'f.yaml'), FleetFileError);
  t.end();
});

t.test('fleet faults are the default, a rack\'s faults override them field by field', (t) => {
  const c = fleetConfig({ faults: { lossPercent: 5, latencyMs: 10 }, racks: [rack(), rack({ firstIp: '127.40.1.1', faults: { latencyMs: 99 } })] });
  t.same(c.racks[0].faults, { lossPercent: 5, latencyMs: 10 });
  t.same(c.racks[1].faults, { lossPercent: 5, latencyMs: 99 });
  t.end();
});

t.test('the plan: fleet order across racks, any slice, identical whichever process computes it', (t) => {
  const c = fleetConfig({ racks: [rack({ bmcs: 300, firstIp: '127.40.0.200' }), rack({ bmcs: 2, firstIp: '127.41.0.1', firmware: '2.05' })] });
  t.equal(fleetSize(c), 302);
  const all = placements(c);
  t.same(all.slice(0, 2).map((p) => p.ip), ['127.40.0.200', '127.40.0.201']);
  t.equal(all[55].ip, '127.40.1.1', '.255 and .0 are skipped');
  t.same(all.slice(300).map((p) => [p.index, p.ip, p.rack.firmware.major]), [[300, '127.41.0.1', 2], [301, '127.41.0.2', 2]]);
  t.same(placements(c, 290, 301).map((p) => p.ip), all.slice(290, 301).map((p) => p.ip), 'a slice equals the same part of the whole');
  t.equal(addressIndex(c).get('127.41.0.2'), 301);
  t.same(bmcOptions(c, all[301]).device, { firmwareMajor: 2, firmwareMinor: 5 });
  t.end();
});

t.test('overlapping racks are refused', (t) => {
  t.throws(() => fleetConfig({ racks: [rack({ bmcs: 10 }), rack({ firstIp: '127.40.0.5' })] }), /two BMCs on 127\.40\.0\.5/, 'when the file is read');
  const c = fleetConfig({ racks: [rack({ bmcs: 10 })] });
  c.racks.push({ ...c.racks[0], firstIp: '127.40.0.5' });
  t.throws(() => addressIndex(c), /two BMCs on 127\.40\.0\.5/, 'and by the plan, whatever built the config');
  t.end();
});

t.test('shards: contiguous near-equal slices covering the fleet; auto stays under the fd limit', (t) => {
  for (const [total, n] of [[10, 3], [50_000, 4], [7, 7]]) {
    const ranges = Array.from({ length: n }, (_, k) => shardRange(total, n, k));
    t.equal(ranges[0][0], 0);
    t.equal(ranges[n - 1][1], total);
    for (let k = 1; k < n; k++) t.equal(ranges[k][0], ranges[k - 1][1]);
  }
  t.equal(autoShards(4), 1);
  t.equal(autoShards(5_000), 2, 'both cores once the fleet is large');
  t.ok(50_000 / autoShards(50_000) <= 12_500, '50,000 BMCs: at most 12,500 sockets a process');
  t.end();
});

t.test('YAML files: the shipped default loads; syntax errors and missing files are clear', (t) => {
  const shipped = loadFleetFile(join(import.meta.dirname, '..', '..', '..', 'fleets', 'default.yaml'));
  t.equal(fleetSize(shipped), 8);
  const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
  writeFileSync(join(dir, 'bad.yaml'), 'racks: [ {bmcs: 2\n');
  t.throws(() => loadFleetFile(join(dir, 'bad.yaml')), /bad\.yaml:2:1: not valid YAML/);
  t.throws(() => loadFleetFile(join(dir, 'missing.yaml')), /missing\.yaml: cannot read: ENOENT/);
  t.end();
});

t.test('a rack\'s hardware template reaches its BMCs; serials stay distinct per BMC', async (t) => {
  const { BmcModel } = await import('../../emulator/bmc/model.js');
  const c = fleetConfig({
    templates: { big: { product: 'Big Box', disks: [{ slot: 'Bay 0', model: 'HDD', sizeGB: 12000 }] } },
    racks: [rack({ template: 'big', bmcs: 2 }), rack({ firstIp: '127.41.0.1', bmcs: 1 })],
  });
  const [a, b, plain] = placements(c).map((p) => new BmcModel(bmcOptions(c, p)));
  t.equal(a.hardware.product, 'Big Box');
  t.equal(a.hardware.disks.length, 1);
  t.match(a.hardware.disks[0].serial, /^SSD\w{9}$/, 'a serial derived for a disk the template gave none');
  t.not(a.hardware.disks[0].serial, b.hardware.disks[0].serial);
  t.not(a.hardware.serial, b.hardware.serial, 'system serials distinct');
  t.not(plain.hardware.product, 'Big Box', 'a rack without the template keeps the built-in hardware');
  t.throws(() => fleetConfig({ templates: { x: { cpus: 'two' } }, racks: [rack()] }), /templates\.x\.cpus: expected a list/);
  t.throws(() => fleetConfig({ templates: { x: { gpu: 'yes' } }, racks: [rack()] }), /templates\.x\.gpu: unknown key/);
});

t.test('hardware list items: every field named, of its kind, within the width the inventory command sends', (t) => {
  const bad = (templ: Record<string, unknown>, want: RegExp, what: string) => t.throws(() => fleetConfig({ templates: { x: templ }, racks: [rack()] }), want, what);
  const cpu = { model: 'CPU', cores: 8, threads: 16, mhz: 2400 };
  bad({ cpus: [{ ...cpu, cores: 70_000 }] }, /templates\.x\.cpus\[0\]\.cores: .*65535/, 'a u16 field over 65535');
  bad({ cpus: [{ ...cpu, threads: 2.5 }] }, /templates\.x\.cpus\[0\]\.threads/, 'a fraction');
  bad({ cpus: [{ model: 'CPU', cores: 8, threads: 16 }] }, /templates\.x\.cpus\[0\]\.mhz: required/, 'a field left out');
  bad({ cpus: [{ ...cpu, socket: 1 }] }, /templates\.x\.cpus\[0\]\.socket: unknown key/, 'a field the BMC has no place for');
  bad({ disks: [{ slot: 'Bay 0', model: 'HDD', sizeGB: 2 ** 32 }] }, /templates\.x\.disks\[0\]\.sizeGB/, 'a u32 field over 2^32-1');
  bad({ nics: [{ name: 'eth0', model: 'NIC', speedMbps: 1000, mac: '06:00:7f' }] }, /templates\.x\.nics\[0\]\.mac: expected a MAC/, 'a short MAC');
  const modules = (n: number, sizeGiB: number) => Array.from({ length: n }, (_, i) => ({ slot: `S${i}`, sizeGiB, type: 'DDR5', mhz: 4800 }));
  bad({ memory: modules(256, 1) }, /templates\.x\.memory: at most 255 items/, 'more items than a one-byte count');
  bad({ memory: modules(2, 40_000) }, /templates\.x\.memory: 80000 GiB in all/, 'a total over the summary\'s u16');
  const ok = fleetConfig({ templates: { x: { nics: [{ name: 'eth0', model: 'NIC', speedMbps: 1000 }], memory: modules(255, 256) } }, racks: [rack()] });
  t.equal((ok.templates.x.memory as unknown[]).length, 255, '255 modules of 256 GiB fit; a NIC may leave out its MAC (derived)');
  t.end();
});

t.test('MACs colon or dash separated; serial and MAC left out, null or empty are derived (YAML through to the BMC)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
  writeFileSync(join(dir, 'macs.yaml'), [
    'templates:',
    '  t:',
    '    nics:',
    '      - { name: eth0, model: NIC, speedMbps: 1000, mac: 06-00-7F-01-00-01 }',
    '      - { name: eth1, model: NIC, speedMbps: 1000, mac: ~ }',
    '      - { name: eth2, model: NIC, speedMbps: 1000, mac: "" }',
    '    disks:',
    '      - { slot: Bay 0, model: SSD, sizeGB: 960, serial: ~ }',
    '      - { slot: Bay 1, model: SSD, sizeGB: 960, serial: "" }',
    '    powerSupplies:',
    '      - { name: PSU1, model: P, watts: 800, serial: ~, partNumber: PN }',
    'racks: [ { bmcs: 1, firstIp: 127.40.0.1, template: t } ]',
  ].join('\n'));
  const c = loadFleetFile(join(dir, 'macs.yaml'));
  const hw = new BmcModel(bmcOptions(c, placements(c)[0])).hardware;
  t.equal(hw.nics[0].mac, '06-00-7F-01-00-01', 'a dash MAC is taken as given');
  t.match(hw.nics.slice(1).map((n) => n.mac), [/^06:/, /^06:/], 'null and empty MACs are derived');
  t.match(hw.disks.map((d) => d.serial), [/^SSD\w{9}$/, /^SSD\w{9}$/], 'null and empty serials are derived');
  t.match(hw.powerSupplies[0].serial, /^PS\w{10}$/);
  const bad = (mac: unknown) => t.throws(() => fleetConfig({ templates: { t: { nics: [{ name: 'e', model: 'N', speedMbps: 1, mac }] } }, racks: [rack()] }), /templates\.t\.nics\[0\]\.mac: expected a MAC/, String(mac));
  for (const mac of ['06:00:7f:01:00', '06:00-7f:01:00:01', '0600.7f01.0001', '06:00:7f:01:00:0g', 6]) bad(mac);
  t.throws(() => fleetConfig({ templates: { t: { disks: [{ slot: '', model: 'SSD', sizeGB: 1 }] } }, racks: [rack()] }), /disks\[0\]\.slot: expected a non-empty string/, 'only the ? fields may be empty');
  t.end();
});

t.test('strings that reach a FRU field: at most 63 bytes, named by path', (t) => {
  const long = 'x'.repeat(64);
  const psu = { name: 'PSU1', model: 'P', watts: 800, partNumber: 'PN' };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ vendor: long }, /templates\.x\.vendor: 64 bytes: at most 63 \(it goes into a FRU field\)/],
    [{ boardSerial: long }, /templates\.x\.boardSerial: 64 bytes/],
    [{ powerSupplies: [{ ...psu, model: long }] }, /templates\.x\.powerSupplies\[0\]\.model: 64 bytes/],
    [{ powerSupplies: [{ ...psu, partNumber: long }] }, /templates\.x\.powerSupplies\[0\]\.partNumber: 64 bytes/],
    [{ powerSupplies: [{ ...psu, serial: long }] }, /templates\.x\.powerSupplies\[0\]\.serial: 64 bytes/],
    [{ disks: [{ slot: 'B', model: 'D', sizeGB: 1, serial: long }] }, /templates\.x\.disks\[0\]\.serial: 64 bytes/],
  ];
  for (const [templ, want] of cases) t.throws(() => fleetConfig({ templates: { x: templ }, racks: [rack()] }), want, String(want));
  const max = 'é'.repeat(63); // Latin-1: one byte each in the FRU
  const c = fleetConfig({ templates: { x: { vendor: max, product: max, powerSupplies: [{ ...psu, model: max, serial: max, partNumber: max }] } }, racks: [rack({ template: 'x' })] });
  t.doesNotThrow(() => new BmcModel(bmcOptions(c, placements(c)[0])), '63 bytes each: the BMC builds its FRU images');
  t.end();
});

t.test('power supplies: at most 254, FRU devices 1 to FEh (FFh reserved, IPMI 2.0 §34.1)', (t) => {
  const psus = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `PSU${i + 1}`, model: 'P', watts: 800, partNumber: 'PN' }));
  t.throws(() => fleetConfig({ templates: { x: { powerSupplies: psus(255) } }, racks: [rack()] }), /templates\.x\.powerSupplies: at most 254 items \(each is a FRU device, IDs 1 to FEh; FFh is reserved\)/);
  const c = fleetConfig({ templates: { x: { powerSupplies: psus(254) } }, racks: [rack({ template: 'x' })] });
  const fru = new BmcModel(bmcOptions(c, placements(c)[0])).fru;
  t.equal(Math.max(...fru.ids()), 0xfe, 'the last power supply is FRU FEh');
  t.end();
});

t.test('faults for single BMCs, by address, over their rack\'s', (t) => {
  const c = fleetConfig({ faults: { lossPercent: 1 }, bmcs: { '127.40.0.2': { faults: { latencyMs: 70 } } }, racks: [rack({ faults: { latencyMs: 5 } })] });
  const [a, b] = placements(c).map((p) => bmcOptions(c, p).faults);
  t.same(a, { lossPercent: 1, latencyMs: 5 });
  t.same(b, { lossPercent: 1, latencyMs: 70 });
  t.throws(() => fleetConfig({ bmcs: { 'bmc-7': {} }, racks: [rack()] }), /bmcs\.bmc-7: not an IPv4 address/);
  t.throws(() => fleetConfig({ bmcs: { '127.40.0.2': { faults: { lossPercent: 300 } } }, racks: [rack()] }), /bmcs\.127\.40\.0\.2\.faults: lossPercent/);
  t.end();
});

t.test('console line interval: fleet default, rack override, checked', (t) => {
  const c = fleetConfig({ console: { lineIntervalMs: 250 }, racks: [rack(), rack({ firstIp: '127.41.0.1', console: { lineIntervalMs: 50 } })] });
  t.same(placements(c).map((p) => bmcOptions(c, p).console?.lineIntervalMs), [250, 250, 250, 50, 50, 50]);
  t.equal(fleetConfig({ racks: [rack()] }).racks[0].consoleLineIntervalMs, 1000, 'one line a second by default');
  t.throws(() => fleetConfig({ console: { lineIntervalMs: 1 }, racks: [rack()] }), /console\.lineIntervalMs: expected a whole number from 10/);
  t.end();
});

t.test('iSNS server and emulated targets: names, portals, LUNs, checks', (t) => {
  const c = fleetConfig({ isns: { listen: '127.0.0.1:3205' }, racks: [rack()], targets: [
    { name: 'vol', count: 2, firstIp: '127.50.0.254', luns: [{ lun: 3, sizeGB: 10, state: 'busy' }] },
    { name: 'single', firstIp: '127.51.0.1', port: 3261 },
  ] });
  t.same(c.isns, { host: '127.0.0.1', port: 3205, defaultDiscoveryDomain: true });
  t.same(c.targets.map((x) => [x.iqn, x.ip, x.port]), [
    ['iqn.2026-11.org.bmcfleet:vol-1', '127.50.0.254', 3260], ['iqn.2026-11.org.bmcfleet:vol-2', '127.50.1.1', 3260],
    ['iqn.2026-11.org.bmcfleet:single', '127.51.0.1', 3261]]);
  t.same(c.targets[0].luns, [{ lun: 3, sizeGB: 10, state: 'busy' }]);
  t.same(c.targets[2].luns, [{ lun: 0, sizeGB: 100, state: 'online' }], 'one 100 GB LUN by default');
  t.throws(() => fleetConfig({ racks: [rack()], targets: [{ name: 'x', firstIp: '127.50.0.1' }] }), /add isns: \{ listen: HOST:PORT \}/);
  t.throws(() => fleetConfig({ isns: { listen: '127.0.0.1:3205' }, racks: [rack()], targets: [{ name: 'x', firstIp: '127.50.0.1', luns: [{ lun: 0, sizeGB: 1, state: 'melted' }] }] }),
    /targets\[0\]\.luns\[0\]\.state: expected one of/);
  t.throws(() => fleetConfig({ isns: { listen: '127.0.0.1:3205' }, racks: [rack()], targets: [{ name: 'x', firstIp: '127.50.0.1' }, { name: 'x', firstIp: '127.50.0.9' }] }),
    /two targets named iqn\.2026-11\.org\.bmcfleet:x/);
  t.end();
});
