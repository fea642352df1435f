// One Ed25519 check per broadcast datagram in a shard (issue 12): the RMCs of a shard share a SignatureVerdicts, so
// the listener's one decoded Prepare is verified once, while the replay, target and time checks stay per RMC.
import t from 'tap';
import { signMessage } from '../../protocols/rollout/auth.js';
import { CommandVerifier, RejectReason, SignatureVerdicts } from '../../protocols/rollout/command-verifier.js';
import { ALL_RMCS, MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { decodeMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import type { Peer } from '../../protocols/peer.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { RackController } from '../../emulator/rack/rack-controller.js';
import { RmcBroadcastListener } from '../../emulator/rack/rmc-broadcast.js';
import { RmcNode } from '../../emulator/rack/rmc-node.js';

const NOW = 1_767_225_600_000;
const MANAGER: Peer = { address: '127.0.0.1', port: 40000 };
const { signing, rawPublicKey } = generateManagerKey();
const trusted = trustedKeyFromRaw(rawPublicKey);

function prepare(sequence: number, rmcId = ALL_RMCS): RolloutMessage {
  return {
    type: MessageType.PREPARE, rolloutId: 3, rmcId, sequence,
    body: {
      nonce: new Uint8Array(16), imageSize: 1, imageSha256: new Uint8Array(32), manufacturerId: 32473, productId: 1, flashTimeMs: NOW + 60_000,
      reply: { scheme: ReplyScheme.IMMEDIATE }, targets: [{ firstRmcId: 1, count: 100 }],
    },
  };
}

t.test('verifiers sharing verdicts: one verification per decoded message, replay and target checks per RMC', (t) => {
  const signatures = new SignatureVerdicts();
  const [a, b] = [1, 2].map((rmcId) => new CommandVerifier({ rmcId, trustedKeys: [trusted], signatures }));
  const m = decodeMessage(signMessage(prepare(1), signing, NOW));
  t.ok(a.check(m, NOW).ok);
  t.ok(b.check(m, NOW).ok);
  t.equal(signatures.checks, 1, 'the second RMC reused the verdict');
  t.same(a.check(m, NOW), { ok: false, reason: RejectReason.REPLAYED }, 'the same message again is still a replay for each RMC');
  t.same(b.check(m, NOW + 61_000), { ok: false, reason: RejectReason.STALE }, 'and the time check is still each RMC\'s');
  t.equal(signatures.checks, 1);

  const forged = decodeMessage(signMessage(prepare(2), signing, NOW));
  forged.auth!.signature[0] ^= 1;
  t.same(a.check(forged, NOW), { ok: false, reason: RejectReason.BAD_SIGNATURE });
  t.same(b.check(forged, NOW), { ok: false, reason: RejectReason.BAD_SIGNATURE }, 'a bad verdict is shared too');
  t.equal(signatures.checks, 2);

  // the same bytes decoded again are another message: checked again (the verdict is per decoded trailer)
  const again = decodeMessage(signMessage(prepare(4), signing, NOW));
  const copy = decodeMessage(Buffer.from(signMessage(prepare(5), signing, NOW)));
  t.ok(a.check(again, NOW).ok && a.check(copy, NOW).ok);
  t.equal(signatures.checks, 4);
  t.end();
});

t.test('a verdict is bound to the key: a verifier trusting another key object checks for itself', (t) => {
  const signatures = new SignatureVerdicts();
  const other = trustedKeyFromRaw(rawPublicKey);
  const a = new CommandVerifier({ rmcId: 1, trustedKeys: [trusted], signatures });
  const b = new CommandVerifier({ rmcId: 2, trustedKeys: [other], signatures });
  const m = decodeMessage(signMessage(prepare(1), signing, NOW));
  t.ok(a.check(m, NOW).ok && b.check(m, NOW).ok);
  t.equal(signatures.checks, 2);
  t.end();
});

t.test('a shard\'s listener: 50 RMCs answer one broadcast after one signature check', (t) => {
  const clock = new ManualClock(NOW);
  const signatures = new SignatureVerdicts();
  let sent = 0;
  const nodes = Array.from({ length: 50 }, (_, i) => {
    const rmc = new RackController({ rmcId: i + 1, address: `127.9.0.${i + 1}`, rackName: `r${i + 1}`, bmcCount: 1, trustedKeys: [trusted], startedAtMs: NOW - 1000, signatures });
    const node = new RmcNode(rmc, clock);
    node.attach(() => { sent++; });
    return node;
  });
  const listener = new RmcBroadcastListener(nodes, clock);
  listener.handle(signMessage(prepare(1), signing, NOW), MANAGER);
  t.equal(sent, 50, 'every RMC answered');
  t.equal(signatures.checks, 1, 'one Ed25519 verification for the datagram');
  listener.handle(signMessage(prepare(2, 7), signing, NOW), MANAGER);
  t.equal(signatures.checks, 2, 'a message for one RMC: one more');
  t.end();
});
