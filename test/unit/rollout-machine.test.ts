// The manager's rollout machine on a ManualClock against scripted RMCs (test/helpers/scripted-rmc.ts: stand-ins
// written from the README, as the real RMC is being built in emulator/rack/ by someone else), with the real codecs:
// the whole run, lossy links, a broken transfer resumed at the acked offset, verification failures with backoff,
// pause / resume / abort.
import t from 'tap';
import { MessageType } from '../../protocols/rollout/header.js';
import { decodeMessage } from '../../protocols/rollout/message.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import { PrepareRound } from '../../orchestrator/rollout/prepare-round.js';
import { RolloutMachine } from '../../orchestrator/rollout/rollout-machine.js';
import { FAST, FLASH_AT, setUp, signing } from '../helpers/rollout-harness.js';

function typesTo(sent: { action: { kind: string; bytes: Buffer } & ({ rmcId?: number }) }[], rmcId: number): number[] {
  return sent.filter((s) => s.action.kind === 'unicast' && s.action.rmcId === rmcId).map((s) => decodeMessage(s.action.bytes).type);
}

/** A deterministic coin: true `percent` of the time. */
function lossy(percent: number, seed: number): () => boolean {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x % 100 < percent;
  };
}

t.test('the whole run: prepare, transfers two at a time, Flash, reports; every BMC flashed once', (t) => {
  const { h, store, rolloutId, rmcs, image } = setUp([{ rmcId: 1 }, { rmcId: 2 }, { rmcId: 3, bmcCount: 130 }, { rmcId: 4, readiness: Readiness.BUSY }, { rmcId: 5, silent: true }]);
  h.start();
  t.ok(h.machine.preparing, 'the prepare round first');
  h.run(1000);
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['flashing', 'flashing', 'flashing', 'left-out', 'left-out'], 'verified, and the Flash answered');
  t.same(store.rmcRuns(rolloutId).slice(3).map((m) => m.failure), ['busy: another rollout holds it', 'missing: no answer to the Prepare or its Polls']);
  const offers = h.sent.filter((s) => decodeMessage(s.action.bytes).type === MessageType.IMAGE_OFFER);
  t.same(offers.map((s) => s.action.kind === 'unicast' && s.action.rmcId), [1, 2, 3], 'one Offer each, no more');
  t.ok(offers[2].atMs >= offers[0].atMs, 'the third waits for a slot');
  t.equal(h.machine.bytesSent(), 3 * image.length, 'no loss: each byte sent once to each RMC');
  t.same(rmcs.slice(0, 3).map((r) => r.stored.length), [11, 11, 11], '10,500 bytes in 1,000-byte chunks');
  t.same(typesTo(h.sent, 1).filter((x) => x === MessageType.FLASH).length, 1, 'one Flash, answered at once');
  h.runUntilDone();
  t.ok(h.machine.done);
  t.equal(store.run(rolloutId)?.status, 'done');
  t.same(rmcs.slice(0, 3).map((r) => r.flashes.every((n) => n === 1)), [true, true, true]);
  t.same(rmcs[3].flashes.concat(rmcs[4].flashes).every((n) => n === 0), true, 'left-out RMCs flash nothing');
  const bmcs = store.bmcs(rolloutId);
  t.equal(bmcs.length, 3 + 3 + 130, 'every BMC of the three racks, the 130 over two pages');
  t.ok(bmcs.every((b) => b.reported && b.outcome === BmcOutcome.FLASHED && b.firmware.major === 2));
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.reportComplete, m.flashAcked]),
    [['reported', true, true], ['reported', true, true], ['reported', true, true], ['left-out', false, false], ['left-out', false, false]]);
  t.same(h.machine.tick(h.clock.now() + 100_000), [], 'nothing more once done');
  t.end();
});

