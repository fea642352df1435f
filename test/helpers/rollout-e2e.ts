// A firmware rollout with real processes only (issue 11), for the rollout end-to-end tests: `bmcfleet emulate` runs 3
// racks of 3 BMCs, each rack with its RMC (state in a stateDir, short firmwareTimings); `bmcfleet manager serve` governs
// them; the operator's commands are the CLI's (`rmc trust`, `firmware pack`, `rollout start|status|report|abort`). Every
// check is made from the outside: Get Device ID over RMCP+ (the project's IPMI client), the control API's per-BMC
// request counters, and `rollout report --json`. Each test file gives its own addresses (PREFIX.r.b) and ports.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HpmFlasher } from '../../clients/ipmi/hpm-flasher.js';
import type { RolloutReport, RolloutStatusView, RolloutSummary } from '../../orchestrator/rollout/rollout-views.js';
import { CLI, startCli, type EmulatorProcess } from './emulator-process.js';

const HPM_ACTIVATE = '2c/35/';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Run { code: number; stdout: string; stderr: string }
export function bmcfleet(...args: string[]): Promise<Run> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) =>
    resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr })));
}

export async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return await res.json() as T;
}

export class RolloutE2e {
  readonly racks = [1, 2, 3];
  readonly bmcs: string[];
  readonly rmcIps: string[];
  readonly login: { port: number; username: string; password: string };
  readonly dir = mkdtempSync(join(tmpdir(), 'bmcfleet-rollout-e2e-'));
  readonly managerState = join(this.dir, 'manager');
  fleet: EmulatorProcess | null = null;
  control = '';
  manager: EmulatorProcess | null = null;
  managerUrl = '';
  private readonly reader = new HpmFlasher({ requestTimeoutMs: 500, retries: 3 });

  readonly prefix: string;
  readonly rolloutPort: number;

  /** `prefix`: the fleet's addresses, PREFIX.RACK.BMC (BMCs 1-3, the RMC .250, the APIs on PREFIX.0.1). */
  constructor(prefix: string, ipmiPort: number, rolloutPort: number) {
    this.prefix = prefix;
    this.rolloutPort = rolloutPort;
    this.bmcs = this.racks.flatMap((r) => [1, 2, 3].map((b) => `${prefix}.${r}.${b}`));
    this.rmcIps = this.racks.map((r) => `${prefix}.${r}.250`);
    this.login = { port: ipmiPort, username: 'admin', password: 'password' };
    writeFileSync(join(this.dir, 'fleet.yaml'), `name: rollout-e2e
ipmiPort: ${ipmiPort}
users:
  - { name: admin, password: password, privilege: administrator }
control: ${prefix}.0.1:0
stateDir: ${join(this.dir, 'fleet-state')}
firmware: "1.00"
firmwareTimings: { backupMs: 50, prepareMs: 50, writeMs: 100, activateMs: 100, rollbackMs: 100, rebootMs: 500 }
rollout: { port: ${rolloutPort} }
racks:
${this.racks.map((r) => `  - { name: rack-${r}, bmcs: 3, firstIp: ${prefix}.${r}.1, rmc: { ip: ${prefix}.${r}.250 } }`).join('\n')}
`);
  }

  /** The fleet and the manager, whose key the RMCs are told to trust. */
  async start(): Promise<void> {
    this.fleet = await startCli(['emulate', '--config', join(this.dir, 'fleet.yaml')]);
    this.control = /control (http:\S+)/.exec(this.fleet.readyLine)![1];
    await this.startManager();
    const trust = await bmcfleet('rmc', 'trust', '--fleet', this.control, '--state', this.managerState);
    if (trust.code !== 0) throw new Error(trust.stderr);
  }

  async stop(): Promise<void> {
    if (this.manager) await this.manager.stop('SIGKILL');
    await this.fleet?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async startManager(): Promise<void> {
    this.manager = await startCli(['manager', 'serve', '--fleet', this.control, '--state', this.managerState, '--listen', `${this.prefix}.0.1:0`,
      '--rmc-port', String(this.rolloutPort)]);
    this.managerUrl = /manager API (http:\S+),/.exec(this.manager.readyLine)![1];
  }

  async killManager(): Promise<void> {
    await this.manager!.stop('SIGKILL');
    this.manager = null;
  }

  /** HPM.1 Activate Firmware requests each BMC received, whatever it answered. */
  async activations(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const ip of this.bmcs) {
      const { counters } = await api<{ counters: { requests: Record<string, number> } }>(this.control, 'GET', `/bmcs/${ip}`);
      counts.set(ip, Object.entries(counters.requests).filter(([k]) => k.startsWith(HPM_ACTIVATE)).reduce((n, [, c]) => n + c, 0));
    }
    return counts;
  }

