// A socket's reads go one after another into a slab (net.Socket `onread` with a buffer function) instead of a fresh
// 64 KiB buffer each: bytes that arrive in several reads lie side by side in memory, so a framer can take a message
// that spans them as one view instead of joining copies, and one read takes whatever the kernel holds up to the
// slab's free room. Each chunk is a view of the slab, never overwritten: the slab is freed once no view is left.
import type { Socket } from 'node:net';

/** The least room a read is given (Node's own read size), and what a new slab holds past the largest message. */
const MIN_ROOM = 64 * 1024;

export class ReceiveSlab {
  private slab = Buffer.allocUnsafe(0);
  private used = 0;
  private readonly largestMessage: () => number;

  /** `largestMessage`: the most bytes one message may take now; a read starts only where that many fit. */
  constructor(largestMessage: () => number) {
    this.largestMessage = largestMessage;
  }

  /**
   * Where the next read goes: the free room of this slab, or of a new one when too little is left, with room for the
   * largest message and a read more (not much more: a slab lives as long as any view of it, and each is new memory).
   */
  room(): Buffer {
    const need = Math.max(MIN_ROOM, this.largestMessage());
    if (this.slab.length - this.used < need) {
      this.slab = Buffer.allocUnsafe(need + MIN_ROOM);
      this.used = 0;
    }
    return this.slab.subarray(this.used);
  }

  /** The `n` bytes the last read put at the start of room(), as a view; the room moves past them. */
  took(n: number): Buffer {
    const chunk = this.slab.subarray(this.used, this.used + n);
    this.used += n;
    return chunk;
  }
}

/** net.connect's `onread` option: reads into a ReceiveSlab, each chunk emitted as 'data' as Node would. */
export function slabReads(largestMessage: () => number): { buffer: () => Buffer; callback: (this: Socket, n: number) => boolean } {
  const slab = new ReceiveSlab(largestMessage);
  return {
    buffer: () => slab.room(),
    callback(this: Socket, n: number) {
      this.emit('data', slab.took(n));
      return true; // keep reading, as a 'data' listener does
    },
  };
}
