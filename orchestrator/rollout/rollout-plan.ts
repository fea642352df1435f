// What RolloutManager.start checks and stores (README "The exchange after the prepare round"; issue 11, "Bad
// input"): the image must be an HPM.1 file whose header checksum and MD5 hold (protocols/ipmi/hpm-image.ts) and that
// brings a firmware version; the flash time must not be in the past; the RMCs must make a Prepare's target ranges
// and be in no live rollout. Every refusal is a typed error (rollout-errors.ts), raised before anything is stored.
// The manifest is built from the image's own header and signed with the manager's key.
import { createHash, randomBytes } from 'node:crypto';
import { decodeHpmImage, type HpmImage } from '../../protocols/ipmi/hpm-image.js';
import { DecodeError } from '../../protocols/errors.js';
import { parseIpv4 } from '../../protocols/ipv4.js';
import { ALL_RMCS } from '../../protocols/rollout/header.js';
import type { SigningKey } from '../../protocols/rollout/keys.js';
import { MAX_IMAGE_NAME_BYTES, signManifest } from '../../protocols/rollout/manifest.js';
import { MAX_RACK_NAME_BYTES } from '../../protocols/rollout/prepare-reply.js';
import { ReplyScheme, type ReplySchemeParams } from '../../protocols/rollout/prepare.js';
import type { NewRollout, RolloutStore } from '../store/rollout-store.js';
import type { RolloutPlan } from '../store/run-records.js';
import { FlashTimeInPastError, InvalidImageError, InvalidPlanError, RmcsBusyError } from './rollout-errors.js';
import { rankSlotSchemeFor, windowSchemeFor } from './reply-window.js';
import { targetRanges } from './target-ranges.js';

export interface RolloutRmc { rmcId: number; address: string; rackName: string }

