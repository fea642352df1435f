// What an emulated iSCSI target is, as the fleet file and the control API describe it: plain data, no I/O.
import { LunState } from '../../protocols/isns/vendor-lun.js';

export const LUN_STATES: Record<string, number> = { unknown: LunState.UNKNOWN, online: LunState.ONLINE, offline: LunState.OFFLINE, busy: LunState.BUSY };

export interface TargetLun { lun: number; sizeGB: number; state: keyof typeof LUN_STATES }

export interface TargetSpec {
  iqn: string;
  alias: string;
  /** The iSCSI portal (the target listens there; here only registered). */
  ip: string;
  port: number;
  luns: TargetLun[];
  /**
   * The CHAP account initiators must log in with, and the target's own for mutual CHAP; none when left out. The
   * secrets never leave the fleet's process.
   */
  chap?: { name: string; secret: string; mutual?: { name: string; secret: string } };
}
