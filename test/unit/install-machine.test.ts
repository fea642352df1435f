// One host's install (orchestrator/provisioning/install-machine.ts) driven step by step with the time as an input:
// the order of actions, what is saved before the power cycle, a restart at the worst moment, an old install's
// "done" not taken for this one, timeouts, retries, and a hand-over that is never given up.
import t from 'tap';
import {
  INSTALL_TIMING, InstallStep, actionDone, actionFailed, insertFailed, nextAction, startInstall,
  type AgentReport, type InstallState,
} from '../../orchestrator/provisioning/install-machine.js';

const report = (run: number, phase: AgentReport['phase'], percent = 0, message = ''): AgentReport => ({ run, phase, percent, message, role: 'compute' });

/** Takes the next action at `now`, checking its kind, and returns the state to save before it. */
function act(s: InstallState, now: number, kind: string): InstallState {
  const next = nextAction(s, now);
  if (next === null) throw new Error(`nothing due at ${now} in ${s.step}`);
  if (next.action.kind !== kind) throw new Error(`expected ${kind}, got ${next.action.kind} in ${s.step}`);
  return next.save;
}

t.test('the whole install: insert until the drive has it, boot from CD, the run read, the cycle, polls to done, hand-over', (t) => {
  let s = startInstall('compute', 'debian.iso', 0);
  t.same(nextAction(s, 0)?.action, { kind: 'insert', image: 'debian.iso' });
  s = actionDone(act(s, 0, 'insert'), { kind: 'insert', drive: 'inserting' }, 10);
  t.equal(nextAction(s, 500), null, 'the drive asked again after the poll interval');
  s = actionDone(act(s, 1010, 'insert'), { kind: 'insert', drive: 'inserted' }, 1020);
  s = actionDone(act(s, 1020, 'set-boot-cd'), { kind: 'set-boot-cd' }, 1030);
  s = actionDone(act(s, 1030, 'read-run'), { kind: 'read-run', run: 3 }, 1040);
  const before = act(s, 1040, 'power-cycle');
  t.match(before, { step: InstallStep.INSTALLING, runBefore: 3, cycledAtMs: 1040 }, 'saved as installing before the cycle goes out');
  s = actionDone(before, { kind: 'power-cycle' }, 1050);
  s = actionDone(act(s, 2050, 'poll-progress'), { kind: 'poll-progress', report: report(3, 'done', 100) }, 2060);
  t.equal(s.step, InstallStep.INSTALLING, 'the last install\'s "done" (run 3) is not this one');
  s = actionDone(act(s, 3060, 'poll-progress'), { kind: 'poll-progress', report: report(4, 'copying', 40) }, 3070);
  t.same(s.progress, report(4, 'copying', 40));
  s = actionDone(act(s, 4070, 'poll-progress'), { kind: 'poll-progress', report: report(4, 'done', 100) }, 4080);
  t.equal(s.step, InstallStep.HAND_OVER);
  s = actionDone(act(s, 4080, 'hand-over'), { kind: 'hand-over' }, 4090);
  t.match(s, { step: InstallStep.DONE, endedAtMs: 4090, failure: null });
  t.equal(nextAction(s, 10_000), null, 'nothing after done');
  t.end();
});

t.test('killed after saving the cycle but before sending it: no new run, so cycled again after the boot timeout', (t) => {
  let s = startInstall('compute', 'x.iso', 0);
  s = actionDone(act(s, 0, 'insert'), { kind: 'insert', drive: 'inserted' }, 0);
  s = actionDone(act(s, 0, 'set-boot-cd'), { kind: 'set-boot-cd' }, 0);
  s = actionDone(act(s, 0, 'read-run'), { kind: 'read-run', run: 0 }, 0);
  const saved = act(s, 0, 'power-cycle'); // the manager dies here: the cycle never went out
  let now = 0;
  s = saved;
  while (s.step === InstallStep.INSTALLING) {
    now = s.dueMs ?? now;
    s = actionDone(act(s, now, 'poll-progress'), { kind: 'poll-progress', report: report(0, 'idle') }, now);
  }
  t.equal(now, INSTALL_TIMING.bootTimeoutMs, 'waited the boot timeout, not less');
  t.match(s, { step: InstallStep.POWER_CYCLE, runBefore: 0, failures: 1 });
  t.match(s.failure, /did not start the installer within 120 s/);
  s = actionDone(act(s, now, 'power-cycle'), { kind: 'power-cycle' }, now);
  s = actionDone(act(s, now + 1000, 'poll-progress'), { kind: 'poll-progress', report: report(1, 'done', 100) }, now + 1000);
  t.equal(s.step, InstallStep.HAND_OVER, 'one install, after one more cycle');
  t.end();
});

