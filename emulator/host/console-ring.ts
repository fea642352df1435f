// A bounded ring of console output the script cannot recompute (echoes, login dialogue, command output), each
// with its time and a position in the console's one ordering (see host-console.ts: time * 1024 + k, k >= 1).

export interface RingEntry {
  position: number;
  at: number;
  text: string;
}

/** Entries per millisecond at most; beyond it text joins the millisecond's last entry. */
export const POSITIONS_PER_MS = 1024;

export class ConsoleRing {
  readonly capacity: number;
  /** Allocated at the first push: most hosts never see console input. */
  private entries: (RingEntry | undefined)[] = [];
  private start = 0;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`console ring capacity ${capacity} must be a positive integer`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.count;
  }

  /** Appends `text` at time `at` (never earlier than the last entry); the oldest entry goes when full. */
  push(at: number, text: string): RingEntry {
    const last = this.count > 0 ? this.entries[(this.start + this.count - 1) % this.capacity]! : undefined;
    const t = last && at < last.at ? last.at : at;
    const k = last && last.at === t ? (last.position % POSITIONS_PER_MS) + 1 : 1;
    if (last && k >= POSITIONS_PER_MS) {
      last.text += text;
      return last;
    }
    const entry: RingEntry = { position: t * POSITIONS_PER_MS + k, at: t, text };
    if (this.count < this.capacity) {
      this.entries[(this.start + this.count) % this.capacity] = entry;
      this.count++;
    } else {
      this.entries[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
    return entry;
  }

  /** Entries with position > `after`, oldest first, at most `limit`. */
  since(after: number, limit: number): RingEntry[] {
    const out: RingEntry[] = [];
    for (let i = 0; i < this.count && out.length < limit; i++) {
      const e = this.entries[(this.start + i) % this.capacity]!;
      if (e.position > after) out.push(e);
    }
    return out;
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
    this.count = 0;
  }
}
