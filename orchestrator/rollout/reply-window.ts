// The window reply scheme sized for a rollout (README "The rollout protocol", Prepare): W from the number of RMCs
// N and the reply rate R the manager measured in its last burst round (the store's REPLY_RATE_SETTING),
// protocols/rollout/reply-delay.ts windowUsFor. Until one was measured, R is a conservative guess.
import { ReplyScheme, type ReplySchemeParams } from '../../protocols/rollout/prepare.js';
import { windowUsFor } from '../../protocols/rollout/reply-delay.js';
import type { RolloutStore } from '../store/rollout-store.js';
import { REPLY_RATE_SETTING } from './prepare-round.js';

/** Replies/s assumed before any burst round measured it: well under what one Node process drains on loopback. */
export const ASSUMED_REPLY_RATE = 10_000;

export function windowSchemeFor(rmcCount: number, store: Pick<RolloutStore, 'setting'>): ReplySchemeParams {
  const rate = store.setting(REPLY_RATE_SETTING) ?? ASSUMED_REPLY_RATE;
  return { scheme: ReplyScheme.WINDOW, windowUs: windowUsFor(rmcCount, rate) };
}

/**
 * The rank-slots scheme for a rollout: one reply per slot, the slot the window's share of one reply (W / N, so replies
 * come at the same 0.8 R the window aims at), from the reply rate the manager measured (or assumed). The congestion
 * benchmark measured it the best of the schemes (README "Broadcast replies"): the rollout's default.
 */
export function rankSlotSchemeFor(store: Pick<RolloutStore, 'setting'>): ReplySchemeParams {
  const rate = store.setting(REPLY_RATE_SETTING) ?? ASSUMED_REPLY_RATE;
  return { scheme: ReplyScheme.RANK_SLOTS, slotUs: windowUsFor(1, rate) };
}
