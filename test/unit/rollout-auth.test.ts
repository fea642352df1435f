// The manager's Ed25519 signatures on commands and on the image manifest, and the RMC's command verifier: what it
// accepts, and each reason it rejects (unsigned, unknown key, bad signature, wrong RMC, stale, replayed) counted.
import t from 'tap';
import { createHash, createPrivateKey } from 'node:crypto';
import { signMessage } from '../../protocols/rollout/auth.js';
import { CommandVerifier, RejectReason } from '../../protocols/rollout/command-verifier.js';
import { ALL_RMCS, AUTH_TRAILER_LENGTH, MessageType } from '../../protocols/rollout/header.js';
import {
  generateManagerKey, keyIdOf, rawPublicKey, signBytes, signingKeyFrom, trustedKeyFromRaw,
} from '../../protocols/rollout/keys.js';
import { decodeManifest, imageMatches, signManifest, verifyManifest, type ManifestFields } from '../../protocols/rollout/manifest.js';
import { decodeMessage, encodeMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';

// RFC 8032 §7.1, TEST 1: the secret key, its public key, and the signature of the empty message.
const RFC_SECRET = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const RFC_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC_SIGNATURE = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
/** PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410). */
const PKCS8_PREFIX = '302e020100300506032b657004220420';

const manager = signingKeyFrom(createPrivateKey({ key: Buffer.from(PKCS8_PREFIX + RFC_SECRET, 'hex'), format: 'der', type: 'pkcs8' }));
const trusted = trustedKeyFromRaw(Buffer.from(RFC_PUBLIC, 'hex'));
const NOW = 1_767_225_600_000;

const image = Buffer.from('an HPM.1 image, for the test');
const prepare = {
  nonce: new Uint8Array(16).fill(1), imageSize: image.length, imageSha256: createHash('sha256').update(image).digest(), manufacturerId: 32473, productId: 1,
  flashTimeMs: NOW + 3_600_000, reply: { scheme: ReplyScheme.IMMEDIATE } as const, targets: [{ firstRmcId: 0, count: 100 }],
};
const prepareMessage = (sequence: number, rolloutId = 7): RolloutMessage => ({ type: MessageType.PREPARE, rolloutId, rmcId: ALL_RMCS, sequence, body: prepare });
const flashMessage = (rmcId: number, sequence: number): RolloutMessage => ({
  type: MessageType.FLASH, rolloutId: 7, rmcId, sequence, body: { flashTimeMs: NOW + 3_600_000, concurrency: 4, bmcTimeoutMs: 300_000 },
});

t.test('keys: RFC 8032 test 1 through node:crypto, key IDs from the raw public key', (t) => {
  t.equal(rawPublicKey(createPrivateKey({ key: Buffer.from(PKCS8_PREFIX + RFC_SECRET, 'hex'), format: 'der', type: 'pkcs8' })).toString('hex'), RFC_PUBLIC);
  t.equal(signBytes(manager, new Uint8Array(0)).toString('hex'), RFC_SIGNATURE);
  t.equal(Buffer.from(manager.keyId).toString('hex'), createHash('sha256').update(Buffer.from(RFC_PUBLIC, 'hex')).digest('hex').slice(0, 16));
  t.same(trusted.keyId, manager.keyId);
  const fresh = generateManagerKey();
  t.same(fresh.signing.keyId, keyIdOf(fresh.rawPublicKey));
  t.throws(() => trustedKeyFromRaw(new Uint8Array(31)), RangeError);
  t.end();
});

t.test('signMessage: the trailer holds key ID, timestamp and a signature over everything before it', (t) => {
  const bytes = signMessage(prepareMessage(1), manager, NOW);
  const unsigned = encodeMessage(prepareMessage(1));
  t.equal(bytes.length, unsigned.length + AUTH_TRAILER_LENGTH);
  t.equal(bytes[1], 0x81, 'type byte with the SIGNED bit');
  t.equal(bytes.readUInt16BE(2), bytes.length);
  t.same(bytes.subarray(4, unsigned.length), unsigned.subarray(4), 'same envelope and body');
  const m = decodeMessage(bytes);
  t.match(m.auth, { timestampMs: NOW });
  t.same(m.auth!.keyId, manager.keyId);
  t.equal(m.auth!.signedBytes.length, bytes.length - 64);
  t.equal(bytes.subarray(-72, -64).readBigUInt64BE(), BigInt(NOW));
  t.same(m.body, prepare);
  t.end();
});

t.test('the verifier accepts a fresh, signed command for this RMC or all, once', (t) => {
  const v = new CommandVerifier({ rmcId: 5, trustedKeys: [trusted] });
  t.same(v.check(decodeMessage(signMessage(prepareMessage(1), manager, NOW)), NOW + 500), { ok: true }, 'broadcast Prepare');
  t.same(v.check(decodeMessage(signMessage(flashMessage(5, 2), manager, NOW)), NOW), { ok: true }, 'Flash for RMC 5');
  const reply: RolloutMessage = {
    type: MessageType.PREPARE_REPLY, rolloutId: 7, rmcId: 5, sequence: 1,
    body: { readiness: Readiness.READY, address: '127.2.0.5', bmcCount: 40, manufacturerId: 32473, productId: 1, replyDelayUs: 0, rackName: 'r5' },
  };
  t.same(v.check(decodeMessage(encodeMessage(reply)), NOW), { ok: true }, 'an RMC message is not a command: nothing to check');
  t.equal(v.accepted, 2);
  t.end();
});

t.test('the verifier rejects, and counts, each kind of bad command', (t) => {
  const v = new CommandVerifier({ rmcId: 5, trustedKeys: [trusted], windowMs: 60_000 });
  const reject = (bytes: Buffer, now: number, reason: RejectReason, what: string) => t.same(v.check(decodeMessage(bytes), now), { ok: false, reason }, what);

  reject(encodeMessage(prepareMessage(1)), NOW, RejectReason.UNSIGNED, 'unsigned');
  reject(signMessage(prepareMessage(2), generateManagerKey().signing, NOW), NOW, RejectReason.UNKNOWN_KEY, 'signed by another key');
  const other = generateManagerKey();
  reject(signMessage(prepareMessage(3), { ...other.signing, keyId: manager.keyId }, NOW), NOW, RejectReason.BAD_SIGNATURE, 'another key claiming our key ID');
  const tampered = signMessage(flashMessage(5, 4), manager, NOW);
  tampered[24] ^= 0x01; // the concurrency
  reject(tampered, NOW, RejectReason.BAD_SIGNATURE, 'a changed body');
  const forgedSignature = signMessage(flashMessage(5, 5), manager, NOW);
  forgedSignature[forgedSignature.length - 1] ^= 0x80;
  reject(forgedSignature, NOW, RejectReason.BAD_SIGNATURE, 'a changed signature');
  reject(signMessage(flashMessage(6, 6), manager, NOW), NOW, RejectReason.WRONG_RMC, 'a Flash for RMC 6 replayed to RMC 5');
  reject(signMessage(prepareMessage(7), manager, NOW - 60_001), NOW, RejectReason.STALE, 'signed 60.001 s ago');
  reject(signMessage(prepareMessage(8), manager, NOW + 60_001), NOW, RejectReason.STALE, 'signed 60.001 s ahead');

  const good = signMessage(prepareMessage(100), manager, NOW);
  t.same(v.check(decodeMessage(good), NOW), { ok: true });
  reject(good, NOW + 1000, RejectReason.REPLAYED, 'the same datagram again');
  t.same(v.check(decodeMessage(signMessage(prepareMessage(70), manager, NOW)), NOW), { ok: true }, '30 behind, unseen: late, not replayed');
  reject(signMessage(prepareMessage(69), manager, NOW), NOW, RejectReason.REPLAYED, '31 behind: too far back to tell');
  t.same(v.check(decodeMessage(signMessage(prepareMessage(50_100), manager, NOW)), NOW), { ok: true }, 'a jump of 50,000 (the Polls went to others)');
  t.same(v.check(decodeMessage(signMessage(prepareMessage(100, 8), manager, NOW)), NOW), { ok: true }, 'the same sequence in another rollout');

  t.same(v.rejected, { unsigned: 1, 'unknown-key': 1, 'bad-signature': 3, 'wrong-rmc': 1, stale: 2, replayed: 2 });
  t.equal(v.accepted, 4);
  t.end();
});

t.test('bounded memory: a rollout dropped from the table cannot be replayed; a restart sets a floor', (t) => {
  const v = new CommandVerifier({ rmcId: 5, trustedKeys: [trusted], maxRollouts: 2 });
  const first = signMessage(prepareMessage(1, 1), manager, NOW);
  t.ok(v.check(decodeMessage(first), NOW).ok);
  t.ok(v.check(decodeMessage(signMessage(prepareMessage(1, 2), manager, NOW + 10)), NOW + 10).ok);
  t.ok(v.check(decodeMessage(signMessage(prepareMessage(1, 3), manager, NOW + 20)), NOW + 20).ok, 'rollout 1 is dropped');
  t.same(v.check(decodeMessage(first), NOW + 30), { ok: false, reason: RejectReason.STALE }, 'its old command is refused');
  t.ok(v.check(decodeMessage(signMessage(prepareMessage(2, 1), manager, NOW + 40)), NOW + 40).ok, 'a new command of rollout 1 is not');

  const restarted = new CommandVerifier({ rmcId: 5, trustedKeys: [trusted], notBeforeMs: NOW + 5 });
  t.same(restarted.check(decodeMessage(first), NOW + 30), { ok: false, reason: RejectReason.STALE }, 'signed before the restart');
  t.ok(restarted.check(decodeMessage(signMessage(prepareMessage(9, 1), manager, NOW + 30)), NOW + 30).ok);
  t.end();
});

const fields: ManifestFields = {
  imageSize: image.length, imageSha256: createHash('sha256').update(image).digest(), manufacturerId: 32473, productId: 0x0b0f, deviceId: 0x20,
  firmware: { major: 1, minor: 2, aux: 0x0000_0001 }, createdAtMs: NOW, name: 'bmc-1.02.hpm',
};

t.test('the manifest: signed by the manager, checked by the RMC, bound to the image', (t) => {
  const bytes = signManifest(fields, manager);
  t.equal(bytes.length, 59 + 12 + 72);
  t.equal(bytes.subarray(0, 5).toString('hex'), '010000001c', 'version, then the image size');
  t.equal(bytes.subarray(37, 46).toString('hex'), '00007ed90b0f200102', 'manufacturer 32473, product, device, version 1.02');
  const check = verifyManifest(bytes, [trusted]);
  t.ok(check.ok);
  if (check.ok) t.match(check.manifest, { name: 'bmc-1.02.hpm', firmware: { major: 1, minor: 2, aux: 1 } });
  t.same(verifyManifest(bytes, [trustedKeyFromRaw(generateManagerKey().rawPublicKey)]), { ok: false, reason: 'unknown-key' });
  const changed = Buffer.from(bytes);
  changed[45] = 3; // claims 1.03
  t.same(verifyManifest(changed, [trusted]), { ok: false, reason: 'bad-signature' });
  t.ok(imageMatches(decodeManifest(bytes), image));
  t.notOk(imageMatches(decodeManifest(bytes), Buffer.concat([image, Buffer.of(0)])), 'a longer image');
  const flipped = Buffer.from(image);
  flipped[0] ^= 1;
  t.notOk(imageMatches(decodeManifest(bytes), flipped), 'a corrupted image');
  t.end();
});

t.test('a malformed manifest is a DecodeError, inside an Image Offer too (offsets from the message start)', (t) => {
  const bytes = signManifest(fields, manager);
  const withByte = (at: number, v: number) => { const b = Buffer.from(bytes); b[at] = v; return b; };
  t.throws(() => decodeManifest(withByte(0, 2)), { code: 'ERR_VERSION', offset: 0 });
  t.throws(() => decodeManifest(withByte(37, 1)), { code: 'ERR_RANGE', field: 'manufacturerId', offset: 37 });
  t.throws(() => decodeManifest(withByte(45, 100)), { code: 'ERR_RANGE', field: 'firmware', offset: 44 });
  t.throws(() => decodeManifest(bytes.subarray(0, bytes.length - 1)), { code: 'ERR_TRUNCATED', field: 'signature' });
  t.throws(() => decodeManifest(Buffer.concat([bytes, Buffer.of(0)])), { code: 'ERR_TRAILING' });
  t.throws(() => signManifest({ ...fields, manufacturerId: 0x10_0000 }, manager), RangeError);
  t.throws(() => signManifest({ ...fields, name: 'x'.repeat(65) }, manager), RangeError);

  const offer = (manifest: Uint8Array): RolloutMessage => ({ type: MessageType.IMAGE_OFFER, rolloutId: 7, rmcId: 5, sequence: 3, body: { attempt: 1, chunkSize: 1400, manifest } });
  const signed = signMessage(offer(bytes), manager, NOW);
  const m = decodeMessage(signed);
  t.same(m.body, { attempt: 1, chunkSize: 1400, manifest: bytes });
  t.ok(new CommandVerifier({ rmcId: 5, trustedKeys: [trusted] }).check(m, NOW).ok);
  t.throws(() => decodeMessage(encodeMessage(offer(withByte(37, 1)))), { code: 'ERR_RANGE', field: 'manufacturerId', offset: 16 + 5 + 37 });
  const chunkSize = encodeMessage(offer(bytes));
  chunkSize.writeUInt16BE(0, 17);
  t.throws(() => decodeMessage(chunkSize), { code: 'ERR_RANGE', field: 'chunkSize', offset: 17 });
  t.end();
});
