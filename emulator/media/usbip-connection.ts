// One TCP connection to a BMC's USB/IP export, the way Linux usbipd and its stub driver serve it
// (tools/usb/usbip/src/usbipd.c, drivers/usb/usbip/stub_rx.c; Documentation/usb/usbip_protocol.rst):
//   - OP_REQ_DEVLIST: the drives not imported by anyone (usbipd leaves those out), then the connection ends;
//   - OP_REQ_IMPORT: an unknown busid gets ST_NODEV, one imported by a live connection ST_DEV_BUSY, and the connection
//     ends; a granted one carries that device's URBs from then on;
//   - CMD_SUBMIT: endpoint 0 to usb-control.ts, the bulk endpoints to the USB function (one URB at a time each; one
//     the function is not ready for waits, NAKed, as the stub's URB waits on a real device, until the function is);
//     an ISO transfer gets -EINVAL (there is no ISO endpoint), an endpoint the device lacks a stall;
//   - CMD_UNLINK: a pending URB is dropped and answered -ECONNRESET (its RET_SUBMIT is never sent), any other 0.
// Malformed bytes (a DecodeError) and a wrong devid end the connection, counted. The device is released when the
// connection closes, however it closes. Too many URBs pending end the connection; while too many answers wait unsent
// (the client does not read), the connection is not read either.
import type { Socket } from 'node:net';
import type { Clock } from '../../runtime/clock.js';
import { batchWrites } from '../../runtime/write-batch.js';
import { DecodeError } from '../../protocols/errors.js';
import type { DriveKind } from '../../protocols/scsi/medium.js';
import { UsbControlEndpoint } from '../../protocols/usb-mass-storage/usb-control.js';
import { BULK_IN_ENDPOINT, BULK_OUT_ENDPOINT, ENDPOINT_IN } from '../../protocols/usb-mass-storage/usb-descriptors.js';
import { UrbStatus, type UrbOutcome, type UsbFunction } from '../../protocols/usb-mass-storage/usb-function.js';
import { decodeSetup } from '../../protocols/usb-mass-storage/usb-setup.js';
import { encodeDevlistReply, encodeImportReply, OpStatus } from '../../protocols/usb-mass-storage/usbip-op.js';
import { UsbipRequestStream } from '../../protocols/usb-mass-storage/usbip-stream.js';
import { Direction, Errno, encodeUrbHeader, isIso, type CmdSubmit, type CmdUnlink } from '../../protocols/usb-mass-storage/usbip-urb.js';
import { BulkEndpoint, type QueuedUrb } from './bulk-endpoint.js';
import type { ExportedDrive } from './exported-drive.js';
import type { UsbipCounters } from './usbip-counters.js';

export interface UsbipExportLimits {
  /** Connections open at once to one BMC's export; one more is closed at once. */
  maxConnections: number;
  /**
   * URBs of one connection waiting for the USB function; one more ends the connection, counted (the kernel stub drops
   * a connection it cannot allocate for). Not a pause: a host must always get its CMD_UNLINK through.
   */
  maxPendingUrbs: number;
  /** Largest transfer_buffer_length accepted; a larger one is malformed (the connection ends). */
  maxTransfer: number;
  /** Answers waiting unsent on one connection; past it the connection is not read until they drain. */
  maxOutputBytes: number;
  /** A connection that has not been granted an import within this time is closed (usbipd serves one request per connection). */
  opTimeoutMs: number;
}

export const DEFAULT_USBIP_EXPORT_LIMITS: UsbipExportLimits = {
  maxConnections: 8,
  maxPendingUrbs: 64,
  maxTransfer: 1024 * 1024,
  maxOutputBytes: 4 * 1024 * 1024,
  opTimeoutMs: 10_000,
};

/** What a connection needs of the export it belongs to. */
export interface ExportHost {
  readonly limits: UsbipExportLimits;
  readonly counters: UsbipCounters;
  readonly clock: Clock;
  readonly drives: readonly ExportedDrive[];
  /** Marks `drive` imported by `by`; false when a live connection holds it. */
  claim(drive: ExportedDrive, by: UsbipConnection): boolean;
  release(drive: ExportedDrive, by: UsbipConnection): void;
  isClaimed(drive: ExportedDrive): boolean;
  functionFor(kind: DriveKind): UsbFunction;
  closed(connection: UsbipConnection): void;
}

