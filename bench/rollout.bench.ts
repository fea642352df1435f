// Issue 11's rollout benchmark: one firmware image to R racks x B BMCs (default 1,000 x 40) of a real emulated fleet,
// two ways, in the same run:
//   baseline: the manager flashes every BMC itself over HPM.1 through RMCP+, 64 at a time, as xCAT's rflash does
//             (clients/ipmi/flash-all.ts with the HpmFlasher the RMCs use too);
//   rollout:  the manager (RolloutManager) broadcasts Prepare, sends the image once to each rack's RMC, and each
//             RMC flashes its own BMCs (8 at a time).
// Reported for each: time from start to the last BMC done (the rollout: to the last Rack Report), the manager's bytes
// and datagrams sent (payload; wire adds 28 bytes of IPv4 + UDP per datagram), the manager's CPU seconds and peak
// RSS (this process is the manager; the fleet runs in its own processes), and every BMC's outcome. Anchor: the
// baseline; the targets are bytes <= 1/30 of the baseline's and time no worse.
// Flags: --quick (3 racks x 4 BMCs, for a smoke run), --racks N, --bmcs M (per rack), --image-kib K, and
// --baseline-bmcs S: the baseline flashes only the first S BMCs (a whole number of its 64-wide batches) and its time
// and bytes for all of them are extrapolated linearly (64 at a time, each BMC the same work), labelled so in the JSON.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HpmFlasher } from '../clients/ipmi/hpm-flasher.js';
import { flashAll } from '../clients/ipmi/flash-all.js';
import type { FlashRequest } from '../clients/ipmi/bmc-flasher.js';
import type { TrafficCount } from '../clients/ipmi/ipmi-client.js';
import { BmcOutcome } from '../protocols/rollout/rack-status.js';
import { generateManagerKey } from '../protocols/rollout/keys.js';
import { buildFirmware, packFirmwareImage } from '../protocols/ipmi/oem/bmcfleet-firmware.js';
import { BmcModel } from '../emulator/bmc/model.js';
import { RolloutManager } from '../orchestrator/rollout/rollout-manager.js';
import { SqliteRolloutStore } from '../orchestrator/store/sqlite-rollout-store.js';
import { ENDED_STATUSES, RolloutStatus } from '../orchestrator/store/run-records.js';
import { startEmulator } from '../test/helpers/emulator-process.js';
import { machine, msUntilAllAnswer, treeRssKb } from './lib/measure.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
function flag(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const RACKS = flag('racks', QUICK ? 3 : 1000);
const BMCS = flag('bmcs', QUICK ? 4 : 40);
const IMAGE_KIB = flag('image-kib', 16);
const IPMI_PORT = 9647;
const ROLLOUT_PORT = 14647;
const BASELINE_CONCURRENCY = 64;
const BASELINE_BMCS = Math.min(flag('baseline-bmcs', RACKS * BMCS), RACKS * BMCS);
const RMC_CONCURRENCY = 8;
/** Short emulated steps: the benchmark is about the traffic and its fan-out, not flash-chip speed. */
const FIRMWARE_TIMINGS = { backupMs: 0, prepareMs: 0, writeMs: 20, activateMs: 20, rollbackMs: 20, rebootMs: 300 };
const IPV4_UDP_HEADER_BYTES = 28;

/** Rack r: BMCs 127.(160 + r / 256).(r % 256).1..B, its RMC at .250 of the same /24. */
function rackPrefix(r: number): string {
  return `127.${160 + Math.floor(r / 256)}.${r % 256}`;
}

function fleetFile(dir: string, managerKey: string): string {
  const racks = Array.from({ length: RACKS }, (_, r) =>
    `  - { name: rack-${r + 1}, bmcs: ${BMCS}, firstIp: ${rackPrefix(r)}.1, rmc: { ip: ${rackPrefix(r)}.250, id: ${r + 1} } }`);
  const file = join(dir, 'fleet.yaml');
  writeFileSync(file, [
    `ipmiPort: ${IPMI_PORT}`, 'control: none', `stateDir: ${join(dir, 'state')}`, 'firmware: "1.00"',
    `firmwareTimings: ${JSON.stringify(FIRMWARE_TIMINGS)}`,
    `rollout: { port: ${ROLLOUT_PORT}, managerKey: ${managerKey} }`, 'racks:', ...racks, '',
  ].join('\n'));
  return file;
}

/** An HPM.1 image of emulated BMC firmware at `major.minor` for the default emulated BMC. */
function image(major: number, minor: number): Buffer {
  const device = new BmcModel({ ip: '127.0.0.1' }).device;
  const target = { deviceId: device.deviceId, manufacturerId: device.manufacturerId, productId: device.productId };
  return packFirmwareImage(buildFirmware(target, { major, minor, aux: new Uint8Array(4) }, IMAGE_KIB * 1024), Math.floor(Date.now() / 1000));
}

/** CPU seconds and peak RSS of this process (the manager) while `run` runs. */
async function asManager<T>(run: () => Promise<T>): Promise<{ result: T; ms: number; cpuSeconds: number; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const result = await run();
    const ms = Math.round(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    return { result, ms, cpuSeconds: round((cpu.user + cpu.system) / 1e6), peakRssMb: round(peak / 2 ** 20) };
  } finally {
    clearInterval(sampler);
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function outcomes(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function bmcAddresses(): string[] {
  return Array.from({ length: RACKS }, (_, r) => Array.from({ length: BMCS }, (_, i) => `${rackPrefix(r)}.${i + 1}`)).flat();
}

async function baseline(): Promise<object> {
  const traffic: TrafficCount = { datagrams: 0, bytes: 0 };
  const flasher = new HpmFlasher({ traffic });
  const img = image(2, 0);
  const requests: FlashRequest[] = bmcAddresses().slice(0, BASELINE_BMCS).map((host) => ({
    bmc: { host, port: IPMI_PORT, username: 'admin', password: 'password' }, image: img, target: { major: 2, minor: 0 }, timeoutMs: 600_000,
  }));
  const run = await asManager(() => flashAll(flasher, requests, BASELINE_CONCURRENCY));
  const wireBytes = traffic.bytes + IPV4_UDP_HEADER_BYTES * traffic.datagrams;
  const scale = (RACKS * BMCS) / BASELINE_BMCS;
  // 64 at a time: the time grows with the number of batches, the bytes and CPU with the number of BMCs.
  const batches = (n: number) => Math.ceil(n / BASELINE_CONCURRENCY);
  const timeScale = batches(RACKS * BMCS) / batches(BASELINE_BMCS);
  return {
    concurrency: BASELINE_CONCURRENCY, bmcsFlashed: BASELINE_BMCS, extrapolated: scale !== 1,
    measured: { timeMs: run.ms, bytesSent: traffic.bytes, datagramsSent: traffic.datagrams, wireBytesSent: wireBytes, cpuSeconds: run.cpuSeconds },
    // For every BMC of the fleet: as measured, or scaled linearly from the sample.
    timeToLastBmcMs: Math.round(run.ms * timeScale), wireBytesSent: Math.round(wireBytes * scale), cpuSeconds: round(run.cpuSeconds * scale),
    peakRssMb: run.peakRssMb,
    outcomes: outcomes(run.result.map((r) => Object.keys(BmcOutcome).find((k) => BmcOutcome[k as keyof typeof BmcOutcome] === r.outcome)!.toLowerCase())),
  };
}

async function rollout(dir: string, key: ReturnType<typeof generateManagerKey>): Promise<object> {
  const store = new SqliteRolloutStore(join(dir, 'manager.db'));
  const manager = await RolloutManager.open({ store, key: key.signing, rmcPort: ROLLOUT_PORT });
  const rmcs = Array.from({ length: RACKS }, (_, r) => ({ rmcId: r + 1, address: `${rackPrefix(r)}.250`, rackName: `rack-${r + 1}` }));
  try {
    const run = await asManager(async () => {
      // Flash as soon as each rack verified: the time measured is the rollout's, not a wait for a chosen hour.
      const id = manager.start({ image: image(3, 0), flashTimeMs: Date.now() + 1000, rmcs, concurrency: RMC_CONCURRENCY });
      for (;;) {
        const status = manager.status(id).status;
        if (ENDED_STATUSES.includes(status)) return id;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    const report = manager.report(run.result);
    const counters = manager.counters;
    return {
      rmcConcurrency: RMC_CONCURRENCY, timeToLastReportMs: run.ms, bytesSent: counters.bytesSent, datagramsSent: counters.datagramsSent,
      wireBytesSent: counters.bytesSent + IPV4_UDP_HEADER_BYTES * counters.datagramsSent, cpuSeconds: run.cpuSeconds, peakRssMb: run.peakRssMb,
      racksReporting: report.racks.filter((r) => r.failure === null).length,
      outcomes: outcomes(report.racks.flatMap((r) => r.bmcs.map((b) => b.result))),
    };
  } finally {
    manager.close();
    store.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-rollout-bench-'));
  const key = generateManagerKey();
  const t0 = performance.now();
  const emu = await startEmulator(['--config', fleetFile(dir, key.rawPublicKey.toString('base64'))], 900_000);
  try {
    await msUntilAllAnswer(bmcAddresses(), IPMI_PORT, t0);
    const fleetRssKb = treeRssKb([emu.child.pid!]);
    process.stderr.write(`rollout bench: ${RACKS} racks x ${BMCS} BMCs up; baseline (the manager flashes every BMC, ${BASELINE_CONCURRENCY} at a time)\n`);
    const base = await baseline() as { timeToLastBmcMs: number; wireBytesSent: number };
    process.stderr.write('rollout bench: rollout through the RMCs\n');
    const roll = await rollout(dir, key) as { timeToLastReportMs: number; wireBytesSent: number };
    process.stdout.write(`${JSON.stringify({
      benchmark: 'rollout', node: process.version, mode: QUICK ? 'quick' : 'full', machine: machine(),
      fleet: { racks: RACKS, bmcsPerRack: BMCS, bmcs: RACKS * BMCS, imageBytes: image(3, 0).length, firmwareTimings: FIRMWARE_TIMINGS, rssKb: fleetRssKb },
      anchor: 'baseline', baseline: base, rollout: roll,
      ratios: {
        // The issue's targets: bytes <= 1/30 (0.0333) and time <= 1.
        bytes_vs_baseline: round(roll.wireBytesSent / base.wireBytesSent),
        time_vs_baseline: round(roll.timeToLastReportMs / base.timeToLastBmcMs),
      },
    })}\n`);
  } finally {
    await emu.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
