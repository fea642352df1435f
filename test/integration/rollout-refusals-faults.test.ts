// Firmware rollouts refused or hurt, with real processes only (issue 11), on the fleet and manager of
// test/helpers/rollout-e2e.ts (the rollout itself and the manager killed mid-way: rollout-end-to-end.test.ts): bad input
// through the CLI, an image for another product, and faults set at run time. No rollout before these flashes a BMC:
// every BMC starts at the fleet's firmware, 1.00.
// Addresses 127.116.x.y, IPMI port 9716 and rollout port 4716 are this file's alone.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RolloutE2e, api, bmcfleet } from '../helpers/rollout-e2e.js';

const P = '127.116';
const e = new RolloutE2e(P, 9716, 4716);

t.before(() => e.start());
t.teardown(() => e.stop());

t.test('bad input through the CLI: each a clear error, exit 1, and no rollout stored', async (t) => {
  const image = await e.pack('1.04');
  const held = await e.startRollout(image, '--at', '+60s', '--racks', 'rack-1');
  const stored = (await e.listed()).length;
  const bytes = readFileSync(image);
  const corrupt = join(e.dir, 'corrupt.hpm');
  writeFileSync(corrupt, Buffer.concat([bytes.subarray(0, 2000), Buffer.from([bytes[2000] ^ 0xff]), bytes.subarray(2001)]));
  const truncated = join(e.dir, 'truncated.hpm');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 5000));
  const cases: [string[], RegExp][] = [
    [['--image', corrupt, '--at', '+30s', '--racks', 'rack-2'], /not a usable HPM\.1 image: .*\(HTTP 400\)/],
    [['--image', truncated, '--at', '+30s', '--racks', 'rack-2'], /not a usable HPM\.1 image: .*\(HTTP 400\)/],
    [['--image', image, '--at', '2026-01-01T00:00:00Z', '--racks', 'rack-2'], /the flash time 2026-01-01T00:00:00\.000Z is in the past .*\(HTTP 400\)/],
    [['--image', image, '--at', '+30s', '--racks', 'rack-2,rack-9'], /unknown rack: rack-9 \(racks: rack-1, rack-2, rack-3\) \(HTTP 400\)/],
    [['--image', image, '--at', '+30s', '--racks', 'rack-*'], new RegExp(`RMC 1 already in a running rollout: rollout ${held.rolloutId} \\(HTTP 409\\)`)],
  ];
  for (const [args, error] of cases) {
    const r = await bmcfleet('rollout', 'start', ...args, '--manager', e.managerUrl);
    t.match(r, { code: 1, stdout: '', stderr: error }, args.join(' '));
    t.equal((await e.listed()).length, stored, 'no new rollout');
  }

  t.match(await bmcfleet('rollout', 'abort', String(held.rolloutId), '--manager', e.managerUrl), { code: 0 });
  const { code, last } = await e.watch(held.rolloutId);
  t.equal(code, 1, 'watch exits 1: aborted');
  t.equal(last.status, 'aborted');
  const results = await e.report(held.rolloutId);
  t.same(Object.values(results).map((r) => `${r.result}: ${r.reason}`), ['failed: aborted', 'failed: aborted', 'failed: aborted'], 'rack-1 aborted before its flash time');
  t.same(await e.versions(), e.every('1.00'), 'no BMC flashed');
});

/** Requests to the BMCs' HPM.1 upgrade commands (netFn 2Ch), all together. */
async function hpmRequests(): Promise<number> {
  let n = 0;
  for (const ip of e.bmcs) {
    const { counters } = await api<{ counters: { requests: Record<string, number> } }>(e.control, 'GET', `/bmcs/${ip}`);
    n += Object.entries(counters.requests).filter(([k]) => k.startsWith('2c/')).reduce((sum, [, c]) => sum + c, 0);
  }
  return n;
}
async function rmcOffers(): Promise<number[]> {
  return Promise.all(e.rmcIps.map(async (ip) => (await api<{ counters: { offers: number } }>(e.control, 'GET', `/rmcs/${ip}`)).counters.offers));
}

t.test('an image for another product: every RMC left out as wrong product at the prepare round, the rollout refused, no Offer sent, no BMC touched', async (t) => {
  const file = join(e.dir, 'bmc-1.06-product-2.hpm');
  const packed = await bmcfleet('firmware', 'pack', '--out', file, '--version', '1.06', '--size', '20000', '--device-id', '32', '--manufacturer', '32473', '--product', '2');
  t.equal(packed.code, 0, packed.stderr);
  const [offersBefore, hpmBefore] = [await rmcOffers(), await hpmRequests()];
  const started = await e.startRollout(file, '--at', '+30s');
  const { code, last } = await e.watch(started.rolloutId);
  const why = 'wrong product: the image is for manufacturer 32473 product 2, the rack\'s BMCs are 32473/1';
  t.equal(code, 1, 'watch exits 1: no BMC flashed');
  t.match(last, { status: 'refused', bmcs: { flashed: 0, skipped: 0, failed: 9, pending: 0 } }, 'the BMCs of racks left out count as failed');
  t.same(last.rmcs.map((m) => [m.rackName, m.stage, m.failure]), e.racks.map((r) => [`rack-${r}`, 'left-out', why]));

  const status = await bmcfleet('rollout', 'status', String(started.rolloutId), '--manager', e.managerUrl);
  for (const r of e.racks) t.match(status.stdout, new RegExp(`rack-${r} .* left-out: ${why}`), `status names why rack-${r} was left out`);
  const report = await bmcfleet('rollout', 'report', String(started.rolloutId), '--manager', e.managerUrl);
  t.match(status.stdout, /^rollout \d+: refused,/, 'status says it was refused');
  t.match(report.stdout, /\(refused\): 0 BMCs: 0 flashed, 0 skipped, 0 failed/);
  for (const r of e.racks) t.match(report.stdout, new RegExp(`rack-${r} +${r} +- +left-out: ${why}`), `the report too, for rack-${r}`);

  t.same(await rmcOffers(), offersBefore, 'no RMC was offered the image');
  t.equal(await hpmRequests(), hpmBefore, 'no BMC got an HPM.1 request');
  t.same(await e.versions(), e.every('1.00'), 'every BMC as it was');
});

