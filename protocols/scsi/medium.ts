// The medium behind a virtual drive: what the SCSI layer reads and writes, and the slot it sits in.
// Implemented in emulator/media/ (file or HTTP image, shared block cache, per-host copy-on-write overlay).

export interface Medium {
  /** Bytes per logical block: 2048 for a CD-ROM (MMC-6 §4.2), 512 for a disk. */
  readonly blockSize: number;
  /** Number of logical blocks; READ CAPACITY reports blockCount - 1 as the last LBA (SBC-3 §5.16). */
  readonly blockCount: number;
  /** True for a CD-ROM image or a write-protected disk: WRITE gets DATA PROTECT (SBC-3 §4.10). */
  readonly readOnly: boolean;
  /** Reads `blocks` blocks from `lba`; resolves with exactly blocks * blockSize bytes. */
  read(lba: number, blocks: number): Promise<Buffer>;
  /** Writes whole blocks from `lba`; `data.length` is a multiple of blockSize. */
  write(lba: number, data: Buffer): Promise<void>;
  /** SYNCHRONIZE CACHE: resolves when earlier writes are durable where the medium keeps them. */
  flush(): Promise<void>;
}

export const DriveKind = { cdrom: 'cdrom', disk: 'disk' } as const;
export type DriveKind = (typeof DriveKind)[keyof typeof DriveKind];

/** A drive's slot: the medium inserted now, if any, and a generation that changes on every insert and eject. */
export interface MediumSlot {
  readonly kind: DriveKind;
  /** The inserted medium, or undefined when the drive is empty (NOT READY, 3Ah). */
  current(): Medium | undefined;
  /** Increments on every insert and eject; a host that sees it change gets UNIT ATTENTION 28h once (SPC-4 §6.37 / SAM-5 §5.14). */
  readonly generation: number;
  /** The host ejects the medium (START STOP UNIT with LoEj=1, Start=0; SBC-3 §5.25, MMC-6 §6.39). */
  eject(): void;
}
