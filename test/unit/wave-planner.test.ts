// The cluster update's admission (orchestrator/cluster-update/wave-planner.ts): max-down per group, pairs never down
// together, failures holding their slot, the failure budget's pause, and a manager started again from stored states.
import t from 'tap';
import { readClusterText, type ClusterFile } from '../../orchestrator/cluster-update/cluster-file.js';
import { HostUpdate, WavePlanner } from '../../orchestrator/cluster-update/wave-planner.js';
import { fuzzSeed, Rng, seedHex } from '../fuzz/fuzz-helpers.js';

function cluster(yaml: string): ClusterFile {
  const checked = readClusterText(yaml);
  if (checked.value === null) throw new Error(JSON.stringify(checked.issues));
  return checked.value;
}

const TWO_RACKS = cluster(`cluster: web
groups:
  - { name: a, hosts: 127.60.1.1-127.60.1.5, maxDown: 2 }
  - { name: b, hosts: 127.60.2.1-127.60.2.4, maxDown: 50% }
pairs: [[127.60.1.3, 127.60.2.3]]
failureBudget: 2
`);

t.test('each group fills to its max-down, in file order; a finished host lets the next one start', (t) => {
  const p = new WavePlanner(TWO_RACKS);
  t.same(p.admit(), ['127.60.1.1', '127.60.1.2', '127.60.2.1', '127.60.2.2']);
  t.same(p.admit(), [], 'nothing more until one ends');
  t.equal(p.whyWaiting('127.60.1.3'), 'a has 2 down, its max-down is 2');
  p.finish('127.60.1.1', HostUpdate.UPDATED);
  t.same(p.admit(), ['127.60.1.3']);
  t.end();
});

t.test('a pair is never down together', (t) => {
  const p = new WavePlanner(cluster(`cluster: c
groups:
  - { name: a, hosts: 127.60.1.1-127.60.1.3, maxDown: 3 }
  - { name: b, hosts: 127.60.2.1-127.60.2.3, maxDown: 3 }
pairs: [[127.60.1.1, 127.60.2.1]]
`));
  t.same(p.admit(), ['127.60.1.1', '127.60.1.2', '127.60.1.3', '127.60.2.2', '127.60.2.3'], 'room for all, but not for both of the pair');
  t.equal(p.whyWaiting('127.60.2.1'), 'its pair 127.60.1.1 is updating');
  p.finish('127.60.1.1', HostUpdate.FAILED);
  t.same(p.admit(), [], 'a failed partner is still down');
  t.equal(p.whyWaiting('127.60.2.1'), 'its pair 127.60.1.1 is failed');
  p.resume(true);
  t.same(p.admit(), ['127.60.1.1'], 'retried first, in file order: the partner waits again');
  p.finish('127.60.1.1', HostUpdate.UPDATED);
  t.same(p.admit(), ['127.60.2.1']);
  t.end();
});

t.test('a failed host stays down: the wave does not grow past it', (t) => {
  const p = new WavePlanner(TWO_RACKS);
  p.admit();
  p.finish('127.60.1.1', HostUpdate.FAILED);
  t.same(p.admit(), [], 'a still has 2 down: the failed one and the one updating');
  t.equal(p.paused, null, 'one failure, a budget of two');
  t.end();
});

t.test('the failure budget pauses the update; resume counts again and can retry the failed', (t) => {
  const p = new WavePlanner(TWO_RACKS);
  p.admit();
  p.finish('127.60.1.1', HostUpdate.FAILED);
  p.finish('127.60.2.1', HostUpdate.FAILED);
  t.equal(p.paused, '2 failed, the failure budget is 2');
  p.finish('127.60.2.2', HostUpdate.UPDATED);
  t.same(p.admit(), [], 'nothing starts while paused');
  p.resume(true);
  t.equal(p.state('127.60.1.1'), HostUpdate.PENDING, 'back in line');
  t.same(p.admit(), ['127.60.1.1', '127.60.2.1', '127.60.2.3'], 'a back to 2 of 2; b to 2 of 2 (127.60.2.3\'s pair is only pending)');
  t.end();
});