t.test('an RMC whose BMCs are another product: left out at the prepare round, never offered the image', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2, product: { manufacturerId: 32473, productId: 2 } }, { rmcId: 3, product: { manufacturerId: 343, productId: 1 } }]);
  h.start();
  const prepare = decodeMessage(h.sent[0].action.bytes);
  t.match(prepare, { type: MessageType.PREPARE, body: { manufacturerId: 32473, productId: 1 } }, 'the Prepare names the manifest\'s manufacturer and product');
  h.runUntilDone();
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.failure]), [
    ['reported', null],
    ['left-out', 'wrong product: the image is for manufacturer 32473 product 1, the rack\'s BMCs are 32473/2'],
    ['left-out', 'wrong product: the image is for manufacturer 32473 product 1, the rack\'s BMCs are 343/1'],
  ]);
  t.same(rmcs.map((r) => r.heard.map((m) => m.type).includes(MessageType.IMAGE_OFFER)), [true, false, false], 'no Offer to the others');
  t.same(rmcs.slice(1).map((r) => r.heard.map((m) => m.type)), [[MessageType.PREPARE], [MessageType.PREPARE]], 'nothing after the Prepare');
  t.same(rmcs.slice(1).map((r) => r.flashes.every((n) => n === 0)), [true, true], 'none of their BMCs touched');
  t.equal(store.run(rolloutId)?.status, 'done', 'done, not refused: one rack took the image');
  t.end();
});

t.test('refused only when every rack that answered has another product: a silent one does not count, a busy one does', (t) => {
  const other = { manufacturerId: 32473, productId: 2 };
  const refused = setUp([{ rmcId: 1, product: other }, { rmcId: 2, silent: true }]);
  refused.h.start();
  refused.h.runUntilDone();
  t.same(refused.store.rmcRuns(refused.rolloutId).map((m) => m.stage), ['left-out', 'left-out']);
  t.equal(refused.store.run(refused.rolloutId)?.status, 'refused', 'wrong product and one missing: refused');
  const done = setUp([{ rmcId: 1, product: other }, { rmcId: 2, readiness: Readiness.BUSY }]);
  done.h.start();
  done.h.runUntilDone();
  t.equal(done.store.run(done.rolloutId)?.status, 'done', 'a busy rack could have taken it another time: done, not refused');
  t.end();
});

t.test('a manager started again after the round: the wrong-product reason comes from the answer the store kept', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1, product: { manufacturerId: 32473, productId: 9 } }]);
  // the round alone (as a manager killed right after it would leave it): the Prepare built from the stored manifest
  const round = new PrepareRound({ ...FAST.round, store, rolloutId, key: signing });
  for (const a of round.start(h.clock.now())) for (const answer of rmcs[0].handle(a.bytes, h.clock.now())) round.receive(answer, h.clock.now());
  t.ok(round.done);
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['preparing'], 'not yet left out');
  const machine = new RolloutMachine({ ...FAST, store, rolloutId, key: signing });
  t.same(machine.start(h.clock.now()), [], 'nothing to send');
  t.same(store.rmcRuns(rolloutId).map((m) => m.failure), ['wrong product: the image is for manufacturer 32473 product 1, the rack\'s BMCs are 32473/9']);
  t.ok(machine.done);
  t.equal(store.run(rolloutId)?.status, 'refused', 'the only rack could not take it: the rollout is refused, not done');
  t.end();
});

t.test('a lost Rack Report page is asked for again (the status query) until the report is whole', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1, bmcCount: 300 }]);
  let pagesLost = 1;
  rmcs[0].dropOut = (m) => m.type === MessageType.RACK_REPORT && m.body.firstIndex === 128 && pagesLost-- > 0;
  h.start();
  h.run(FLASH_AT - h.clock.now() + 10);
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.reportComplete]), [['flashing', false]], 'pages 0 and 256 in, 128 lost');
  t.same(new Set(store.bmcs(rolloutId).filter((b) => b.reported).map((b) => Math.floor(b.rackIndex / 128))), new Set([0, 2]));
  h.runUntilDone();
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.reportComplete]), [['reported', true]]);
  t.equal(store.bmcs(rolloutId).filter((b) => b.reported).length, 300);
  t.same(rmcs[0].flashes.every((n) => n === 1), true);
  t.end();
});

t.test('lossy chunks and acks: the transfers still complete, resending from the acknowledged offset', (t) => {
  const { h, store, rolloutId, rmcs, image } = setUp([{ rmcId: 1 }, { rmcId: 2 }], { image: Buffer.alloc(30_000, 0x5a) });
  const chunkLost = lossy(20, 7);
  const ackLost = lossy(20, 11);
  for (const r of rmcs) {
    r.dropIn = (m) => m.type === MessageType.IMAGE_CHUNK && chunkLost();
    r.dropOut = (m) => m.type === MessageType.TRANSFER_ACK && ackLost();
  }
  h.start();
  h.run(30_000);
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['flashing', 'flashing']);
  t.same(rmcs.map((r) => r.nextOffset), [30_000, 30_000]);
  t.ok(rmcs.every((r) => r.stored.every((offset, i) => offset === i * 1000)), 'each RMC stored every chunk once, in order');
  t.ok(h.machine.bytesSent() > 2 * image.length, `resends happened (${h.machine.bytesSent()} bytes for ${2 * image.length})`);
  t.ok(store.rmcRuns(rolloutId).every((m) => m.attempt === 1 && m.ackedOffset === 30_000));
  t.end();
});

