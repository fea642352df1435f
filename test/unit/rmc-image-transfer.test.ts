// The RMC's image receive and verification (README "The exchange after the prepare round", steps 1-3) on a
// ManualClock, with real signed messages and a real HPM.1 image: Offer -> Transfer Ack; chunks stored in order,
// duplicates re-acked, chunks out of order, past the end or failing their CRC-32 dropped and counted; a broken
// attempt resumed at the bytes held; every verification failure with its code, the bytes then discarded.
import t from 'tap';
import { encodeHpmImage, decodeHpmImage } from '../../protocols/ipmi/hpm-image.js';
import type { Peer } from '../../protocols/peer.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { RackPhase } from '../../protocols/rollout/rack-status.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { RackController } from '../../emulator/rack/rack-controller.js';
import { RmcNode } from '../../emulator/rack/rmc-node.js';
import { MemoryRmcStore } from '../../emulator/rack/rmc-store.js';
import { EMULATED_BMC, TestManager, hpmImage, manifestFor, recorder, sha256 } from '../helpers/rollout-rmc.js';

const NOW = 1_767_225_600_000;
const MANAGER: Peer = { address: '127.0.0.1', port: 40000 };
const key = generateManagerKey();

function rmc(store = new MemoryRmcStore()) {
  const clock = new ManualClock(NOW);
  const rack = new RackController({
    rmcId: 5, address: '127.3.0.5', rackName: 'rack-a', bmcCount: 2, bmcAddresses: ['127.3.1.1', '127.3.1.2'],
    trustedKeys: [trustedKeyFromRaw(key.rawPublicKey)], startedAtMs: NOW - 1000,
  });
  const node = new RmcNode(rack, clock, { store });
  const { sent, send } = recorder(() => clock.now());
  node.attach(send);
  const manager = new TestManager(key.signing, 7, 5, () => clock.now());
  return { clock, node, sent, manager, store };
}

/** Sends every chunk of `image` in order, 512 bytes each. */
function sendAll(node: RmcNode, manager: TestManager, image: Uint8Array, from = 0): void {
  for (let offset = from; offset < image.length; offset += 512) node.handle(manager.chunk(image, offset), MANAGER);
}

t.test('an Offer, the chunks in order, a Verify Result OK with the SHA-256 the RMC computed', (t) => {
  const { node, sent, manager } = rmc();
  const image = hpmImage(3000);
  node.handle(manager.offer(manifestFor(image, key.signing)), MANAGER);
  t.match(sent[0], { to: MANAGER, m: { type: MessageType.TRANSFER_ACK, rolloutId: 7, rmcId: 5, body: { nextOffset: 0, window: 16 } } });
  t.equal(node.rmc.phase, RackPhase.RECEIVING);
  sendAll(node, manager, image);
  const acks = sent.filter((s) => s.m.type === MessageType.TRANSFER_ACK).map((s) => (s.m.body as { nextOffset: number }).nextOffset);
  const chunks = Math.ceil(image.length / 512);
  t.same(acks, [0, ...Array.from({ length: chunks }, (_, i) => Math.min(image.length, (i + 1) * 512))], 'each chunk acked with the bytes held');
  const last = sent[sent.length - 1].m;
  t.match(last, { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.OK } });
  t.same(Buffer.from((last.body as { imageSha256: Uint8Array }).imageSha256), sha256(image));
  t.equal(node.rmc.phase, RackPhase.VERIFIED);
  t.match(node.rmc.counts, { offers: 1, chunksStored: chunks, verifiedOk: 1, verifyFailed: 0 });
  t.match(node.rmc.rollout, { rolloutId: 7, phase: RackPhase.VERIFIED });

  sent.length = 0;
  node.handle(manager.offer(manifestFor(image, key.signing), 2), MANAGER);
  t.match(sent, [{ m: { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.OK } } }], 'the same image offered again: Verify Result OK again');
  t.end();
});

