// What both ways of collecting a prepare round (prepare-round.ts, poll-round.ts) do alike: build the Prepare a rollout
// sends (README "The rollout protocol", Prepare) and the Poll that carries it whole, and read a datagram into the
// answer a Prepare Reply leaves in the store, counting what is not one (the rollout machine decodes and counts the
// same way). The Prepare names whom the image is for from the rollout's signed manifest, so the store keeps it once.
import { DecodeError } from '../../protocols/errors.js';
import { signMessage } from '../../protocols/rollout/auth.js';
import { MessageType } from '../../protocols/rollout/header.js';
import type { SigningKey } from '../../protocols/rollout/keys.js';
import { decodeManifest } from '../../protocols/rollout/manifest.js';
import { decodeMessage, type DecodedMessage } from '../../protocols/rollout/message.js';
import type { Prepare, ProductIds } from '../../protocols/rollout/prepare.js';
import { RmcStep, type RmcRecord, type RolloutRecord, type RolloutStore } from '../store/rollout-store.js';
import { targetRanges } from './target-ranges.js';

export type RoundAction =
  | { kind: 'broadcast'; bytes: Buffer }
  | { kind: 'unicast'; rmcId: number; address: string; bytes: Buffer };

/** What the round ignored, by reason (counted since this process loaded the round). */
export interface RoundCounts {
  replies: number;
  /** A second reply from an RMC that had answered. */
  duplicates: number;
  /** A reply from an RMC this rollout does not target. */
  notTargeted: number;
  /** A reply for another rollout. */
  otherRollout: number;
  /** A well-formed message that is not a Prepare Reply, or a reply after the round ended. */
  unexpected: number;
  /** Bytes that do not decode (DecodeError). */
  malformed: number;
}

export function newRoundCounts(): RoundCounts {
  return { replies: 0, duplicates: 0, notTargeted: 0, otherRollout: 0, unexpected: 0, malformed: 0 };
}

/**
 * The Prepare of `rollout` to `rmcs` (its RMCs, plan order). `product`: whom the image is for; by default its signed
 * manifest's IDs. A prepare round alone (createRollout: no manifest) must be given it.
 */
export function prepareOf(store: Pick<RolloutStore, 'run'>, rollout: RolloutRecord, rmcs: readonly RmcRecord[], product?: ProductIds): Prepare {
  const { manufacturerId, productId } = product ?? manifestProduct(store, rollout.id);
  return {
    nonce: rollout.nonce, imageSize: rollout.imageSize, imageSha256: rollout.imageSha256, manufacturerId, productId,
    flashTimeMs: rollout.flashTimeMs, reply: rollout.reply, targets: targetRanges(rmcs.map((m) => m.rmcId)),
  };
}

function manifestProduct(store: Pick<RolloutStore, 'run'>, rolloutId: number): ProductIds {
  const run = store.run(rolloutId);
  if (!run) throw new Error(`rollout ${rolloutId} has no signed manifest: a prepare round alone must be told whom the image is for`);
  return decodeManifest(run.manifest);
}

/** The signed Poll (its `attempt`, then the whole Prepare) of rollout `rolloutId` to `rmc`, as the action that sends it. */
export function pollAction(
  rolloutId: number, rmc: Pick<RmcRecord, 'rmcId' | 'address'>, attempt: number, prepare: Prepare, sequence: number, key: SigningKey, nowMs: number,
): RoundAction {
  const poll = { type: MessageType.POLL, rolloutId, rmcId: rmc.rmcId, sequence, body: { attempt, ...prepare } } as const;
  return { kind: 'unicast', rmcId: rmc.rmcId, address: rmc.address, bytes: signMessage(poll, key, nowMs) };
}

/** The message in `datagram`, or null when it does not decode (counted `malformed`). */
export function decodeCounted(datagram: Uint8Array, counts: { malformed: number }): DecodedMessage | null {
  try {
    return decodeMessage(datagram);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    counts.malformed++;
    return null;
  }
}

/**
 * The RMC a datagram that arrived at `nowMs` answers, with what the store keeps of its answer, when it is a Prepare
 * Reply to rollout `rolloutId`, from one of `rmcs` still silent, while the round takes replies (`open`: started, not
 * done). Anything else is counted in `counts` by why, and null.
 */
export function answeredRmc(
  datagram: Uint8Array, nowMs: number, rolloutId: number, open: boolean, rmcs: ReadonlyMap<number, RmcRecord>, counts: RoundCounts,
): RmcRecord | null {
  const m = decodeCounted(datagram, counts);
  if (!m) return null;
  if (m.type !== MessageType.PREPARE_REPLY || !open) { counts.unexpected++; return null; }
  if (m.rolloutId !== rolloutId) { counts.otherRollout++; return null; }
  const rmc = rmcs.get(m.rmcId);
  if (!rmc) { counts.notTargeted++; return null; }
  if (rmc.step !== RmcStep.SILENT) { counts.duplicates++; return null; }
  counts.replies++;
  const reply = m.body;
  return {
    ...rmc, step: RmcStep.ANSWERED,
    answer: {
      readiness: reply.readiness, bmcCount: reply.bmcCount, rackName: reply.rackName,
      rackProduct: { manufacturerId: reply.manufacturerId, productId: reply.productId }, atMs: nowMs,
    },
  };
}
