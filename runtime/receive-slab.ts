// A socket's reads go one after another into a slab (net.Socket `onread` with a buffer function) instead of a fresh
// 64 KiB buffer each, while the messages are long (SLAB_FROM and more, e.g. 1 MiB READs' data): bytes that arrive in
// several reads lie side by side in memory, so a framer can take a message that spans them as one view instead of
// joining copies, and one read takes whatever the kernel holds up to the slab's free room. Each chunk is a view of the slab, never overwritten: the slab is freed once no view is left.
import type { Socket } from 'node:net';

/** The least room a read is given (Node's own read size), and what a new slab holds past the largest message. */
const MIN_ROOM = 64 * 1024;
/**
 * Messages shorter than this are read as Node reads them: into one buffer shared by every connection (Node reads
 * into it and calls back at once), each read copied out at its own length, so nothing is kept between reads. A slab
 * stays with its connection between reads, which for 120 KiB READs (what a Linux host sends) cost more memory
 * (1,000 hosts reading: +150 MB) than the one join of each READ's data it saves (about a tenth of the host's CPU);
 * and a 64 KiB buffer a read, kept by its bytes until they are used, cost 1,000 hosts a third of their throughput.
 */
export const SLAB_FROM = 256 * 1024;
/** Where every connection's short-message reads go, each copied out before the next read. */
const SHARED_ROOM = Buffer.allocUnsafe(MIN_ROOM);
const EMPTY = Buffer.allocUnsafe(0);

export class ReceiveSlab {
  private slab = EMPTY;
  private used = 0;
  /** The last room() was the shared one (short messages). */
  private shared = false;
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
    if (need < SLAB_FROM) {
      this.shared = true;
      this.slab = EMPTY; // back to short messages: a slab kept here would only hold memory
      this.used = 0;
      return SHARED_ROOM;
    }
    this.shared = false;
    if (this.slab.length - this.used < need) {
      this.slab = Buffer.allocUnsafe(need + MIN_ROOM);
      this.used = 0;
    }
    return this.slab.subarray(this.used);
  }

  /** The `n` bytes the last read put at the start of room(), as a view; the room moves past them. */
  took(n: number): Buffer {
    if (this.shared) return Buffer.from(SHARED_ROOM.subarray(0, n)); // the next read, any connection's, writes over it
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
