// Provisioning at scale (issue 14, "Measured"): N hosts of one emulated fleet installed from one 64 MiB image through
// their BMCs' virtual media, by the manager's install runner over real IPMI (IpmiInstallBmc) and each host's agent
// reading the image over USB/IP, then handed to a pool file. All N at once, against the baseline of the same install
// 20 at a time (Metal3's default concurrency), in the same run on the same fleet. Reported per run: the time to the
// last host in the pool, the bytes the fleet read from the image file (its block cache should make that one image's
// worth), and the manager's (this process's) CPU and peak RSS. The image holds a 64 KiB system (what each host copies
// to its disk) and a 64 MiB package repository (verified by every host against the manifest, not copied), so the
// hosts' disk overlays stay small. `--quick`: 4 hosts and a 4 MiB image; `--hosts N`: N hosts (default 1,000). Prints
// one JSON object.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstallRunner } from '../orchestrator/provisioning/install-runner.js';
import { IpmiInstallBmc } from '../orchestrator/provisioning/ipmi-install-bmc.js';
import { poolHandOver } from '../orchestrator/provisioning/pool-hand-over.js';
import { SqliteProvisioningStore } from '../orchestrator/store/sqlite-provisioning-store.js';
import { systemClock } from '../runtime/clock.js';
import { consecutiveAddresses } from '../runtime/ipv4.js';
import { startEmulator } from '../test/helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../test/helpers/free-port.js';
import { inventoriedHost } from '../test/helpers/host-records.js';
import { benchInstallImage } from './lib/install-image.js';
import { hostsOption, machine, msUntilAllAnswer, treeCpuSeconds, treeRssKb } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const HOSTS = hostsOption(QUICK ? 4 : 1000);
const REPOSITORY_BYTES = (QUICK ? 4 : 64) * 1024 * 1024;
const BASELINE_CONCURRENCY = 20;
const round = (x: number, places = 3) => Math.round(x * 10 ** places) / 10 ** places;

/** The fleet's bmcfleet_media_backing_bytes_read_total, all shards. */
async function backingBytesRead(control: string): Promise<number> {
  const text = await (await fetch(`${control}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('bmcfleet_media_backing_bytes_read_total')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

async function main(): Promise<void> {
  const load = { atStart: loadavg().map((l) => round(l, 2)), atEnd: [] as number[] };
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-bench-install-'));
  const images = join(dir, 'images');
  mkdirSync(images);
  const iso = benchInstallImage({ name: 'bench', version: '1.0', role: 'compute', repositoryBytes: REPOSITORY_BYTES, volumeId: 'BENCH' });
  writeFileSync(join(images, 'install.iso'), iso);
  const ipmiPort = await freeUdpPort();
  const bmcs = consecutiveAddresses('127.160.0.1', HOSTS);
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0',
    `virtualMedia: { port: ${await freeTcpPort()}, imageDir: ${images}, installStepMs: 0, hostDisk: "blank:1MiB", cacheMiB: 256 }`,
    'racks:', `  - { name: bench, bmcs: ${HOSTS}, firstIp: ${bmcs[0]} }`, '',
  ].join('\n'));
  const runs = [];
  try {
    // each run on a fresh fleet: a cold block cache, so both read the image from the file
    for (const concurrency of [HOSTS, BASELINE_CONCURRENCY]) runs.push(await measure(dir, bmcs, ipmiPort, iso.length, concurrency));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  load.atEnd = loadavg().map((l) => round(l, 2));
  const [all, baseline] = runs;
  process.stdout.write(`${JSON.stringify({
    benchmark: 'provision-install', mode: QUICK ? 'quick' : 'full', machine: machine(), loadAverage: load,
    note: 'the manager is this process (install runner over IPMI); the hosts\' agents and the BMCs run in the fleet process, started afresh for each run',
    runs, ratios: { timeAllAtOnceVsBaseline20: round(all.timeToLastInPoolMs / baseline.timeToLastInPoolMs), backingReadsPerImageAllAtOnce: round(all.backingBytesRead / all.imageBytes) },
  })}\n`);
}

/** One run: a fresh fleet, every host installed `concurrency` at a time, until the last is in the pool. */
async function measure(dir: string, bmcs: string[], ipmiPort: number, imageBytes: number, concurrency: number) {
  const fleet = await startEmulator(['--config', join(dir, 'fleet.yaml')], 900_000);
  const control = /control (http:\S+)/.exec(fleet.readyLine)![1];
  try {
    await msUntilAllAnswer(bmcs, ipmiPort, performance.now());
    const store = new SqliteProvisioningStore(join(dir, `manager-${concurrency}.db`));
    store.saveHosts(bmcs.map((a) => ({ ...inventoriedHost(a), port: ipmiPort })));
    let done = 0;
    let last = 0;
    let peakRssKb = 0;
    const sampler = setInterval(() => { peakRssKb = Math.max(peakRssKb, Math.round(process.memoryUsage().rss / 1024)); }, 100);
    const backing0 = await backingBytesRead(control);
    const fleetCpu0 = treeCpuSeconds([fleet.child.pid!]);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const runner = new InstallRunner({
        store, clock: systemClock, concurrency,
        bmcFor: (h) => new IpmiInstallBmc({ host: h.address, port: h.port, username: 'admin', password: 'password', clock: systemClock }),
        handOver: poolHandOver({ file: join(dir, `pool-${concurrency}.json`), webhook: null }),
        onChange: (h) => {
          if (h.install?.step !== 'done' && h.install?.step !== 'failed') return;
          last = performance.now();
          if (++done === bmcs.length) resolve();
        },
      });
      runner.start(bmcs, 'compute', 'install.iso');
    });
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpu0);
    const failed = store.hosts().filter((h) => h.install?.step === 'failed');
    const run = {
      concurrency, hosts: bmcs.length, installed: bmcs.length - failed.length, failed: failed.length,
      firstFailures: failed.slice(0, 3).map((h) => `${h.address}: ${h.install?.failure}`),
      timeToLastInPoolMs: Math.round(last - t0),
      backingBytesRead: (await backingBytesRead(control)) - backing0, imageBytes,
      managerCpuSeconds: round((cpu.user + cpu.system) / 1e6), managerPeakRssMB: round(peakRssKb / 1024, 1),
      fleetCpuSeconds: round(treeCpuSeconds([fleet.child.pid!]) - fleetCpu0, 1), fleetRssMB: round(treeRssKb([fleet.child.pid!]) / 1024, 1),
    };
    process.stderr.write(`provision-install: ${JSON.stringify(run)}\n`);
    store.close();
    return run;
  } finally {
    await fleet.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
