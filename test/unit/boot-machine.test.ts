// The boot request's sans-I/O machine (orchestrator/bootcfg/boot-machine.ts) and the pure parts beside it
// (boot-target.ts): the best fit, sizes, the initiator naming rule; timeouts on a given clock.
import t from 'tap';
import { actionDone, actionFailed, nextAction, startBoot, type BootRequest } from '../../orchestrator/bootcfg/boot-machine.js';
import { DiskState, bestFit, initiatorIqnFor, parseSize, type BootDisk } from '../../orchestrator/bootcfg/boot-target.js';

const disk = (target: string, sizeBytes: number | null, o: Partial<BootDisk> = {}): BootDisk =>
  ({ target, lun: 0, portal: { address: '127.2.0.1', port: 3260 }, sizeBytes, state: DiskState.ONLINE, sizeFrom: 'isns', seenAtMs: 0, assignedTo: null, ...o });

t.test('best fit: online, free, large enough, the smallest such; by name on a tie', async (t) => {
  const disks = [disk('z', 30), disk('b', 20), disk('a', 20), disk('held', 20, { assignedTo: '127.1.0.1' }), disk('off', 20, { state: DiskState.OFFLINE }), disk('unknown', null), disk('tiny', 5)];
  t.equal(bestFit(disks, 20)?.target, 'a');
  t.equal(bestFit(disks, 21)?.target, 'z');
  t.equal(bestFit(disks, 31), null);
});

t.test('sizes and the initiator naming rule', async (t) => {
  t.same(['20G', '20GB', '512M', '1T', '1.5G', '4096', '0', 'x', '-1G', '20 G'].map(parseSize), [20e9, 20e9, 512e6, 1e12, 1.5e9, 4096, null, null, null, 20e9]);
  t.equal(initiatorIqnFor('127.1.0.1'), 'iqn.2026-12.org.bmcfleet:host-127-1-0-1');
  t.throws(() => initiatorIqnFor('host-1'));
});

function booting(): BootRequest {
  let s = startBoot({ host: '127.1.0.1', role: null, sizeBytes: 1, initiator: 'iqn.x:h', network: { address: '0.0.0.0', netmask: '0.0.0.0', gateway: '0.0.0.0' }, disk: { target: 'iqn.x:t', lun: 0, portal: { address: '127.2.0.1', port: 3260 } } }, 0);
  s = actionDone(s, { kind: 'dd', ddId: 4 }, 0);
  s = actionDone(s, { kind: 'parameters' }, 0);
  s = actionDone(s, { kind: 'boot-pxe' }, 0);
  t.same(nextAction(s, 0)?.action, { kind: 'read-run' });
  s = actionDone(s, { kind: 'read-run', run: 2 }, 0);
  const power = nextAction(s, 10)!;
  t.same(power.action, { kind: 'power' });
  t.match(power.save, { step: 'booting', stepSinceMs: 10, runBefore: 2 }, 'saved as booting before the power command');
  return actionDone(power.save, { kind: 'power' }, 10);
}

t.test('no new run within the boot timeout: powered again, then failed after maxTries', async (t) => {
  const timing = { maxTries: 2, retryMs: 10, pollMs: 1000, bootTimeoutMs: 5000, runTimeoutMs: 5000, maxRepicks: 1 };
  let s = booting();
  const idle = { run: 2, state: 'none' as const, error: '', message: '', targetName: '', lun: 0 };
  s = actionDone(s, { kind: 'poll', report: idle }, 3000, timing);
  t.equal(s.step, 'booting');
  s = actionDone(s, { kind: 'poll', report: idle }, 5010, timing);
  t.match(s, { step: 'power', runBefore: null, failures: 1, failure: /did not start an iSCSI boot within 5 s/ });
  s = actionDone(s, { kind: 'read-run', run: 2 }, 5010, timing);
  s = nextAction(s, 5020)!.save;
  s = actionFailed(s, 'no answer', 11_000, timing);
  t.match(s, { step: 'failed', failure: /did not start an iSCSI boot within 5 s of its power command \(2 tries\)/ });
});

t.test('a run counter that goes back (the BMC restarted) powers again; a failed step is retried, then fails', async (t) => {
  let s = actionDone(booting(), { kind: 'poll', report: { run: 0, state: 'none', error: '', message: '', targetName: '', lun: 0 } }, 2000);
  t.match(s, { step: 'power', runBefore: null, failure: /went back from 2 to 0/ });
  s = startBoot({ host: '127.1.0.1', role: null, sizeBytes: 1, initiator: 'i', network: { address: '0.0.0.0', netmask: '0.0.0.0', gateway: '0.0.0.0' }, disk: { target: 't', lun: 0, portal: { address: '127.2.0.1', port: 3260 } } }, 0);
  s = actionFailed(s, 'isns: status 3', 0);
  t.match(s, { step: 'dd', failures: 1, dueMs: 2000 });
  t.equal(nextAction(s, 1999), null, 'not before its backoff');
  s = actionFailed(actionFailed(s, 'isns: status 3', 2000), 'isns: status 3', 6000);
  t.match(s, { step: 'failed', failure: 'dd: isns: status 3 (3 tries)' });
});
