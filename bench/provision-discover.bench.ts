// Provisioning step 1 at scale (issue 14): `provision discover`'s engine sweeps a /16 (65,534 addresses) holding
// 50,000 live emulated BMCs (one `bmcfleet emulate`), pings each address with a bounded window and retries, asks
// each BMC for its authentication capabilities, then logs in to each and reads its GUID and Get Device ID. Complete
// means every one of the 50,000 identified. Anchors, measured in the same run on the same fleet: the raw ping answers
// (a ping-only sweep of the live addresses: N / R) and the fleet's session setups/s (N / S, the login each BMC needs).
// The ratios are the discovery's time against each; the silent addresses' share is bounded by
// silent x (retries + 1) x timeout / window. On loopback a ping to an address where no emulated BMC listens also
// costs the kernel CPU in proportion to the sockets sharing the port (measured here: silentPingCpuUs), which a real
// network does not; the report shows that share. `--quick`: 300 BMCs in a /22. Prints one JSON object.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIpmiLoad } from '../clients/ipmi/load-generator.js';
import { discoverBmcs } from '../clients/ipmi/rmcp-discovery.js';
import { DISCOVER_DEFAULTS, discover } from '../orchestrator/provisioning/discover.js';
import { SqliteProvisioningStore } from '../orchestrator/store/sqlite-provisioning-store.js';
import { encodePresencePing } from '../protocols/rmcp/asf.js';
import { RMCP_SEQ_NO_ACK } from '../protocols/rmcp/header.js';
import { systemClock } from '../runtime/clock.js';
import { cidrHostCount, cidrHosts, consecutiveAddresses, parseCidr } from '../runtime/ipv4.js';
import { startEmulator } from '../test/helpers/emulator-process.js';
import { freeUdpPort } from '../test/helpers/free-port.js';
import { machine, msUntilAllAnswer } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const RANGE = QUICK ? '127.150.0.0/22' : '127.150.0.0/16';
const BMCS = QUICK ? 300 : 50_000;
const round = (x: number, places = 3) => Math.round(x * 10 ** places) / 10 ** places;

