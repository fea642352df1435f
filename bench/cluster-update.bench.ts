// A cluster update at scale (issue 14, "Measured"): one update image for N hosts of one emulated fleet, in groups of
// 100 with max-down 10% each, by the manager's ClusterUpdates over its install runner (real IPMI to each BMC, each
// host's agent applying the image over USB/IP). Every 100 ms the benchmark counts the hosts down, from the manager's
// database: a host counts from the moment its power cycle is saved until its install is done or failed (an upper
// bound: the cycle is saved before it is sent). It reports the time to the last host updated and the most down at any
// sample, overall and in any one group, which must never exceed the limits. The anchor, in the same run on a fresh
// fleet: the same install of the same hosts by the install runner alone, as many at once as the limits allow in all
// (N/10), with no cluster limits: the ratio is what the waves cost. `--quick`: 4 hosts in 2 groups of 2, max-down
// 50%; `--hosts N`: N hosts, a multiple of 100. Prints one JSON object.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterUpdates } from '../orchestrator/cluster-update/cluster-updates.js';
import { readClusterText, type ClusterFile } from '../orchestrator/cluster-update/cluster-file.js';
import { readDescriptorText, type UpdateDescriptor } from '../orchestrator/cluster-update/update-descriptor.js';
import { InstallStep } from '../orchestrator/provisioning/install-machine.js';
import { InstallRunner } from '../orchestrator/provisioning/install-runner.js';
import { IpmiInstallBmc } from '../orchestrator/provisioning/ipmi-install-bmc.js';
import { SqliteClusterUpdateStore, UpdateStatus } from '../orchestrator/store/cluster-update-store.js';
import { SqliteProvisioningStore } from '../orchestrator/store/sqlite-provisioning-store.js';
import type { HostRecord } from '../orchestrator/store/host-records.js';
import { sha256Hex } from '../protocols/install-image/install-image.js';
import { systemClock } from '../runtime/clock.js';
import { consecutiveAddresses } from '../runtime/ipv4.js';
import { startEmulator } from '../test/helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../test/helpers/free-port.js';
import { inventoriedHost } from '../test/helpers/host-records.js';
import { benchInstallImage } from './lib/install-image.js';
import { hostsOption, machine, msUntilAllAnswer, treeCpuSeconds } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const GROUP = QUICK ? 2 : 100;
const HOSTS = hostsOption(QUICK ? 4 : 1000, GROUP);
if (HOSTS % GROUP !== 0) throw new Error(`--hosts takes a multiple of ${GROUP}`);
const MAX_DOWN_PERCENT = QUICK ? 50 : 10;
const SAMPLE_MS = 100;
const round = (x: number, places = 3) => Math.round(x * 10 ** places) / 10 ** places;

/** Hosts down now: their power cycle saved, their install not yet done or failed. */
const DOWN_STEPS: readonly string[] = [InstallStep.POWER_CYCLE, InstallStep.INSTALLING];
const isDown = (h: HostRecord) => h.install !== null && DOWN_STEPS.includes(h.install.step);

interface Samples { samples: number; maxDown: number; maxDownInGroup: number }

/** Counts the hosts down every SAMPLE_MS until stopped. */
function sampleDown(store: SqliteProvisioningStore, groupOf: Map<string, number>): { stop(): Samples } {
  const s: Samples = { samples: 0, maxDown: 0, maxDownInGroup: 0 };
  const timer = setInterval(() => {
    const perGroup = new Map<number, number>();
    let down = 0;
    for (const h of store.hosts()) {
      if (!isDown(h)) continue;
      down++;
      const g = groupOf.get(h.address)!;
      perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
    }
    s.samples++;
    s.maxDown = Math.max(s.maxDown, down);
    s.maxDownInGroup = Math.max(s.maxDownInGroup, ...perGroup.values(), 0);
  }, SAMPLE_MS);
  return { stop: () => { clearInterval(timer); return s; } };
}

