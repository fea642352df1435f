// One host's installation through its BMC (issue 14, step 4), sans-I/O: the state names the one action to take next,
// the glue takes it (over IPMI) and hands back what came of it, with the time; every state is saved before its action,
// so a manager killed at any point takes up each host where it was, and no host is installed twice.
//
//   insert ----> boot-device ----> power-cycle ----> installing ----> hand-over ----> done
//   (the image     (next boot        (the agent's      (Get Install      (pool file,
//    into the CD)   from CD)          run counter,      Progress until    webhook)
//                                     then the cycle)   that run ends)                   any step: failed, with why
//
// The power cycle is the one step that must not happen twice for one install. The state moves to `installing` with
// the agent's run counter read before it, and is saved, before the cycle is sent: a restart then waits for a run
// newer than that one, and cycles again only when none starts within bootTimeoutMs (the cycle never went out).
export const InstallStep = {
  INSERT: 'insert',
  BOOT_DEVICE: 'boot-device',
  POWER_CYCLE: 'power-cycle',
  INSTALLING: 'installing',
  HAND_OVER: 'hand-over',
  DONE: 'done',
  FAILED: 'failed',
} as const;
export type InstallStep = typeof InstallStep[keyof typeof InstallStep];

/** What the host's installation agent last reported through its BMC (bmcfleet Get Install Progress). */
export interface AgentReport {
  /** Installs this BMC has seen start; 0 before any. */
  run: number;
  phase: 'idle' | 'attaching' | 'verifying' | 'copying' | 'packages' | 'finishing' | 'done' | 'failed';
  percent: number;
  message: string;
  role: string;
}

export interface InstallState {
  role: string;
  /** What the CD-ROM gets: a file name in the fleet's image folder, or an http(s) URL. */
  image: string;
  step: InstallStep;
  stepSinceMs: number;
  /** Tries of this step that failed so far. */
  failures: number;
  /** When the next try of this step is due (a retry's backoff, or the next poll); null: at once. */
  dueMs: number | null;
  /** The agent's run counter before this install's power cycle. */
  runBefore: number | null;
  /** When the power cycle was (or was about to be) sent. */
  cycledAtMs: number | null;
  progress: AgentReport | null;
  /** When the agent's report last changed (the manager's clock): a report that stops changing is a hang. */
  progressChangedMs: number | null;
  /** Why it failed (step failed), or the last retried error. */
  failure: string | null;
  startedAtMs: number;
  endedAtMs: number | null;
  /** A new host goes to the pool once installed; a host updated in place (a cluster update) is already in service. */
  handOver?: boolean;
}

export interface InstallTiming {
  /** Tries of one step (insert, boot device, power cycle, hand-over) before the host fails. */
  maxTries: number;
  retryMs: number;
  pollMs: number;
  /** From the power cycle to a new run of the agent. */
  bootTimeoutMs: number;
  /** The agent's report unchanged this long: the install hangs. */
  stallTimeoutMs: number;
}

export const INSTALL_TIMING: InstallTiming = { maxTries: 3, retryMs: 2000, pollMs: 1000, bootTimeoutMs: 120_000, stallTimeoutMs: 300_000 };

export type InstallAction =
  | { kind: 'insert'; image: string }
  | { kind: 'set-boot-cd' }
  | { kind: 'read-run' }
  | { kind: 'power-cycle' }
  | { kind: 'poll-progress' }
  | { kind: 'hand-over' };

/** What an action came to. */
export type ActionResult =
  | { kind: 'insert'; drive: 'inserted' | 'inserting' }
  | { kind: 'set-boot-cd' }
  | { kind: 'read-run'; run: number }
  | { kind: 'power-cycle' }
  | { kind: 'poll-progress'; report: AgentReport }
  | { kind: 'hand-over' };

export function startInstall(role: string, image: string, nowMs: number, handOver = true): InstallState {
  return {
    role, image, step: InstallStep.INSERT, stepSinceMs: nowMs, failures: 0, dueMs: null, runBefore: null, cycledAtMs: null,
    progress: null, progressChangedMs: null, failure: null, startedAtMs: nowMs, endedAtMs: null, ...(handOver ? {} : { handOver }),
  };
}

export function isFinal(s: InstallState): boolean {
  return s.step === InstallStep.DONE || s.step === InstallStep.FAILED;
}

/**
 * The action due at `nowMs`, and the state to save before it is taken (the same state, but for the power cycle:
 * `installing`, cycled now); null when nothing is due yet (see dueMs) or the install is over.
 */
export function nextAction(s: InstallState, nowMs: number): { save: InstallState; action: InstallAction } | null {
  if (isFinal(s) || (s.dueMs !== null && nowMs < s.dueMs)) return null;
  switch (s.step) {
    case InstallStep.INSERT: return { save: s, action: { kind: 'insert', image: s.image } };
    case InstallStep.BOOT_DEVICE: return { save: s, action: { kind: 'set-boot-cd' } };
    case InstallStep.POWER_CYCLE:
      if (s.runBefore === null) return { save: s, action: { kind: 'read-run' } };
      return {
        save: { ...s, step: InstallStep.INSTALLING, stepSinceMs: nowMs, cycledAtMs: nowMs, dueMs: null, progressChangedMs: nowMs },
        action: { kind: 'power-cycle' },
      };
    case InstallStep.INSTALLING: return { save: s, action: { kind: 'poll-progress' } };
    case InstallStep.HAND_OVER: return { save: s, action: { kind: 'hand-over' } };
  }
  return null;
}

