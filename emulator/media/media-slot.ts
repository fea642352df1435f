// One virtual drive of a BMC (its CD-ROM or its disk): the medium inserted now, if any, and a generation that moves
// on every insert and eject so each host attached to the drive gets UNIT ATTENTION 28h once (SPC-4 §6.37).
import type { DriveKind, Medium, MediumSlot } from '../../protocols/scsi/medium.js';

/** A medium ready to insert (ImageLibrary.load): where it came from and how to let go of it. */
export interface LoadedMedium {
  readonly kind: DriveKind;
  readonly medium: Medium;
  /** The image's absolute path or URL (no user:password). */
  readonly image: string;
  /** The image's length in bytes; blockCount x blockSize of it are visible (a last partial block is not). */
  readonly size: number;
  /** Bytes the host's writes hold in memory: a writable disk's overlay, 0 for a read-only medium. */
  overlayBytes(): number;
  /** Called once, when ejected or replaced: forgets the host's writes and lets go of the image. */
  release(): void;
}

/** A drive as the control API shows it. */
export interface DriveDescription {
  kind: DriveKind;
  inserted: boolean;
  /** Path or URL of the inserted image, null when empty; likewise the fields below. */
  image: string | null;
  size: number | null;
  blockSize: number | null;
  blockCount: number | null;
  readOnly: boolean | null;
  overlayBytes: number | null;
  generation: number;
}

export class MediaSlot implements MediumSlot {
  readonly kind: DriveKind;
  private loaded: LoadedMedium | undefined;
  private changes = 0;

  constructor(kind: DriveKind) {
    this.kind = kind;
  }

  /**
   * +1 on every insert and every eject, so a replacing insert (an eject and an insert) moves it by 2. A host only
   * compares it with the value it last saw: any change gives it one UNIT ATTENTION, which is all it needs to read
   * the capacity again; the control API can tell a replacement from a first insert.
   */
  get generation(): number {
    return this.changes;
  }

  current(): Medium | undefined {
    return this.loaded?.medium;
  }

  /** Inserts `loaded`, ejecting (and releasing) what was inserted. */
  insert(loaded: LoadedMedium): void {
    if (loaded.kind !== this.kind) throw new Error(`a ${loaded.kind} medium inserted into the ${this.kind} drive`);
    this.eject();
    this.loaded = loaded;
    this.changes++;
  }

  /** Empties the drive (the host's START STOP UNIT with LoEj, or the operator); an empty drive stays as it is. */
  eject(): void {
    const was = this.loaded;
    if (!was) return;
    this.loaded = undefined;
    this.changes++;
    was.release();
  }

  describe(): DriveDescription {
    const l = this.loaded;
    return {
      kind: this.kind,
      inserted: l !== undefined,
      image: l?.image ?? null,
      size: l?.size ?? null,
      blockSize: l?.medium.blockSize ?? null,
      blockCount: l?.medium.blockCount ?? null,
      readOnly: l?.medium.readOnly ?? null,
      overlayBytes: l ? l.overlayBytes() : null,
      generation: this.changes,
    };
  }
}
