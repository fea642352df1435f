// When an RMC answers a Prepare: the reply schemes of README "The rollout protocol" (Prepare, Poll) as pure
// functions of the RMC (its ID and IPv4 address) and the Prepare's parameters. Delays are in µs; an RMC's timer
// rounds them to what it can do. A Poll is answered at once, whatever the scheme.
//
//   immediate   0: every RMC at once (the "burst")
//   octet sum   Tde = a + b + c + d ms for the address a.b.c.d: 0 to 1,020 ms, at most 1,021 distinct slots
//   window      uniform in [0, W): the first 48 bits of SHA-256(nonce || rmcId as 4 bytes big-endian), scaled to W
//   rank slots  rank x slot width: rank = the RMC's place among the Prepare's target ranges, in order
import { hash } from 'node:crypto';
import { parseIpv4 } from '../ipv4.js';
import { ReplyScheme, type Prepare, type RmcRange } from './prepare.js';

export interface RmcIdentity { rmcId: number; address: string }

export function octetSumDelayUs(address: string): number {
  const n = parseIpv4(address);
  const [a, b, c, d] = [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return (a + b + c + d) * 1000;
}

/** 2^48: the window scheme's hash value is a 48-bit fraction of W (exact in a double). */
const TWO_POW_48 = 2 ** 48;

/** nonce || rmcId, reused (a shard works out thousands of delays at once), sized to the nonce. */
let hashInput = Buffer.alloc(20);

export function windowDelayUs(rmcId: number, nonce: Uint8Array, windowUs: number): number {
  if (hashInput.length !== nonce.length + 4) hashInput = Buffer.alloc(nonce.length + 4);
  hashInput.set(nonce);
  hashInput.writeUInt32BE(rmcId, nonce.length);
  // crypto.hash (Node 20.12+, and package.json asks 20.15): one call, no Hash object per RMC
  const h = hash('sha256', hashInput, 'buffer');
  return Math.floor((h.readUIntBE(0, 6) / TWO_POW_48) * windowUs);
}

/** The RMC's place among the targets (0 for the first ID of the first range), or null when not targeted. */
export function rankOf(rmcId: number, targets: readonly RmcRange[]): number | null {
  let before = 0;
  for (const { firstRmcId, count } of targets) {
    if (rmcId >= firstRmcId && rmcId - firstRmcId < count) return before + (rmcId - firstRmcId);
    before += count;
  }
  return null;
}

/** How long this RMC waits before answering the Prepare, µs; null when the rollout does not target it. */
export function replyDelayUs(p: Pick<Prepare, 'nonce' | 'reply' | 'targets'>, rmc: RmcIdentity): number | null {
  const rank = rankOf(rmc.rmcId, p.targets);
  if (rank === null) return null;
  switch (p.reply.scheme) {
    case ReplyScheme.IMMEDIATE: return 0;
    case ReplyScheme.OCTET_SUM: return octetSumDelayUs(rmc.address);
    case ReplyScheme.WINDOW: return windowDelayUs(rmc.rmcId, p.nonce, p.reply.windowUs);
    case ReplyScheme.RANK_SLOTS: return rank * p.reply.slotUs;
  }
}

/**
 * The window W for `expectedReplies` RMCs when the manager collects `repliesPerSecond` (its measured rate R),
 * filling `utilisation` of it so bursts of the random arrivals fit: W = N / (utilisation x R).
 */
export function windowUsFor(expectedReplies: number, repliesPerSecond: number, utilisation = 0.8): number {
  if (!(repliesPerSecond > 0) || !(utilisation > 0 && utilisation <= 1)) throw new RangeError('a positive rate and a utilisation in (0, 1]');
  return Math.max(1, Math.ceil((expectedReplies / (utilisation * repliesPerSecond)) * 1e6));
}