  async activationsSince(before: Map<string, number>): Promise<Record<string, number>> {
    const now = await this.activations();
    return Object.fromEntries(this.bmcs.map((ip) => [ip, now.get(ip)! - before.get(ip)!]));
  }

  /** Each BMC's firmware as Get Device ID reports it now ("1.02"). */
  async versions(): Promise<Record<string, string>> {
    const read = await Promise.all(this.bmcs.map((host) => this.reader.readVersion({ host, ...this.login })));
    return Object.fromEntries(this.bmcs.map((ip, i) => {
      const r = read[i];
      return [ip, r.ok ? `${r.firmware.major}.${String(r.firmware.minor).padStart(2, '0')}` : `unreadable (${r.reason})`];
    }));
  }

  /** Every BMC's value, but those `except` names. */
  every<T>(value: T, except: Record<string, T> = {}): Record<string, T> {
    return Object.fromEntries(this.bmcs.map((ip) => [ip, except[ip] ?? value]));
  }

  /** `firmware pack` of version X.Y for the fleet's BMCs; the file's path. */
  async pack(version: string, size = 20_000): Promise<string> {
    const file = join(this.dir, `bmc-${version}.hpm`);
    const r = await bmcfleet('firmware', 'pack', '--out', file, '--version', version, '--size', String(size));
    if (r.code !== 0) throw new Error(r.stderr);
    return file;
  }

  async startRollout(image: string, ...options: string[]): Promise<RolloutStatusView> {
    const r = await bmcfleet('rollout', 'start', '--image', image, '--json', '--manager', this.managerUrl, ...options);
    if (r.code !== 0) throw new Error(`rollout start: ${r.stderr}`);
    return JSON.parse(r.stdout) as RolloutStatusView;
  }

  /** `rollout status ID --watch --json` until the rollout ends: its exit code and last status. */
  async watch(id: number): Promise<{ code: number; last: RolloutStatusView }> {
    const r = await bmcfleet('rollout', 'status', String(id), '--watch', '--json', '--manager', this.managerUrl);
    const lines = r.stdout.trim().split('\n');
    return { code: r.code, last: JSON.parse(lines[lines.length - 1]) as RolloutStatusView };
  }

  async report(id: number): Promise<Record<string, { result: string; reason: string | null; firmware: string }>> {
    const r = await bmcfleet('rollout', 'report', String(id), '--json', '--manager', this.managerUrl);
    const body = JSON.parse(r.stdout) as RolloutReport;
    return Object.fromEntries(body.racks.flatMap((rack) => rack.bmcs.map((b) => [b.address, { result: b.result, reason: b.reason, firmware: b.firmware }])));
  }

  async listed(): Promise<RolloutSummary[]> {
    const r = await bmcfleet('rollout', 'status', '--json', '--manager', this.managerUrl);
    return JSON.parse(r.stdout) as RolloutSummary[];
  }

  /** Polls the manager's API until `when` holds of the rollout's status; that status. */
  async until(id: number, when: (s: RolloutStatusView) => boolean, what: string, timeoutMs = 20_000): Promise<RolloutStatusView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await api<RolloutStatusView>(this.managerUrl, 'GET', `/rollouts/${id}`);
      if (when(s)) return s;
      if (Date.now() > deadline) throw new Error(`rollout ${id} never ${what}: ${JSON.stringify(s)}`);
      await sleep(15);
    }
  }

  /** Polls the control API's GET PATH until `when` holds of the answer. */
  async untilControl<T>(path: string, when: (body: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = await api<T>(this.control, 'GET', path);
      if (when(body)) return body;
      if (Date.now() > deadline) throw new Error(`${path}: never ${what}`);
      await sleep(15);
    }
  }
}
