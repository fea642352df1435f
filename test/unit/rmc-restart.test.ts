// An RMC that restarts picks up from its store (README "Rack controllers in the emulator"): from files in a temp dir
// (image bytes as they arrive, the manifest, state.json written atomically, all 0600 in a 0700 folder) a transfer
// resumes at the bytes held, a countdown goes on, and a flash re-reads the BMCs that were under way: at the new
// version FLASHED, otherwise FAILED (WRONG_VERSION), never flashed twice. With the SCRIPTED FAKE flasher of
// test/helpers/rollout-rmc.ts, not the real one. Then a crash through the node (POST /rmcs/IP/crash): silent, then
// back from its memory store.
import t from 'tap';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BmcLogin } from '../../clients/ipmi/bmc-flasher.js';
import type { Peer } from '../../protocols/peer.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { RackController, type RackControllerOptions } from '../../emulator/rack/rack-controller.js';
import { RackFlash } from '../../emulator/rack/rack-flash.js';
import { RmcNode } from '../../emulator/rack/rmc-node.js';
import { FileRmcStore, MemoryRmcStore, type RmcStore } from '../../emulator/rack/rmc-store.js';
import { NEW_VERSION, ScriptedFlasher, TestManager, hpmImage, manifestFor, recorder, settle } from '../helpers/rollout-rmc.js';

const NOW = 1_767_225_600_000;
const MANAGER: Peer = { address: '127.0.0.1', port: 40000 };
const key = generateManagerKey();
const ADDRESSES = ['127.4.0.1', '127.4.0.2', '127.4.0.3', '127.4.0.4'];
const LOGINS: BmcLogin[] = ADDRESSES.map((host) => ({ host, port: 623, username: 'admin', password: 'password' }));

const OPTIONS: Omit<RackControllerOptions, 'startedAtMs' | 'restored'> = {
  rmcId: 5, address: '127.3.0.5', rackName: 'rack-a', bmcCount: 4, bmcAddresses: ADDRESSES, trustedKeys: [trustedKeyFromRaw(key.rawPublicKey)],
};

/** An RMC (re)started at the clock's time from what `store` holds. */
function boot(clock: ManualClock, store: RmcStore, flasher: ScriptedFlasher) {
  const rack = new RackController({ ...OPTIONS, startedAtMs: clock.now() - 1, restored: store.load() });
  const node = new RmcNode(rack, clock, { flasher, logins: LOGINS, store });
  const { sent, send } = recorder(() => clock.now());
  node.attach(send);
  node.start();
  return { node, sent };
}

