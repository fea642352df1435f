// An ImageSource over a Buffer for unit tests: it records every backing read and can hold reads until released,
// or fail them, so a test can see exactly what the cache and the media ask of their source.
import type { ImageSource } from '../../emulator/media/image-source.js';
import { checkReadRange } from '../../emulator/media/image-source.js';

export class MemorySource implements ImageSource {
  readonly key: string;
  readonly location: string;
  readonly size: number;
  readonly reads: Array<{ offset: number; length: number }> = [];
  /** When set, reads wait for this before answering. */
  gate: Promise<void> | undefined;
  /** When set, reads fail with it. */
  failure: Error | undefined;
  current = true;
  closed = false;
  private readonly data: Buffer;

  constructor(data: Buffer, key = 'memory:test') {
    this.data = data;
    this.size = data.length;
    this.key = key;
    this.location = `/images/${key}`;
  }

  async readAt(offset: number, length: number): Promise<Buffer> {
    checkReadRange(this, offset, length);
    this.reads.push({ offset, length });
    if (this.gate) await this.gate;
    if (this.failure) throw this.failure;
    return Buffer.from(this.data.subarray(offset, offset + length));
  }

  async isCurrent(): Promise<boolean> {
    return this.current;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A gate and the function that opens it. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => { open = resolve; });
  return { wait, open };
}