t.test('a duplicate is re-acked; out of order, past the end and CRC-failed chunks are dropped and counted', (t) => {
  const { node, sent, manager } = rmc();
  const image = hpmImage(3000);
  node.handle(manager.offer(manifestFor(image, key.signing)), MANAGER);
  node.handle(manager.chunk(image, 0), MANAGER);
  node.handle(manager.chunk(image, 0), MANAGER);
  t.match(sent[2], { m: { type: MessageType.TRANSFER_ACK, body: { nextOffset: 512 } } }, 'the duplicate re-acked');
  const before = sent.length;
  node.handle(manager.chunk(image, 1024), MANAGER);
  t.equal(sent.length, before, 'a chunk after a gap: no ack');
  const past = manager.chunk(Buffer.concat([image, Buffer.alloc(600)]), 2560, 600);
  node.handle(past, MANAGER);
  const bad = manager.chunk(image, 512);
  bad[bad.length - 1] ^= 0x01; // a data byte flipped on the way: the CRC-32 fails
  node.handle(bad, MANAGER);
  t.equal(sent.length, before, 'nothing answered for the dropped ones');
  t.match(node.rmc.counts, { chunksStored: 1, chunksDuplicate: 1, chunksOutOfOrder: 2, chunksCrcFailed: 1, malformed: 1 });
  node.handle(manager.chunk(image, 512), MANAGER);
  t.match(sent[sent.length - 1], { m: { type: MessageType.TRANSFER_ACK, body: { nextOffset: 1024 } } }, 'the same chunk unharmed is stored');
  t.end();
});

t.test('a broken attempt: the next Offer of the same image resumes at the bytes held', (t) => {
  const { node, sent, manager } = rmc();
  const image = hpmImage(3000);
  const manifest = manifestFor(image, key.signing);
  node.handle(manager.offer(manifest), MANAGER);
  for (const offset of [0, 512, 1024]) node.handle(manager.chunk(image, offset), MANAGER);
  sent.length = 0;
  node.handle(manager.offer(manifest, 1), MANAGER);
  t.match(sent, [{ m: { type: MessageType.TRANSFER_ACK, body: { nextOffset: 1536, window: 16 } } }]);
  sendAll(node, manager, image, 1536);
  t.match(sent[sent.length - 1], { m: { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.OK } } });

  sent.length = 0;
  const other = hpmImage(2000, EMULATED_BMC, { major: 3, minor: 0 });
  node.handle(manager.offer(manifestFor(other, key.signing)), MANAGER);
  t.match(sent, [{ m: { type: MessageType.TRANSFER_ACK, body: { nextOffset: 0 } } }], 'another image starts at byte 0');
  t.end();
});

t.test('a manifest signed by a key the RMC does not trust: Verify Result 2 at once', (t) => {
  const { node, sent, manager } = rmc();
  const image = hpmImage(1000);
  node.handle(manager.offer(manifestFor(image, generateManagerKey().signing)), MANAGER);
  t.match(sent, [{ m: { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.MANIFEST_SIGNATURE } } }]);
  const forged = manifestFor(image, key.signing);
  forged[10] ^= 0x01;
  node.handle(manager.offer(forged), MANAGER);
  t.match(sent[1], { m: { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.MANIFEST_SIGNATURE } } }, 'a manifest altered after signing');
  t.end();
});

