// The rack controller (emulator/rack/) on a ManualClock: a signed Prepare answered after its reply scheme's delay
// (immediate, octet sum, window, rank slots), a Poll at once; unsigned, forged, unknown-key and replayed commands
// ignored and counted; the shard's broadcast listener handing a Prepare to exactly the RMCs it targets.
import t from 'tap';
import { createPrivateKey } from 'node:crypto';
import { signMessage } from '../../protocols/rollout/auth.js';
import { ALL_RMCS, MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, signingKeyFrom, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { decodeMessage, encodeMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme, type Prepare, type ProductIds, type ReplySchemeParams, type RmcRange } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { windowDelayUs } from '../../protocols/rollout/reply-delay.js';
import type { Peer } from '../../protocols/peer.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { RackController } from '../../emulator/rack/rack-controller.js';
import { RmcBroadcastListener } from '../../emulator/rack/rmc-broadcast.js';
import { RmcNode } from '../../emulator/rack/rmc-node.js';

// RFC 8032 §7.1 TEST 1 as the manager's key (its PKCS#8 wrapping, RFC 8410).
const manager = signingKeyFrom(createPrivateKey({
  key: Buffer.from('302e020100300506032b6570042204209d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'), format: 'der', type: 'pkcs8',
}));
const trusted = trustedKeyFromRaw(Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex'));
const NOW = 1_767_225_600_000;
const MANAGER: Peer = { address: '127.0.0.1', port: 40000 };

/** A Prepare for an image of the emulated BMC's manufacturer and product (those of the RMC's rack by default). */
function prepareBody(reply: ReplySchemeParams, targets: RmcRange[] = [{ firstRmcId: 1, count: 10 }], product: ProductIds = { manufacturerId: 32473, productId: 1 }): Prepare {
  return { nonce: new Uint8Array(16).fill(0xab), imageSize: 1024, imageSha256: new Uint8Array(32).fill(2), ...product, flashTimeMs: NOW + 3_600_000, reply, targets };
}

function prepare(sequence: number, reply: ReplySchemeParams, targets?: RmcRange[], rmcId = ALL_RMCS): RolloutMessage {
  return { type: MessageType.PREPARE, rolloutId: 7, rmcId, sequence, body: prepareBody(reply, targets) };
}

/** A Prepare with immediate replies for an image of `product`. */
function prepareFor(sequence: number, product: ProductIds, rolloutId = 7, over: Partial<Prepare> = {}): RolloutMessage {
  return { type: MessageType.PREPARE, rolloutId, rmcId: ALL_RMCS, sequence, body: { ...prepareBody({ scheme: ReplyScheme.IMMEDIATE }, undefined, product), ...over } };
}

/** An RMC at 127.3.0.5 (octet sum 135), ID 5, on the clock, with what it sends. */
function rmcAt(clock: ManualClock, rmcId = 5, address = '127.3.0.5') {
  const sent: { bytes: Buffer; to: Peer; at: number }[] = [];
  const node = new RmcNode(new RackController({ rmcId, address, rackName: 'rack-a', bmcCount: 4, trustedKeys: [trusted], startedAtMs: NOW - 1000 }), clock);
  node.attach((bytes, to) => sent.push({ bytes, to, at: clock.now() }));
  return { node, sent };
}

t.test('immediate: the Prepare Reply goes at once, to the sender, these bytes', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  node.handle(signMessage(prepare(1, { scheme: ReplyScheme.IMMEDIATE }), manager, NOW), MANAGER);
  t.equal(sent.length, 1);
  t.same(sent[0].to, MANAGER);
  // header: version 1, type 02h, length 40, rollout 7, RMC 5, sequence 1; body: ready, 127.3.0.5, 4 BMCs, its BMCs' manufacturer
  // 32473 and product 1, 0 µs, "rack-a"
  t.equal(sent[0].bytes.toString('hex'), '01020028' + '00000007' + '00000005' + '00000001' + '00' + '7f030005' + '0004' + '00007ed9' + '0001' + '00000000' + '06' + Buffer.from('rack-a').toString('hex'));
  t.match(decodeMessage(sent[0].bytes), { type: MessageType.PREPARE_REPLY, rmcId: 5, auth: null, body: { readiness: Readiness.READY, address: '127.3.0.5', bmcCount: 4, rackName: 'rack-a' } });
  t.match(node.rmc.rollout, { rolloutId: 7, phase: 1 });
  t.match(node.rmc.counts, { messagesIn: 1, prepares: 1, repliesSent: 1 });
  t.equal(node.rmc.accepted, 1);
  t.end();
});

t.test('octet sum: 127 + 3 + 0 + 5 = 135 ms, not a ms earlier', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  node.handle(signMessage(prepare(1, { scheme: ReplyScheme.OCTET_SUM }), manager, NOW), MANAGER);
  clock.advance(134);
  t.equal(sent.length, 0, 'nothing after 134 ms');
  clock.advance(1);
  t.equal(sent.length, 1);
  t.equal(sent[0].at, NOW + 135);
  t.match(decodeMessage(sent[0].bytes).body, { replyDelayUs: 135_000 });
  t.end();
});