t.test('a broken transfer is offered again after the backoff and resumes at the RMC\'s nextOffset, not byte 0', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }]);
  const [rmc] = rmcs;
  let link: 'up' | 'down' | 'back' = 'up';
  rmc.dropIn = (m) => {
    if (m.type === MessageType.IMAGE_CHUNK && m.body.offset === 4000 && link === 'up') link = 'down';
    return link === 'down';
  };
  h.start();
  h.run(150);
  t.equal(rmc.nextOffset, 4000, 'the link went down at 4,000 bytes');
  const brokenAt = h.clock.now();
  h.run(500);
  const run = store.rmcRuns(rolloutId)[0];
  t.same([run.stage, run.brokenTransfers, run.ackedOffset], ['queued', 1, 4000], 'broken after 3 timeouts, acked offset saved');
  t.ok(run.nextRetryMs! >= brokenAt + 1000, 'the first backoff is 1 s');
  link = 'back';
  const before = h.sent.length;
  h.run(2000);
  const after = h.sent.slice(before).map((s) => decodeMessage(s.action.bytes));
  t.equal(after[0].type, MessageType.IMAGE_OFFER, 'offered again');
  t.equal(after[0].type === MessageType.IMAGE_OFFER && after[0].body.attempt, 1, 'the same attempt: no verification failed');
  const resent = after.filter((m) => m.type === MessageType.IMAGE_CHUNK).map((m) => m.type === MessageType.IMAGE_CHUNK && m.body.offset);
  t.same(resent, [4000, 5000, 6000, 7000, 8000, 9000, 10_000], 'the bytes re-sent start at the RMC\'s 4,000');
  t.same(rmc.stored, [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
  t.equal(store.rmcRuns(rolloutId)[0].stage, 'flashing');
  t.end();
});

t.test('a transfer that keeps breaking fails the RMC after maxAttempts, with doubling backoff', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }]);
  rmcs[0].dropIn = (m) => m.type === MessageType.IMAGE_CHUNK;
  h.start();
  h.runUntilDone(120_000);
  const offers = h.sent.filter((s) => s.action.kind === 'unicast' && s.action.rmcId === 1 && decodeMessage(s.action.bytes).type === MessageType.IMAGE_OFFER);
  const firstOffers = offers.filter((_, i) => i === 0 || offers[i].atMs - offers[i - 1].atMs > 500).map((s) => s.atMs);
  t.equal(firstOffers.length, 3, 'three transfers');
  t.ok(firstOffers[2] - firstOffers[1] > firstOffers[1] - firstOffers[0], 'the backoff doubles');
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.failure]), [['failed', 'the transfer broke 3 times (no ack progress)'], ['reported', null]]);
  t.equal(store.run(rolloutId)?.status, 'done', 'a failed RMC does not hold the rollout');
  t.end();
});

t.test('a failed verification is offered again (attempt n + 1, from byte 0) after a doubling backoff, up to the limit', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1, failVerifications: 1, failWith: VerifyOutcome.MANIFEST_SHA256 }, { rmcId: 2, failVerifications: 5, failWith: VerifyOutcome.MANIFEST_SHA256 }]);
  h.start();
  h.runUntilDone(120_000);
  const offersTo = (id: number) => h.sent.filter((s) => s.action.kind === 'unicast' && s.action.rmcId === id).map((s) => ({ at: s.atMs, m: decodeMessage(s.action.bytes) }))
    .filter((x) => x.m.type === MessageType.IMAGE_OFFER).map((x) => ({ at: x.at, attempt: x.m.type === MessageType.IMAGE_OFFER ? x.m.body.attempt : 0 }));
  t.same(offersTo(1).map((o) => o.attempt), [1, 2]);
  t.same(offersTo(2).map((o) => o.attempt), [1, 2, 3]);
  const gaps = offersTo(2).slice(1).map((o, i) => o.at - offersTo(2)[i].at);
  t.ok(gaps[0] >= 1000 && gaps[1] >= 2000, `backoff 1 s then 2 s (gaps ${gaps})`);
  t.same(rmcs[0].stored.filter((o) => o === 0).length, 2, 'the second attempt starts at byte 0');
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.attempt, m.verifyResult, m.failure]), [
    ['reported', 2, VerifyOutcome.OK, null],
    ['failed', 3, VerifyOutcome.MANIFEST_SHA256, 'verification failed 3 times, last: SHA-256 or size not the manifest\'s'],
  ]);
  t.same(rmcs[1].flashes, [0, 0, 0]);
  t.end();
});