t.test('a manager started again: stored states and the pause carry over', (t) => {
  const p = new WavePlanner(TWO_RACKS);
  p.admit();
  p.finish('127.60.1.1', HostUpdate.FAILED);
  p.pause('operator');
  const stored = new Map([...['127.60.1.1', '127.60.1.2', '127.60.2.1', '127.60.2.2'].map((h) => [h, p.state(h)!] as const)]);
  const again = new WavePlanner(TWO_RACKS, stored, p.progress);
  t.same(again.downByGroup().get('a'), { down: 2, allowed: 2 });
  t.equal(again.paused, 'operator');
  t.same(again.admit(), []);
  again.resume();
  t.same(again.admit(), [], 'a is full (one failed, one updating); b is full');
  again.finish('127.60.2.1', HostUpdate.UPDATED);
  t.same(again.admit(), ['127.60.2.3']);
  t.end();
});

t.test('skipped hosts never go down; done once nothing is pending or updating', (t) => {
  const p = new WavePlanner(cluster('cluster: c\ngroups: [{ name: g, hosts: 127.60.1.1-127.60.1.3, maxDown: 1 }]\n'));
  p.skip('127.60.1.1');
  t.same(p.admit(), ['127.60.1.2']);
  p.finish('127.60.1.2', HostUpdate.UPDATED);
  t.notOk(p.done);
  t.same(p.admit(), ['127.60.1.3']);
  p.finish('127.60.1.3', HostUpdate.UPDATED);
  t.ok(p.done);
  t.end();
});

t.test('seeded runs: random clusters and endings never break a limit, and end with every host handled', (t) => {
  const seed = fuzzSeed();
  const rng = new Rng(seed);
  for (let run = 0; run < 200; run++) {
    const groups = 1 + rng.int(4);
    const lines = ['cluster: c', 'groups:'];
    let next = 1;
    const all: string[] = [];
    for (let g = 0; g < groups; g++) {
      const size = 1 + rng.int(12);
      const first = next;
      next += size;
      for (let i = first; i < first + size; i++) all.push(`127.61.${g}.${i}`);
      lines.push(`  - { name: g${g}, hosts: 127.61.${g}.${first}-127.61.${g}.${first + size - 1}, maxDown: ${1 + rng.int(size)} }`);
    }
    const pairs: [string, string][] = [];
    for (let i = 0; i < rng.int(4); i++) {
      const a = all[rng.int(all.length)];
      const b = all[rng.int(all.length)];
      if (a !== b) pairs.push([a, b]);
    }
    lines.push(`pairs: ${JSON.stringify(pairs)}`, 'failureBudget: 100%');
    const c = cluster(lines.join('\n'));
    const p = new WavePlanner(c);
    const updating = new Set<string>();
    for (let step = 0; step < 10_000 && !p.done; step++) {
      for (const h of p.admit()) updating.add(h);
      for (const g of c.groups) {
        const down = g.hosts.filter((h) => p.state(h) === HostUpdate.UPDATING || p.state(h) === HostUpdate.FAILED).length;
        if (down > p.downByGroup().get(g.name)!.allowed) t.fail(`seed ${seedHex(seed)} run ${run}: ${g.name} has ${down} down`);
      }
      for (const [a, b] of c.pairs) {
        const isDown = (h: string) => p.state(h) === HostUpdate.UPDATING || p.state(h) === HostUpdate.FAILED;
        if (isDown(a) && isDown(b)) t.fail(`seed ${seedHex(seed)} run ${run}: pair ${a} ${b} down together`);
      }
      if (updating.size === 0) break;
      const h = [...updating][rng.int(updating.size)];
      updating.delete(h);
      p.finish(h, HostUpdate.UPDATED);
    }
    if (!p.done || all.some((h) => p.state(h) !== HostUpdate.UPDATED)) t.fail(`seed ${seedHex(seed)} run ${run}: not every host updated`);
  }
  t.pass(`200 seeded clusters (seed ${seedHex(seed)}; FUZZ_SEED replays)`);
  t.end();
});