t.test('window: the delay the nonce and RMC ID give, rounded up to whole ms', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  const windowUs = 2_000_000;
  const delayUs = windowDelayUs(5, new Uint8Array(16).fill(0xab), windowUs);
  node.handle(signMessage(prepare(1, { scheme: ReplyScheme.WINDOW, windowUs }), manager, NOW), MANAGER);
  clock.advance(Math.ceil(delayUs / 1000) - 1);
  t.equal(sent.length, 0);
  clock.advance(1);
  t.equal(sent.length, 1);
  t.match(decodeMessage(sent[0].bytes).body, { replyDelayUs: delayUs });
  t.end();
});

t.test('rank slots: its place among the target ranges times the slot width', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  // IDs 10-12 first (3 of them), then 1-10: ID 5 is the 8th, rank 7; 7 x 2,500 µs = 17.5 ms, sent at 18 ms
  node.handle(signMessage(prepare(1, { scheme: ReplyScheme.RANK_SLOTS, slotUs: 2500 }, [{ firstRmcId: 10, count: 3 }, { firstRmcId: 1, count: 10 }]), manager, NOW), MANAGER);
  clock.advance(17);
  t.equal(sent.length, 0);
  clock.advance(1);
  t.equal(sent.length, 1);
  t.match(decodeMessage(sent[0].bytes).body, { replyDelayUs: 17_500 });
  t.end();
});

t.test('a Poll is answered at once whatever the scheme; a later Prepare of another rollout finds it still free', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  const poll: RolloutMessage = { type: MessageType.POLL, rolloutId: 7, rmcId: 5, sequence: 3, body: { attempt: 1, ...prepareBody({ scheme: ReplyScheme.OCTET_SUM }) } };
  node.handle(signMessage(poll, manager, NOW), MANAGER);
  t.equal(sent.length, 1);
  t.match(decodeMessage(sent[0].bytes), { rolloutId: 7, sequence: 1, body: { readiness: Readiness.READY, replyDelayUs: 0 } });
  t.equal(node.rmc.counts.polls, 1);
  node.handle(signMessage({ ...prepare(1, { scheme: ReplyScheme.IMMEDIATE }), rolloutId: 8 }, manager, NOW), MANAGER);
  t.match(decodeMessage(sent[1].bytes), { rolloutId: 8, sequence: 2, body: { readiness: Readiness.READY } });
  t.match(node.rmc.rollout, { rolloutId: 8 });
  t.end();
});

t.test('an image for another product: WRONG_PRODUCT with its BMCs\' IDs, before any byte; it joins nothing and stays free', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  const otherProduct = { manufacturerId: 32473, productId: 2 };
  const immediate = { scheme: ReplyScheme.IMMEDIATE } as const;
  node.handle(signMessage(prepareFor(1, otherProduct), manager, NOW), MANAGER);
  // body: wrong product (3), 127.3.0.5, 4 BMCs, its BMCs' manufacturer 32473 (00007ed9) and product 1, 0 µs, "rack-a"
  t.equal(sent[0].bytes.subarray(16).toString('hex'), '03' + '7f030005' + '0004' + '00007ed9' + '0001' + '00000000' + '06' + Buffer.from('rack-a').toString('hex'));
  t.equal(node.rmc.rollout, null, 'it did not join');
  const poll: RolloutMessage = { type: MessageType.POLL, rolloutId: 7, rmcId: 5, sequence: 2, body: { attempt: 1, ...prepareBody(immediate, undefined, { manufacturerId: 343, productId: 1 }) } };
  node.handle(signMessage(poll, manager, NOW), MANAGER);
  t.match(decodeMessage(sent[1].bytes).body, { readiness: Readiness.WRONG_PRODUCT, manufacturerId: 32473, productId: 1 }, 'a Poll too: another manufacturer');
  node.handle(signMessage({ ...prepare(3, immediate), rolloutId: 8 }, manager, NOW), MANAGER);
  t.match(decodeMessage(sent[2].bytes), { rolloutId: 8, body: { readiness: Readiness.READY } }, 'the next rollout, for its product, finds it free');
  node.handle(signMessage(prepareFor(4, otherProduct, 9, { imageSize: 2 ** 31 }), manager, NOW), MANAGER);
  t.match(decodeMessage(sent[3].bytes), { rolloutId: 9, body: { readiness: Readiness.WRONG_PRODUCT } }, 'held by rollout 8, and the image too big: the product is said first');
  t.match(node.rmc.rollout, { rolloutId: 8 });
  t.end();
});

