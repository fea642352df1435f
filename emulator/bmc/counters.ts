// Per-BMC counters the fleet reports; a shard's totals are a BmcCounters too (the parent of its BMCs').
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';

/**
 * Requests answered Invalid Command (C1h, IPMI 2.0 §5.2: a command this BMC does not have, or refuses like one, as
 * PICMG probes) are counted in this one bucket, whatever their netFn and command: otherwise a client sweeping netFn/cmd
 * values would add a counter (and a metric series) for each.
 */
export const UNKNOWN_COMMAND = 'unknown';
const UNKNOWN_KEY = -1;

export class BmcCounters {
  datagramsIn = 0;
  datagramsOut = 0;
  /** Dispatched requests by netFn << 16 | cmd << 8 | cc (a number: no string per request; snapshot() names them), C1h ones by UNKNOWN_KEY. */
  readonly requests = new Map<number, number>();
  /** Dropped datagrams by reason. */
  readonly drops = new Map<string, number>();
  /** Serial over LAN (IPMI 2.0 §15, §24.1): payload activations, console packets each way, characters typed to the host. */
  readonly sol: SolCounters = { activations: 0, packetsIn: 0, packetsOut: 0, charactersToHost: 0 };
  /** Also counts into these (a shard's totals), when given. */
  private readonly parent: BmcCounters | null;

  constructor(parent: BmcCounters | null = null) {
    this.parent = parent;
  }

  countIn(): void {
    this.datagramsIn++;
    this.parent?.countIn();
  }

  countOut(): void {
    this.datagramsOut++;
    this.parent?.countOut();
  }

  countRequest(netFn: number, cmd: number, cc: number): void {
    const key = cc === CompletionCode.INVALID_COMMAND ? UNKNOWN_KEY : ((netFn & 0x3f) << 16) | ((cmd & 0xff) << 8) | (cc & 0xff);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.parent?.countRequest(netFn, cmd, cc);
  }

  countDrop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.parent?.countDrop(reason);
  }

  countSol(kind: keyof SolCounters, n = 1): void {
    this.sol[kind] += n;
    this.parent?.countSol(kind, n);
  }

  /** Plain data, for JSON and for crossing to another process. */
  snapshot(): CountersSnapshot {
    return {
      datagramsIn: this.datagramsIn, datagramsOut: this.datagramsOut,
      requests: Object.fromEntries([...this.requests].map(([k, n]) => [k === UNKNOWN_KEY ? UNKNOWN_COMMAND : `${hex(k >> 16)}/${hex((k >> 8) & 0xff)}/${hex(k & 0xff)}`, n])),
      drops: Object.fromEntries(this.drops),
      sol: { ...this.sol },
    };
  }
}

export interface CountersSnapshot {
  datagramsIn: number;
  datagramsOut: number;
  /** By "netFn/cmd/cc" in hex; requests answered C1h under UNKNOWN_COMMAND. */
  requests: Record<string, number>;
  drops: Record<string, number>;
  sol: SolCounters;
}

export interface SolCounters {
  activations: number;
  packetsIn: number;
  packetsOut: number;
  charactersToHost: number;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
