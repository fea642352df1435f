// A blank medium of a given size: every byte zero, nothing stored. A host's disk drive holds one so the host has a disk
// to install to (its writes go to its copy-on-write overlay like on any other image).
import { checkReadRange, type ImageSource } from './image-source.js';

export class BlankSource implements ImageSource {
  readonly key: string;
  readonly location: string;
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    this.location = `blank:${size}`;
    this.key = this.location;
  }

  async readAt(offset: number, length: number): Promise<Buffer> {
    checkReadRange(this, offset, length);
    return Buffer.alloc(length);
  }

  async isCurrent(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
