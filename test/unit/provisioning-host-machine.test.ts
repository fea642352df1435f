// One host's way through provisioning (host-machine.ts), and a step over many hosts (step-run.ts): stages, failures
// that leave the stage, another machine behind a known address, concurrency and per-host timeouts.
import t from 'tap';
import { identified, inventoried, refusal, sighted, stepFailed } from '../../orchestrator/provisioning/host-machine.js';
import { StepRun, type StepAction } from '../../orchestrator/provisioning/step-run.js';
import { HostStage, HostStep } from '../../orchestrator/store/host-records.js';
import { foundHost, hardware, inventoriedHost } from '../helpers/host-records.js';

const identity = (guid: string) => ({ guid, deviceId: 32, deviceRevision: 1, firmware: '1.02', ipmiVersion: '2.0', manufacturerId: 32473, productId: 1 });
const caps = {
  authTypes: ['md5'], ipmi15: true, ipmi20: true, kgSet: false, perMessageAuth: true, userLevelAuth: true,
  nonNullUsers: true, nullUsers: false, anonymousLogin: false,
};

t.test('found, identified, inventoried: each step moves the stage on and says when', async (t) => {
  const h0 = sighted(null, { address: '127.9.0.1', port: 9623, authCaps: caps }, 100);
  t.match(h0, { stage: HostStage.FOUND, stageSinceMs: 100, firstSeenMs: 100, lastSeenMs: 100, authCaps: caps, identity: null, failure: null });
  t.equal(refusal(h0, HostStep.IDENTIFY), null);
  t.equal(refusal(h0, HostStep.INVENTORY), 'its BMC is not identified yet (bmcfleet provision discover)');
  t.throws(() => inventoried(h0, hardware(), 150), /127\.9\.0\.1: its BMC is not identified yet/);
  const h1 = identified(h0, identity('g1'), 200);
  t.match(h1, { stage: HostStage.IDENTIFIED, stageSinceMs: 200, identifiedAtMs: 200, identity: { guid: 'g1', firmware: '1.02' } });
  const h2 = inventoried(h1, hardware({ cores: 16 }), 300);
  t.match(h2, { stage: HostStage.INVENTORIED, stageSinceMs: 300, inventoriedAtMs: 300 });
  t.equal(h2.hardware?.cpus.length, 2);
  const again = identified(sighted(h2, { address: '127.9.0.1', port: 9623, authCaps: null }, 400), identity('g1'), 410);
  t.match(again, { stage: HostStage.INVENTORIED, stageSinceMs: 300, lastSeenMs: 400, identifiedAtMs: 410, authCaps: caps },
    'seen and identified again: still inventoried, its capabilities kept when not answered this time');
  t.ok(again.hardware, 'the hardware kept');
});

t.test('a failed step leaves the stage and says why; the next success clears it', async (t) => {
  const h = foundHost('127.9.0.2');
  const wrong = stepFailed(h, HostStep.IDENTIFY, 'wrong-password', '127.9.0.2: session setup: RAKP 2 HMAC is invalid', 500);
  t.match(wrong, { stage: HostStage.FOUND, failure: { step: 'identify', cause: 'wrong-password', atMs: 500 } });
  t.equal(refusal(wrong, HostStep.INVENTORY), 'its BMC was not identified: 127.9.0.2: session setup: RAKP 2 HMAC is invalid');
  t.equal(identified(wrong, identity('g2'), 600).failure, null);
  const inv = inventoriedHost('127.9.0.3');
  const slow = stepFailed(inv, HostStep.INVENTORY, 'timed-out', 'no end in 60 s', 700);
  t.equal(slow.stage, HostStage.INVENTORIED, 'its last hardware stays');
  t.ok(slow.hardware);
});

t.test('another GUID at a known address is another machine: its hardware is dropped', async (t) => {
  const inv = inventoriedHost('127.9.0.4');
  const swapped = identified(inv, identity('a-new-board'), 900);
  t.match(swapped, { stage: HostStage.IDENTIFIED, stageSinceMs: 900, hardware: null, inventoriedAtMs: null, identity: { guid: 'a-new-board' } });
});

const begun = (actions: StepAction[]) => actions.filter((a) => a.kind === 'begin').map((a) => a.address);

t.test('a step run: at most `concurrency` hosts at once, in order, each with its own deadline', async (t) => {
  const run = new StepRun({ concurrency: 2, timeoutMs: 1000 });
  t.same(begun(run.add('a', 0)), ['a']);
  t.same(begun(run.add('b', 10)), ['b']);
  t.same(run.add('c', 20), [], 'waits for a slot');
  t.same(run.add('a', 20), [], 'added once');
  t.equal(run.waiting, 1);
  t.equal(run.deadlineMs, 1000, 'a\'s deadline first');
  t.same(begun(run.finish('a', 500)), ['c'], 'a done: c begins');
  t.equal(run.deadlineMs, 1010, 'now b\'s');
  t.same(run.tick(1009), []);
  t.same(run.tick(1010), [{ kind: 'abandon', address: 'b' }], 'b past its deadline');
  t.notOk(run.isRunning('b'));
  t.same(run.finish('b', 1200), [], 'its late end is not taken');
  t.notOk(run.done, 'not closed');
  run.close();
  t.throws(() => run.add('d', 1300), /closed/);
  t.same(run.finish('c', 1300), []);
  t.ok(run.done);
  t.same(run.counts, { begun: 3, finished: 2, abandoned: 1 });
  t.equal(run.deadlineMs, null);
});

t.test('a step run checks its options', async (t) => {
  t.throws(() => new StepRun({ concurrency: 0, timeoutMs: 1 }), RangeError);
  t.throws(() => new StepRun({ concurrency: 1, timeoutMs: 0 }), RangeError);
  const empty = new StepRun({ concurrency: 1, timeoutMs: 1 });
  empty.close();
  t.ok(empty.done, 'closed with nothing added: done');
});
