// Boot requests at scale (issue 15, "Measured"): N hosts of one emulated fleet (1,000 in a full run) booted from N
// emulated iSCSI targets with one LUN each, the fleet's iSNS server listing them. The target sizes come in five
// steps and each host asks for 1 GB less than the disk meant for it, in a shuffled order: every host gets a disk
// only if each pick is the best fit (a bigger disk given early leaves a later request with none).
//   1. The manager: its boot engine as `bmcfleet manager serve --isns` wires it (startBootcfg: inventory, runner over
//      IPMI, service), in this process, against the fleet's iSNS server and the BMCs over real IPMI. All N requests
//      are made at once through BootcfgService, as the API's POST /bootcfg/requests does; measured: the time to
//      reserve all N (requests accepted per second), the time until the last host is booted (its BMC's Get iSCSI
//      Boot Status says booted), booted and failed (the first failures named), this process's CPU and peak RSS, the
//      fleet's CPU.
//   2. The anchor, on a fresh fleet: a plain client does the same work on the wire without the manager, the same
//      number of hosts at once: for each host one DDReg (target and initiator) on one iSNS connection, then over one
//      RMCP+ session the iSCSI boot parameters (writeIscsiBoot), boot device PXE, Get iSCSI Boot Status, power on (or
//      cycle), and Get iSCSI Boot Status every pollMs (the manager's) until the host's new run ends. No pick, no
//      database, no state machine, no SCNs heard. The DD is kept (not dropped, as a "parameters only" client would):
//      the fleet's targets admit only initiators they share a DD with, and with the default DD instead every target
//      would hear an SCN for every host's registration (N x N), which would make the anchor slow for a reason that
//      has nothing to do with the manager. The ratio is then what the manager's own work (pick, database, a second
//      session for its probe, the DD looked up by name, SCNs) costs on top of the boots themselves.
// The runner drives DEFAULT_BOOT_CONCURRENCY requests at once (`manager serve` has no option for it); the anchor uses
// the same. Prints one JSON object. `--quick`: 10 hosts; `--hosts N`: N hosts (default 1,000).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpmiLanClient, type IpmiClientOptions } from '../clients/ipmi/ipmi-client.js';
import { writeIscsiBoot, type IscsiBootConfig } from '../clients/ipmi/iscsi-boot.js';
import { readIscsiBootStatus } from '../clients/ipmi/iscsi-boot-status.js';
import { IsnsClient } from '../clients/isns/isns-client.js';
import { NodeType } from '../protocols/isns/attributes.js';
import { BootDeviceCode, SetSystemBootOptions } from '../protocols/ipmi/commands/boot-options.js';
import { ChassisAction, ChassisControl, GetChassisStatus } from '../protocols/ipmi/commands/chassis.js';
import { BOOT_TIMING, BootStep, isFinal } from '../orchestrator/bootcfg/boot-machine.js';
import { DEFAULT_BOOT_CONCURRENCY } from '../orchestrator/bootcfg/boot-runner.js';
import { BOOTCFG_IQN_PREFIX, ddNameFor, initiatorIqnFor } from '../orchestrator/bootcfg/boot-target.js';
import { startBootcfg } from '../orchestrator/bootcfg/start-bootcfg.js';
import { systemClock } from '../runtime/clock.js';
import { consecutiveAddresses } from '../runtime/ipv4.js';
import { startEmulator, type EmulatorProcess } from '../test/helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../test/helpers/free-port.js';
import { hostsOption, machine, pool, treeCpuSeconds, treeRssKb } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const HOSTS = hostsOption(QUICK ? 10 : 1000);
const SIZES_GB = [10, 20, 40, 80, 160];
const CONCURRENCY = DEFAULT_BOOT_CONCURRENCY;
/** A run that has not ended by then is reported as it stands (a full run's boots take a few minutes). */
const RUN_LIMIT_MS = 900_000;
const LOGIN = { username: 'admin', password: 'password' };
const BMC_FIRST = '127.160.0.1';
const TARGET_FIRST = '127.162.0.1';
const ISNS_HOST = '127.161.0.1';
const MANAGER_LISTEN = '127.161.0.2';
const round = (x: number, places = 3) => Math.round(x * 10 ** places) / 10 ** places;

interface Disk { target: string; portal: string; sizeGB: number }
interface Plan { bmcs: string[]; disks: Disk[]; groups: { name: string; sizeGB: number; count: number; firstIp: string }[] }

