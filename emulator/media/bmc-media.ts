// One BMC's virtual media (issue 13): its CD-ROM and disk drives, their USB/IP export (TCP 3240 at the BMC's address),
// and inserts that take time (an HTTP image is asked for its size first), with the state the OEM status command and
// the control API show: empty, inserting, inserted, or failed with why.
import type { Socket } from 'node:net';
import { isAbsolute, join } from 'node:path';
import type { Clock } from '../../runtime/clock.js';
import { MediaState, type VirtualMediaStatus } from '../../protocols/ipmi/oem/virtual-media.js';
import { parseIpv4 } from '../../protocols/ipv4.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { DRIVE_PROFILES, MANUFACTURER, massStorageSerial } from '../../protocols/usb-mass-storage/usb-descriptors.js';
import type { ImageLibrary } from './image-library.js';
import { MassStorageFunction } from './mass-storage-function.js';
import { MediaError } from './media-error.js';
import type { DriveDescription } from './media-slot.js';
import type { UsbipCounters } from './usbip-counters.js';
import { UsbipExport } from './usbip-export.js';
import { VirtualDrives } from './virtual-drives.js';
import type { InsertStart, VirtualMediaPort } from '../bmc/virtual-media-port.js';

export const DriveState = { empty: 'empty', inserting: 'inserting', inserted: 'inserted', failed: 'failed' } as const;
export type DriveState = typeof DriveState[keyof typeof DriveState];

/** A drive as the control API and Get Virtual Media Status show it. */
export interface DriveStatus extends DriveDescription {
  state: DriveState;
  /** The image being inserted, or the one that failed. */
  pending: string | null;
  /** Why the last insert failed (a MediaError's message), while the drive is empty since. */
  error: string | null;
  /** A host has this drive's USB device imported. */
  hostAttached: boolean;
}

/** An insert while another is under way on the same drive. */
export class InsertBusyError extends Error {
  readonly code = 'MEDIA_INSERT_BUSY';
  constructor(kind: DriveKind, location: string) {
    super(`the ${kind} drive is inserting ${location} already`);
  }
}

export interface BmcMediaOptions {
  address: string;
  clock: Clock;
  library: ImageLibrary;
  /** The shard's USB/IP totals. */
  usbipCounters?: UsbipCounters;
  /** Where file names given over IPMI are looked for; null: IPMI may name only http(s) URLs. */
  imageDir?: string | null;
  /** Called after an insert or an eject: what kept() returns changed. */
  onChange?: () => void;
}

/** What a drive holds, as it was asked for: enough to insert it again in a new process. */
export interface InsertedImage { image: string; writeProtected: boolean }
export type KeptMedia = Partial<Record<DriveKind, InsertedImage>>;

interface DriveWork {
  /** Moves on each insert and eject: an insert that finishes after a newer one, or an eject, lets its image go. */
  ticket: number;
  inserting: string | null;
  failed: { location: string; error: string } | null;
  inserted: InsertedImage | null;
}

const IPMI_STATES: Record<DriveState, MediaState> = {
  empty: MediaState.EMPTY, inserting: MediaState.INSERTING, inserted: MediaState.INSERTED, failed: MediaState.FAILED,
};

export class BmcMedia implements VirtualMediaPort {
  readonly drives = new VirtualDrives();
  readonly usbip: UsbipExport;
  private readonly library: ImageLibrary;
  private readonly imageDir: string | null;
  private readonly work: Record<DriveKind, DriveWork> = {
    [DriveKind.cdrom]: { ticket: 0, inserting: null, failed: null, inserted: null },
    [DriveKind.disk]: { ticket: 0, inserting: null, failed: null, inserted: null },
  };
  private readonly onChange: () => void;
  /** Told of each insert and eject (the Redfish EventService), besides onChange. */
  private readonly watchers = new Set<(kind: DriveKind, image: string | null) => void>();

  constructor(o: BmcMediaOptions) {
    this.library = o.library;
    this.imageDir = o.imageDir ?? null;
    this.onChange = o.onChange ?? (() => {});
    const ipv4 = parseIpv4(o.address);
    this.usbip = new UsbipExport({
      address: o.address, clock: o.clock, parentCounters: o.usbipCounters,
      // one function per import: each host keeps its own sense data and UNIT ATTENTION
      functionFor: (kind) => new MassStorageFunction(this.drives.slot(kind), {
        identity: { vendor: MANUFACTURER, product: DRIVE_PROFILES[kind].product, revision: '1.00', serial: massStorageSerial(ipv4, kind) },
      }),
    });
  }

