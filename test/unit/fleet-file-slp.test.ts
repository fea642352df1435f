// The fleet file's isns.slp: how SLP clients find the fleet's iSNS server (RFC 2608); off when absent, {} for
// scope DEFAULT on UDP 427 with multicast; every bad field named by its path.
import t from 'tap';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';

const rack = { bmcs: 1, firstIp: '127.40.0.1' };
const withIsns = (isns: object) => fleetConfig({ isns: { listen: '127.0.0.1:3205', ...isns }, racks: [rack] });

t.test('isns.slp: defaults, every field, absent = off', (t) => {
  t.same(withIsns({ slp: {} }).isns?.slp, { scopes: ['DEFAULT'], port: 427, multicast: true, directoryAgent: null, lifetimeSeconds: 10800 });
  t.same(withIsns({ slp: { scopes: ['lab', 'rack-1'], port: 10427, multicast: false, directoryAgent: '127.0.0.5:427', lifetimeSeconds: 300 } }).isns?.slp,
    { scopes: ['lab', 'rack-1'], port: 10427, multicast: false, directoryAgent: { host: '127.0.0.5', port: 427 }, lifetimeSeconds: 300 });
  t.notOk('slp' in withIsns({}).isns!, 'no slp key when not configured');
  t.notOk('slp' in withIsns({ slp: null }).isns!, 'null is off too');
  t.end();
});

t.test('isns.slp: errors name the field', (t) => {
  t.throws(() => withIsns({ slp: { scopes: [] } }), /isns\.slp\.scopes: at least one scope/);
  t.throws(() => withIsns({ slp: { scopes: ['a,b'] } }), /isns\.slp\.scopes\[0\]: a scope name cannot hold/);
  t.throws(() => withIsns({ slp: { port: 0 } }), /isns\.slp\.port: expected a whole number from 1 to 65535, got 0/);
  t.throws(() => withIsns({ slp: { directoryAgent: 'nowhere' } }), /isns\.slp\.directoryAgent: expected HOST:PORT/);
  t.throws(() => withIsns({ slp: { directoryAgent: '127.0.0.1:0' } }), /isns\.slp\.directoryAgent: port 0/);
  t.throws(() => withIsns({ slp: { lifetimeSeconds: 65536 } }), /isns\.slp\.lifetimeSeconds/);
  t.throws(() => withIsns({ slp: { scope: 'x' } }), /isns\.slp\.scope: unknown key/);
  t.end();
});
