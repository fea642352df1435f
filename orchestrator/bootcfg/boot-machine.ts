// One boot request (issue 15, steps 3-6), sans-I/O: the state names the one action to take next, the glue
// (boot-runner.ts) takes it and hands back what came of it, with the time. Every state is saved before its action,
// so a manager killed at any point takes the request up where it was and does nothing twice.
//
//   pick ---> dd ---> parameters ---> boot-device ---> power ---> booting ---> booted
//   (a free     (DDReg:   (OEM boot        (PXE, next     (boot-status   (Get iSCSI
//    disk that   target +  parameters      boot only)      run, then on   Boot Status
//    fits)       initiator) 100-109)                       or cycle)      until that run ends)     any step: failed
//
//   release: releasing (DDDereg, the disk freed) ---> released
//
// The power action is the one that must not happen twice: the state moves to `booting`, with the run counter read
// before it, and is saved before the power command goes out; a restart then waits for a newer run, and powers again
// only when none starts within bootTimeoutMs. A disk that leaves the iSNS server before the host booted from it sends
// the request back to `pick` (diskLost), up to maxRepicks times.
import type { IscsiBootStatusReading } from '../../clients/ipmi/iscsi-boot-status.js';
import type { IscsiBootConfig } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import type { BootDisk } from './boot-target.js';

export const BootStep = {
  PICK: 'pick',
  DD: 'dd',
  PARAMETERS: 'parameters',
  BOOT_DEVICE: 'boot-device',
  POWER: 'power',
  BOOTING: 'booting',
  BOOTED: 'booted',
  FAILED: 'failed',
  RELEASING: 'releasing',
  RELEASED: 'released',
} as const;
export type BootStep = typeof BootStep[keyof typeof BootStep];

/** What the host's firmware last reported through its BMC (bmcfleet Get iSCSI Boot Status). */
export type BootReport = IscsiBootStatusReading;

export type DiskRef = Pick<BootDisk, 'target' | 'lun' | 'portal'>;

export interface BootRequest {
  /** The host's BMC address: the request's key. */
  host: string;
  role: string | null;
  sizeBytes: number;
  /** The host's initiator name (boot-target.ts initiatorIqnFor). */
  initiator: string;
  /** The host's IP configuration written with the parameters (0.0.0.0: the host takes its own). */
  network: IscsiBootConfig['initiator'];
  disk: DiskRef | null;
  /** The DD holding the target and the initiator, once registered. */
  ddId: number | null;
  step: BootStep;
  /** When the request entered its step (for `booting`: when the power command went out). */
  stepSinceMs: number;
  /** Tries of this step that failed so far. */
  failures: number;
  /** Disks lost before the host booted from them. */
  repicks: number;
  /** When the next try is due (a retry's backoff, or the next poll); null: at once. */
  dueMs: number | null;
  /** The host's boot run counter before the power command. */
  runBefore: number | null;
  report: BootReport | null;
  /** Why it failed (step failed), or the last retried error. */
  failure: string | null;
  startedAtMs: number;
  endedAtMs: number | null;
}

export interface BootTiming {
  /** Tries of one step before the request fails (each a retry after retryMs, doubling). */
  maxTries: number;
  retryMs: number;
  pollMs: number;
  /** From the power command to a new boot run. */
  bootTimeoutMs: number;
  /** From a run's start to its end (booted or failed). */
  runTimeoutMs: number;
  /** Disks lost before the boot that are replaced by another pick. */
  maxRepicks: number;
}

export const BOOT_TIMING: BootTiming = { maxTries: 3, retryMs: 2000, pollMs: 1000, bootTimeoutMs: 120_000, runTimeoutMs: 120_000, maxRepicks: 3 };

export type BootAction =
  | { kind: 'pick'; sizeBytes: number }
  | { kind: 'dd'; members: [target: string, initiator: string] }
  | { kind: 'parameters'; config: IscsiBootConfig }
  | { kind: 'boot-pxe' }
  | { kind: 'read-run' }
  | { kind: 'power' }
  | { kind: 'poll' }
  | { kind: 'release' };

