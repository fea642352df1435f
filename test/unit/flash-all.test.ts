// flashAll (clients/ipmi/flash-all.ts) with a flasher whose upgrades end when the test says: never more than
// `concurrency` at once, the next starting as one ends, results in the requests' order whatever order they end in;
// and the flasher's deadline (hpm-deadline.ts) on a manual clock.
import t from 'tap';
import type { BmcFlasher, FlashRequest, FlashResult } from '../../clients/ipmi/bmc-flasher.js';
import { flashAll } from '../../clients/ipmi/flash-all.js';
import { Deadline, DeadlinePassed } from '../../clients/ipmi/hpm-deadline.js';
import { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';
import { ManualClock } from '../../runtime/manual-clock.js';

function requestFor(host: string): FlashRequest {
  return { bmc: { host, port: 623, username: 'admin', password: 'password' }, image: new Uint8Array(0), target: { major: 1, minor: 2 }, timeoutMs: 1000 };
}

/** Upgrades that end when finish(host) is called; `running` is how many are under way. */
function heldFlasher() {
  const waiting = new Map<string, (r: FlashResult) => void>();
  const state = { running: 0, most: 0, started: [] as string[] };
  const flasher: BmcFlasher = {
    readVersion: async () => ({ ok: true, firmware: { major: 1, minor: 0 }, component: null }),
    flash(req) {
      state.running++;
      state.most = Math.max(state.most, state.running);
      state.started.push(req.bmc.host);
      return new Promise((resolve) => waiting.set(req.bmc.host, (r) => { state.running--; resolve(r); }));
    },
  };
  const result = (minor: number): FlashResult => ({ outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE, firmware: { major: 1, minor }, detail: '' });
  const finish = async (host: string, minor: number) => {
    waiting.get(host)!(result(minor));
    for (let i = 0; i < 5; i++) await Promise.resolve(); // let the worker take the next request
  };
  return { flasher, state, finish };
}

t.test('at most `concurrency` at once, the next one starting as one ends, results in the requests\' order', async (t) => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  const { flasher, state, finish } = heldFlasher();
  const all = flashAll(flasher, hosts.map(requestFor), 2);
  await Promise.resolve();
  t.same(state.started, ['a', 'b'], 'two start');
  await finish('b', 2);
  t.same(state.started, ['a', 'b', 'c'], 'b ending lets c start');
  await finish('c', 3);
  await finish('a', 1);
  t.same(state.started, hosts);
  await finish('e', 5);
  await finish('d', 4);
  const results = await all;
  t.same(results.map((r) => r.firmware.minor), [1, 2, 3, 4, 5], 'in the requests\' order');
  t.equal(state.most, 2);
});

t.test('fewer requests than the concurrency; none at all; a concurrency that is not a whole number from 1', async (t) => {
  const { flasher, state, finish } = heldFlasher();
  const two = flashAll(flasher, [requestFor('a'), requestFor('b')], 64);
  await Promise.resolve();
  t.equal(state.running, 2);
  await finish('a', 1);
  await finish('b', 2);
  t.equal((await two).length, 2);
  t.same(await flashAll(flasher, [], 4), []);
  for (const bad of [0, -1, 1.5, NaN]) await t.rejects(flashAll(flasher, [requestFor('a')], bad), RangeError);
});

t.test('the deadline: a wait that outlasts it fails with DeadlinePassed, one that ends first is its own', async (t) => {
  const clock = new ManualClock(0);
  const d = new Deadline(clock, 1000);
  const slept = d.sleep(400);
  clock.advance(400);
  await slept;
  t.equal(d.remaining(), 600);
  t.equal(await d.within(Promise.resolve('answer')), 'answer');
  const never = d.within(new Promise<never>(() => {}));
  const sleeping = d.sleep(5000);
  clock.advance(600);
  await t.rejects(never, DeadlinePassed);
  await t.rejects(sleeping, { name: 'DeadlinePassed', message: 'not done within 1000 ms' });
  t.equal(d.hasPassed, true);
  await t.rejects(d.within(Promise.resolve(1)).then(() => d.sleep(1)), DeadlinePassed, 'and every wait after it');
});