/** What an imported device is on this connection: its drive, endpoint 0 and the function behind its bulk endpoints. */
interface ImportedDevice {
  readonly drive: ExportedDrive;
  readonly fn: UsbFunction;
  readonly control: UsbControlEndpoint;
  readonly bulkIn: BulkEndpoint;
  readonly bulkOut: BulkEndpoint;
}

const EMPTY = Buffer.alloc(0);

export class UsbipConnection {
  readonly socket: Socket;
  private readonly host: ExportHost;
  private readonly stream: UsbipRequestStream;
  private device: ImportedDevice | null = null;
  private opTimer: { cancel(): void } | null;
  /** No more requests are read: the connection is ending or gone. */
  private finished = false;
  private paused = true; // the fleet's listener hands the socket over paused

  constructor(socket: Socket, host: ExportHost) {
    this.socket = socket;
    this.host = host;
    this.stream = new UsbipRequestStream({ maxTransfer: host.limits.maxTransfer });
    this.opTimer = host.clock.setTimeout(() => {
      host.counters.drop('op-timeout');
      this.end();
    }, host.limits.opTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      this.stream.write(chunk);
      this.pump();
    });
    socket.on('drain', () => this.pump());
    socket.on('error', () => host.counters.drop('socket-error'));
    socket.on('close', () => this.cleanup());
    this.pump(); // resumes the socket
  }

  /** The busid this connection has imported, if any. */
  get busid(): string | null {
    return this.device?.drive.busid ?? null;
  }

  /** Closes the connection now. */
  end(): void {
    this.finished = true;
    this.socket.destroy();
  }

  /** Serves what the stream holds, until it is empty or a bound says wait. */
  private pump(): void {
    while (!this.finished) {
      if (this.socket.writableLength >= this.host.limits.maxOutputBytes) {
        this.setPaused(true); // 'drain' pumps again
        return;
      }
      let message: ReturnType<UsbipRequestStream['read']>;
      try {
        message = this.stream.read();
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        this.host.counters.drop(`malformed:${err.code}`);
        this.end();
        return;
      }
      if (message === null) {
        this.setPaused(false);
        return;
      }
      switch (message.kind) {
        case 'devlist-request': this.devlist(); break;
        case 'import-request': this.import(message.busid); break;
        case 'cmd-submit': this.submit(message); break;
        case 'cmd-unlink': this.unlink(message); break;
      }
    }
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused || this.socket.destroyed) return;
    this.paused = paused;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  private pending(): number {
    return this.device ? this.device.bulkIn.size + this.device.bulkOut.size : 0;
  }

  /** usbipd answers one request per connection, then its child exits: the reply, then the end. */
  private finish(reply: Buffer): void {
    this.finished = true;
    this.socket.end(reply);
  }

  private devlist(): void {
    this.host.counters.count('devlists');
    this.finish(encodeDevlistReply(this.host.drives.filter((d) => !this.host.isClaimed(d)).map((d) => d.record)));
  }

  private import(busid: string): void {
    const drive = this.host.drives.find((d) => d.busid === busid);
    if (drive === undefined) {
      this.host.counters.drop('import-no-device');
      this.finish(encodeImportReply(OpStatus.noDev, null));
      return;
    }
    if (!this.host.claim(drive, this)) {
      this.host.counters.drop('import-busy');
      this.finish(encodeImportReply(OpStatus.devBusy, null));
      return;
    }
    this.opTimer?.cancel();
    this.opTimer = null;
    const fn = this.host.functionFor(drive.kind);
    const done = (urb: QueuedUrb, outcome: UrbOutcome, direction: Direction) => {
      if (!urb.cancelled) this.answer(urb.seqnum, direction, outcome, urb.length);
      this.pokeEndpoints(); // the function moved on: a URB it NAKed on the other endpoint may be taken now
    };
    const bug = (err: unknown) => {
      this.end();
      throw err; // a function that rejects is a bug: it surfaces as an unhandled rejection
    };
    this.device = {
      drive, fn,
      control: new UsbControlEndpoint(drive.descriptors, fn),
      bulkIn: new BulkEndpoint((urb) => fn.bulkIn(urb.length), (urb, o) => done(urb, o, Direction.in), bug, () => fn.ready?.(true) ?? true),
      bulkOut: new BulkEndpoint((urb) => fn.bulkOut(urb.data), (urb, o) => done(urb, o, Direction.out), bug, () => fn.ready?.(false) ?? true),
    };
    this.stream.enterUrbPhase();
    this.host.counters.count('imports');
    this.socket.setNoDelay(true); // usbipd's recv_request_import: "should set TCP_NODELAY for usbip"
    this.socket.write(encodeImportReply(OpStatus.ok, drive.record.device));
  }

  private pokeEndpoints(): void {
    this.device?.bulkIn.poke();
    this.device?.bulkOut.poke();
  }

  /** stub_rx.c valid_request: a PDU for another devid is "recv invalid request", and the connection is shut. */
  private validDevid(devid: number, device: ImportedDevice): boolean {
    if (devid === device.drive.devid) return true;
    this.host.counters.drop('wrong-devid');
    this.end();
    return false;
  }

  private submit(m: CmdSubmit): void {
    const device = this.device!; // the stream yields URBs only after an import
    if (!this.validDevid(m.devid, device)) return;
    this.host.counters.count('urbs');
    if (isIso(m.numberOfPackets)) {
      this.host.counters.drop('iso-refused');
      this.answer(m.seqnum, m.direction, { status: Errno.EINVAL, actualLength: 0 }, 0);
      return;
    }
    if (m.ep === 0) {
      const maxLength = m.direction === Direction.in ? m.transferBufferLength : 0;
      this.answer(m.seqnum, m.direction, device.control.handle(decodeSetup(m.setup), maxLength), maxLength);
      this.pokeEndpoints(); // a reset or CLEAR_FEATURE(HALT) may let a waiting bulk URB through
      return;
    }
    const address = m.ep | (m.direction === Direction.in ? ENDPOINT_IN : 0);
    if (!device.control.configured || (address !== BULK_IN_ENDPOINT && address !== BULK_OUT_ENDPOINT)) {
      // no such endpoint until SET_CONFIGURATION (USB 2.0 §9.1.1.5): the transfer stalls
      this.host.counters.drop('no-endpoint');
      this.answer(m.seqnum, m.direction, { status: UrbStatus.stall, actualLength: 0 }, 0);
      return;
    }
    if (this.pending() >= this.host.limits.maxPendingUrbs) {
      this.host.counters.drop('too-many-urbs');
      this.end();
      return;
    }
    const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    if (address === BULK_IN_ENDPOINT) device.bulkIn.submit({ seqnum: m.seqnum, length: m.transferBufferLength, data: EMPTY, cancelled: false });
    else device.bulkOut.submit({ seqnum: m.seqnum, length: data.length, data, cancelled: false });
  }

  private unlink(m: CmdUnlink): void {
    const device = this.device!;
    if (!this.validDevid(m.devid, device)) return;
    this.host.counters.count('unlinks');
    const found = device.bulkIn.unlink(m.unlinkSeqnum) ?? device.bulkOut.unlink(m.unlinkSeqnum);
    // stub_rx.c stub_recv_cmd_unlink: a URB no longer pending "was already completed", answered 0
    const status = found === null ? 0 : UrbStatus.unlinked;
    this.socket.write(encodeUrbHeader({ kind: 'ret-unlink', seqnum: m.seqnum, devid: 0, direction: Direction.out, ep: 0, status }));
  }

  /** RET_SUBMIT for `seqnum`: IN data (at most `maxLength` bytes, as the client checks) follows the header. */
  private answer(seqnum: number, direction: Direction, outcome: UrbOutcome, maxLength: number): void {
    if (this.socket.destroyed) return;
    const data = direction === Direction.in ? outcome.data ?? EMPTY : EMPTY;
    if (data.length > maxLength) throw new RangeError(`usbip: ${data.length} bytes answer an IN transfer of at most ${maxLength}`);
    const header = encodeUrbHeader({
      kind: 'ret-submit', seqnum, devid: 0, direction: Direction.out, ep: 0, // "shall be 0" from the server
      status: outcome.status,
      actualLength: direction === Direction.in ? data.length : outcome.actualLength,
      startFrame: 0, numberOfPackets: 0, errorCount: 0, data, iso: [],
    });
    // the header and the data (a view of the medium's bytes, not copied) in one writev, with any other answer of this turn
    batchWrites(this.socket);
    this.socket.write(header);
    if (data.length > 0) this.socket.write(data);
  }

  private cleanup(): void {
    this.finished = true;
    this.opTimer?.cancel();
    this.opTimer = null;
    this.stream.clear();
    const device = this.device;
    this.device = null;
    if (device) {
      device.bulkIn.stop();
      device.bulkOut.stop();
      device.fn.close();
      this.host.release(device.drive, this);
    }
    this.host.closed(this);
  }
}