/** N disks in five sizes (one target group each), and the disk meant for each host: a fixed shuffle of them. */
function plan(): Plan {
  const portals = consecutiveAddresses(TARGET_FIRST, HOSTS);
  const groups: Plan['groups'] = [];
  const disks: Disk[] = [];
  SIZES_GB.forEach((sizeGB, k) => {
    const count = Math.floor(HOSTS / SIZES_GB.length) + (k < HOSTS % SIZES_GB.length ? 1 : 0);
    if (count === 0) return;
    const name = `disk${sizeGB}g`;
    groups.push({ name, sizeGB, count, firstIp: portals[disks.length] });
    // the fleet names a group's targets NAME-1, NAME-2, ... (NAME alone when it holds one)
    for (let n = 1; n <= count; n++) disks.push({ target: `iqn.2026-11.org.bmcfleet:${count === 1 ? name : `${name}-${n}`}`, portal: portals[disks.length], sizeGB });
  });
  let seed = 15;
  for (let i = disks.length - 1; i > 0; i--) { // Fisher-Yates with a fixed LCG: every run asks in the same order
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [disks[i], disks[j]] = [disks[j], disks[i]];
  }
  return { bmcs: consecutiveAddresses(BMC_FIRST, HOSTS), disks, groups };
}

function fleetYaml(p: Plan, ipmiPort: number, isnsPort: number): string {
  return [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0', `isns: { listen: ${ISNS_HOST}:${isnsPort} }`,
    'targets:', ...p.groups.map((g) => `  - { name: ${g.name}, count: ${g.count}, firstIp: ${g.firstIp}, luns: [{ lun: 0, sizeGB: ${g.sizeGB} }] }`),
    'racks:', `  - { name: boot, bmcs: ${HOSTS}, firstIp: ${BMC_FIRST} }`, '',
  ].join('\n');
}

interface Outcome { host: string; booted: boolean; endedAtMs: number; failure: string | null }

/** What both runs report: booted, failed, the time to the last booted, CPU and memory. */
function summary(outcomes: Outcome[], wall0: number, cost: { cpu: NodeJS.CpuUsage; peakRssKb: number; fleetCpuSeconds: number; fleet: EmulatorProcess }) {
  const booted = outcomes.filter((o) => o.booted);
  const failed = outcomes.filter((o) => !o.booted);
  const times = booted.map((o) => o.endedAtMs - wall0).sort((a, b) => a - b);
  return {
    hosts: HOSTS, concurrency: CONCURRENCY, booted: booted.length, failed: failed.length,
    firstFailures: failed.slice(0, 3).map((o) => `${o.host}: ${o.failure}`),
    timeToLastBootedMs: times.length > 0 ? Math.round(times[times.length - 1]) : null,
    timeToHalfBootedMs: times.length > 0 ? Math.round(times[Math.floor((times.length - 1) / 2)]) : null,
    processCpuSeconds: round((cost.cpu.user + cost.cpu.system) / 1e6), processPeakRssMB: round(cost.peakRssKb / 1024, 1),
    fleetCpuSeconds: round(cost.fleetCpuSeconds, 1), fleetRssMB: round(treeRssKb([cost.fleet.child.pid!]) / 1024, 1),
  };
}

/** Samples this process's RSS every 100 ms until stopped; returns the peak in KB. */
function rssSampler(): { stop(): number } {
  let peak = 0;
  const sample = () => { peak = Math.max(peak, Math.round(process.memoryUsage().rss / 1024)); };
  sample();
  const timer = setInterval(sample, 100);
  return { stop: () => { clearInterval(timer); sample(); return peak; } };
}

async function withFleet<T>(dir: string, work: (fleet: EmulatorProcess) => Promise<T>): Promise<T> {
  const f0 = performance.now();
  const fleet = await startEmulator(['--config', join(dir, 'fleet.yaml')], 600_000);
  process.stderr.write(`  fleet of ${HOSTS} BMCs and ${HOSTS} targets ready in ${((performance.now() - f0) / 1000).toFixed(1)} s\n`);
  try {
    return await work(fleet);
  } finally {
    const { exitCode, signalCode } = fleet.child;
    if (exitCode !== null || signalCode !== null) { // a fleet that died mid-run would show only as BMCs gone silent
      process.stderr.write(`  the fleet exited during the run (${exitCode ?? signalCode}); its output ended with:\n${fleet.output().slice(-3000)}\n`);
    }
    await fleet.stop();
  }
}