/** The action succeeded: the next step (or the same one, polled again). */
export function actionDone(s: InstallState, r: ActionResult, nowMs: number, t: InstallTiming = INSTALL_TIMING): InstallState {
  switch (r.kind) {
    case 'insert':
      return r.drive === 'inserted' ? to(s, InstallStep.BOOT_DEVICE, nowMs) : { ...s, dueMs: nowMs + t.pollMs };
    case 'set-boot-cd': return to(s, InstallStep.POWER_CYCLE, nowMs);
    case 'read-run': return { ...s, runBefore: r.run, dueMs: null };
    case 'power-cycle': return { ...s, dueMs: nowMs + t.pollMs };
    case 'poll-progress': return polled(s, r.report, nowMs, t);
    case 'hand-over': return { ...to(s, InstallStep.DONE, nowMs), endedAtMs: nowMs };
  }
}

/** The action failed (`why`: the BMC's answer, no answer, ...): tried again after a pause, until maxTries. */
export function actionFailed(s: InstallState, why: string, nowMs: number, t: InstallTiming = INSTALL_TIMING): InstallState {
  if (s.step === InstallStep.INSTALLING) {
    // a poll that fails is not the install failing: the hang and boot timeouts bound it
    const timedOut = overdue(s, nowMs, t);
    return timedOut ?? { ...s, failure: `last poll: ${why}`, dueMs: nowMs + t.pollMs };
  }
  const failures = s.failures + 1;
  if (failures >= t.maxTries && s.step !== InstallStep.HAND_OVER) return fail(s, `${s.step}: ${why} (${failures} tries)`, nowMs);
  // a hand-over is tried until it works: the host is installed, and must not be lost
  return { ...s, failures, failure: why, dueMs: nowMs + t.retryMs * Math.min(2 ** (failures - 1), 32) };
}

/** The CD-ROM's insert ended in failure (the image cannot be read, ...): no use trying it again. */
export function insertFailed(s: InstallState, why: string, nowMs: number): InstallState {
  return fail(s, `insert: ${why}`, nowMs);
}

function polled(s: InstallState, report: AgentReport, nowMs: number, t: InstallTiming): InstallState {
  // a counter below the one read before the cycle: the BMC lost its state (restarted), and the install with it
  if (s.runBefore !== null && report.run < s.runBefore) {
    return { ...to(s, InstallStep.POWER_CYCLE, nowMs), runBefore: null, failures: s.failures + 1, failure: `the BMC's install run counter went back from ${s.runBefore} to ${report.run} (it restarted): installing again` };
  }
  const changed = s.progress === null || report.run !== s.progress.run || report.phase !== s.progress.phase
    || report.percent !== s.progress.percent || report.message !== s.progress.message;
  const next: InstallState = { ...s, progress: report, failure: null, progressChangedMs: changed ? nowMs : s.progressChangedMs, dueMs: nowMs + t.pollMs };
  if (report.run > (s.runBefore ?? 0)) {
    if (report.phase === 'done') return s.handOver === false ? { ...to(next, InstallStep.DONE, nowMs), endedAtMs: nowMs } : to(next, InstallStep.HAND_OVER, nowMs);
    if (report.phase === 'failed') return fail(next, `the installer failed: ${report.message}`, nowMs);
  }
  return overdue(next, nowMs, t) ?? next;
}

/** The install timed out: no new run since the cycle (cycled again, up to maxTries), or a run whose report stopped changing. */
function overdue(s: InstallState, nowMs: number, t: InstallTiming): InstallState | null {
  const started = s.progress !== null && s.progress.run > (s.runBefore ?? 0);
  if (!started && nowMs - (s.cycledAtMs ?? s.stepSinceMs) >= t.bootTimeoutMs) {
    const failures = s.failures + 1;
    const why = `the host did not start the installer within ${Math.round(t.bootTimeoutMs / 1000)} s of its power cycle`;
    if (failures >= t.maxTries) return fail(s, `${why} (${failures} cycles)`, nowMs);
    return { ...to(s, InstallStep.POWER_CYCLE, nowMs), failures, failure: why };
  }
  if (started && nowMs - (s.progressChangedMs ?? nowMs) >= t.stallTimeoutMs) {
    return fail(s, `the installer hangs: no progress for ${Math.round(t.stallTimeoutMs / 1000)} s (${s.progress!.phase}, ${s.progress!.percent}%)`, nowMs);
  }
  return null;
}

function to(s: InstallState, step: InstallStep, nowMs: number): InstallState {
  return { ...s, step, stepSinceMs: nowMs, failures: step === s.step ? s.failures : 0, dueMs: null, failure: null };
}

function fail(s: InstallState, why: string, nowMs: number): InstallState {
  return { ...s, step: InstallStep.FAILED, stepSinceMs: nowMs, failure: why, dueMs: null, endedAtMs: nowMs };
}