  /**
   * Inserts the image at `location` (a path or an http(s) URL) into the drive, replacing what it holds; resolves with
   * the drive once inserted, rejects with a MediaError (why it cannot be) or InsertBusyError.
   */
  async insert(kind: DriveKind, location: string, options: { writeProtected?: boolean } = {}): Promise<DriveStatus> {
    const w = this.work[kind];
    if (w.inserting !== null) throw new InsertBusyError(kind, w.inserting);
    const ticket = ++w.ticket;
    w.inserting = location;
    w.failed = null;
    try {
      const loaded = await this.library.load(location, kind, options);
      if (w.ticket !== ticket) {
        loaded.release(); // ejected meanwhile: the operator's last word wins
      } else {
        this.drives.slot(kind).insert(loaded);
        w.inserted = { image: location, writeProtected: options.writeProtected === true };
        this.onChange();
        for (const watcher of this.watchers) watcher(kind, location);
      }
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      if (w.ticket === ticket) w.failed = { location, error: err.message };
      throw err;
    } finally {
      if (w.ticket === ticket) w.inserting = null;
    }
    return this.drive(kind);
  }

  /**
   * An insert asked for over IPMI: an http(s) URL, or a bare file name in the image folder (no path: an IPMI user
   * must not read any file the fleet can). It goes on in the background; status() shows how it ends.
   */
  startInsert(kind: DriveKind, source: string): InsertStart {
    const location = this.ipmiLocation(source);
    if (location === null) return 'refused';
    if (this.work[kind].inserting !== null) return 'busy';
    this.startInsertAt(kind, location, false);
    return 'started';
  }

  private startInsertAt(kind: DriveKind, location: string, writeProtected: boolean): void {
    this.insert(kind, location, { writeProtected }).catch((err: unknown) => {
      // a MediaError is in the drive's state; anything else is a bug, and must surface
      if (!(err instanceof MediaError) && !(err instanceof InsertBusyError)) queueMicrotask(() => { throw err; });
    });
  }

  private ipmiLocation(source: string): string | null {
    if (/^https?:\/\//i.test(source)) return source;
    if (this.imageDir === null || source === '' || source.startsWith('.') || /[/\\]/.test(source) || isAbsolute(source)) return null;
    const path = join(this.imageDir, source);
    // an image folder outside the media folders is refused at once; a link in it that leads out fails as the insert goes on
    return this.library.mediaDirs?.holds(path) === false ? null : path;
  }

  /** Get Virtual Media Status's view of a drive. */
  status(kind: DriveKind): Omit<VirtualMediaStatus, 'drive'> {
    const d = this.drive(kind);
    return {
      state: IPMI_STATES[d.state], generation: d.generation, blockSize: d.blockSize ?? 0, blocks: d.blockCount ?? 0,
      readOnly: d.readOnly ?? false, hostAttached: d.hostAttached, source: d.image ?? d.pending ?? '', error: d.error ?? '',
    };
  }

  accept(socket: Socket): void {
    this.usbip.accept(socket);
  }

  /** Hears each image inserted (its location) and each eject (null); returns the unsubscribe function. */
  watch(watcher: (kind: DriveKind, image: string | null) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Ejects the drive's medium (nothing happens to an empty drive); an insert under way is called off. */
  eject(kind: DriveKind): DriveStatus {
    const w = this.work[kind];
    w.ticket++;
    w.inserting = null;
    w.failed = null;
    this.drives.slot(kind).eject();
    if (w.inserted) {
      w.inserted = null;
      this.onChange();
      for (const watcher of this.watchers) watcher(kind, null);
    }
    return this.drive(kind);
  }

  /** A drive as the control API shows it. */
  drive(kind: DriveKind): DriveStatus {
    const w = this.work[kind];
    const description = this.drives.slot(kind).describe();
    const state = w.inserting !== null ? DriveState.inserting
      : description.inserted ? DriveState.inserted
        : w.failed ? DriveState.failed : DriveState.empty;
    return {
      ...description, state, pending: w.inserting ?? w.failed?.location ?? null, error: w.failed?.error ?? null,
      hostAttached: this.usbip.isImported(kind),
    };
  }

  describe(): { drives: DriveStatus[]; usbip: ReturnType<UsbipCounters['snapshot']> } {
    return { drives: [this.drive(DriveKind.cdrom), this.drive(DriveKind.disk)], usbip: this.usbip.counters.snapshot() };
  }

  /** The images inserted now, as asked for (a fleet process that replaces this one inserts them again). */
  kept(): KeptMedia {
    const out: KeptMedia = {};
    for (const kind of [DriveKind.cdrom, DriveKind.disk]) if (this.work[kind].inserted) out[kind] = { ...this.work[kind].inserted! };
    return out;
  }

  /** Inserts again what kept() said, in the background; a failure shows in the drive's state. The hosts' disk writes are gone. */
  restore(kept: KeptMedia): void {
    for (const kind of [DriveKind.cdrom, DriveKind.disk]) {
      const k = kept[kind];
      if (k) this.startInsertAt(kind, k.image, k.writeProtected);
    }
  }

  /** The BMC stops: hosts are let go and both images released. */
  close(): void {
    this.usbip.close();
    for (const kind of [DriveKind.cdrom, DriveKind.disk]) this.work[kind].ticket++;
    this.drives.ejectAll();
  }
}