t.test('a verification that fails on the image itself (HPM.1 MD5, product) fails the RMC at once: offering the same bytes again cannot help', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1, failVerifications: 5, failWith: VerifyOutcome.HPM1_MD5 }, { rmcId: 2 }]);
  h.start();
  h.runUntilDone(120_000);
  const offers = h.sent.filter((s) => s.action.kind === 'unicast' && s.action.rmcId === 1 && decodeMessage(s.action.bytes).type === MessageType.IMAGE_OFFER);
  t.equal(offers.length, 1, 'one Offer');
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.failure]), [
    ['failed', 'verification failed: HPM.1 MD5 (the image itself, so not offered again)'], ['reported', null],
  ]);
  t.same(rmcs[0].flashes, [0, 0, 0]);
  t.end();
});

t.test('a lost Verify Result is recovered by the repeated Offer; a lost Flash answer by the repeated Flash', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }]);
  let verifyLost = 1;
  let progressLost = 2;
  rmcs[0].dropOut = (m) => (m.type === MessageType.VERIFY_RESULT && verifyLost-- > 0) || (m.type === MessageType.PROGRESS && progressLost-- > 0);
  h.start();
  h.run(2000);
  t.same(typesTo(h.sent, 1).filter((x) => x === MessageType.IMAGE_OFFER).length, 2, 'the Offer again after the timeout');
  t.same(typesTo(h.sent, 1).filter((x) => x === MessageType.FLASH).length, 3, 'Flash until a Progress came');
  t.same(store.rmcRuns(rolloutId)[0].stage, 'flashing');
  t.same(rmcs[0].stored.length, 11, 'no byte sent twice');
  t.end();
});

t.test('pause stops transfers and countdowns; resume goes on; each repeated until answered', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }, { rmcId: 3 }]);
  h.start();
  h.run(5);
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['flashing', 'flashing', 'flashing'], 'all verified, Flash answered');
  let pauseLost = 1;
  rmcs[1].dropIn = (m) => m.type === MessageType.PAUSE && pauseLost-- > 0;
  h.deliver(h.machine.pause(h.clock.now()));
  t.throws(() => h.machine.pause(h.clock.now()), { code: 'ERR_STATE' });
  t.equal(store.run(rolloutId)?.status, 'paused');
  h.run(1000);
  t.same(store.rmcRuns(rolloutId).map((m) => m.control), [null, null, null], 'every Pause answered (RMC 2 after a repeat)');
  t.same(typesTo(h.sent, 2).filter((x) => x === MessageType.PAUSE).length, 2);
  const quietFrom = h.sent.length;
  h.run(FLASH_AT - h.clock.now() + 10_000);
  t.equal(h.sent.length, quietFrom, 'nothing sent while paused and answered');
  t.same(rmcs.map((r) => r.flashes[0]), [0, 0, 0], 'no BMC flashed past the flash time while paused');
  h.deliver(h.machine.resume(h.clock.now()));
  t.equal(store.run(rolloutId)?.status, 'running');
  h.runUntilDone();
  t.equal(store.run(rolloutId)?.status, 'done');
  t.same(rmcs.map((r) => r.flashes), [[1, 1, 1], [1, 1, 1], [1, 1, 1]]);
  t.end();
});

