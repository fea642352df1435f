// The host console as one contiguous byte stream for the console watcher's OEM commands (ConsoleHistorySource:
// positions are byte offsets). The host console itself numbers chunks by time; this pulls its chunks in order
// into a bounded ring as they are read. Made only for a console that is watched: an unwatched host costs nothing.
import { randomInt } from 'node:crypto';
import type { ConsoleSpan } from '../../protocols/ipmi/oem/console-heartbeat.js';
import type { ConsoleHistorySource } from './commands/oem-console.js';
import type { HostConsole } from '../host/host-console.js';

/** Bytes of console output the BMC keeps per watched console (older bytes are reported as lost to a watcher). */
export const DEFAULT_CONSOLE_RING_BYTES = 64 * 1024;

export class ConsoleByteStream implements ConsoleHistorySource {
  /** Names this numbering: a new stream (BMC restart) starts again at 0 under another ID. */
  readonly streamId = randomInt(1, 0xffffffff);
  private readonly ring: Buffer;
  /** Bytes appended so far: the position after the last byte. */
  private head = 0;
  /** The host console's chunk position pulled so far. */
  private pulled: number;
  private readonly host: HostConsole;

  /** The stream starts with what the host prints from `now` on. */
  constructor(host: HostConsole, now: number, capacity = DEFAULT_CONSOLE_RING_BYTES) {
    this.host = host;
    this.ring = Buffer.alloc(capacity);
    this.pulled = host.positionAt(now);
  }

  /**
   * Up to `maxBytes` from position `from` (clamped into what the ring holds). The data is a view into the
   * ring when it does not wrap: valid until the next read, which is all a synchronous encode needs.
   */
  read(from: number, maxBytes: number, now: number): ConsoleSpan {
    this.catchUp(now);
    const oldest = Math.max(0, this.head - this.ring.length);
    const start = Math.min(Math.max(from, oldest), this.head);
    const length = Math.min(maxBytes, this.head - start);
    const at = start % this.ring.length;
    if (at + length <= this.ring.length) return { streamId: this.streamId, oldest, head: this.head, start, data: this.ring.subarray(at, at + length) };
    const data = Buffer.allocUnsafe(length);
    const first = this.ring.copy(data, 0, at, Math.min(this.ring.length, at + length)); // up to the ring's end
    this.ring.copy(data, first, 0, length - first); // and on from its start, if it wraps
    return { streamId: this.streamId, oldest, head: this.head, start, data };
  }

  private catchUp(now: number): void {
    for (let more = true; more;) {
      const h = this.host.history(this.pulled, now, 500);
      for (const chunk of h.chunks) this.append(Buffer.from(chunk.text, 'latin1') /* one byte a character, as the host console delivers to SOL */);
      this.pulled = h.position;
      more = h.more;
    }
  }

  private append(bytes: Buffer): void {
    const keep = bytes.subarray(Math.max(0, bytes.length - this.ring.length)); // more than the ring holds: the tail
    const at = (this.head + bytes.length - keep.length) % this.ring.length;
    const first = keep.copy(this.ring, at, 0, Math.min(keep.length, this.ring.length - at));
    keep.copy(this.ring, 0, first);
    this.head += bytes.length;
  }
}
