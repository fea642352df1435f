// What the congestion bench (congestion.bench.ts) asks its manager process (congestion-manager.ts) to run, and
// what it gets back.
import type { ReplySchemeParams } from '../protocols/rollout/prepare.js';
import type { RmcTarget } from '../orchestrator/store/rollout-store.js';

export const SCHEMES = ['burst', 'octet-sum', 'window', 'rank', 'poll'] as const;
export type Scheme = typeof SCHEMES[number];

export interface RunSpec {
  scheme: Scheme;
  /** The RMCs, in plan order. */
  targets: RmcTarget[];
  /** SO_RCVBUF asked for the manager's socket, or null for the system default. */
  rcvbufBytes: number | null;
  /** R to size the window and the rank slot with (the store's reply rate is set to it first), or null: the store's. */
  replyRate: number | null;
  rmcPort: number;
  broadcastAddress: string;
  bindAddress: string;
  /** Poll rounds (or Polls to one RMC, for the poll scheme) before an RMC is declared missing. */
  maxPolls: number;
  /** The prepare round's wait after the scheme's longest delay, and its wait after each Poll round. */
  marginMs: number;
  pollTimeoutMs: number;
  /** The poll scheme's k. */
  pollConcurrency: number;
}

export interface RunResult {
  /** The rate R (replies/s) the store held when the run began: the last burst's drain rate. */
  replyRate: number;
  /** What the Prepare carried. */
  reply: ReplySchemeParams;
  /** The rate this run's own replies came at, when it was a burst. */
  measuredRate: number | null;
  answered: number;
  missing: number;
  /** Answered the broadcast (or, for the poll scheme, their first Poll). */
  firstRound: number;
  /** The broadcast, then Poll rounds, up to the last answer; null when some RMC never answered. */
  rounds: number | null;
  timeToAllMs: number | null;
  datagramsIn: number;
  /** Polls sent (every unicast). */
  polls: number;
  /** Arrivals by ms since the first send: [ms, count] for each ms with any. */
  arrivals: [number, number][];
  kernel: { rcvbufErrors: number; socketDrops: number | null; softnetDrops: number; readerDrops: number };
  /** SO_RCVBUF as the kernel set it (it doubles what is asked). */
  effectiveRcvbuf: number;
  /** The nice the manager's reader thread got (READER_NICE when allowed). */
  readerNice: number | null;
  /**
   * The manager's event loop over the run: its longest delay (ms), the longest before the first Poll, the 99th
   * percentile, and the share of the time it was busy.
   */
  managerLoop: { maxDelayMs: number; firstRoundMaxDelayMs: number; p99DelayMs: number; utilisation: number };
  /** CPU the manager's process (its reader thread included) spent from the broadcast to the end of the round, ms. */
  managerCpuMs: number;
}
