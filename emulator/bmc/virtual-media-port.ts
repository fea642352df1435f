// What a BMC's virtual media offers its IPMI commands and its USB/IP port (emulator/media/bmc-media.ts implements it):
// the bmcfleet OEM commands insert, eject and read the drives' state; the fleet hands it USB/IP connections.
import type { Socket } from 'node:net';
import type { DriveKind } from '../../protocols/scsi/medium.js';
import type { VirtualMediaStatus } from '../../protocols/ipmi/oem/virtual-media.js';

export type InsertStart = 'started' | 'busy' | 'refused';

export interface VirtualMediaPort {
  /**
   * Starts inserting `source` (an http(s) URL, or a file name in the fleet's image folder): 'busy' while an insert is
   * under way on the drive, 'refused' for a source IPMI may not name. How it ends shows in status().
   */
  startInsert(drive: DriveKind, source: string): InsertStart;
  eject(drive: DriveKind): void;
  status(drive: DriveKind): Omit<VirtualMediaStatus, 'drive'>;
  /** A USB/IP connection made to the BMC's address. */
  accept(socket: Socket): void;
}
