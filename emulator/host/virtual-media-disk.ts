// The emulated host's side of its BMC's virtual media (issue 13): it attaches one of the BMC's drives as a USB/IP
// client over real TCP, as `usbip list -r`, `usbip attach` and the kernel would — finds the drive in the device list by
// its IDs, imports the busid, enumerates it (GET_DESCRIPTOR, SET_CONFIGURATION, Get Max LUN), asks INQUIRY, waits
// until the unit is ready (a medium inserted) and reads the capacity — and is then a block device read and written
// through Bulk-Only Transport and SCSI. close() detaches: the connection ends and the BMC releases the busid.
//
// Like Linux sd with a removable medium, an I/O that meets a UNIT ATTENTION (the operator changed the medium) fails
// with it as a SenseError, and the next one first reads the capacity again; an empty drive fails with NOT READY.
import { sleepOn, systemClock, type Clock } from '../../runtime/clock.js';
import { BulkOnlyHost } from '../../clients/usbip/bulk-only-host.js';
import { RemoteFunction } from '../../clients/usbip/remote-function.js';
import { ScsiHost, SenseError, type Capacity } from '../../clients/usbip/scsi-host.js';
import { UsbipClient } from '../../clients/usbip/usbip-client.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import type { StandardInquiry } from '../../protocols/scsi/inquiry.js';
import { SenseKey } from '../../protocols/scsi/sense.js';
import { DRIVE_PROFILES, VIRTUAL_MEDIA_VENDOR_ID } from '../../protocols/usb-mass-storage/usb-descriptors.js';
import { USBIP_PORT } from '../../protocols/usb-mass-storage/usbip-op.js';
import { ReadAhead } from './read-ahead.js';

/** What an installer or a test reads and writes: whole blocks of the medium in the drive. */
export interface BlockDevice {
  readonly blockSize: number;
  readonly blockCount: number;
  /**
   * `into`, when given (at least blocks x blockSize bytes, reused read after read as a kernel reuses its pages), is
   * where the data is read: the result is a view of it (a device that cannot may return other memory).
   */
  read(lba: number, blocks: number, into?: Buffer): Promise<Buffer>;
  write(lba: number, data: Buffer): Promise<void>;
  /** Resolves once earlier writes are kept (SYNCHRONIZE CACHE), where the device has such a command. */
  flush?(): Promise<void>;
  close(): void;
}

export interface VirtualMediaDiskOptions {
  /** The BMC's address: its drives are exported there. */
  bmc: string;
  /** The USB/IP port (default 3240). */
  port?: number;
  /** Which drive: the BMC's disk (default) or its CD-ROM. */
  drive?: DriveKind;
  /** The host's own address to connect from (default: the one the system picks). */
  localAddress?: string;
  clock?: Clock;
  /** Each USB/IP wait (connecting, a URB's answer). Default 10 s. */
  timeoutMs?: number;
  /** How long attach waits for a medium (the unit NOT READY); 0 fails at once. Default 10 s. */
  readyTimeoutMs?: number;
  /** Between TEST UNIT READYs while waiting. Default 100 ms. */
  readyPollMs?: number;
  /** Largest READ or WRITE, and data URB. Default 120 KiB (Linux usb-storage's max_sectors of 240). */
  maxTransferBytes?: number;
  /** Queue a READ's data and status URBs behind its CBW: one round trip a READ instead of three. Default false (as Linux). */
  queued?: boolean;
  /**
   * READs sent ahead of a reader going from start to end, each command's three URBs at once, behind the one in
   * progress (read-ahead.ts). Default 0: each READ sent when asked (as Linux usb-storage, one command at a time).
   */
  readAhead?: number;
}

/** The drive is not in the BMC's device list: no such drive, or another host has it imported (usbipd lists only free ones). */
export class DriveNotListedError extends Error {
  constructor(bmc: string, drive: DriveKind) {
    super(`${bmc} lists no free ${drive} drive (${VIRTUAL_MEDIA_VENDOR_ID.toString(16).padStart(4, '0')}:${DRIVE_PROFILES[drive].idProduct.toString(16)})`);
    this.name = 'DriveNotListedError';
  }
}

/** TEST UNIT READY until it passes; NOT READY is waited out until `timeoutMs`, anything else thrown at once. */
async function waitUntilReady(scsi: ScsiHost, clock: Clock, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    try {
      await scsi.testUnitReady();
      return;
    } catch (err) {
      if (!(err instanceof SenseError) || err.key !== SenseKey.notReady || clock.now() + pollMs > deadline) throw err;
    }
    await sleepOn(clock, pollMs);
  }
}