async function main(): Promise<void> {
  const load = { atStart: loadavg().map((l) => round(l, 2)), atEnd: [] as number[] };
  const port = await freeUdpPort();
  const live = consecutiveAddresses('127.150.0.1', BMCS);
  const range = parseCidr(RANGE);
  const emu = await startEmulator(['--bmcs', String(BMCS), '--first-ip', live[0], '--ipmi-port', String(port), '--control', 'none'], 900_000);
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-bench-discover-'));
  try {
    process.stderr.write(`provision-discover: ${emu.readyLine}\n`);
    await msUntilAllAnswer(live, port, performance.now());

    // What one ping to an address of the range where nothing listens costs this process (the kernel's share).
    const silentPingCpuUs = await silentPingCost([...cidrHosts(range)].slice(-500), port);
    // Anchor 1: raw ping answers, the same window, live addresses only.
    let t0 = performance.now();
    const pinged = await discoverBmcs(live, { port, window: DISCOVER_DEFAULTS.window });
    const pingMs = performance.now() - t0;
    const pingRate = pinged.length / (pingMs / 1000);
    // Anchor 2: session setups/s over the whole fleet (open, raise privilege, close), 64 at once as discover logs in.
    const spread = live.filter((_, i) => i % Math.max(1, Math.floor(BMCS / 256)) === 0).slice(0, 256);
    const sessions = await runIpmiLoad({
      targets: spread, port, username: 'admin', password: 'password', cipherSuite: 17, command: 'get-device-id',
      concurrency: DISCOVER_DEFAULTS.concurrency, durationMs: QUICK ? 1000 : 10_000, timeoutMs: 2000, mode: 'sessions',
    });

    process.stderr.write(`provision-discover: sweeping ${RANGE}\n`);
    const store = new SqliteProvisioningStore(join(dir, 'rollouts.db'));
    const cpu0 = process.cpuUsage();
    let peakRssKb = 0;
    const sampler = setInterval(() => { peakRssKb = Math.max(peakRssKb, Math.round(process.memoryUsage().rss / 1024)); }, 100);
    t0 = performance.now();
    let sweptAtMs = 0;
    const result = await discover({
      addresses: cidrHosts(range), port, login: { username: 'admin', password: 'password' }, store, clock: systemClock,
      onProgress: (p) => { if (sweptAtMs === 0 && p.swept === cidrHostCount(range)) sweptAtMs = performance.now() - t0; },
    });
    const discoverMs = performance.now() - t0;
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpu0);
    const storedIdentified = store.hosts().filter((h) => h.identity !== null && h.failure === null).length;
    store.close();
    load.atEnd = loadavg().map((l) => round(l, 2));

    const silent = cidrHostCount(range) - BMCS;
    const silentBoundMs = (silent * (DISCOVER_DEFAULTS.retries + 1) * DISCOVER_DEFAULTS.timeoutMs) / result.sweep.window;
    const failures: Record<string, number> = {};
    for (const h of result.hosts) if (h.failure) failures[h.failure.cause] = (failures[h.failure.cause] ?? 0) + 1;
    const anchorPingMs = (BMCS / pingRate) * 1000;
    const silentPingsCpuMs = (silent * (DISCOVER_DEFAULTS.retries + 1) * silentPingCpuUs) / 1000;
    const anchorSessionsMs = (BMCS / sessions.sessionSetupsPerSec) * 1000;
    process.stdout.write(`${JSON.stringify({
      benchmark: 'provision-discover', node: process.version, mode: QUICK ? 'quick' : 'full', machine: machine(), loadAverage: load,
      fleet: { bmcs: BMCS, range: RANGE, addresses: cidrHostCount(range), silentAddresses: silent, readyLine: emu.readyLine },
      settings: { window: result.sweep.window, timeoutMs: DISCOVER_DEFAULTS.timeoutMs, retries: DISCOVER_DEFAULTS.retries, concurrency: DISCOVER_DEFAULTS.concurrency },
      anchors: {
        pingOnly: { answered: pinged.length, ms: Math.round(pingMs), answersPerSec: Math.round(pingRate) },
        sessionSetupsPerSec: sessions.sessionSetupsPerSec, sessionErrors: sessions.errors,
      },
      discover: {
        ms: Math.round(discoverMs), sweepDoneMs: Math.round(sweptAtMs), found: result.sweep.found, identified: result.identified,
        failed: result.failed, failures, storedIdentified, complete: result.identified === BMCS && storedIdentified === BMCS,
        sweep: result.sweep, silentBoundMs: Math.round(silentBoundMs),
        silentPingCpuUs: Math.round(silentPingCpuUs), silentPingsCpuSeconds: round(silentPingsCpuMs / 1000, 1),
        cpuSeconds: round((cpu.user + cpu.system) / 1e6), peakRssKb,
      },
      ratios: {
        // The whole discovery against the raw ping answers of the live BMCs (N / R): what identifying each costs.
        discover_vs_pingOnly: round(discoverMs / anchorPingMs),
        // Against N / S, the logins alone at the fleet's measured session setup rate: 1 means discovery is login-bound.
        discover_vs_sessionSetups: round(discoverMs / anchorSessionsMs),
        // The same, less the kernel's CPU for the pings to empty addresses (a loopback cost, estimated from silentPingCpuUs).
        discoverLessSilentPingCpu_vs_sessionSetups: round((discoverMs - silentPingsCpuMs) / anchorSessionsMs),
      },
    })}\n`);
  } finally {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU µs this process spends per datagram sent to `addresses` (no one listening), sent one after another. */
async function silentPingCost(addresses: string[], port: number): Promise<number> {
  const socket = createSocket('udp4');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const ping = encodePresencePing(RMCP_SEQ_NO_ACK, 1); // the sweep's ping, byte for byte
  const before = process.cpuUsage();
  await Promise.all(addresses.map((a) => new Promise((resolve) => socket.send(ping, port, a, resolve))));
  const used = process.cpuUsage(before);
  socket.close();
  return (used.user + used.system) / addresses.length;
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
