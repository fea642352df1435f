// Our iSNS server against open-isns isnsd (the anchor), same client library, same run, both as separate
// processes on loopback, configured alike (no security, default DD on, 10 min registration period):
//   1. registrations/s while loading N targets (10,000 in a full run), each its own entity with a portal;
//   2. queries/s afterwards: DevAttrQry for one named target (name, portal address and port) from a
//      registered initiator, C connections with one request in flight each;
//   3. a full listing: every node's name by DevGetNext, one request per node, as isnsadm --list nodes and
//      bmcfleet isns list walk it (time for the whole walk);
//   4. SCN fan-out: L initiators (1,000 in a full run) register for SCNs on one listener; one more target
//      registers; time until all L have their SCN.
// Prints one JSON object with the ratios (ours / isnsd). `--quick` runs it small and short, for CI.
import { startIsnsd } from '../test/helpers/isnsd.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IsnsClient } from '../clients/isns/isns-client.js';
import { IsnsClientListener } from '../clients/isns/isns-client-listener.js';
import { NodeType, ScnBitmap, Tag } from '../protocols/isns/attributes.js';
import { attr } from '../protocols/isns/tlv.js';
import { machine, pool, treeRssKb } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const NODES = QUICK ? 300 : 10_000;
const LISTENERS = QUICK ? 20 : 1000;
const QUERY_SECONDS = QUICK ? 1 : 5;
const CONCURRENCY = 16;
const CLI = fileURLToPath(new URL('../cli/bmcfleet.js', import.meta.url));
const ISNSD = { host: '127.25.9.1', port: 17770 };
const OURS = { host: '127.25.9.2', port: 17771 };
const SCN_LISTEN = { isnsd: { ip: '127.25.9.11', port: 17772 }, ours: { ip: '127.25.9.12', port: 17773 } };

interface Server { pid: number; stop(): Promise<void> }

function stopper(child: ChildProcess): () => Promise<void> {
  return () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function isnsd(dir: string): Promise<Server> {
  const child = await startIsnsd(dir, ISNSD);
  return { pid: child.pid!, stop: stopper(child) };
}

async function startOurs(): Promise<Server> {
  // every registration comes from one address (127.0.0.1) here: lift the per-source quota, which isnsd does not have
  const child = spawn(process.execPath, [CLI, 'isns', 'serve', '--listen', `${OURS.host}:${OURS.port}`, '--default-dd', '--registration-period', '600',
    '--max-entities-per-source', '100000'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`bmcfleet isns serve exited ${code}`)));
  });
  return { pid: child.pid!, stop: stopper(child) };
}

const target = (i: number) => `iqn.2024-01.bench:target${String(i).padStart(6, '0')}`;
const portalIp = (i: number) => `127.25.${100 + Math.floor(i / 250)}.${1 + (i % 250)}`;

interface Side { registrationsPerSec: number; queriesPerSec: number; listAllNodesMs: number; scnFanOutMs: number; scnsReceived: number; rssKb: number }

