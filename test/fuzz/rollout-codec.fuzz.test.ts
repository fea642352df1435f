// Fuzzes the rollout protocol's decoders (protocols/rollout/) with random buffers and mutations of real messages of
// every type (signed and unsigned, an Image Offer with its manifest, a full-size chunk): each call must return a
// value or throw a DecodeError with sane fields, and whatever decodes must re-encode and decode again equal. The
// TCP stream reader must hand out only whole messages and hold less than one. Seed: FUZZ_SEED; inputs: FUZZ_ITERATIONS.
import t from 'tap';
import { createHash } from 'node:crypto';
import { signMessage } from '../../protocols/rollout/auth.js';
import { ALL_RMCS, HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType, readHeader } from '../../protocols/rollout/header.js';
import { generateManagerKey } from '../../protocols/rollout/keys.js';
import { decodeManifest, signManifest } from '../../protocols/rollout/manifest.js';
import { decodeMessage, encodeMessage, type DecodedMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import { RolloutStreamReader } from '../../protocols/rollout/stream.js';
import { chunkCrc } from '../../protocols/rollout/transfer.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import { DecodeError } from '../../protocols/errors.js';
import {
  FailureLog, Rng, decodeErrorProblem, fuzzDecoder, fuzzIterations, fuzzSeed, hex, mutate, sameValue, seedHex, valueProblem,
} from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(20_000);
const NOW = 1_767_225_600_000;

const key = generateManagerKey().signing;
const manifest = signManifest({
  imageSize: 4096, imageSha256: createHash('sha256').update('image').digest(), manufacturerId: 32473, productId: 1, deviceId: 0x20,
  firmware: { major: 1, minor: 2, aux: 0 }, createdAtMs: NOW, name: 'bmc-1.02.hpm',
}, key);
const prepare = {
  nonce: new Uint8Array(16).fill(7), imageSize: 4096, imageSha256: new Uint8Array(32).fill(0xaa), manufacturerId: 32473, productId: 1, flashTimeMs: NOW,
  reply: { scheme: ReplyScheme.WINDOW, windowUs: 250_000 } as const, targets: [{ firstRmcId: 0, count: 40 }, { firstRmcId: 1000, count: 2 }],
};
const env = { rolloutId: 7, rmcId: 5, sequence: 3 };
const entries = [
  { address: '127.1.0.1', outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE, firmware: { major: 1, minor: 2 } },
  { address: '127.1.0.2', outcome: BmcOutcome.FAILED, reason: FailureReason.ROLLED_BACK, firmware: { major: 1, minor: 0 } },
];
const MESSAGES: RolloutMessage[] = [
  { ...env, rmcId: ALL_RMCS, type: MessageType.PREPARE, body: prepare },
  { ...env, type: MessageType.POLL, body: { attempt: 2, ...prepare, reply: { scheme: ReplyScheme.RANK_SLOTS, slotUs: 20 } } },
  { ...env, type: MessageType.PREPARE_REPLY, body: { readiness: Readiness.BUSY, address: '127.2.0.5', bmcCount: 40, manufacturerId: 32473, productId: 2, replyDelayUs: 77, rackName: 'rack-é' } },
  { ...env, type: MessageType.IMAGE_OFFER, body: { attempt: 1, chunkSize: 1400, manifest } },
  { ...env, type: MessageType.IMAGE_CHUNK, body: { offset: 1400, data: Buffer.alloc(300, 0x42) } },
  { ...env, type: MessageType.TRANSFER_ACK, body: { nextOffset: 2800, window: 8 } },
  { ...env, type: MessageType.VERIFY_RESULT, body: { result: VerifyOutcome.OK, imageSha256: new Uint8Array(32).fill(3) } },
  { ...env, type: MessageType.FLASH, body: { flashTimeMs: NOW, concurrency: 8, bmcTimeoutMs: 600_000 } },
  { ...env, type: MessageType.PROGRESS, body: { phase: RackPhase.FLASHING, bmcCount: 40, flashed: 1, skipped: 0, failed: 1, firstIndex: 0, entries } },
  { ...env, type: MessageType.RACK_REPORT, body: { phase: RackPhase.DONE, bmcCount: 2, flashed: 1, skipped: 0, failed: 1, firstIndex: 0, entries } },
  { ...env, type: MessageType.PAUSE, body: {} },
  { ...env, type: MessageType.RESUME, body: {} },
  { ...env, type: MessageType.ABORT, body: {} },
];
const datagrams = [...MESSAGES.map((m) => encodeMessage(m)), ...MESSAGES.map((m) => signMessage(m, key, NOW))];

/** Sets the length field to the input's length and a chunk's CRC to its data's, so mutants get past both checks. */
function fixup(b: Buffer): Buffer {
  if (b.length < 4) return b;
  const out = Buffer.from(b);
  out.writeUInt16BE(Math.min(out.length, MAX_MESSAGE_LENGTH), 2);
  const signed = (out[1] & 0x80) !== 0;
  const end = out.length - (signed ? 80 : 0);
  if ((out[1] & 0x7f) === MessageType.IMAGE_CHUNK && end >= HEADER_LENGTH + 10) out.writeUInt32BE(chunkCrc(out.subarray(HEADER_LENGTH + 10, end)), HEADER_LENGTH + 6);
  return out;
}

const TARGETS = [
  {
    name: 'decodeMessage', seeds: datagrams, fixup, decode: (b: Uint8Array) => decodeMessage(b),
    reencode: (m: DecodedMessage) => encodeMessage(m, m.auth ?? undefined),
  },
  { name: 'decodeManifest', seeds: [manifest], decode: (b: Uint8Array) => decodeManifest(b) },
];

t.test(`rollout decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const rows: string[] = [];
  const seen = new Set<number>();
  for (const tg of TARGETS) {
    const s = fuzzDecoder({ ...tg, decode: (b) => { const v = tg.decode(b); if ('type' in v) seen.add(v.type); return v; } }, root.fork(tg.name), log, {
      iterations: PER_TARGET, corpus: datagrams, check: (v) => valueProblem(v), same: sameValue, errorKind: (e) => e.code,
    });
    rows.push(`  ${tg.name.padEnd(16)} returned ${String(s.returned).padStart(6)}  re-encoded ${String(s.reencoded).padStart(6)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(6)} (${s.decodeErrors.keys().sort().join(' ')})`);
  }
  t.comment(`${TARGETS.length * PER_TARGET} decoder calls, seed ${seedHex(SEED)}\n${rows.join('\n')}`);
  log.report(t, 'rollout decoders');
  t.equal(seen.size, MESSAGES.length, 'mutants of every message type decoded');
  t.end();
});

t.test(`the TCP stream reader hands out whole messages only and holds less than one (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('stream');
  const log = new FailureLog(SEED);
  let out = 0;
  let broken = 0;
  const runs = Math.max(1, Math.floor(PER_TARGET / 10));
  for (let i = 0; i < runs; i++) {
    const parts = Array.from({ length: rng.range(1, 6) }, () => {
      const b = rng.pick(datagrams);
      return rng.bool(0.7) ? b : mutate(rng, b, { corpus: datagrams }).bytes;
    });
    const stream = Buffer.concat(parts);
    const reader = new RolloutStreamReader();
    const fail = (problem: string) => log.add({ target: 'RolloutStreamReader', problem, input: hex(stream), iteration: i });
    try {
      for (let at = 0; at < stream.length;) {
        const n = rng.range(1, 200);
        for (const m of reader.push(stream.subarray(at, at + n))) {
          out++;
          if (readHeader(m).length !== m.length) fail(`a message of ${m.length} bytes says ${readHeader(m).length}`);
        }
        at += n;
        if (reader.buffered > MAX_MESSAGE_LENGTH) fail(`holds ${reader.buffered} bytes`);
      }
    } catch (e) {
      const problem = decodeErrorProblem(e);
      if (problem) fail(problem);
      else if (e instanceof DecodeError) broken++;
    }
  }
  t.comment(`${runs} streams: ${out} messages out, ${broken} broken by a bad header`);
  log.report(t, 'rollout stream reader');
  t.end();
});