t.test('every verification failure, in order, with the SHA-256 computed; the bytes are discarded', (t) => {
  const good = hpmImage(1500);
  const headerFlipped = Buffer.from(good);
  headerFlipped[21] ^= 0x01; // the self-test timeout: the header no longer sums to 0 (nor does the MD5 hold)
  const bodyFlipped = Buffer.from(good);
  bodyFlipped[good.length - 100] ^= 0x01; // a firmware byte: only the MD5 tells
  const notHpm = Buffer.alloc(1500, 0x5a);
  const otherProduct = encodeHpmImage({ ...decodeHpmImage(good), productId: 0x0002 });
  const cases: [string, Buffer, Buffer, VerifyOutcome][] = [
    ['the image is not the one the manifest names', good, manifestFor(hpmImage(1500, EMULATED_BMC, { major: 2, minor: 8 }), key.signing), VerifyOutcome.MANIFEST_SHA256],
    ['not an HPM.1 image', notHpm, manifestFor(notHpm, key.signing), VerifyOutcome.HPM1_FORMAT],
    ['a header whose checksum fails', headerFlipped, manifestFor(headerFlipped, key.signing), VerifyOutcome.HPM1_HEADER_CHECKSUM],
    ['an MD5 that does not match', bodyFlipped, manifestFor(bodyFlipped, key.signing), VerifyOutcome.HPM1_MD5],
    ['an image for another product', otherProduct, manifestFor(otherProduct, key.signing), VerifyOutcome.WRONG_PRODUCT],
    ['a manifest for another manufacturer', good, manifestFor(good, key.signing, { target: { ...EMULATED_BMC, manufacturerId: 343 } }), VerifyOutcome.WRONG_PRODUCT],
  ];
  for (const [what, image, manifest, result] of cases) {
    const { node, sent, manager, store } = rmc();
    node.handle(manager.offer(manifest), MANAGER);
    sendAll(node, manager, image);
    const verdict = sent[sent.length - 1].m;
    t.match(verdict, { type: MessageType.VERIFY_RESULT, body: { result } }, what);
    t.same(Buffer.from((verdict.body as { imageSha256: Uint8Array }).imageSha256), sha256(image), `${what}: the SHA-256 of the bytes held`);
    t.match(node.rmc.counts, { verifyFailed: 1, verifiedOk: 0 });
    t.equal(node.rmc.phase, RackPhase.PREPARED, `${what}: no image held`);
    t.equal(store.load()?.image.length, 0, `${what}: the bytes discarded`);
    sent.length = 0;
    node.handle(manager.offer(manifest, 2), MANAGER);
    t.match(sent, [{ m: { type: MessageType.TRANSFER_ACK, body: { nextOffset: 0 } } }], `${what}: the next attempt starts at byte 0`);
  }
  t.end();
});

t.test('a chunk the corruptChunkPercent fault spoils after its CRC-32 passed fails the image\'s check', (t) => {
  const clock = new ManualClock(NOW);
  const rack = new RackController({ rmcId: 5, address: '127.3.0.5', rackName: 'r', bmcCount: 1, trustedKeys: [trustedKeyFromRaw(key.rawPublicKey)], startedAtMs: NOW - 1000 });
  let dice = 0;
  const node = new RmcNode(rack, clock, { random: () => [0.5, 0.9, 0.1][dice++ % 3] });
  const { sent, send } = recorder(() => clock.now());
  node.attach(send);
  node.faults = { lossPercent: 0, corruptChunkPercent: 60 };
  const manager = new TestManager(key.signing, 7, 5, () => clock.now());
  const image = hpmImage(1200);
  node.handle(manager.offer(manifestFor(image, key.signing)), MANAGER);
  sendAll(node, manager, image);
  t.ok(node.faultCounts.chunksCorrupted >= 1);
  t.match(sent[sent.length - 1], { m: { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.MANIFEST_SHA256 } } });
  t.end();
});

t.test('an image larger than the RMC takes: its Prepare answered NO_SPACE, its Offer refused before a byte is sent', (t) => {
  const clock = new ManualClock(NOW);
  const rack = new RackController({
    rmcId: 5, address: '127.3.0.5', rackName: 'r', bmcCount: 1, trustedKeys: [trustedKeyFromRaw(key.rawPublicKey)], startedAtMs: NOW - 1000, maxImageBytes: 1000,
  });
  const node = new RmcNode(rack, clock);
  const { sent, send } = recorder(() => clock.now());
  node.attach(send);
  const manager = new TestManager(key.signing, 7, 5, () => clock.now());
  const image = hpmImage(1200);
  node.handle(manager.command(MessageType.PREPARE, {
    nonce: new Uint8Array(16), imageSize: image.length, imageSha256: sha256(image), manufacturerId: EMULATED_BMC.manufacturerId, productId: EMULATED_BMC.productId,
    flashTimeMs: NOW, reply: { scheme: 0 }, targets: [{ firstRmcId: 5, count: 1 }],
  }), MANAGER);
  t.match(sent, [{ m: { type: MessageType.PREPARE_REPLY, body: { readiness: Readiness.NO_SPACE } } }]);
  t.equal(node.rmc.rollout, null, 'it did not join');
  node.handle(manager.offer(manifestFor(image, key.signing)), MANAGER);
  t.match(sent[1], { m: { type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.MANIFEST_SHA256 } } });
  t.end();
});
