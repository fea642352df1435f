// One BMC's virtual media over USB/IP (TCP 3240 at the BMC's address): its CD-ROM and disk as two busids, each
// imported by at most one live connection. Shaped as the fleet's TCP ConnectionHandler (emulator/fleet/nodes/
// node-kind.ts): the fleet's one listener for the port hands over each connection made to this BMC's address, paused.
// The drives' descriptors are built on the first connection, so an idle fleet holds none.
import type { Socket } from 'node:net';
import type { Clock } from '../../runtime/clock.js';
import { parseIpv4 } from '../../protocols/ipv4.js';
import type { DriveKind } from '../../protocols/scsi/medium.js';
import type { UsbFunction } from '../../protocols/usb-mass-storage/usb-function.js';
import { exportedDrives, type ExportedDrive } from './exported-drive.js';
import { UsbipCounters } from './usbip-counters.js';
import { DEFAULT_USBIP_EXPORT_LIMITS, UsbipConnection, type ExportHost, type UsbipExportLimits } from './usbip-connection.js';


export interface UsbipExportOptions {
  /** The BMC's IPv4 address: the drives' serial numbers derive from it. */
  address: string;
  /**
   * The USB function behind a drive's bulk endpoints, asked for at each import (it may hand back the same one each
   * time: its close() is called when the importing connection ends).
   */
  functionFor(kind: DriveKind): UsbFunction;
  clock: Clock;
  /** A shard's totals, counted into as well. */
  parentCounters?: UsbipCounters;
  limits?: Partial<UsbipExportLimits>;
}

export class UsbipExport implements ExportHost {
  readonly address: string;
  readonly limits: UsbipExportLimits;
  readonly counters: UsbipCounters;
  readonly clock: Clock;
  private readonly makeFunction: (kind: DriveKind) => UsbFunction;
  private built: ExportedDrive[] | null = null;
  private readonly connections = new Set<UsbipConnection>();
  /** busid -> the connection that imported it. */
  private readonly holders = new Map<string, UsbipConnection>();

  constructor(options: UsbipExportOptions) {
    this.address = options.address;
    parseIpv4(options.address); // a bad address fails here, not at the first connection
    this.limits = { ...DEFAULT_USBIP_EXPORT_LIMITS, ...options.limits };
    this.counters = new UsbipCounters(options.parentCounters ?? null);
    this.clock = options.clock;
    this.makeFunction = options.functionFor;
  }

  get drives(): readonly ExportedDrive[] {
    this.built ??= exportedDrives(parseIpv4(this.address));
    return this.built;
  }

  /** A connection to this BMC's address on the USB/IP port (paused, as the fleet hands it over). */
  accept(socket: Socket): void {
    if (this.connections.size >= this.limits.maxConnections) {
      this.counters.drop('connections-full');
      socket.destroy();
      return;
    }
    this.counters.count('connectionsAccepted');
    this.counters.open(1);
    this.connections.add(new UsbipConnection(socket, this));
  }

  /** The busids imported now. */
  importedBusids(): string[] {
    return [...this.holders.keys()];
  }

  claim(drive: ExportedDrive, by: UsbipConnection): boolean {
    const holder = this.holders.get(drive.busid);
    if (holder !== undefined && holder !== by) return false;
    this.holders.set(drive.busid, by);
    return true;
  }

  release(drive: ExportedDrive, by: UsbipConnection): void {
    if (this.holders.get(drive.busid) === by) this.holders.delete(drive.busid);
  }

  /** Whether a host has the `kind` drive imported now; asking builds no descriptors (none imported before a connection). */
  isImported(kind: DriveKind): boolean {
    return this.built?.some((d) => d.kind === kind && this.holders.has(d.busid)) ?? false;
  }

  isClaimed(drive: ExportedDrive): boolean {
    return this.holders.has(drive.busid);
  }

  functionFor(kind: DriveKind): UsbFunction {
    return this.makeFunction(kind);
  }

  closed(connection: UsbipConnection): void {
    if (this.connections.delete(connection)) this.counters.open(-1);
  }

  /** Ends every connection (the BMC stops); each releases its device as it closes. */
  close(): void {
    for (const c of this.connections) c.end();
  }
}
