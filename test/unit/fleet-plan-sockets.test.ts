// Shards are cut by sockets, not BMCs (issue 12): each RMC is a socket in the shard of its rack's first BMC, so a
// fleet of 50,000 one-BMC racks with RMCs (100,000 sockets) needs twice the shards 50,000 BMCs do.
import t, { type Test } from 'tap';
import { fleetConfig, type FleetConfig } from '../../emulator/fleet/fleet-config.js';
import { SOCKETS_PER_SHARD, fleetSockets, fleetSize, shardRange, shardRanges } from '../../emulator/fleet/plan.js';
import { consecutiveAddresses } from '../../runtime/ipv4.js';

/** Sockets in each shard: its BMCs, and the RMCs of the racks whose first BMC it runs. */
function socketsPerShard(cfg: FleetConfig, ranges: [number, number][]): number[] {
  const rmcAt = new Set<number>();
  let position = 0;
  for (const rack of cfg.racks) {
    if (rack.rmc) rmcAt.add(position);
    position += rack.count;
  }
  return ranges.map(([from, to]) => {
    let n = to - from;
    for (let p = from; p < to; p++) if (rmcAt.has(p)) n++;
    return n;
  });
}

function contiguous(t: Test, ranges: [number, number][], total: number): void {
  t.equal(ranges[0][0], 0, 'from the first BMC');
  t.equal(ranges[ranges.length - 1][1], total, 'to the last');
  for (let k = 1; k < ranges.length; k++) t.equal(ranges[k][0], ranges[k - 1][1]);
  t.ok(ranges.every(([from, to]) => from < to), 'none empty');
}

/** `n` racks of one BMC each with an RMC: BMCs from 127.100.0.1 (up), RMCs from 127.200.0.1 (.0 and .255 skipped, as in a rack). */
function oneBmcRacks(n: number, shards?: number): FleetConfig {
  const [bmcs, rmcs] = [consecutiveAddresses('127.100.0.1', n), consecutiveAddresses('127.200.0.1', n)];
  return fleetConfig({
    ...(shards ? { shards } : {}),
    racks: Array.from({ length: n }, (_, i) => ({ name: `r${i}`, bmcs: 1, firstIp: bmcs[i], rmc: { ip: rmcs[i], id: i + 1 } })),
  });
}

t.test('50,000 racks of one BMC and an RMC: 100,000 sockets over 8 shards, none past its budget', (t) => {
  const cfg = oneBmcRacks(50_000);
  t.equal(fleetSockets(cfg), 100_000);
  const ranges = shardRanges(cfg);
  t.equal(ranges.length, 8, 'by BMCs alone it would have been 4, 25,000 sockets each');
  contiguous(t, ranges, 50_000);
  const sockets = socketsPerShard(cfg, ranges);
  t.ok(sockets.every((n) => n <= SOCKETS_PER_SHARD), `at most ${SOCKETS_PER_SHARD} sockets a shard: ${sockets.join(', ')}`);
  t.end();
});

t.test('mixed racks: big racks without RMCs, then many small ones with: shards balanced by sockets', (t) => {
  const big = Array.from({ length: 200 }, (_, i) => ({ name: `big${i}`, bmcs: 40, firstIp: `127.1.${i}.1` }));
  const [bmcs, rmcs] = [consecutiveAddresses('127.2.0.1', 12_000), consecutiveAddresses('127.3.0.1', 12_000)];
  const small = Array.from({ length: 12_000 }, (_, i) => ({ name: `s${i}`, bmcs: 1, firstIp: bmcs[i], rmc: { ip: rmcs[i], id: i + 1 } }));
  const cfg = fleetConfig({ racks: [...big, ...small] });
  const ranges = shardRanges(cfg);
  contiguous(t, ranges, fleetSize(cfg));
  const sockets = socketsPerShard(cfg, ranges);
  t.equal(ranges.length, 3, '8,000 + 24,000 sockets: 3 shards');
  t.ok(Math.max(...sockets) - Math.min(...sockets) <= 2, `about equal: ${sockets.join(', ')}`);
  t.ok(sockets.every((n) => n <= SOCKETS_PER_SHARD));
  t.end();
});

t.test('BMCs alone, or a shard count given: the same slices as before', (t) => {
  for (const [total, shards] of [[10, 3], [9, 4], [7, 7], [3_000, 0], [50_000, 0]]) {
    const cfg = fleetConfig({ ...(shards ? { shards } : {}), racks: [{ name: 'a', bmcs: total, firstIp: '127.10.0.1' }] });
    const n = shards || (total <= 1000 ? 1 : Math.max(2, Math.ceil(total / 12_500)));
    const before = Array.from({ length: n }, (_, k) => shardRange(total, n, k)).filter(([from, to]) => from < to);
    t.same(shardRanges(cfg), before, `${total} BMCs, shards ${shards || 'auto'}`);
  }
  t.same(shardRanges(oneBmcRacks(6, 2)), [[0, 3], [3, 6]], 'a given count is kept, cut by sockets');
  t.end();
});
