// The fleet file's isns.heartbeat: where and how often the fleet's iSNS server sends Heartbeats
// (RFC 4171 §5.6.5.14); off when absent; every bad field named by its path.
import t from 'tap';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';

const rack = { bmcs: 1, firstIp: '127.40.0.1' };
const withIsns = (isns: object) => fleetConfig({ isns: { listen: '127.0.0.1:3205', ...isns }, racks: [rack] });

t.test('isns.heartbeat: passed through, interval 5 s by default, absent = off', (t) => {
  t.same(withIsns({ heartbeat: { to: '239.1.1.1:3205', intervalSeconds: 10 } }).isns?.heartbeat, { address: '239.1.1.1', port: 3205, intervalSeconds: 10 });
  t.same(withIsns({ heartbeat: { to: '127.0.0.1:17999' } }).isns?.heartbeat, { address: '127.0.0.1', port: 17999, intervalSeconds: 5 });
  t.notOk('heartbeat' in withIsns({}).isns!, 'no heartbeat key when not configured');
  t.end();
});

t.test('isns.heartbeat: errors name the field', (t) => {
  t.throws(() => withIsns({ heartbeat: {} }), /isns\.heartbeat\.to: required/);
  t.throws(() => withIsns({ heartbeat: { to: 'nowhere' } }), /isns\.heartbeat\.to: expected HOST:PORT/);
  t.throws(() => withIsns({ heartbeat: { to: '127.0.0.1:0' } }), /isns\.heartbeat\.to: port 0/);
  t.throws(() => withIsns({ heartbeat: { to: '127.0.0.1:3205', intervalSeconds: 0 } }), /isns\.heartbeat\.intervalSeconds: expected a whole number from 1 to 86400, got 0/);
  t.throws(() => withIsns({ heartbeat: { to: '127.0.0.1:3205', intervalSeconds: '5' } }), /isns\.heartbeat\.intervalSeconds/);
  t.throws(() => withIsns({ heartbeat: { to: '127.0.0.1:3205', every: 5 } }), /isns\.heartbeat\.every: unknown key/);
  t.throws(() => withIsns({ heartbeat: '127.0.0.1:3205' }), /isns\.heartbeat: expected a mapping/);
  t.end();
});