async function main(): Promise<void> {
  const load = { atStart: loadavg().map((l) => round(l, 2)), atEnd: [] as number[] };
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-bench-cluster-'));
  const images = join(dir, 'images');
  mkdirSync(images);
  const iso = benchInstallImage({ name: 'web-os', version: '2.0', role: 'web', repositoryBytes: 1024 * 1024, volumeId: 'UPDATE' });
  writeFileSync(join(images, 'web-os-2.0.iso'), iso);
  const ipmiPort = await freeUdpPort();
  const bmcs = consecutiveAddresses('127.161.0.1', HOSTS);
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0',
    `virtualMedia: { port: ${await freeTcpPort()}, imageDir: ${images}, installStepMs: 0, hostDisk: "blank:1MiB" }`,
    'racks:', `  - { name: bench, bmcs: ${HOSTS}, firstIp: ${bmcs[0]} }`, '',
  ].join('\n'));
  const groups = Array.from({ length: HOSTS / GROUP }, (_, g) => bmcs.slice(g * GROUP, (g + 1) * GROUP));
  const cluster = readClusterText([
    'cluster: bench', 'failureBudget: 100%', 'groups:',
    ...groups.map((hosts, g) => `  - { name: g${g}, hosts: ${hosts[0]}-${hosts[hosts.length - 1]}, maxDown: ${MAX_DOWN_PERCENT}% }`), '',
  ].join('\n'));
  const descriptor = readDescriptorText([
    'name: web-os', 'version: "2.0"', 'image: web-os-2.0.iso', `sha256: ${sha256Hex(iso)}`,
    'appliesTo: [{ vendor: Bmcfleet Systems }]', 'updates: [os]', '',
  ].join('\n'));
  if (cluster.value === null || descriptor.value === null) throw new Error(`the benchmark's own cluster or descriptor is wrong: ${JSON.stringify([...cluster.issues, ...descriptor.issues])}`);
  const groupOf = new Map(groups.flatMap((hosts, g) => hosts.map((b) => [b, g] as const)));
  const limitInGroup = Math.floor((GROUP * MAX_DOWN_PERCENT) / 100);
  let update;
  let anchor;
  try {
    update = await measure(dir, bmcs, ipmiPort, groupOf, { cluster: cluster.value, descriptor: descriptor.value });
    anchor = await measure(dir, bmcs, ipmiPort, groupOf, { concurrency: groups.length * limitInGroup });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  load.atEnd = loadavg().map((l) => round(l, 2));
  process.stdout.write(`${JSON.stringify({
    benchmark: 'cluster-update', mode: QUICK ? 'quick' : 'full', machine: machine(), loadAverage: load,
    note: 'the manager is this process (ClusterUpdates over the install runner, real IPMI); the hosts\' agents and the BMCs run in the fleet process, started afresh for each run; "down" counted from the manager\'s database every 100 ms',
    hosts: HOSTS, groups: groups.length, groupSize: GROUP, maxDownPerGroup: `${MAX_DOWN_PERCENT}%`, limitInGroup, limitOverall: groups.length * limitInGroup,
    update, anchor,
    withinLimits: update.maxDownInGroup <= limitInGroup,
    ratios: { timeVsRunnerAlone: round(update.timeMs / anchor.timeMs) },
  })}\n`);
}

type Mode = { cluster: ClusterFile; descriptor: UpdateDescriptor } | { concurrency: number };

/** One run on a fresh fleet: the cluster update, or the install runner alone `concurrency` at a time. */
async function measure(dir: string, bmcs: string[], ipmiPort: number, groupOf: Map<string, number>, mode: Mode) {
  const name = 'cluster' in mode ? 'update' : 'anchor';
  const fleet = await startEmulator(['--config', join(dir, 'fleet.yaml')], 900_000);
  try {
    await msUntilAllAnswer(bmcs, ipmiPort, performance.now());
    const dbFile = join(dir, `manager-${name}.db`);
    const store = new SqliteProvisioningStore(dbFile);
    const updateStore = new SqliteClusterUpdateStore(dbFile);
    store.saveHosts(bmcs.map((a) => ({ ...inventoriedHost(a), port: ipmiPort })));
    const sampler = sampleDown(store, groupOf);
    const fleetCpu0 = treeCpuSeconds([fleet.child.pid!]);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let updates: ClusterUpdates | null = null;
    let ended = 0;
    const finished = new Promise<void>((resolve) => {
      const runner = new InstallRunner({
        store, clock: systemClock, concurrency: 'concurrency' in mode ? mode.concurrency : bmcs.length,
        bmcFor: (h) => new IpmiInstallBmc({ host: h.address, port: h.port, username: 'admin', password: 'password', clock: systemClock }),
        handOver: async () => {},
        onChange: (h) => {
          updates?.hostChanged(h);
          if (h.install?.step === InstallStep.DONE || h.install?.step === InstallStep.FAILED) {
            if (++ended === bmcs.length) resolve();
          }
        },
      });
      if ('cluster' in mode) {
        updates = new ClusterUpdates({ store: updateStore, hosts: store, runner, clock: systemClock });
        updates.start(mode.cluster, mode.descriptor);
      } else {
        runner.start(bmcs, 'web', 'web-os-2.0.iso', false);
      }
    });
    await finished;
    const timeMs = Math.round(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    const down = sampler.stop();
    const failed = store.hosts().filter((h) => h.install?.step === InstallStep.FAILED);
    const status = updates === null ? null : (updates as ClusterUpdates).view(1).status;
    const run = {
      hosts: bmcs.length, updated: bmcs.length - failed.length, failed: failed.length, status,
      firstFailures: failed.slice(0, 3).map((h) => `${h.address}: ${h.install?.failure}`),
      timeMs, ...down,
      managerCpuSeconds: round((cpu.user + cpu.system) / 1e6), fleetCpuSeconds: round(treeCpuSeconds([fleet.child.pid!]) - fleetCpu0, 1),
    };
    process.stderr.write(`cluster-update ${name}: ${JSON.stringify(run)}\n`);
    if (status !== null && status !== UpdateStatus.DONE) process.stderr.write(`cluster-update: the update ended ${status}\n`);
    updateStore.close();
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
