// Which RMCs the manager governs (a YAML file, or an emulated fleet's GET /rmcs) and which a selector picks.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchFleetRmcs, loadRmcFile } from '../../orchestrator/manager/rmc-inventory.js';
import { selectRmcs, selectorItems } from '../../orchestrator/manager/rack-selector.js';
import { systemClock } from '../../runtime/clock.js';
import { ManualClock } from '../../runtime/manual-clock.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-inventory-'));

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

t.test('a YAML list of {id, ip, rack}', async (t) => {
  const f = file('rmcs.yaml', '- { id: 1, ip: 127.1.0.250, rack: rack-a }\n- { id: 2, ip: 127.1.1.250, rack: rack-b }\n');
  t.same(loadRmcFile(f), [
    { rmcId: 1, address: '127.1.0.250', rackName: 'rack-a' },
    { rmcId: 2, address: '127.1.1.250', rackName: 'rack-b' },
  ]);
  const cases: [string, RegExp][] = [
    ['rack: a\n', /expected a list of \{id, ip, rack\}/],
    ['- { id: 1, ip: 127.1.0.999, rack: a }\n', /\[0\]\.ip: not an IPv4 address/],
    ['- { id: -1, ip: 127.1.0.1, rack: a }\n', /\[0\]\.id: an RMC ID is a whole number from 0 to 4294967294/],
    ['- { id: 4294967295, ip: 127.1.0.1, rack: a }\n', /\[0\]\.id/],
    ['- { id: 1, ip: 127.1.0.1, rack: "" }\n', /\[0\]\.rack: a rack name is 1 to 64 bytes/],
    ['- { id: 1, ip: 127.1.0.1, rack: a }\n- { id: 1, ip: 127.1.0.2, rack: b }\n', /\[1\]\.id: RMC ID 1 is listed twice/],
    ['- { id: 1, ip: 127.1.0.1, rack: a }\n- { id: 2, ip: 127.1.0.1, rack: b }\n', /\[1\]\.ip: 127\.1\.0\.1 is listed twice/],
    ['- { id: 1, ip: 127.1.0.1, rack: a }\n- { id: 2, ip: 127.1.0.2, rack: a }\n', /\[1\]\.rack: rack a is listed twice/],
    ['- { id: 1, ip: 127.1.0.1, rack: a, port: 9 }\n', /\[0\]: unknown field port/],
    ['- [1, 2\n', /bad\.yaml: /],
  ];
  for (const [text, message] of cases) t.throws(() => loadRmcFile(file('bad.yaml', text)), message, text.trim());
  t.throws(() => loadRmcFile(join(dir, 'missing.yaml')), /missing\.yaml: ENOENT/);
});

t.test('an emulated fleet\'s control API: GET /rmcs', async (t) => {
  let auth: string | undefined;
  const server = createServer((req, res) => {
    auth = req.headers.authorization;
    if (req.url === '/rmcs') {
      res.end(JSON.stringify({ rmcs: [{ ip: '127.1.0.250', id: 1, rack: 'rack-1', bmcs: 4, shard: 0, rollout: null }], listeners: [] }));
    } else {
      res.writeHead(404).end(JSON.stringify({ error: 'no such endpoint' }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  t.same(await fetchFleetRmcs(`${url}/`, systemClock, 'tok'), [{ rmcId: 1, address: '127.1.0.250', rackName: 'rack-1' }]);
  t.equal(auth, 'Bearer tok');
  await t.rejects(fetchFleetRmcs(`${url}/other`, systemClock), /\/other\/rmcs: no such endpoint \(HTTP 404\)/);
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));
  await t.rejects(fetchFleetRmcs(`http://127.0.0.1:${closedPort}`, systemClock), /\/rmcs: ECONNREFUSED/);
});

t.test('an emulated fleet that never answers: given up after the timeout, on the clock', async (t) => {
  const server = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  const clock = new ManualClock(0);
  const pending = fetchFleetRmcs(`http://127.0.0.1:${(server.address() as { port: number }).port}`, clock, null, 5000);
  await new Promise((r) => setTimeout(r, 50));
  clock.advance(5000);
  await t.rejects(pending, /no answer within 5000 ms/);
});

t.test('selectors: names, globs, RMC IDs; inventory order; unknown racks named', async (t) => {
  const inv = ['rack-1', 'rack-2', 'rack-10', 'row2-a', '7'].map((rackName, i) => ({ rmcId: i + 1, address: `127.9.${i}.250`, rackName }));
  const names = (items: string) => selectRmcs(inv, selectorItems(items)).map((r) => r.rackName);
  t.same(names(''), ['rack-1', 'rack-2', 'rack-10', 'row2-a', '7'], 'no selector: every RMC');
  t.same(names('row2-a, rack-1'), ['rack-1', 'row2-a'], 'plan order is the inventory\'s');
  t.same(names('rack-?'), ['rack-1', 'rack-2']);
  t.same(names('rack-*,rack-1'), ['rack-1', 'rack-2', 'rack-10'], 'each RMC once');
  t.same(names('2,4'), ['rack-2', 'row2-a'], 'RMC IDs');
  t.same(names('7'), ['7'], 'a rack named like an ID wins');
  t.throws(() => names('r.ck-1'), /unknown rack: r\.ck-1/, '. is no wildcard');
  t.same(selectorItems(['a,b', ' c ']), ['a', 'b', 'c']);
  t.throws(() => names('rack-3'), /unknown rack: rack-3 \(racks: rack-1, rack-2, rack-10, row2-a, 7\)/);
  t.throws(() => names('rack-1,x*,99'), /unknown racks: x\*, 99 /);
  const many = Array.from({ length: 12 }, (_, i) => ({ rmcId: i, address: `127.9.${i}.1`, rackName: `r${i}` }));
  t.throws(() => selectRmcs(many, ['q']), /racks: r0, r1, .* r9, \.\.\. \(12 in all\)/);
});