t.test('from files: a transfer resumes at the bytes held, a countdown goes on, a flash under way is re-read, never redone', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'rmc-restart-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const clock = new ManualClock(NOW);
  const flasher = new ScriptedFlasher();
  for (const host of ADDRESSES) flasher.versions.set(host, { major: 1, minor: 0 });
  const manager = new TestManager(key.signing, 7, 5, () => clock.now());
  const image = hpmImage(3000);
  const manifest = manifestFor(image, key.signing);

  let rmc = boot(clock, new FileRmcStore(stateDir, '127.3.0.5'), flasher);
  rmc.node.handle(manager.offer(manifest), MANAGER);
  for (const offset of [0, 512, 1024]) rmc.node.handle(manager.chunk(image, offset), MANAGER);
  const dir = join(stateDir, 'rmcs', '127.3.0.5');
  t.same(readdirSync(dir).sort(), ['image.bin', 'manifest.bin', 'state.json']);
  t.equal(statSync(dir).mode & 0o777, 0o700);
  for (const f of readdirSync(dir)) t.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} is 0600`);
  t.equal(statSync(join(dir, 'image.bin')).size, 1536, 'the bytes as they arrived');

  rmc.node.close();
  clock.advance(1000);
  rmc = boot(clock, new FileRmcStore(stateDir, '127.3.0.5'), flasher);
  t.match(rmc.node.rmc.rollout, { rolloutId: 7, phase: RackPhase.RECEIVING });
  rmc.node.handle(manager.offer(manifest, 1), MANAGER);
  t.match(rmc.sent, [{ m: { type: MessageType.TRANSFER_ACK, body: { nextOffset: 1536 } } }], 'resumed where it was, not at byte 0');
  for (let offset = 1536; offset < image.length; offset += 512) rmc.node.handle(manager.chunk(image, offset), MANAGER);
  t.match(rmc.sent[rmc.sent.length - 1], { m: { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.OK } } });
  rmc.node.handle(manager.flash(NOW + 60_000, 2), MANAGER);

  rmc.node.close();
  clock.advance(1000);
  rmc = boot(clock, new FileRmcStore(stateDir, '127.3.0.5'), flasher);
  t.equal(rmc.node.rmc.phase, RackPhase.VERIFIED, 'restarted counting down');
  rmc.node.handle(manager.offer(manifest, 1), MANAGER);
  t.match(rmc.sent, [{ m: { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.OK } } }], 'the image it holds is still verified');
  clock.advance(58_000);
  for (let i = 0; i < 5; i++) await settle();
  t.same(flasher.reads, ADDRESSES, 'at the flash time every BMC read');
  t.same(flasher.flashes, ADDRESSES.slice(0, 2), 'two under way');

  rmc.node.close(); // the RMC dies with two flashes under way: the first completes anyway, the second never does
  flasher.finishNext();
  flasher.pending.shift();
  await settle();
  clock.advance(1000);
  rmc = boot(clock, new FileRmcStore(stateDir, '127.3.0.5'), flasher);
  for (let i = 0; i < 5; i++) await settle();
  t.same(flasher.reads.slice(4), ADDRESSES.slice(0, 2), 'the two under way read again');
  t.same(flasher.flashes, ADDRESSES, 'the pending two flashed; the two under way never flashed again');
  t.match(rmc.node.rmc.bmcProgress?.entries, [
    { outcome: BmcOutcome.FLASHED, firmware: NEW_VERSION },
    { outcome: BmcOutcome.FAILED, reason: FailureReason.WRONG_VERSION },
    { outcome: BmcOutcome.IN_PROGRESS },
    { outcome: BmcOutcome.IN_PROGRESS },
  ]);
  flasher.finishNext();
  flasher.finishNext();
  await settle();
  t.equal(rmc.node.rmc.phase, RackPhase.DONE);
  t.match(rmc.sent.filter((s) => s.m.type === MessageType.RACK_REPORT), [{ to: MANAGER, m: { body: { flashed: 3, failed: 1 } } }],
    'the report goes to the manager address it kept');
});

t.test('a crash: silent while off, then back from its memory store, resuming the transfer', async (t) => {
  const clock = new ManualClock(NOW);
  const flasher = new ScriptedFlasher();
  const store = new MemoryRmcStore();
  const { node, sent } = boot(clock, store, flasher);
  const manager = new TestManager(key.signing, 7, 5, () => clock.now());
  const image = hpmImage(2000);
  const manifest = manifestFor(image, key.signing);
  node.handle(manager.offer(manifest), MANAGER);
  node.handle(manager.chunk(image, 0), MANAGER);
  const before = node.rmc;
  node.crash(5000, OPTIONS);
  sent.length = 0;
  node.handle(manager.offer(manifest), MANAGER);
  t.equal(sent.length, 0, 'silent while off');
  t.equal(node.faultCounts.droppedWhileDown, 1);
  clock.advance(5000);
  t.not(node.rmc, before, 'a new machine: its memory lost');
  t.equal(node.rmc.counts.offers, 0);
  clock.advance(1); // it takes no command signed before it started again
  node.handle(manager.offer(manifest), MANAGER);
  t.match(sent, [{ m: { type: MessageType.TRANSFER_ACK, body: { nextOffset: 512 } } }], 'back at the bytes it held');
  t.equal(node.faultCounts.crashes, 1);
});

t.test('a state.json of another version (its Prepare in another layout) is moved aside: the RMC starts afresh', (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'rmc-restart-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const store = new FileRmcStore(stateDir, '127.3.0.5', (line) => lines.push(line));
  const dir = join(stateDir, 'rmcs', '127.3.0.5');
  // what bmcfleet wrote before the Prepare carried the image's IDs: version 1, a 66-byte Prepare body
  writeFileSync(join(dir, 'state.json'), JSON.stringify({
    version: 1, rollout: { rolloutId: 7, phase: 1, prepareHex: '01010052000000000000000000000000' + '00'.repeat(66) }, sequence: 3, manager: null, image: null, flash: null,
  }));
  t.equal(store.load(), null, 'nothing restored');
  t.same(readdirSync(dir).filter((f) => f.startsWith('state.json.bad-')).length, 1, 'the old file kept aside');
  t.match(lines, [/state\.json\.bad-\d+: version 1, this bmcfleet keeps 2; moved aside, the RMC starts afresh/]);
  const clock = new ManualClock(NOW);
  const rmc = boot(clock, store, new ScriptedFlasher());
  t.equal(rmc.node.rmc.rollout, null, 'an RMC on that store starts with no rollout');
  t.end();
});

t.test('a crash mid-flash (the run-time fault): back from its memory store, the BMCs under way are re-read, never flashed again', async (t) => {
  const clock = new ManualClock(NOW);
  const flasher = new ScriptedFlasher();
  for (const host of ADDRESSES) flasher.versions.set(host, { major: 1, minor: 0 });
  const { node, sent } = boot(clock, new MemoryRmcStore(), flasher);
  const manager = new TestManager(key.signing, 7, 5, () => clock.now());
  const image = hpmImage(2000);
  node.handle(manager.offer(manifestFor(image, key.signing)), MANAGER);
  for (let offset = 0; offset < image.length; offset += 512) node.handle(manager.chunk(image, offset), MANAGER);
  node.handle(manager.flash(NOW + 1000, 2), MANAGER);
  clock.advance(1000);
  for (let i = 0; i < 5; i++) await settle();
  t.same(flasher.flashes, ADDRESSES.slice(0, 2), 'two under way');

  node.crash(3000, OPTIONS);
  flasher.finishNext(); // its BMC finishes anyway, unseen by the crashed RMC; the other one never finishes
  flasher.pending.shift();
  await settle();
  clock.advance(3000);
  for (let i = 0; i < 5; i++) await settle();
  t.same(flasher.reads.slice(4), ADDRESSES.slice(0, 2), 'back: the two that were under way read again');
  t.same(flasher.flashes, ADDRESSES, 'the pending two flashed; the two under way never flashed again');
  flasher.finishNext();
  flasher.finishNext();
  await settle();
  t.equal(node.rmc.phase, RackPhase.DONE);
  t.match(node.rmc.bmcProgress?.entries, [
    { outcome: BmcOutcome.FLASHED, firmware: NEW_VERSION },
    { outcome: BmcOutcome.FAILED, reason: FailureReason.WRONG_VERSION },
    { outcome: BmcOutcome.FLASHED },
    { outcome: BmcOutcome.FLASHED },
  ]);
  t.match(sent.filter((s) => s.m.type === MessageType.RACK_REPORT), [{ to: MANAGER, m: { body: { flashed: 3, failed: 1 } } }], 'its report, to the manager it kept');
  t.equal(node.faultCounts.crashes, 1);
});

t.test('a flash\'s saved progress is a copy the flash never changes (the memory store keeps a saved state as given)', (t) => {
  const flash = new RackFlash(2, { major: 1, minor: 3 });
  const saved = flash.saved;
  t.not(saved.bmcs, flash.bmcs);
  t.not(saved.bmcs[0], flash.bmcs[0]);
  t.not(saved.bmcs[0].firmware, flash.bmcs[0].firmware);
  flash.bmcs[0].firmware.major = 9;
  flash.bmcs[0].outcome = BmcOutcome.FAILED;
  t.same(saved.bmcs[0], { outcome: BmcOutcome.PENDING, reason: FailureReason.NONE, firmware: { major: 0, minor: 0 }, read: false }, 'the copy is as it was');
  t.end();
});
