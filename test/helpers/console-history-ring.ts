// A console history for tests of the OEM console commands: the last `capacity` bytes a console printed, with
// positions = byte offsets since the stream began. Implements ConsoleHistorySource (emulator/bmc/commands/oem-console.ts).
import type { ConsoleHistorySource } from '../../emulator/bmc/commands/oem-console.js';
import type { ConsoleSpan } from '../../protocols/ipmi/oem/console-heartbeat.js';

export class ConsoleHistoryRing implements ConsoleHistorySource {
  readonly capacity: number;
  streamId: number;
  /** Position after the last byte printed. */
  head = 0;
  private buf: Buffer;
  /** Calls to read(), newest last: [from, maxBytes, now]. */
  readonly reads: [number, number, number][] = [];

  constructor(capacity: number, streamId = 1) {
    this.capacity = capacity;
    this.streamId = streamId;
    this.buf = Buffer.alloc(capacity);
  }

  get oldest(): number {
    return Math.max(0, this.head - this.capacity);
  }

  print(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    for (const b of bytes) this.buf[this.head++ % this.capacity] = b;
  }

  /** Positions start again from 0 under a new stream id (the BMC lost its history). */
  restart(streamId: number): void {
    this.streamId = streamId;
    this.head = 0;
  }

  read(from: number, maxBytes: number, now: number): ConsoleSpan {
    this.reads.push([from, maxBytes, now]);
    const start = Math.min(Math.max(from, this.oldest), this.head);
    const end = Math.min(this.head, start + maxBytes);
    const data = Buffer.alloc(end - start);
    for (let p = start; p < end; p++) data[p - start] = this.buf[p % this.capacity];
    return { streamId: this.streamId, oldest: this.oldest, head: this.head, start, data };
  }
}