t.test('resumed with a new flash time after the old one passed while paused: each RMC is told it before its Resume', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }]);
  h.start();
  h.run(5);
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['flashing', 'flashing'], 'counting down, the Flash answered');
  h.deliver(h.machine.pause(h.clock.now()));
  h.run(FLASH_AT - h.clock.now() + 10_000);
  t.throws(() => h.machine.resume(h.clock.now(), h.clock.now()), { code: 'ERR_FLASH_TIME' }, 'a new time that is not ahead');
  t.match(store.run(rolloutId), { status: 'paused', flashTimeMs: FLASH_AT }, 'refused: nothing changed');

  const flashAt = h.clock.now() + 30_000;
  let flashLost = 1;
  rmcs[1].dropIn = (m) => m.type === MessageType.FLASH && flashLost-- > 0;
  const from = h.sent.length;
  h.deliver(h.machine.resume(h.clock.now(), flashAt));
  t.match(store.run(rolloutId), { status: 'running', flashTimeMs: flashAt }, 'the new time saved with the resume');
  h.run(flashAt - h.clock.now() - 1);
  t.same(rmcs.map((r) => r.flashes[0]), [0, 0], 'no BMC flashed at the time that passed, nor before the new one');
  for (const rmcId of [1, 2]) {
    const to = h.sent.slice(from).filter((s) => s.action.kind === 'unicast' && s.action.rmcId === rmcId).map((s) => decodeMessage(s.action.bytes));
    const resume = to.findIndex((m) => m.type === MessageType.RESUME);
    const flashes = to.slice(0, resume).filter((m) => m.type === MessageType.FLASH);
    t.ok(resume > 0 && flashes.length === rmcId && flashes.every((m) => m.type === MessageType.FLASH && m.body.flashTimeMs === flashAt),
      `RMC ${rmcId}: its Resume only after a Flash with the new time was answered (${rmcId === 2 ? 'the first one lost' : 'at once'})`);
  }
  h.runUntilDone();
  t.equal(store.run(rolloutId)?.status, 'done');
  t.same(rmcs.map((r) => r.flashes), [[1, 1, 1], [1, 1, 1]]);
  t.end();
});

t.test('an RMC still receiving answers a Pause with its own phase: that answers it too', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1, pausesOnlyOnceVerified: true }]);
  rmcs[0].dropIn = (m) => m.type === MessageType.IMAGE_CHUNK && m.body.offset >= 3000;
  h.start();
  h.run(50);
  t.equal(store.rmcRuns(rolloutId)[0].stage, 'transferring');
  h.deliver(h.machine.pause(h.clock.now()));
  t.equal(rmcs[0].phase, RackPhase.RECEIVING);
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.control]), [['queued', null]], 'answered: the transfer waits for the resume');
  h.run(5000);
  t.same(typesTo(h.sent, 1).filter((x) => x === MessageType.PAUSE).length, 1, 'one Pause');
  rmcs[0].dropIn = () => false;
  h.deliver(h.machine.resume(h.clock.now()));
  h.runUntilDone();
  t.equal(store.run(rolloutId)?.status, 'done');
  t.same(rmcs[0].stored.length, 11, 'resumed at its nextOffset');
  t.end();
});

t.test('abort: every RMC still in the run gets Abort until its report (phase 8) is whole; pending BMCs fail "aborted"', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }, { rmcId: 3 }]);
  rmcs[2].dropIn = (m) => m.type === MessageType.IMAGE_CHUNK;
  h.start();
  h.run(50);
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['flashing', 'flashing', 'transferring']);
  let reportLost = 1;
  rmcs[0].dropOut = (m) => m.type === MessageType.RACK_REPORT && reportLost-- > 0;
  h.deliver(h.machine.abort(h.clock.now()));
  t.throws(() => h.machine.resume(h.clock.now()), { code: 'ERR_STATE' });
  h.runUntilDone(30_000);
  t.equal(store.run(rolloutId)?.status, 'aborted');
  const bmcs = store.bmcs(rolloutId);
  t.equal(bmcs.length, 9);
  t.ok(bmcs.every((b) => b.outcome === BmcOutcome.FAILED && b.reason === FailureReason.ABORTED));
  t.same(store.rmcRuns(rolloutId).map((m) => [m.stage, m.rack?.phase]), [['reported', RackPhase.ABORTED], ['reported', RackPhase.ABORTED], ['reported', RackPhase.ABORTED]]);
  t.same(typesTo(h.sent, 1).filter((x) => x === MessageType.ABORT).length, 2, 'RMC 1\'s lost report: Abort again');
  t.same(rmcs.map((r) => r.flashes), [[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  t.end();
});

t.test('noise is counted and ignored', (t) => {
  const { h, rmcs } = setUp([{ rmcId: 1 }]);
  h.start();
  h.run(5);
  const m = h.machine;
  t.same(m.receive(Buffer.from([1, 2, 3]), h.clock.now()), []);
  const ack = (rolloutId: number, rmcId: number) => {
    const b = Buffer.alloc(22);
    b.writeUInt8(1, 0); b.writeUInt8(MessageType.TRANSFER_ACK, 1); b.writeUInt16BE(22, 2); b.writeUInt32BE(rolloutId, 4); b.writeUInt32BE(rmcId, 8); b.writeUInt32BE(1, 12);
    return b;
  };
  m.receive(ack(99, 1), h.clock.now());
  m.receive(ack(1, 42), h.clock.now());
  m.receive(ack(1, 1), h.clock.now());
  t.same(m.counts, { malformed: 1, otherRollout: 1, notTargeted: 1, unexpected: 1, lateReports: 0 });
  t.equal(rmcs[0].stored.length, 11);
  t.end();
});

t.test('an RMC that goes silent while flashing fails after silenceLimitMs ("no answer"); the rollout ends with the others reported', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }], { tuning: { ...FAST, silenceLimitMs: 30_000 } });
  h.start();
  h.run(1000);
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['flashing', 'flashing']);
  rmcs[1].silent = true;
  h.run(29_000);
  t.equal(store.rmcRuns(rolloutId)[1].stage, 'flashing', 'not given up before the limit');
  h.runUntilDone(120_000);
  t.equal(store.run(rolloutId)?.status, 'done', 'the silent RMC does not hold the rollout open');
  const [first, second] = store.rmcRuns(rolloutId);
  t.equal(first.stage, 'reported');
  t.equal(second.stage, 'failed');
  t.match(second.failure, /^no answer for 30 s while flashing, rack last counting down$/);
  t.end();
});

