// The RMC's flash (README "The exchange after the prepare round", steps 4-6) on a ManualClock with real signed
// messages and a verified HPM.1 image, and a SCRIPTED FAKE flasher (test/helpers/rollout-rmc.ts ScriptedFlasher, not
// the real HPM.1 one): a Flash answered with Progress, the countdown, every version read at the flash time, BMCs at
// the new version SKIPPED, the rest flashed `concurrency` at a time, the Rack Report sent unsolicited when done and
// again for a later Flash, pages of 128 entries; Pause, Resume and Abort; a late Poll answered with a Progress.
import t from 'tap';
import type { BmcLogin } from '../../clients/ipmi/bmc-flasher.js';
import type { Peer } from '../../protocols/peer.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import type { DecodedMessage } from '../../protocols/rollout/message.js';
import { BmcOutcome, FailureReason, RackPhase, type RackStatus } from '../../protocols/rollout/rack-status.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { RackController } from '../../emulator/rack/rack-controller.js';
import { RmcNode } from '../../emulator/rack/rmc-node.js';
import { decodeHpmImage, upgradedComponent } from '../../protocols/ipmi/hpm-image.js';
import { NEW_VERSION, ScriptedFlasher, TestManager, hpmImage, manifestFor, recorder, settle } from '../helpers/rollout-rmc.js';

const NOW = 1_767_225_600_000;
const MANAGER: Peer = { address: '127.0.0.1', port: 40000 };
const key = generateManagerKey();
const OLD = { major: 1, minor: 0 };

