// One budget of bytes for every message half-received at once (RFC 4171 §5.2: a message may span PDUs, so a
// receiver holds the first ones until the last comes), shared by the Reassemblers of all connections and UDP
// peers of a server. Each Reassembler keeps its own limits (partial messages, bytes per message); the budget
// bounds their sum. When a PDU would go over it, the other partial messages held longest, whoever holds them,
// are dropped first; a message that does not fit even alone is dropped itself. Pure bookkeeping.

interface Held {
  bytes: number;
  /** Removes the message from its Reassembler (the budget has already let go of its bytes). */
  drop(): void;
}

export class ReassemblyBudget {
  readonly maxBytes: number;
  private held = 0;
  /** Partial messages holding bytes, in the order they first took some: oldest first. */
  private readonly messages = new Map<object, Held>();
  private readonly onDropped: () => void;
  /** Partial messages dropped to make room. */
  dropped = 0;

  /** `onDropped` hears of each partial message dropped to make room for another's bytes. */
  constructor(maxBytes: number, onDropped: () => void = () => {}) {
    this.maxBytes = maxBytes;
    this.onDropped = onDropped;
  }

  /** Bytes held by all partial messages. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Takes `bytes` more for the partial message `message` (any object that stands for it), dropping the
   * oldest other partial messages as needed. False when it does not fit even with all others gone: then it
   * holds nothing here any more, and the caller drops it.
   */
  take(message: object, bytes: number, drop: () => void): boolean {
    while (this.held + bytes > this.maxBytes) {
      const oldest = this.oldestOtherThan(message);
      if (oldest === null) {
        this.release(message); // nothing else left to drop: it does not fit on its own
        return false;
      }
      const h = this.messages.get(oldest)!;
      this.release(oldest);
      h.drop();
      this.dropped++;
      this.onDropped();
    }
    const h = this.messages.get(message);
    if (h) h.bytes += bytes;
    else this.messages.set(message, { bytes, drop });
    this.held += bytes;
    return true;
  }

  private oldestOtherThan(message: object): object | null {
    for (const m of this.messages.keys()) if (m !== message) return m;
    return null;
  }

  /** Gives back the bytes of `message` (completed, failed, expired or cleared). */
  release(message: object): void {
    const h = this.messages.get(message);
    if (!h) return;
    this.messages.delete(message);
    this.held -= h.bytes;
  }
}