t.test('an RMC whose rack has other BMCs names them', (t) => {
  const clock = new ManualClock(NOW);
  const sent: Buffer[] = [];
  const rack = new RackController({
    rmcId: 5, address: '127.3.0.5', rackName: 'rack-z', bmcCount: 2, trustedKeys: [trusted], startedAtMs: NOW - 1000,
    bmcIdentity: { deviceId: 0x20, manufacturerId: 343, productId: 0x0b0f },
  });
  const node = new RmcNode(rack, clock);
  node.attach((bytes) => sent.push(bytes));
  node.handle(signMessage(prepare(1, { scheme: ReplyScheme.IMMEDIATE }), manager, NOW), MANAGER);
  t.match(decodeMessage(sent[0]).body, { readiness: Readiness.WRONG_PRODUCT, manufacturerId: 343, productId: 0x0b0f, rackName: 'rack-z' });
  node.handle(signMessage(prepareFor(2, { manufacturerId: 343, productId: 0x0b0f }), manager, NOW), MANAGER);
  t.match(decodeMessage(sent[1]).body, { readiness: Readiness.READY, manufacturerId: 343, productId: 0x0b0f }, 'an image for them: ready');
  t.end();
});

t.test('unsigned, forged, unknown-key, stale and replayed commands are ignored and counted', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  const immediate = { scheme: ReplyScheme.IMMEDIATE } as const;
  node.handle(encodeMessage(prepare(1, immediate)), MANAGER);
  const forged = signMessage(prepare(2, immediate), manager, NOW);
  forged[forged.length - 1] ^= 0x01;
  node.handle(forged, MANAGER);
  node.handle(signMessage(prepare(3, immediate), generateManagerKey().signing, NOW), MANAGER);
  node.handle(signMessage(prepare(4, immediate), manager, NOW - 120_000), MANAGER);
  const good = signMessage(prepare(5, immediate), manager, NOW);
  node.handle(good, MANAGER);
  node.handle(good, MANAGER);
  clock.advance(2000);
  t.equal(sent.length, 1, 'only the good one, once');
  t.same(node.rmc.rejected, { unsigned: 1, 'unknown-key': 1, 'bad-signature': 1, 'wrong-rmc': 0, stale: 1, replayed: 1 });
  t.match(node.rmc.counts, { messagesIn: 6, prepares: 1, repliesSent: 1 });
  t.end();
});

t.test('a Prepare for other RMCs, a command not handled yet, and bytes that are no rollout message: no answer, counted', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  node.handle(signMessage(prepare(1, { scheme: ReplyScheme.IMMEDIATE }, [{ firstRmcId: 100, count: 5 }]), manager, NOW), MANAGER);
  node.handle(signMessage({ type: MessageType.PAUSE, rolloutId: 7, rmcId: 5, sequence: 2, body: {} }, manager, NOW), MANAGER);
  node.handle(Buffer.from('0102', 'hex'), MANAGER);
  t.equal(sent.length, 0);
  t.match(node.rmc.counts, { messagesIn: 2, notTargeted: 1, unhandled: 1, malformed: 1 });
  t.end();
});

t.test('close cancels the answers still waiting', (t) => {
  const clock = new ManualClock(NOW);
  const { node, sent } = rmcAt(clock);
  node.handle(signMessage(prepare(1, { scheme: ReplyScheme.OCTET_SUM }), manager, NOW), MANAGER);
  t.equal(clock.pending, 1);
  node.close();
  clock.advance(1000);
  t.equal(sent.length, 0);
  t.end();
});

t.test('the broadcast listener hands a Prepare to the RMCs it targets, a message for one RMC to that one', (t) => {
  const clock = new ManualClock(NOW);
  const rmcs = [rmcAt(clock, 1, '127.3.0.1'), rmcAt(clock, 2, '127.3.0.2'), rmcAt(clock, 3, '127.3.0.3')];
  const listener = new RmcBroadcastListener(rmcs.map((r) => r.node), clock);
  listener.handle(signMessage(prepare(1, { scheme: ReplyScheme.IMMEDIATE }, [{ firstRmcId: 2, count: 5 }]), manager, NOW), MANAGER);
  t.same(rmcs.map((r) => r.sent.length), [0, 1, 1]);
  t.same(rmcs.map((r) => r.node.rmc.counts.messagesIn), [0, 1, 1], 'RMC 1 never saw it');
  t.same(rmcs.slice(1).map((r) => decodeMessage(r.sent[0].bytes).rmcId), [2, 3], 'each answers as itself, through its own socket');
  listener.handle(signMessage({ type: MessageType.POLL, rolloutId: 7, rmcId: 1, sequence: 2, body: { attempt: 1, ...prepareBody({ scheme: 0 }) } }, manager, NOW), MANAGER);
  t.same(rmcs.map((r) => r.sent.length), [1, 1, 1], 'a Poll for RMC 1 reaches RMC 1 alone');
  listener.handle(signMessage(prepare(3, { scheme: 0 }, [{ firstRmcId: 50, count: 1 }]), manager, NOW), MANAGER);
  listener.handle(Buffer.from('not a rollout message'), MANAGER);
  t.same(listener.counts, { datagramsIn: 4, malformed: 1, unmatched: 1 });
  t.end();
});
