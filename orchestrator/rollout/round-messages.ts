// What both ways of collecting a prepare round (prepare-round.ts, poll-round.ts) build alike: the Prepare a rollout
// sends (README "The rollout protocol", Prepare; a Poll carries it whole) and the answer a Prepare Reply leaves in the
// store. The Prepare names whom the image is for from the rollout's signed manifest, so the store keeps it once.
import { decodeManifest } from '../../protocols/rollout/manifest.js';
import type { PrepareReply } from '../../protocols/rollout/prepare-reply.js';
import type { Prepare, ProductIds } from '../../protocols/rollout/prepare.js';
import type { RmcAnswer, RmcRecord, RolloutRecord, RolloutStore } from '../store/rollout-store.js';
import { targetRanges } from './target-ranges.js';

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

/** What the store keeps of an RMC's Prepare Reply that arrived at `atMs`. */
export function answerOf(reply: PrepareReply, atMs: number): RmcAnswer {
  return {
    readiness: reply.readiness, bmcCount: reply.bmcCount, rackName: reply.rackName,
    rackProduct: { manufacturerId: reply.manufacturerId, productId: reply.productId }, atMs,
  };
}
