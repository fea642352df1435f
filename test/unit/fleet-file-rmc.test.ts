// The fleet file's rack controllers: racks[].rmc (its own address and an RMC ID, by default the rack's number) and
// the fleet-level rollout: section (port, the manager's Ed25519 public key); every bad field named by its path.
// Also where each RMC runs: with its rack's first BMC, never on a BMC's address.
import t from 'tap';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';
import { rmcPositions } from '../../emulator/rack/rmc-nodes.js';
import { bmcOptions, placements } from '../../emulator/fleet/plan.js';

// RFC 8032 §7.1 TEST 1's public key, base64.
const KEY = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').toString('base64');
const racks = (rmcA: unknown, rmcB: unknown = undefined) => [
  { name: 'a', bmcs: 3, firstIp: '127.41.0.1', rmc: rmcA },
  { name: 'b', bmcs: 2, firstIp: '127.41.1.1', rmc: rmcB },
];

t.test('racks[].rmc: its address, the ID given or the rack number; none when left out; rollout defaults', (t) => {
  const c = fleetConfig({ racks: racks({ ip: '127.42.0.1' }, { ip: '127.42.0.2', id: 77 }) });
  t.same(c.racks.map((r) => r.rmc), [{ ip: '127.42.0.1', id: 1 }, { ip: '127.42.0.2', id: 77 }]);
  t.same(c.rollout, { port: 4623, managerKeys: [] }, 'port 4623, no key: every signed command refused');
  t.equal(fleetConfig({ racks: [{ bmcs: 1, firstIp: '127.41.0.1' }] }).racks[0].rmc, null);
  t.same(fleetConfig({ rollout: { port: 14623, managerKey: KEY }, racks: racks(null) }).rollout, { port: 14623, managerKeys: [KEY] });
  t.end();
});

t.test('racks[].rmc and rollout: errors name the field', (t) => {
  t.throws(() => fleetConfig({ racks: racks({}) }), /racks\[0\]\.rmc\.ip: required/);
  t.throws(() => fleetConfig({ racks: racks({ ip: '127.42.0.300' }) }), /racks\[0\]\.rmc\.ip: not an IPv4 address/);
  t.throws(() => fleetConfig({ racks: racks({ ip: '127.42.0.1', id: 0xffffffff }) }), /racks\[0\]\.rmc\.id: expected a whole number from 0 to 4294967294/);
  t.throws(() => fleetConfig({ racks: racks({ ip: '127.42.0.1', port: 1 }) }), /racks\[0\]\.rmc\.port: unknown key/);
  t.throws(() => fleetConfig({ racks: racks({ ip: '127.42.0.1' }, { ip: '127.42.0.1' }) }), /racks\[1\]\.rmc\.ip: 127\.42\.0\.1 is racks\[0\]'s RMC already/);
  t.throws(() => fleetConfig({ racks: racks({ ip: '127.42.0.1', id: 2 }, { ip: '127.42.0.2' }) }), /racks\[1\]\.rmc\.id: ID 2 is racks\[0\]'s RMC already/);
  t.throws(() => fleetConfig({ racks: [{ name: 'r'.repeat(65), bmcs: 1, firstIp: '127.41.0.1', rmc: { ip: '127.42.0.1' } }] }), /racks\[0\]\.name: at most 64 bytes/);
  t.throws(() => fleetConfig({ racks: [{ bmcs: 70_000, firstIp: '127.41.0.1', rmc: { ip: '127.42.0.1' } }] }), /racks\[0\]\.bmcs: at most 65535/);
  t.throws(() => fleetConfig({ rollout: { managerKey: 'not base64!' }, racks: racks(null) }), /rollout\.managerKey: expected the manager's raw Ed25519 public key, 32 bytes in base64/);
  t.throws(() => fleetConfig({ rollout: { managerKey: Buffer.alloc(31).toString('base64') }, racks: racks(null) }), /rollout\.managerKey/);
  t.throws(() => fleetConfig({ rollout: { port: 0 }, racks: racks(null) }), /rollout\.port: expected a whole number from 1 to 65535/);
  t.throws(() => fleetConfig({ rollout: { keys: [] }, racks: racks(null) }), /rollout\.keys: unknown key/);
  t.end();
});

t.test('each RMC runs with its rack\'s first BMC, and never on a BMC\'s address', (t) => {
  t.same([...rmcPositions(fleetConfig({ racks: racks({ ip: '127.42.0.1' }, { ip: '127.42.0.2' }) }))], [['127.42.0.1', 0], ['127.42.0.2', 3]]);
  t.same([...rmcPositions(fleetConfig({ racks: racks(null, { ip: '127.42.0.2' }) }))], [['127.42.0.2', 3]]);
  t.throws(() => rmcPositions(fleetConfig({ racks: racks({ ip: '127.41.1.2' }) })), /rack a's RMC is on 127\.41\.1\.2, BMC number 4's address/);
  t.end();
});

t.test('firmwareTimings: each HPM.1 step\'s duration for every BMC, checked; the rest keep their defaults', (t) => {
  const c = fleetConfig({ firmwareTimings: { writeMs: 20, rebootMs: 300 }, racks: racks(null) });
  t.same(c.firmwareTimings, { writeMs: 20, rebootMs: 300 });
  t.same(bmcOptions(c, placements(c)[0]).firmwareUpgrade, { writeMs: 20, rebootMs: 300 }, 'every BMC gets them');
  t.same(fleetConfig({ racks: racks(null) }).firmwareTimings, {}, 'none given: the defaults');
  t.throws(() => fleetConfig({ firmwareTimings: { flashMs: 1 }, racks: racks(null) }), /firmwareTimings\.flashMs: unknown key/);
  t.throws(() => fleetConfig({ firmwareTimings: { rebootMs: -1 }, racks: racks(null) }), /firmwareTimings\.rebootMs/);
  t.end();
});