interface RmcView { counters: { verifyFailed: number; verifiedOk: number }; faultCounters: { lostIn: number; lostOut: number; chunksCorrupted: number } }
interface BmcView { counters: { requests: Record<string, number> } }
const upgradeActions = (b: BmcView) => Object.entries(b.counters.requests).filter(([k]) => k.startsWith('2c/31/')).reduce((n, [, c]) => n + c, 0);

t.test('faults set at run time: a corrupting, then lossy RMC verifies in the end; power lost mid-flash rolls back; a hung BMC times out', async (t) => {
  const image = await e.pack('1.05');
  const lossy = `${P}.1.250`;
  const powerLost = `${P}.2.2`;
  const hung = `${P}.3.1`;
  const before = await e.activations();
  const actionsBefore = upgradeActions(await api<BmcView>(e.control, 'GET', `/bmcs/${powerLost}`));
  const lossyBefore = await api<RmcView>(e.control, 'GET', `/rmcs/${lossy}`);
  // corrupt first; the loss comes once the prepare round is over (a lossy RMC may miss the broadcast and its 3 Polls)
  await api(e.control, 'PUT', `/rmcs/${lossy}/faults`, { corruptChunkPercent: 100 });
  await api(e.control, 'PUT', `/bmcs/${hung}/faults`, { firmwareHang: true });
  t.teardown(() => api(e.control, 'PUT', `/bmcs/${hung}/faults`, { firmwareHang: false }));

  const started = await e.startRollout(image, '--at', '+5s', '--bmc-timeout', '8');
  await e.untilControl<RmcView>(`/rmcs/${lossy}`, (r) => r.counters.verifyFailed > lossyBefore.counters.verifyFailed, 'failed a verification');
  await api(e.control, 'PUT', `/rmcs/${lossy}/faults`, { lossPercent: 25, corruptChunkPercent: 0 });
  // the power goes as soon as the BMC has begun its upgrade (Initiate Upgrade Action, HPM.1 cmd 31h)
  await e.untilControl<BmcView>(`/bmcs/${powerLost}`, (b) => upgradeActions(b) > actionsBefore, 'began its upgrade');
  await api(e.control, 'POST', `/bmcs/${powerLost}/power-loss`, { offMs: 1000 });

  const { code, last } = await e.watch(started.rolloutId);
  t.equal(code, 1, 'watch exits 1: BMCs failed');
  t.match(last, { status: 'done', bmcs: { flashed: 7, skipped: 0, failed: 2, pending: 0 } });
  // (the manager's attempt count may stay 1: a Verify Result lost on the way is recovered by the Offer repeated)
  const rmc = await api<RmcView>(e.control, 'GET', `/rmcs/${lossy}`);
  t.ok(rmc.counters.verifyFailed > lossyBefore.counters.verifyFailed && rmc.counters.verifiedOk > lossyBefore.counters.verifiedOk,
    'the RMC was sent the image again after a failed verification, and verified it over the lossy link');
  const lost = (r: RmcView) => r.faultCounters.lostIn + r.faultCounters.lostOut;
  t.ok(rmc.faultCounters.chunksCorrupted > lossyBefore.faultCounters.chunksCorrupted && lost(rmc) > lost(lossyBefore), `both faults acted: ${JSON.stringify(rmc.faultCounters)}`);
  await api(e.control, 'PUT', `/rmcs/${lossy}/faults`, { lossPercent: 0 });

  const results = await e.report(started.rolloutId);
  t.match(results[powerLost], { result: 'failed', reason: 'rolled back', firmware: '1.00' });
  t.match(results[hung], { result: 'failed', reason: 'timed out' });
  for (const ip of e.bmcs.filter((b) => b !== powerLost && b !== hung)) t.match(results[ip], { result: 'flashed', firmware: '1.05' }, ip);
  t.same(await e.versions(), e.every('1.05', { [powerLost]: '1.00', [hung]: '1.00' }), 'the failed BMCs still answer, at the old version');
  // the power went during the backup (answered 80h, polled every 500 ms), the hung BMC never got past it
  t.same(await e.activationsSince(before), e.every(1, { [hung]: 0, [powerLost]: 0 }), 'the others activated once each');
});