export interface StartRequest {
  /** The HPM.1 upgrade image file. */
  image: Buffer;
  /** When the RMCs flash their BMCs, ms since the Unix epoch. */
  flashTimeMs: number;
  /** In plan order. */
  rmcs: readonly RolloutRmc[];
  /**
   * A scheme with its parameter, or a scheme alone (the manager sizes its parameter from the RMC count and the reply
   * rate it measured: reply-window.ts). Default: rank slots, sized so (the congestion benchmark's best).
   */
  replyScheme?: ReplySchemeParams | ReplyScheme;
  /** BMCs each RMC flashes at once. Default 8. */
  concurrency?: number;
  /** A BMC not done this long after its upgrade began has failed. Default 10 minutes. */
  bmcTimeoutMs?: number;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_BMC_TIMEOUT_MS = 10 * 60_000;

function parseImage(file: Buffer): HpmImage {
  let image: HpmImage;
  try {
    image = decodeHpmImage(file);
  } catch (err) {
    if (err instanceof DecodeError) throw new InvalidImageError(`not a usable HPM.1 image: ${err.message}`);
    throw err;
  }
  if (image.firmwareVersion === null) throw new InvalidImageError('the HPM.1 image brings no firmware version (its header\'s revision is unset)');
  if (file.length > 0xffff_ffff) throw new InvalidImageError('an image is at most 4 GiB');
  return image;
}

function checkRmcs(rmcs: readonly RolloutRmc[]): void {
  if (rmcs.length === 0) throw new InvalidPlanError('a rollout needs at least one RMC');
  const seen = new Set<number>();
  for (const m of rmcs) {
    if (!Number.isInteger(m.rmcId) || m.rmcId < 0 || m.rmcId >= ALL_RMCS) throw new InvalidPlanError(`RMC ID ${m.rmcId} is not 0..${ALL_RMCS - 1}`);
    if (seen.has(m.rmcId)) throw new InvalidPlanError(`RMC ${m.rmcId} is listed twice`);
    seen.add(m.rmcId);
    try { parseIpv4(m.address); } catch { throw new InvalidPlanError(`RMC ${m.rmcId}: ${m.address} is not an IPv4 address`); }
    if (Buffer.byteLength(m.rackName, 'utf8') > MAX_RACK_NAME_BYTES) throw new InvalidPlanError(`RMC ${m.rmcId}: a rack name is at most ${MAX_RACK_NAME_BYTES} bytes`);
  }
  try { targetRanges(rmcs.map((m) => m.rmcId)); } catch (err) {
    if (err instanceof RangeError) throw new InvalidPlanError(err.message);
    throw err;
  }
}

function checkInteger(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidPlanError(`${what} must be an integer ${min}..${max}, got ${value}`);
}

function replySchemeOf(req: StartRequest, store: Pick<RolloutStore, 'setting'>): ReplySchemeParams {
  const r = req.replyScheme ?? ReplyScheme.RANK_SLOTS;
  if (typeof r !== 'number') return r;
  switch (r) {
    case ReplyScheme.IMMEDIATE: case ReplyScheme.OCTET_SUM: return { scheme: r };
    case ReplyScheme.WINDOW: return windowSchemeFor(req.rmcs.length, store);
    case ReplyScheme.RANK_SLOTS: return rankSlotSchemeFor(store);
    default: throw new InvalidPlanError(`unknown reply scheme ${r as number}`);
  }
}

function checkReplyScheme(r: ReplySchemeParams): void {
  switch (r.scheme) {
    case ReplyScheme.IMMEDIATE: case ReplyScheme.OCTET_SUM: return;
    case ReplyScheme.WINDOW: checkInteger(r.windowUs, 1, 0xffff_ffff, 'the reply window (µs)'); return;
    case ReplyScheme.RANK_SLOTS: checkInteger(r.slotUs, 1, 0xffff_ffff, 'the reply slot (µs)'); return;
    default: throw new InvalidPlanError(`unknown reply scheme ${(r as { scheme: unknown }).scheme}`);
  }
}

/** Checks a start request against the store at `nowMs`, and returns what to store (nothing is stored here). */
export function planRollout(req: StartRequest, nowMs: number, key: SigningKey, store: Pick<RolloutStore, 'heldRmcs' | 'setting'>): { rollout: NewRollout; plan: RolloutPlan } {
  const hpm = parseImage(req.image);
  checkInteger(req.flashTimeMs, 0, Number.MAX_SAFE_INTEGER, 'the flash time');
  if (req.flashTimeMs < nowMs) throw new FlashTimeInPastError(req.flashTimeMs, nowMs);
  const concurrency = req.concurrency ?? DEFAULT_CONCURRENCY;
  const bmcTimeoutMs = req.bmcTimeoutMs ?? DEFAULT_BMC_TIMEOUT_MS;
  checkInteger(concurrency, 1, 0xffff, 'concurrency');
  checkInteger(bmcTimeoutMs, 1, 0xffff_ffff, 'the BMC timeout');
  checkRmcs(req.rmcs);
  const reply = replySchemeOf(req, store);
  checkReplyScheme(reply);
  const held = store.heldRmcs(req.rmcs.map((m) => m.rmcId));
  if (held.length > 0) throw new RmcsBusyError(held);
  const version = hpm.firmwareVersion!;
  const imageSha256 = createHash('sha256').update(req.image).digest();
  const name = `firmware ${version.major}.${String(version.minor).padStart(2, '0')}`.slice(0, MAX_IMAGE_NAME_BYTES);
  const manifest = signManifest({
    imageSize: req.image.length, imageSha256, manufacturerId: hpm.manufacturerId, productId: hpm.productId, deviceId: hpm.deviceId,
    firmware: { major: version.major, minor: version.minor, aux: Buffer.from(version.aux).readUInt32BE(0) }, createdAtMs: nowMs, name,
  }, key);
  return {
    rollout: {
      createdAtMs: nowMs, nonce: randomBytes(16), imageSize: req.image.length, imageSha256, flashTimeMs: req.flashTimeMs,
      reply, targets: req.rmcs.map(({ rmcId, address }) => ({ rmcId, address })),
    },
    plan: { concurrency, bmcTimeoutMs, image: req.image, manifest, rackNames: req.rmcs.map((m) => m.rackName) },
  };
}