/** The manager's engine: every request at once through the service, until each has ended (or RUN_LIMIT_MS). */
async function managerRun(dir: string, p: Plan, ipmiPort: number, isnsPort: number) {
  return withFleet(dir, async (fleet) => {
    const problems: string[] = [];
    const bootcfg = await startBootcfg({
      dbFile: join(dir, 'manager.db'), clock: systemClock, server: async () => ({ host: ISNS_HOST, port: isnsPort }), listenHost: MANAGER_LISTEN,
      login: LOGIN, ipmiPort, onProblem: (m) => { if (problems.push(m) <= 3) process.stderr.write(`  manager: ${m}\n`); },
    });
    try {
      const { service } = bootcfg;
      const disks = service.disks().length;
      if (disks !== HOSTS) throw new Error(`the manager's inventory holds ${disks} of ${HOSTS} disks`);
      const rss = rssSampler();
      const fleetCpu0 = treeCpuSeconds([fleet.child.pid!]);
      const cpu0 = process.cpuUsage();
      const wall0 = Date.now();
      const t0 = performance.now();
      const refused: Outcome[] = [];
      p.bmcs.forEach((host, i) => {
        try {
          service.request({ host, sizeBytes: (p.disks[i].sizeGB - 1) * 1e9, role: null });
        } catch (err) {
          refused.push({ host, booted: false, endedAtMs: Date.now(), failure: `refused: ${(err as Error).message}` });
        }
      });
      const reserveMs = performance.now() - t0;
      for (;;) {
        const open = service.requests().filter((r) => !isFinal(r)).length;
        if (open === 0 || performance.now() - t0 > RUN_LIMIT_MS) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const cpu = process.cpuUsage(cpu0);
      const fleetCpuSeconds = treeCpuSeconds([fleet.child.pid!]) - fleetCpu0;
      const peakRssKb = rss.stop();
      const outcomes: Outcome[] = [...refused, ...service.requests().map((r) => ({
        host: r.host, booted: r.step === BootStep.BOOTED, endedAtMs: r.endedAtMs ?? Number.NaN,
        failure: isFinal(r) ? r.failure : `still ${r.step} after ${RUN_LIMIT_MS / 1000} s${r.failure ? ` (${r.failure})` : ''}`,
      }))];
      const run = {
        run: 'manager', accepted: HOSTS - refused.length, reserveAllMs: round(reserveMs, 1), requestsPerSecond: Math.round((HOSTS - refused.length) / (reserveMs / 1000)),
        ...summary(outcomes, wall0, { cpu, peakRssKb, fleetCpuSeconds, fleet }), managerProblems: problems.length,
      };
      process.stderr.write(`bootcfg-requests: ${JSON.stringify(run)}\n`);
      return run;
    } finally {
      await bootcfg.close();
    }
  });
}

/** The anchor: a plain client writes each host's boot by hand, CONCURRENCY hosts at once, until each has ended. */
async function anchorRun(p: Plan, ipmiPort: number, isnsPort: number, dir: string) {
  return withFleet(dir, async (fleet) => {
    const source = `${BOOTCFG_IQN_PREFIX}:plain-client`;
    const isns = await IsnsClient.connect({ host: ISNS_HOST, port: isnsPort, source, timeoutMs: 60_000 });
    try {
      await isns.register({ nodes: [{ name: source, type: NodeType.CONTROL }], portals: [] }); // DDReg asks for a control node
      const rss = rssSampler();
      const fleetCpu0 = treeCpuSeconds([fleet.child.pid!]);
      const cpu0 = process.cpuUsage();
      const wall0 = Date.now();
      const outcomes: Outcome[] = [];
      await pool(HOSTS, CONCURRENCY, async (i) => {
        outcomes.push(await bootByHand(p.bmcs[i], p.disks[i], isns, { ...LOGIN, host: p.bmcs[i], port: ipmiPort, clock: systemClock }, isnsPort));
      });
      const cpu = process.cpuUsage(cpu0);
      const fleetCpuSeconds = treeCpuSeconds([fleet.child.pid!]) - fleetCpu0;
      const run = { run: 'plain-client', ...summary(outcomes, wall0, { cpu, peakRssKb: rss.stop(), fleetCpuSeconds, fleet }) };
      process.stderr.write(`bootcfg-requests: ${JSON.stringify(run)}\n`);
      return run;
    } finally {
      await isns.close();
    }
  });
}

/** One host, as a plain client boots it: DD, parameters, PXE, power, then Get iSCSI Boot Status until its run ends. */
async function bootByHand(host: string, disk: Disk, isns: IsnsClient, login: IpmiClientOptions, isnsPort: number): Promise<Outcome> {
  const initiatorName = initiatorIqnFor(host);
  const config: IscsiBootConfig = {
    initiatorName, initiator: { address: '0.0.0.0', netmask: '0.0.0.0', gateway: '0.0.0.0' }, isns: { address: ISNS_HOST, port: isnsPort },
    targetName: disk.target, portal: { address: disk.portal, port: 3260 }, lun: 0, chapName: '', chapSecret: '',
  };
  let client: IpmiLanClient | null = null;
  try {
    await isns.ddRegister({ name: ddNameFor(host), members: [disk.target, initiatorName] });
    client = await IpmiLanClient.connect(login);
    await writeIscsiBoot(client, config);
    await client.call(SetSystemBootOptions, { locked: false, parameter: { kind: 'boot-flags', valid: true, persistent: false, efi: false, device: BootDeviceCode.PXE } });
    const before = (await readIscsiBootStatus(client)).run;
    const status = await client.call(GetChassisStatus, undefined);
    await client.call(ChassisControl, { action: status.powerOn ? ChassisAction.POWER_CYCLE : ChassisAction.POWER_UP });
    // as long as the manager waits for one boot (BOOT_TIMING): one host that never ends its boot cannot hold the run
    const giveUpAt = performance.now() + BOOT_TIMING.bootTimeoutMs + BOOT_TIMING.runTimeoutMs;
    let unanswered = '';
    while (performance.now() < giveUpAt) {
      await new Promise((r) => setTimeout(r, BOOT_TIMING.pollMs));
      let s;
      try {
        s = await readIscsiBootStatus(client);
      } catch (err) { // a poll lost to a busy BMC is asked again at the next, as the manager's probe does
        unanswered = ` (last poll: ${(err as Error).message})`;
        continue;
      }
      if (s.run > before && s.state === 'booted') return { host, booted: true, endedAtMs: Date.now(), failure: null };
      if (s.run > before && s.state === 'failed') return { host, booted: false, endedAtMs: Date.now(), failure: `${s.error}: ${s.message}` };
    }
    return { host, booted: false, endedAtMs: Date.now(), failure: `the boot did not end within ${(BOOT_TIMING.bootTimeoutMs + BOOT_TIMING.runTimeoutMs) / 1000} s of the power command${unanswered}` };
  } catch (err) {
    return { host, booted: false, endedAtMs: Date.now(), failure: (err as Error).message };
  } finally {
    client?.close();
  }
}

async function main(): Promise<void> {
  const load = { atStart: loadavg().map((l) => round(l, 2)), atEnd: [] as number[] };
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-bench-bootreq-'));
  const p = plan();
  const ipmiPort = await freeUdpPort();
  const isnsPort = await freeTcpPort();
  writeFileSync(join(dir, 'fleet.yaml'), fleetYaml(p, ipmiPort, isnsPort));
  let manager;
  let anchor;
  try {
    manager = await managerRun(dir, p, ipmiPort, isnsPort);
    anchor = await anchorRun(p, ipmiPort, isnsPort, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  load.atEnd = loadavg().map((l) => round(l, 2));
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? round(a / b) : null);
  process.stdout.write(`${JSON.stringify({
    benchmark: 'bootcfg-requests', mode: QUICK ? 'quick' : 'full', machine: machine(), loadAverage: load,
    hosts: HOSTS, diskSizesGB: SIZES_GB, concurrency: CONCURRENCY, pollMs: BOOT_TIMING.pollMs,
    note: 'the manager (startBootcfg, as `manager serve --isns` wires it) and the plain client are this process (processCpuSeconds, processPeakRssMB: its CPU and peak RSS during the run); the BMCs, hosts, targets and iSNS server are the fleet process, started afresh for each run. concurrency is BootRunner\'s default, which `manager serve` uses and has no option for',
    runs: [manager, anchor],
    ratios: {
      timeToLastBootedManagerVsPlainClient: ratio(manager.timeToLastBootedMs, anchor.timeToLastBootedMs),
      cpuManagerVsPlainClient: ratio(manager.processCpuSeconds, anchor.processCpuSeconds),
    },
  })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
