// The cluster file (orchestrator/cluster-update/cluster-file.ts): groups, pairs and budgets read from YAML; every
// mistake at once with its line, and limits that could never let a host go down refused.
import t from 'tap';
import { clusterHosts, readClusterText, shareOf } from '../../orchestrator/cluster-update/cluster-file.js';
import { join } from 'node:path';
import { loadClusterFile } from '../../orchestrator/cluster-update/cluster-file.js';
import { loadFleetFile } from '../../emulator/fleet/fleet-file.js';
import { consecutiveAddresses } from '../../runtime/ipv4.js';

const GOOD = `cluster: web
groups:
  - { name: rack-a, hosts: 127.60.1.1-127.60.1.4, maxDown: 2 }
  - { name: rack-b, hosts: [127.60.2.1, 127.60.2.2, 127.60.2.3], maxDown: 50% }
pairs: [[127.60.1.1, 127.60.2.1]]
failureBudget: 10%
`;

t.test('a good file: hosts expanded from ranges and lists, shares kept as written', (t) => {
  const c = readClusterText(GOOD).value!;
  t.ok(c, 'read');
  t.same(c.groups[0].hosts, ['127.60.1.1', '127.60.1.2', '127.60.1.3', '127.60.1.4']);
  t.same(c.groups[1].maxDown, { percent: 50 });
  t.equal(shareOf(c.groups[1].maxDown, 3), 1, '50% of 3 rounds down to 1');
  t.same(c.failureBudget, { percent: 10 });
  t.equal(clusterHosts(c).length, 7);
  t.end();
});

t.test('the failure budget defaults to one failure', (t) => {
  const c = readClusterText('cluster: c\ngroups: [{ name: g, hosts: 127.60.1.1, maxDown: 1 }]\n').value!;
  t.same(c.failureBudget, { count: 1 });
  t.same(c.pairs, []);
  t.end();
});

t.test('every mistake at once, each at its line', (t) => {
  const checked = readClusterText(`cluster: Web
groups:
  - { name: rack-a, hosts: 127.60.1.1-127.60.1.4, maxDown: 0 }
  - { name: rack-b, hosts: 127.60.1.9-127.60.1.1, maxDown: 1 }
  - { name: tiny, hosts: [127.60.3.1, 127.60.3.2], maxDown: 10% }
  - { name: dup, hosts: "127.60.4.1,127.60.4.1", maxDown: 1 }
  - { name: extra, hosts: 127.60.5.1, maxDown: 1, max: 3 }
failureBudget: lots
`);
  t.equal(checked.value, null);
  t.same(checked.issues.map((i) => `${i.line}: ${i.message}`), [
    '1: a cluster name is lower-case letters, digits and dashes; got "Web"',
    '3: max-down 0 of 4 hosts is 0: no host of rack-a could ever be updated',
    '4: 127.60.1.9-127.60.1.1 runs backwards',
    '5: max-down 10% of 2 hosts is 0: no host of tiny could ever be updated',
    '6: 127.60.4.1 is listed twice',
    '7: unknown key (known here: name, hosts, maxDown)',
    '8: expected failures that pause the whole update: a whole number or a share like 10%, got "lots"',
  ]);
  t.end();
});

t.test('across groups, once each group is right: two groups with one name, pairs outside the cluster', (t) => {
  const checked = readClusterText(`cluster: web
groups:
  - { name: rack-a, hosts: 127.60.1.1-127.60.1.4, maxDown: 1 }
  - { name: rack-a, hosts: 127.60.2.1, maxDown: 1 }
pairs: [[127.60.1.1, 127.60.9.9], [127.60.1.2, 127.60.1.2]]
`);
  t.same(checked.issues.map((i) => `${i.line}: ${i.message}`), [
    '4: a second group named rack-a',
    '5: 127.60.9.9 is in no group of the cluster',
    '5: a host cannot pair with itself (127.60.1.2)',
  ]);
  t.end();
});

t.test('a share over 100% is refused', (t) => {
  const checked = readClusterText('cluster: c\ngroups: [{ name: g, hosts: 127.60.1.1, maxDown: 150% }]\n');
  t.equal(checked.value, null);
  t.match(checked.issues[0].message, /at most 100%/);
  t.end();
});

t.test('the shipped example, fleets/cluster.yaml (README "One cluster update"), is rack-a of the default fleet, one down at a time', (t) => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const cluster = loadClusterFile(join(root, 'fleets', 'cluster.yaml'));
  const fleet = loadFleetFile(join(root, 'fleets', 'default.yaml'));
  const rackA = fleet.racks.find((r) => r.name === 'rack-a')!;
  t.same(clusterHosts(cluster), consecutiveAddresses(rackA.firstIp, rackA.count));
  t.same(cluster.groups.map((g) => shareOf(g.maxDown, g.hosts.length)), [1]);
  t.end();
});