t.test('an RMC given up for silence that reports later: its BMCs\' results are kept, the RMC reported late', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }], { tuning: { ...FAST, silenceLimitMs: 30_000 } });
  h.start();
  h.run(1000);
  rmcs[1].silent = true;
  h.runUntilDone(120_000);
  t.equal(store.run(rolloutId)?.status, 'done');
  t.equal(store.rmcRuns(rolloutId)[1].stage, 'failed');
  t.same(store.bmcs(rolloutId).filter((b) => b.rmcId === 2 && b.reported), [], 'nothing of its BMCs reported yet');
  rmcs[1].silent = false; // back: it flashed its rack meanwhile, and sends its report unsolicited
  const report = rmcs[1].tick(h.clock.now());
  t.ok(report.length > 0, 'the rack report');
  for (const page of report) t.same(h.machine.receive(page, h.clock.now()), [], 'nothing sent in answer');
  t.equal(h.machine.counts.lateReports, report.length);
  const late = store.rmcRuns(rolloutId)[1];
  t.equal(late.stage, 'reported');
  t.match(late.failure, /^reported late, after no answer for 30 s while flashing/);
  t.ok(store.bmcs(rolloutId).filter((b) => b.rmcId === 2).every((b) => b.reported && b.outcome === BmcOutcome.FLASHED), 'each BMC flashed, as the RMC says');
  t.equal(store.run(rolloutId)?.status, 'done', 'the rollout stays done');
  const other = rmcs[0].tick(h.clock.now()); // an RMC not given up: its repeats are not late reports
  for (const page of other) h.machine.receive(page, h.clock.now());
  t.equal(h.machine.counts.lateReports, report.length);
  t.end();
});

t.test('an RMC that answers its status queries is never given up, however long the countdown', (t) => {
  const { h, store, rolloutId } = setUp([{ rmcId: 1 }], { tuning: { ...FAST, silenceLimitMs: 5000 } });
  h.start();
  h.runUntilDone(120_000);
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['reported'], 'a 60 s countdown with a 5 s limit: every query answered');
  t.end();
});

t.test('an abort with a dead RMC ends: that RMC fails "no answer", the others report aborted', (t) => {
  const { h, store, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }], { tuning: { ...FAST, silenceLimitMs: 10_000 } });
  h.start();
  h.run(1000);
  rmcs[0].silent = true;
  h.deliver(h.machine.abort(h.clock.now()));
  h.runUntilDone(60_000);
  t.equal(store.run(rolloutId)?.status, 'aborted');
  t.same(store.rmcRuns(rolloutId).map((m) => m.stage), ['failed', 'reported']);
  t.match(store.rmcRuns(rolloutId)[0].failure, /^no answer for 10 s while flashing/);
  t.end();
});