export class VirtualMediaDisk implements BlockDevice {
  readonly fn: RemoteFunction;
  readonly scsi: ScsiHost;
  readonly inquiry: StandardInquiry;
  /** The busid attached (1-1 the CD-ROM, 1-2 the disk, on the emulated BMCs). */
  readonly busid: string;
  private capacity: Capacity;
  /** A UNIT ATTENTION was met: the capacity is read again before the next I/O. */
  private changed = false;
  private readonly ahead: ReadAhead | null;

  private constructor(fn: RemoteFunction, scsi: ScsiHost, inquiry: StandardInquiry, capacity: Capacity, readAhead: number) {
    this.fn = fn;
    this.scsi = scsi;
    this.inquiry = inquiry;
    this.capacity = capacity;
    this.busid = fn.client.device.busid;
    this.ahead = readAhead > 0
      ? new ReadAhead(readAhead, (lba, blocks, into) => this.noting(this.scsi.readAhead(lba, blocks, this.capacity.blockSize, into)))
      : null;
  }

  static async attach(o: VirtualMediaDiskOptions): Promise<VirtualMediaDisk> {
    const clock = o.clock ?? systemClock;
    const drive = o.drive ?? DriveKind.disk;
    const where = { host: o.bmc, port: o.port ?? USBIP_PORT, clock, timeoutMs: o.timeoutMs, localAddress: o.localAddress };
    const listed = (await UsbipClient.list(where)).find((d) => d.device.idVendor === VIRTUAL_MEDIA_VENDOR_ID && d.device.idProduct === DRIVE_PROFILES[drive].idProduct);
    if (listed === undefined) throw new DriveNotListedError(o.bmc, drive);
    const fn = await RemoteFunction.attach({ ...where, busid: listed.device.busid });
    try {
      const bot = new BulkOnlyHost(fn, { maxUrbBytes: o.maxTransferBytes, bulkIn: fn.device.bulkIn, bulkOut: fn.device.bulkOut, queued: o.queued });
      const scsi = new ScsiHost(bot, { maxTransferBytes: o.maxTransferBytes });
      const inquiry = await scsi.inquiry();
      await waitUntilReady(scsi, clock, o.readyTimeoutMs ?? 10_000, o.readyPollMs ?? 100);
      return new VirtualMediaDisk(fn, scsi, inquiry, await scsi.readCapacity(), o.readAhead ?? 0);
    } catch (err) {
      fn.close();
      throw err;
    }
  }

  get blockSize(): number {
    return this.capacity.blockSize;
  }

  get blockCount(): number {
    return this.capacity.blockCount;
  }

  async read(lba: number, blocks: number, into?: Buffer): Promise<Buffer> {
    await this.revalidateIfChanged();
    if (this.ahead !== null && blocks * this.capacity.blockSize <= this.scsi.maxTransferBytes) {
      return this.noting(this.ahead.take(lba, blocks, this.capacity.blockCount, into));
    }
    return this.noting(this.scsi.read(lba, blocks, this.capacity.blockSize, into));
  }

  /** Writes whole blocks; the disk's writes stay in the BMC's copy-on-write overlay, never in the image. */
  async write(lba: number, data: Buffer): Promise<void> {
    this.ahead?.drop(); // READs sent before the write would bring what it replaces
    await this.revalidateIfChanged();
    await this.noting(this.scsi.write(lba, data, this.capacity.blockSize));
  }

  /** SYNCHRONIZE CACHE: resolves once earlier writes are where the medium keeps them. */
  async flush(): Promise<void> {
    await this.noting(this.scsi.synchronizeCache());
  }

  /** The capacity read again (after a medium change, or to look). */
  async revalidate(): Promise<Capacity> {
    this.changed = false;
    this.ahead?.drop(); // READs sent ahead met the change, or read the medium before it
    await this.scsi.testUnitReady();
    this.capacity = await this.scsi.readCapacity();
    return this.capacity;
  }

  /** Detaches: the connection closes and the BMC releases the busid. */
  close(): void {
    this.fn.close();
  }

  private async revalidateIfChanged(): Promise<void> {
    if (this.changed) await this.revalidate();
  }

  /** Marks a UNIT ATTENTION for the next I/O to act on, and passes the outcome on. */
  private async noting<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof SenseError && err.key === SenseKey.unitAttention) this.changed = true;
      throw err;
    }
  }
}
