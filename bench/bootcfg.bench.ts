// The boot manager's iSNS inventory (issue 15, "Measured"): N targets (10,000 in a full run), each its own entity with
// a portal and one LUN published by the vendor attributes, registered with our iSNS server (a separate process), then
//   1. the manager's first whole inventory (TargetInventory.start: register as a control node, SCNReg, a DevGetNext walk
//      and a query per target, the disks written to its SQLite database), against the anchor: a plain client's DevGetNext walk
//      over every node's name (the fastest of three), which the inventory does too before it reads each target;
//   2. SCN to list: K more targets registered one at a time; for each, the time until it is in the manager's database,
//      against the time until a plain SCN listener registered beside the manager hears the same SCN.
// Prints one JSON object with the ratios. `--quick` runs it small, for CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IsnsClient } from '../clients/isns/isns-client.js';
import { IsnsClientListener, type ScnNotice } from '../clients/isns/isns-client-listener.js';
import { NodeType, ScnBitmap } from '../protocols/isns/attributes.js';
import { LunState } from '../protocols/isns/vendor-lun.js';
import { MANAGER_IQN } from '../orchestrator/bootcfg/start-bootcfg.js';
import { TargetInventory } from '../orchestrator/bootcfg/target-inventory.js';
import { SqliteBootcfgStore } from '../orchestrator/store/bootcfg-store.js';
import { systemClock } from '../runtime/clock.js';
import { machine, pool, treeRssKb } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const TARGETS = QUICK ? 300 : 10_000;
const SCN_SAMPLES = QUICK ? 5 : 20;
const CONCURRENCY = 16;
const CLI = fileURLToPath(new URL('../cli/bmcfleet.js', import.meta.url));
const SERVER = { host: '127.96.0.1', port: 17796 };
const MANAGER_LISTEN = '127.96.0.2';
const WATCHER = { name: 'iqn.2026-12.org.example.bench:watcher', ip: '127.96.0.3' };

const target = (i: number) => `iqn.2026-11.org.bmcfleet.bench:disk${String(i).padStart(6, '0')}`;
const portalIp = (i: number) => `127.96.${10 + Math.floor(i / 250)}.${1 + (i % 250)}`;
const spec = (i: number) => ({
  nodes: [{ name: target(i), type: NodeType.TARGET, luns: [{ lun: 0, sizeBytes: BigInt(10 + (i % 90)) * 1_000_000_000n, state: LunState.ONLINE }] }],
  portals: [{ ip: portalIp(i), port: 3260 }],
});

async function startServer(): Promise<ChildProcess> {
  // every registration comes from one address here: lift the per-source quota
  const child = spawn(process.execPath, [CLI, 'isns', 'serve', '--listen', `${SERVER.host}:${SERVER.port}`, '--registration-period', '3600',
    '--max-entities-per-source', '100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`bmcfleet isns serve exited ${code}`)));
  });
  return child;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
const round1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-bootcfg-bench-'));
  const server = await startServer();
  const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => IsnsClient.connect({ ...SERVER, source: 'iqn.2026-12.org.example.bench:loader', timeoutMs: 60_000 })));
  const store = new SqliteBootcfgStore(join(dir, 'm.db'));
  const watcherListener = new IsnsClientListener();
  let inventory: TargetInventory | null = null;
  try {
    const loadSeconds = await pool(TARGETS, CONCURRENCY, (i, w) => clients[w].register(spec(i), target(i)).then(() => {}));
    process.stderr.write(`  ${TARGETS} targets registered in ${loadSeconds.toFixed(1)} s\n`);

    // a plain control node beside the manager: it makes the anchor query, and hears the same SCNs later
    await watcherListener.start(WATCHER.ip, 0);
    const heardAt = new Map<string, number>();
    watcherListener.on('scn', (n: ScnNotice) => { for (const e of n.events) if (!heardAt.has(e.name)) heardAt.set(e.name, performance.now()); });
    const watcher = await IsnsClient.connect({ ...SERVER, source: WATCHER.name, timeoutMs: 60_000 });
    clients.push(watcher);
    await watcher.register({ nodes: [{ name: WATCHER.name, type: NodeType.CONTROL }], portals: [{ ip: WATCHER.ip, port: watcherListener.port, scnPort: { port: watcherListener.port, udp: false } }] });

    // the anchor: the DevGetNext walk over every node's name by that plain client, as `bmcfleet isns list` and isnsadm
    // --list nodes walk it (the fastest of 3: the first warms the server)
    let walkAllMs = Number.POSITIVE_INFINITY;
    let seen: string[] = [];
    for (let k = 0; k < 3; k++) {
      const a0 = performance.now();
      seen = await watcher.nodeNames();
      walkAllMs = Math.min(walkAllMs, performance.now() - a0);
    }
    if (seen.length < TARGETS) throw new Error(`the walk found ${seen.length} of ${TARGETS} targets`);

    inventory = new TargetInventory({
      server: async () => SERVER, name: MANAGER_IQN, listenHost: MANAGER_LISTEN, store, clock: systemClock, refreshMs: 60_000, timeoutMs: 60_000,
      onProblem: (m) => process.stderr.write(`  problem: ${m}\n`),
    });
    const i0 = performance.now();
    await inventory.start();
    const inventoryMs = performance.now() - i0;
    const disks = store.disks().length;
    if (disks !== TARGETS) throw new Error(`the inventory holds ${disks} of ${TARGETS} disks`);
    process.stderr.write(`  inventory in ${Math.round(inventoryMs)} ms (the name walk alone ${Math.round(walkAllMs)} ms)\n`);

    await watcher.scnRegister(ScnBitmap.OBJECT_ADDED | ScnBitmap.MANAGEMENT_REGISTRATION);

    const toList: number[] = [];
    const toListener: number[] = [];
    for (let k = 0; k < SCN_SAMPLES; k++) {
      const i = TARGETS + k;
      const s0 = performance.now();
      await clients[0].register(spec(i), target(i));
      let inList = -1;
      while (performance.now() - s0 < 30_000) {
        if (store.disk(target(i), 0) !== null) { inList = performance.now(); break; }
        await new Promise((r) => setImmediate(r));
      }
      if (inList < 0) throw new Error(`${target(i)} did not reach the list within 30 s`);
      for (let w = 0; w < 1000 && !heardAt.has(target(i)); w++) await new Promise((r) => setTimeout(r, 1));
      toList.push(inList - s0);
      toListener.push((heardAt.get(target(i)) ?? Number.NaN) - s0);
    }
    const rssKb = treeRssKb([process.pid]);
    process.stdout.write(`${JSON.stringify({
      benchmark: 'bootcfg', quick: QUICK, targets: TARGETS, scnSamples: SCN_SAMPLES, machine: machine(),
      load: { registerSeconds: round1(loadSeconds) },
      inventory: { ms: Math.round(inventoryMs), disks, managerRssKb: rssKb },
      anchors: { walkAllNamesMs: Math.round(walkAllMs), scnToPlainListenerMsP50: round1(median(toListener)) },
      scnToList: { msP50: round1(median(toList)), msMax: round1(Math.max(...toList)) },
      ratios: { inventory_vs_nameWalk: ratio(inventoryMs, walkAllMs), scnToList_vs_scnToListener: ratio(median(toList), median(toListener)) },
    })}\n`);
  } finally {
    await inventory?.stop();
    await watcherListener.stop();
    for (const c of clients) await c.close();
    store.close();
    await new Promise<void>((resolve) => { server.once('exit', () => resolve()); server.kill('SIGTERM'); });
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
