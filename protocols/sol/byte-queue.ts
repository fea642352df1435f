// A FIFO of bytes for SOL character buffers: append at the tail, put back at the head, take from the head.
// Chunks are copied in, so callers may reuse their buffers.

export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // bytes of chunks[0] already taken
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(Buffer.from(bytes));
    this.size += bytes.length;
  }

  /** Puts `bytes` back in front of everything queued (they go out first). */
  unshift(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.head > 0) {
      this.chunks[0] = this.chunks[0].subarray(this.head);
      this.head = 0;
    }
    this.chunks.unshift(Buffer.from(bytes));
    this.size += bytes.length;
  }

  /** Removes and returns up to `n` bytes from the head. */
  take(n: number): Buffer {
    const count = Math.min(n, this.size);
    const out = Buffer.allocUnsafe(count);
    let written = 0;
    while (written < count) {
      const chunk = this.chunks[0];
      const part = Math.min(chunk.length - this.head, count - written);
      chunk.copy(out, written, this.head, this.head + part);
      written += part;
      this.head += part;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.size -= count;
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.size = 0;
  }
}