export type BootResult =
  | { kind: 'pick'; disk: DiskRef | null }
  | { kind: 'dd'; ddId: number }
  | { kind: 'parameters' }
  | { kind: 'boot-pxe' }
  | { kind: 'read-run'; run: number }
  | { kind: 'power' }
  | { kind: 'poll'; report: BootReport }
  | { kind: 'release' };

/** A request whose disk was picked (and reserved) with it. */
export function startBoot(o: { host: string; role: string | null; sizeBytes: number; initiator: string; network: BootRequest['network']; disk: DiskRef }, nowMs: number): BootRequest {
  return {
    ...o, ddId: null, step: BootStep.DD, stepSinceMs: nowMs, failures: 0, repicks: 0, dueMs: null, runBefore: null,
    report: null, failure: null, startedAtMs: nowMs, endedAtMs: null,
  };
}

export function isFinal(s: BootRequest): boolean {
  return s.step === BootStep.BOOTED || s.step === BootStep.FAILED || s.step === BootStep.RELEASED;
}

/** Holds its disk (and maybe a DD): everything but released. */
export function holdsDisk(s: BootRequest): boolean {
  return s.step !== BootStep.RELEASED && s.disk !== null;
}

/** The parameters the BMC gets (parameters 100-109); the runner adds the target's CHAP account, which is never saved. */
export function bootConfig(s: BootRequest, disk: DiskRef): IscsiBootConfig {
  return { initiatorName: s.initiator, initiator: s.network, targetName: disk.target, portal: disk.portal, lun: disk.lun, chapName: '', chapSecret: '' };
}

/** The action due at `nowMs` and the state to save before it (the same, but for power: `booting`); null when none. */
export function nextAction(s: BootRequest, nowMs: number): { save: BootRequest; action: BootAction } | null {
  if (isFinal(s) || (s.dueMs !== null && nowMs < s.dueMs)) return null;
  switch (s.step) {
    case BootStep.PICK: return { save: s, action: { kind: 'pick', sizeBytes: s.sizeBytes } };
    case BootStep.DD: return { save: s, action: { kind: 'dd', members: [s.disk!.target, s.initiator] } };
    case BootStep.PARAMETERS: return { save: s, action: { kind: 'parameters', config: bootConfig(s, s.disk!) } };
    case BootStep.BOOT_DEVICE: return { save: s, action: { kind: 'boot-pxe' } };
    case BootStep.POWER:
      if (s.runBefore === null) return { save: s, action: { kind: 'read-run' } };
      return { save: { ...s, step: BootStep.BOOTING, stepSinceMs: nowMs, dueMs: null }, action: { kind: 'power' } };
    case BootStep.BOOTING: return { save: s, action: { kind: 'poll' } };
    case BootStep.RELEASING: return { save: s, action: { kind: 'release' } };
  }
  return null;
}

export function actionDone(s: BootRequest, r: BootResult, nowMs: number, t: BootTiming = BOOT_TIMING): BootRequest {
  switch (r.kind) {
    case 'pick':
      if (r.disk === null) return fail(s, `no free online disk of at least ${s.sizeBytes} bytes is left`, nowMs);
      return { ...to(s, BootStep.DD, nowMs), disk: r.disk };
    case 'dd': return { ...to(s, BootStep.PARAMETERS, nowMs), ddId: r.ddId };
    case 'parameters': return to(s, BootStep.BOOT_DEVICE, nowMs);
    case 'boot-pxe': return to(s, BootStep.POWER, nowMs);
    case 'read-run': return { ...s, runBefore: r.run, dueMs: null };
    case 'power': return { ...s, dueMs: nowMs + t.pollMs };
    case 'poll': return polled(s, r.report, nowMs, t);
    case 'release': return { ...to(s, BootStep.RELEASED, nowMs), ddId: null, endedAtMs: nowMs };
  }
}