async function measure(where: { host: string; port: number }, server: Server, listen: { ip: string; port: number }): Promise<Side> {
  const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => IsnsClient.connect({ ...where, source: 'iqn.2024-01.bench:loader', timeoutMs: 30_000 })));
  try {
    // 1. load N targets, each its own entity and portal
    const regSeconds = await pool(NODES, CONCURRENCY, async (i, w) => {
      await clients[w].register({ nodes: [{ name: target(i), type: NodeType.TARGET }], portals: [{ ip: portalIp(i), port: 3260 }] }, target(i));
    });
    process.stderr.write(`  ${NODES} registrations in ${regSeconds.toFixed(1)} s\n`);
    // 2. queries from a registered initiator
    const asker = 'iqn.2024-01.bench:initiator';
    await clients[0].register({ nodes: [{ name: asker, type: NodeType.INITIATOR }] }, asker);
    let queries = 0;
    let misses = 0;
    const end = performance.now() + QUERY_SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(clients.map(async (c, w) => {
      let i = w;
      while (performance.now() < end) {
        const r = await c.request(0x0002, [attr(Tag.ISCSI_NAME, target((i * 7919) % NODES))], [attr(Tag.ISCSI_NAME), attr(Tag.PORTAL_IP_ADDRESS), attr(Tag.PORTAL_PORT)], { source: asker });
        if (r.status !== 0 || r.operating.length < 3) misses++;
        queries++;
        i += CONCURRENCY;
      }
    }));
    const querySeconds = (performance.now() - t0) / 1000;
    if (misses > 0) throw new Error(`${misses} queries did not find their target`);

    process.stderr.write(`  ${queries} queries in ${querySeconds.toFixed(1)} s\n`);
    // 3. the whole node list by DevGetNext
    const l0 = performance.now();
    const names = await clients[0].nodeNames();
    const listAllNodesMs = Math.round(performance.now() - l0);
    if (names.length < NODES) throw new Error(`the listing found ${names.length} of ${NODES} nodes`);
    process.stderr.write(`  ${names.length} nodes listed by DevGetNext in ${listAllNodesMs} ms\n`);
    // 4. SCN fan-out to L initiators that share one listener
    const listener = new IsnsClientListener();
    await listener.start(listen.ip, listen.port);
    const heard = new Set<string>();
    const trigger = 'iqn.2024-01.bench:late-target';
    let allHeard: () => void = () => {};
    const done = new Promise<void>((r) => { allHeard = r; });
    listener.on('scn', (n: { destination: string; events: Array<{ name: string }> }) => {
      if (n.events.some((e) => e.name === trigger)) heard.add(n.destination);
      if (heard.size === LISTENERS) allHeard();
    });
    try {
      const watcher = (i: number) => `iqn.2024-01.bench:watcher${String(i).padStart(5, '0')}`;
      await pool(LISTENERS, CONCURRENCY, async (i, w) => {
        const name = watcher(i);
        await clients[w].register({
          nodes: [{ name, type: NodeType.INITIATOR }],
          // every watcher's portal is on the listener's address (portals differ by port), so SCNs reach it
          portals: [{ ip: listen.ip, port: 20_000 + i, scnPort: { port: listen.port, udp: false } }],
        }, name);
      });
      // SCN registrations after all watchers exist, so the watchers do not notify each other first
      await pool(LISTENERS, CONCURRENCY, (i, w) => clients[w].scnRegister(ScnBitmap.OBJECT_ADDED, watcher(i)));
      const s0 = performance.now();
      await clients[0].register({ nodes: [{ name: trigger, type: NodeType.TARGET }] }, trigger);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => { timer = setTimeout(r, QUICK ? 10_000 : 60_000); });
      await Promise.race([done, timeout]);
      clearTimeout(timer);
      const fanOutMs = Math.round(performance.now() - s0);
      const rssKb = treeRssKb([server.pid]);
      return {
        registrationsPerSec: Math.round(NODES / regSeconds), queriesPerSec: Math.round(queries / querySeconds), listAllNodesMs,
        scnFanOutMs: heard.size === LISTENERS ? fanOutMs : -1, scnsReceived: heard.size, rssKb,
      };
    } finally {
      await listener.stop();
    }
  } finally {
    for (const c of clients) await c.close();
  }
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isns-bench-'));
  try {
    process.stderr.write(`isnsd: ${NODES} targets, queries, SCN to ${LISTENERS}\n`);
    const isnsdServer = await isnsd(dir);
    let theirs: Side;
    try { theirs = await measure(ISNSD, isnsdServer, SCN_LISTEN.isnsd); } finally { await isnsdServer.stop(); }
    process.stderr.write('ours: the same\n');
    const ours = await startOurs();
    let mine: Side;
    try { mine = await measure(OURS, ours, SCN_LISTEN.ours); } finally { await ours.stop(); }
    process.stdout.write(`${JSON.stringify({
      benchmark: 'isns', quick: QUICK, nodes: NODES, scnListeners: LISTENERS, concurrency: CONCURRENCY, querySeconds: QUERY_SECONDS,
      machine: machine(), ours: mine, isnsd: theirs,
      ratios: {
        registrationsPerSec: ratio(mine.registrationsPerSec, theirs.registrationsPerSec),
        queriesPerSec: ratio(mine.queriesPerSec, theirs.queriesPerSec),
        listAllNodesMs: ratio(mine.listAllNodesMs, theirs.listAllNodesMs),
        scnFanOutMs: mine.scnFanOutMs > 0 && theirs.scnFanOutMs > 0 ? ratio(mine.scnFanOutMs, theirs.scnFanOutMs) : null,
      },
    })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