t.test('a host that never boots the installer fails after maxTries cycles', (t) => {
  let s: InstallState = { ...startInstall('compute', 'x.iso', 0), step: InstallStep.POWER_CYCLE, runBefore: 5 };
  let now = 0;
  let cycles = 0;
  while (s.step !== InstallStep.FAILED) {
    const n = nextAction(s, now);
    if (n?.action.kind === 'power-cycle') cycles++;
    s = n ? (n.action.kind === 'power-cycle' ? actionDone(n.save, { kind: 'power-cycle' }, now) : actionDone(n.save, { kind: 'poll-progress', report: report(5, 'done') }, now)) : s;
    now += 1000;
  }
  t.equal(cycles, INSTALL_TIMING.maxTries);
  t.match(s.failure, /did not start the installer within 120 s of its power cycle \(3 cycles\)/);
  t.end();
});

t.test('the installer fails: the host fails with its message; a report that stops changing is a hang', (t) => {
  const installing: InstallState = { ...startInstall('compute', 'x.iso', 0), step: InstallStep.INSTALLING, runBefore: 1, cycledAtMs: 0, progressChangedMs: 0 };
  const failed = actionDone(installing, { kind: 'poll-progress', report: report(2, 'failed', 30, 'sha256 of /system.img differs from MANIFEST.SHA256') }, 5000);
  t.match(failed, { step: InstallStep.FAILED, endedAtMs: 5000, failure: 'the installer failed: sha256 of /system.img differs from MANIFEST.SHA256' });
  let s = actionDone(installing, { kind: 'poll-progress', report: report(2, 'copying', 10) }, 1000);
  s = actionDone(s, { kind: 'poll-progress', report: report(2, 'copying', 10) }, 1000 + INSTALL_TIMING.stallTimeoutMs - 1);
  t.equal(s.step, InstallStep.INSTALLING, 'not a hang one ms early');
  s = actionDone(s, { kind: 'poll-progress', report: report(2, 'copying', 10) }, 1000 + INSTALL_TIMING.stallTimeoutMs);
  t.match(s, { step: InstallStep.FAILED, failure: 'the installer hangs: no progress for 300 s (copying, 10%)' });
  t.end();
});

t.test('a BMC whose run counter went back (it restarted): the counter read again and the host cycled again', (t) => {
  const installing: InstallState = { ...startInstall('compute', 'x.iso', 0), step: InstallStep.INSTALLING, runBefore: 5, cycledAtMs: 0, progressChangedMs: 0 };
  let s = actionDone(installing, { kind: 'poll-progress', report: report(0, 'idle') }, 1000);
  t.match(s, { step: InstallStep.POWER_CYCLE, runBefore: null, failures: 1, failure: /went back from 5 to 0/ });
  s = actionDone(act(s, 1000, 'read-run'), { kind: 'read-run', run: 0 }, 1000);
  s = actionDone(act(s, 1000, 'power-cycle'), { kind: 'power-cycle' }, 1000);
  s = actionDone(act(s, 2000, 'poll-progress'), { kind: 'poll-progress', report: report(1, 'done', 100) }, 2000);
  t.equal(s.step, InstallStep.HAND_OVER);
  t.end();
});

t.test('failed polls do not fail the install; the timeouts still bound it', (t) => {
  const installing: InstallState = { ...startInstall('compute', 'x.iso', 0), step: InstallStep.INSTALLING, runBefore: 1, cycledAtMs: 0, progressChangedMs: 0 };
  const s = actionFailed(installing, 'no answer', 1000);
  t.match(s, { step: InstallStep.INSTALLING, failure: 'last poll: no answer', dueMs: 2000 });
  t.equal(actionFailed(installing, 'no answer', INSTALL_TIMING.bootTimeoutMs).step, InstallStep.POWER_CYCLE, 'no run after the boot timeout: cycled again');
  t.end();
});

t.test('a step that fails is tried again with backoff, up to maxTries; a failed insert is final', (t) => {
  let s = startInstall('compute', 'x.iso', 0);
  s = actionFailed(s, 'insufficient privilege', 0);
  t.match(s, { step: InstallStep.INSERT, failures: 1, dueMs: INSTALL_TIMING.retryMs });
  s = actionFailed(s, 'no answer', 2000);
  t.match(s, { failures: 2, dueMs: 2000 + 2 * INSTALL_TIMING.retryMs });
  s = actionFailed(s, 'no answer', 6000);
  t.match(s, { step: InstallStep.FAILED, failure: 'insert: no answer (3 tries)' });
  t.match(insertFailed(startInstall('compute', 'x.iso', 0), 'cannot open /images/x.iso: ENOENT', 5), { step: InstallStep.FAILED, failure: 'insert: cannot open /images/x.iso: ENOENT' });
  t.end();
});

t.test('a hand-over is never given up: the host is installed and must reach the pool', (t) => {
  let s: InstallState = { ...startInstall('compute', 'x.iso', 0), step: InstallStep.HAND_OVER };
  let now = 0;
  for (let i = 0; i < 20; i++) {
    s = actionFailed(s, 'webhook: 503', now);
    now = s.dueMs!;
  }
  t.match(s, { step: InstallStep.HAND_OVER, failures: 20, failure: 'webhook: 503' });
  t.equal(actionFailed(s, 'x', 0).dueMs, 32 * INSTALL_TIMING.retryMs, 'the backoff stops growing at 32 pauses');
  t.end();
});