/** The action failed (`why`): tried again after a pause, up to maxTries; a release is tried until it works. */
export function actionFailed(s: BootRequest, why: string, nowMs: number, t: BootTiming = BOOT_TIMING): BootRequest {
  if (s.step === BootStep.BOOTING) return overdue(s, nowMs, t) ?? { ...s, failure: `last poll: ${why}`, dueMs: nowMs + t.pollMs };
  const failures = s.failures + 1;
  if (failures >= t.maxTries && s.step !== BootStep.RELEASING) return fail(s, `${s.step}: ${why} (${failures} tries)`, nowMs);
  return { ...s, failures, failure: why, dueMs: nowMs + t.retryMs * Math.min(2 ** (failures - 1), 32) };
}

/** The request's disk left the iSNS server: before the host booted from it, another is picked (the DD stays, re-filled). */
export function diskLost(s: BootRequest, nowMs: number, t: BootTiming = BOOT_TIMING): BootRequest {
  if (isFinal(s) || s.step === BootStep.RELEASING || s.disk === null) return s;
  const what = `${s.disk.target} LUN ${s.disk.lun} left the iSNS server during ${s.step}`;
  if (s.repicks >= t.maxRepicks) return fail({ ...s, disk: null }, `${what}; ${s.repicks} disks lost already, giving up`, nowMs);
  return { ...to(s, BootStep.PICK, nowMs), disk: null, runBefore: null, repicks: s.repicks + 1, failure: what };
}

/** The host is released: its DD goes and its disk is freed (from any step; a released request stays so). */
export function startRelease(s: BootRequest, nowMs: number): BootRequest {
  if (s.step === BootStep.RELEASED || s.step === BootStep.RELEASING) return s;
  return { ...to(s, BootStep.RELEASING, nowMs), endedAtMs: null };
}

function polled(s: BootRequest, report: BootReport, nowMs: number, t: BootTiming): BootRequest {
  // a counter below the one read before the power command: the BMC lost its state (restarted), and the boot with it
  if (s.runBefore !== null && report.run < s.runBefore) {
    return { ...to(s, BootStep.POWER, nowMs), runBefore: null, failures: s.failures + 1, failure: `the BMC's boot run counter went back from ${s.runBefore} to ${report.run} (it restarted): booting again` };
  }
  const next: BootRequest = { ...s, report, failure: null, dueMs: nowMs + t.pollMs };
  if (report.run > (s.runBefore ?? 0)) {
    if (report.state === 'booted') return { ...to(next, BootStep.BOOTED, nowMs), endedAtMs: nowMs };
    if (report.state === 'failed') return fail(next, `the host could not boot from ${s.disk?.target ?? '?'}: ${report.error}${report.message ? ` (${report.message})` : ''}`, nowMs);
  }
  return overdue(next, nowMs, t) ?? next;
}

/** No new run since the power command (powered again, up to maxTries), or a run that never ends. */
function overdue(s: BootRequest, nowMs: number, t: BootTiming): BootRequest | null {
  const started = s.report !== null && s.report.run > (s.runBefore ?? 0);
  const since = s.stepSinceMs; // booting since the power command
  if (!started && nowMs - since >= t.bootTimeoutMs) {
    const failures = s.failures + 1;
    const why = `the host did not start an iSCSI boot within ${Math.round(t.bootTimeoutMs / 1000)} s of its power command`;
    if (failures >= t.maxTries) return fail(s, `${why} (${failures} tries)`, nowMs);
    return { ...to(s, BootStep.POWER, nowMs), runBefore: null, failures, failure: why };
  }
  if (started && nowMs - since >= t.bootTimeoutMs + t.runTimeoutMs) {
    return fail(s, `the host's iSCSI boot did not end within ${Math.round((t.bootTimeoutMs + t.runTimeoutMs) / 1000)} s (${s.report!.state}: ${s.report!.message})`, nowMs);
  }
  return null;
}

function to(s: BootRequest, step: BootStep, nowMs: number): BootRequest {
  return { ...s, step, stepSinceMs: nowMs, failures: step === s.step ? s.failures : 0, dueMs: null, failure: null };
}

function fail(s: BootRequest, why: string, nowMs: number): BootRequest {
  return { ...s, step: BootStep.FAILED, stepSinceMs: nowMs, failure: why, dueMs: null, endedAtMs: nowMs };
}