function hosts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.4.${i >> 8}.${(i & 0xff) + 1}`);
}

/** An RMC of `n` BMCs holding a verified image, with the scripted fake flasher (every BMC at 1.00 unless told). */
function verifiedRmc(n = 4) {
  const clock = new ManualClock(NOW);
  const addresses = hosts(n);
  const logins: BmcLogin[] = addresses.map((host) => ({ host, port: 623, username: 'admin', password: 'password' }));
  const flasher = new ScriptedFlasher();
  for (const host of addresses) flasher.versions.set(host, OLD);
  const rack = new RackController({
    rmcId: 5, address: '127.3.0.5', rackName: 'rack-a', bmcCount: n, bmcAddresses: addresses,
    trustedKeys: [trustedKeyFromRaw(key.rawPublicKey)], startedAtMs: NOW - 1000,
  });
  const node = new RmcNode(rack, clock, { flasher, logins });
  const { sent, send } = recorder(() => clock.now());
  node.attach(send);
  const manager = new TestManager(key.signing, 7, 5, () => clock.now());
  const image = hpmImage(1000);
  node.handle(manager.offer(manifestFor(image, key.signing)), MANAGER);
  for (let offset = 0; offset < image.length; offset += 512) node.handle(manager.chunk(image, offset), MANAGER);
  sent.length = 0;
  return { clock, node, sent, manager, flasher, addresses };
}

const status = (m: DecodedMessage) => m.body as RackStatus;

t.test('Flash: Progress, the countdown, reads, skips, flashes two at a time, the report unsolicited and on a later Flash', async (t) => {
  const { clock, node, sent, manager, flasher, addresses } = verifiedRmc(5);
  flasher.versions.set(addresses[1], { ...NEW_VERSION });
  flasher.versions.delete(addresses[4]);
  node.handle(manager.flash(NOW + 10_000, 2, 30_000), MANAGER);
  t.match(sent, [{ to: MANAGER, m: { type: MessageType.PROGRESS, body: { phase: RackPhase.VERIFIED, bmcCount: 5 } } }]);
  node.handle(manager.flash(NOW + 20_000, 2, 30_000), { address: '127.0.0.1', port: 40001 });
  t.equal(sent.length, 2, 'a Flash before the flash time moves it, and is answered');

  clock.advance(19_999);
  t.same(flasher.reads, [], 'nothing read before the flash time');
  clock.advance(1);
  t.equal(node.rmc.phase, RackPhase.READING_VERSIONS);
  t.same(flasher.reads, addresses.slice(0, 2), 'reads go two at a time too');
  for (let i = 0; i < 5; i++) await settle();
  t.same(flasher.reads, addresses, 'every BMC read');
  t.equal(node.rmc.phase, RackPhase.FLASHING);
  t.same(flasher.flashes, [addresses[0], addresses[2]], 'two flashes at once; the one at 2.07 skipped, the unreachable one failed');
  t.match(flasher.pending[0].request, { target: NEW_VERSION, timeoutMs: 30_000, bmc: { host: addresses[0], username: 'admin' } });
  t.equal(flasher.pending[0].request.image.length, hpmImage(1000).length);
  t.match(node.rmc.bmcProgress, { phase: RackPhase.FLASHING, skipped: 1, failed: 1, entries: [{ outcome: BmcOutcome.IN_PROGRESS }, { outcome: BmcOutcome.SKIPPED }] });

  const late = sent.length;
  node.handle(manager.command(MessageType.POLL, {
    attempt: 1, nonce: new Uint8Array(16), imageSize: 1, imageSha256: new Uint8Array(32), manufacturerId: 32473, productId: 1, flashTimeMs: NOW, reply: { scheme: 0 }, targets: [{ firstRmcId: 1, count: 9 }],
  }), MANAGER);
  t.match(sent[late], { m: { type: MessageType.PROGRESS, body: { phase: RackPhase.FLASHING } } }, 'a late Poll: Progress');

  flasher.finishNext();
  await settle();
  t.same(flasher.flashes, [addresses[0], addresses[2], addresses[3]], 'the next one starts as one ends');
  flasher.finishNext({ outcome: BmcOutcome.FAILED, reason: FailureReason.ROLLED_BACK, firmware: OLD, detail: 'rolled back' });
  flasher.finishNext();
  await settle();
  t.equal(node.rmc.phase, RackPhase.DONE);
  const reports = sent.filter((s) => s.m.type === MessageType.RACK_REPORT);
  t.equal(reports.length, 1, 'one page, sent unsolicited');
  t.same(reports[0].to, MANAGER, 'to where the last command came from');
  t.same(status(reports[0].m), {
    phase: RackPhase.DONE, bmcCount: 5, flashed: 2, skipped: 1, failed: 2, firstIndex: 0,
    entries: [
      { address: addresses[0], outcome: BmcOutcome.FLASHED, reason: 0, firmware: NEW_VERSION },
      { address: addresses[1], outcome: BmcOutcome.SKIPPED, reason: 0, firmware: NEW_VERSION },
      { address: addresses[2], outcome: BmcOutcome.FAILED, reason: FailureReason.ROLLED_BACK, firmware: OLD },
      { address: addresses[3], outcome: BmcOutcome.FLASHED, reason: 0, firmware: NEW_VERSION },
      { address: addresses[4], outcome: BmcOutcome.FAILED, reason: FailureReason.UNREACHABLE, firmware: { major: 0, minor: 0 } },
    ],
  });
  sent.length = 0;
  node.handle(manager.flash(NOW + 20_000), MANAGER);
  t.match(sent, [{ m: { type: MessageType.RACK_REPORT, body: { phase: RackPhase.DONE, flashed: 2 } } }], 'a later Flash: the report again');
  t.equal(flasher.flashes.length, 3, 'and nothing flashed again');
});

t.test('a rack of 130 BMCs reports in two pages: 128 entries, then 2', async (t) => {
  const { clock, node, sent, manager, flasher, addresses } = verifiedRmc(130);
  for (const host of addresses) flasher.versions.set(host, { ...NEW_VERSION });
  node.handle(manager.flash(NOW + 1000, 64), MANAGER);
  clock.advance(1000);
  for (let i = 0; i < 10; i++) await settle();
  const pages = sent.filter((s) => s.m.type === MessageType.RACK_REPORT).map((s) => status(s.m));
  t.same(pages.map((p) => [p.firstIndex, p.entries.length, p.skipped, p.bmcCount]), [[0, 128, 130, 130], [128, 2, 130, 130]]);
  t.equal(pages[1].entries[1].address, addresses[129]);
  t.equal(flasher.flashes.length, 0);
});

t.test('Pause before the flash time stops the countdown; Resume goes on; a flash time passed while paused starts at once', async (t) => {
  const { clock, node, sent, manager, flasher } = verifiedRmc(2);
  node.handle(manager.flash(NOW + 5000, 1), MANAGER);
  node.handle(manager.pause(), MANAGER);
  t.match(sent[1], { m: { type: MessageType.PROGRESS, body: { phase: RackPhase.PAUSED } } });
  clock.advance(10_000);
  t.same(flasher.reads, [], 'paused: nothing read at the flash time');
  node.handle(manager.resume(), MANAGER);
  t.equal(flasher.reads.length, 1, 'resumed after the flash time: reading at once');
  t.match(sent[2], { m: { type: MessageType.PROGRESS, body: { phase: RackPhase.READING_VERSIONS } } });
  await settle(); await settle();
  t.equal(flasher.flashes.length, 1);
  node.handle(manager.pause(), MANAGER);
  flasher.finishNext();
  await settle();
  t.equal(flasher.flashes.length, 1, 'paused: the one under way finished, no new one started');
  t.match(node.rmc.bmcProgress, { phase: RackPhase.PAUSED, flashed: 1, entries: [{ outcome: BmcOutcome.FLASHED }, { outcome: BmcOutcome.PENDING }] });
  node.handle(manager.resume(), MANAGER);
  t.equal(flasher.flashes.length, 2);
  flasher.finishNext();
  await settle();
  t.equal(node.rmc.phase, RackPhase.DONE);
});

t.test('paused past its flash time: a Flash moves the countdown to a new time, which Resume then counts down to', async (t) => {
  const { clock, node, sent, manager, flasher } = verifiedRmc(2);
  node.handle(manager.flash(NOW + 5000, 1), MANAGER);
  node.handle(manager.pause(), MANAGER);
  clock.advance(10_000);
  node.handle(manager.flash(NOW + 20_000, 1), MANAGER);
  t.match(sent[sent.length - 1], { m: { type: MessageType.PROGRESS, body: { phase: RackPhase.PAUSED } } }, 'the Flash answered, still paused');
  node.handle(manager.resume(), MANAGER);
  t.match(sent[sent.length - 1], { m: { type: MessageType.PROGRESS, body: { phase: RackPhase.VERIFIED } } }, 'counting down again');
  clock.advance(9_999);
  t.same(flasher.reads, [], 'nothing read before the new time');
  clock.advance(1);
  t.equal(flasher.reads.length, 1, 'reading at the new time');
});

t.test('Abort: pending BMCs fail with reason 7, the one under way finishes, then the report (phase 8)', async (t) => {
  const { clock, node, sent, manager, flasher, addresses } = verifiedRmc(3);
  node.handle(manager.flash(NOW + 100, 1), MANAGER);
  clock.advance(100);
  for (let i = 0; i < 5; i++) await settle();
  t.equal(flasher.flashes.length, 1);
  sent.length = 0;
  node.handle(manager.abort(), MANAGER);
  t.match(sent, [{ m: { type: MessageType.PROGRESS, body: { phase: RackPhase.FLASHING, failed: 2 } } }], 'answered with a Progress while one is under way');
  flasher.finishNext();
  await settle();
  const report = sent.filter((s) => s.m.type === MessageType.RACK_REPORT).map((s) => status(s.m));
  t.match(report, [{
    phase: RackPhase.ABORTED, flashed: 1, failed: 2,
    entries: [
      { address: addresses[0], outcome: BmcOutcome.FLASHED },
      { outcome: BmcOutcome.FAILED, reason: FailureReason.ABORTED },
      { outcome: BmcOutcome.FAILED, reason: FailureReason.ABORTED },
    ],
  }]);
  t.equal(flasher.flashes.length, 1);
  sent.length = 0;
  node.handle(manager.abort(), MANAGER);
  t.match(sent, [{ m: { type: MessageType.RACK_REPORT, body: { phase: RackPhase.ABORTED } } }], 'Abort again: the report');
});

t.test('Abort before the flash time: every BMC fails with reason 7 at once, the report answers it', async (t) => {
  const { clock, node, sent, manager, flasher } = verifiedRmc(2);
  node.handle(manager.flash(NOW + 5000, 1), MANAGER);
  sent.length = 0;
  node.handle(manager.abort(), MANAGER);
  t.match(sent, [{ m: { type: MessageType.RACK_REPORT, body: { phase: RackPhase.ABORTED, failed: 2 } } }]);
  clock.advance(10_000);
  await settle();
  t.same(flasher.reads, [], 'no countdown left');
});

t.test('commands for another rollout are not acted on', (t) => {
  const { node, sent, flasher } = verifiedRmc(2);
  const other = new TestManager(key.signing, 8, 5, () => NOW);
  other.sequence = 100;
  node.handle(other.flash(NOW), MANAGER);
  node.handle(other.abort(), MANAGER);
  t.equal(sent.length, 0);
  t.equal(node.rmc.counts.unhandled, 2);
  t.equal(node.rmc.phase, RackPhase.VERIFIED);
  t.same(flasher.reads, []);
  t.end();
});

t.test('step 7: each read asks for the component the image upgrades; a BMC is skipped only when Get Device ID and that component are both at the target', async (t) => {
  const { clock, node, manager, flasher, addresses } = verifiedRmc(3);
  flasher.versions.set(addresses[0], { ...NEW_VERSION });
  flasher.versions.set(addresses[1], { ...NEW_VERSION });
  flasher.componentVersions.set(addresses[1], OLD); // runs the target, but the HPM.1 component says otherwise
  node.handle(manager.flash(NOW + 1000, 3), MANAGER);
  clock.advance(1000);
  for (let i = 0; i < 5; i++) await settle();
  const component = upgradedComponent(decodeHpmImage(hpmImage(1000)));
  t.not(component, null, 'the test image has an upload record');
  t.same(flasher.readComponents, [component, component, component], 'every read asks for that component');
  t.same(flasher.flashes, [addresses[1], addresses[2]], 'the one whose component disagrees is flashed with the one behind');
  t.match(node.rmc.bmcProgress, { skipped: 1, entries: [{ outcome: BmcOutcome.SKIPPED }, { outcome: BmcOutcome.IN_PROGRESS }, { outcome: BmcOutcome.IN_PROGRESS }] });
});
