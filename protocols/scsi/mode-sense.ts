// MODE SENSE(6) and MODE SENSE(10) — SPC-4 MODE SENSE commands and mode parameter headers, with one mode page
// per drive: the disk's Caching page 08h (SBC-3, Caching mode page; WCE = 1, so hosts send SYNCHRONIZE CACHE)
// and the CD-ROM's CD Capabilities and Mechanical Status page 2Ah (MMC-3 §5.5.10, kept by MMC-6 hosts: Linux sr
// reads it with MODE SENSE(10) to learn the speed and the tray). No block descriptors are returned (the
// BLOCK DESCRIPTOR LENGTH is 0, allowed whatever DBD says; MMC-6 drives never return them).
import { DecodeError } from '../errors.js';
import { DriveKind } from './medium.js';
import { CdbError, PROTO, ScsiOpcode, invalidField, readCdb } from './cdb.js';

/** PC, byte 2 [7:6] (SPC-4, page control field). */
export const PageControl = { current: 0, changeable: 1, default: 2, saved: 3 } as const;

export const ModePage = { caching: 0x08, capabilities: 0x2a, all: 0x3f } as const;
const ALL_SUBPAGES = 0xff;

export interface ModeSenseCommand {
  op: 'mode-sense';
  /** MODE SENSE(10), with its 8-byte header, rather than (6). */
  ten: boolean;
  pageControl: number;
  pageCode: number;
  allocationLength: number;
}

/** The mode page each drive has. */
function pageOf(kind: DriveKind): number {
  return kind === DriveKind.cdrom ? ModePage.capabilities : ModePage.caching;
}

/**
 * MODE SENSE(6): byte 1 bit 3 DBD, byte 2 PC and PAGE CODE, byte 3 SUBPAGE CODE, byte 4 ALLOCATION LENGTH.
 * MODE SENSE(10): the same, byte 1 bit 4 LLBAA, bytes 7-8 ALLOCATION LENGTH.
 */
export function decodeModeSense(input: Uint8Array, kind: DriveKind): ModeSenseCommand {
  const ten = input[0] === ScsiOpcode.modeSense10;
  const name = ten ? 'MODE SENSE(10)' : 'MODE SENSE(6)';
  const cdb = readCdb(input, ten ? 10 : 6, name);
  const pageControl = cdb[2] >> 6;
  const pageCode = cdb[2] & 0x3f;
  const subpageCode = cdb[3];
  if (pageCode !== ModePage.all && pageCode !== pageOf(kind)) {
    throw invalidField(name, 'PAGE CODE', 2, `mode page 0x${pageCode.toString(16)} is not supported`);
  }
  if (subpageCode !== 0 && !(pageCode === ModePage.all && subpageCode === ALL_SUBPAGES)) {
    throw invalidField(name, 'SUBPAGE CODE', 3, `subpage 0x${subpageCode.toString(16)} is not supported`);
  }
  if (pageControl === PageControl.saved) {
    // SPC-4: saved values not implemented -> SAVING PARAMETERS NOT SUPPORTED
    throw new DecodeError(PROTO, `${name} PC`, 2, 'saved values are not kept', CdbError.savedValues);
  }
  return { op: 'mode-sense', ten, pageControl, pageCode, allocationLength: ten ? cdb.readUInt16BE(7) : cdb[4] };
}

/** Caching mode page (SBC-3): 20 bytes, only WCE set; nothing is changeable. */
function cachingPage(changeable: boolean): Buffer {
  const out = Buffer.alloc(20);
  out[0] = ModePage.caching; // PS = 0, SPF = 0, PAGE CODE
  out[1] = 0x12; // PAGE LENGTH
  if (!changeable) out[2] = 0x04; // IC, ABPF, CAP, DISC, SIZE = 0; WCE (2) = 1; MF, RCD = 0
  return out;
}

/** 24x, in kB/s: MMC speeds count 176.4 kB/s per x; Linux sr divides by 176. */
const READ_SPEED_KBPS = 24 * 176;

/**
 * CD Capabilities and Mechanical Status page (MMC-3 §5.5.10) in its MMC-3 length: 32 bytes, PAGE LENGTH 1Eh, no
 * write speed performance descriptors (the older 22-byte form makes Wireshark's MMC dissector read past it).
 * Nothing is changeable.
 */
function capabilitiesPage(changeable: boolean, locked: boolean, dvd: boolean): Buffer {
  const out = Buffer.alloc(32);
  out[0] = ModePage.capabilities; // PS = 0, PAGE CODE
  out[1] = out.length - 2; // PAGE LENGTH
  if (changeable) return out;
  // byte 2: DVD-RAM/DVD-R/Method 2/CD-RW/CD-R read = 0; DVD-ROM READ (3) while a DVD is in; byte 3: no write capability
  if (dvd) out[2] = 0x08;
  // byte 4: no audio play, digital ports or multi-session; byte 5: no CD-DA commands
  out[6] = (0b001 << 5) | 0x08 | (locked ? 0x02 : 0) | 0x01; // LOADING MECHANISM TYPE tray, EJECT, LOCK STATE, LOCK
  out.writeUInt16BE(READ_SPEED_KBPS, 8); // MAXIMUM READ SPEED SUPPORTED (obsolete in MMC-6, read by Linux sr)
  // bytes 10-11 NUMBER OF VOLUME LEVELS SUPPORTED = 0, bytes 12-13 BUFFER SIZE SUPPORTED = 0
  out.writeUInt16BE(READ_SPEED_KBPS, 14); // CURRENT READ SPEED SELECTED
  // bytes 18-21 write speeds = 0; 22-23 COPY MANAGEMENT REVISION SUPPORTED = 0; 27 ROTATION CONTROL SELECTED = 0;
  // 28-29 CURRENT WRITE SPEED SELECTED = 0; 30-31 NUMBER OF WRITE SPEED PERFORMANCE DESCRIPTOR TABLES = 0
  return out;
}

export interface ModeState {
  /** Disk: the medium is read-only (WP bit). */
  writeProtected: boolean;
  /** CD-ROM: PREVENT ALLOW MEDIUM REMOVAL holds the medium (LOCK STATE). */
  locked: boolean;
  /** CD-ROM: the disc in it is a DVD-ROM (mmc-configuration.ts discProfile). */
  dvd?: boolean;
}

/** The mode parameter list: header (SPC-4, mode parameter header (6) or (10)) and the drive's page, whole. */
export function modeSenseData(c: ModeSenseCommand, kind: DriveKind, state: ModeState): Buffer {
  const changeable = c.pageControl === PageControl.changeable;
  const page = kind === DriveKind.cdrom ? capabilitiesPage(changeable, state.locked, state.dvd === true) : cachingPage(changeable);
  // DEVICE-SPECIFIC PARAMETER: SBC-3 WP (7) for the disk, reserved (0) for MMC
  const deviceSpecific = kind === DriveKind.disk && state.writeProtected && !changeable ? 0x80 : 0;
  const headerLength = c.ten ? 8 : 4;
  const out = Buffer.alloc(headerLength + page.length);
  if (c.ten) {
    out.writeUInt16BE(out.length - 2, 0); // MODE DATA LENGTH: bytes after itself
    out[3] = deviceSpecific; // byte 2 MEDIUM TYPE = 0; byte 4 LONGLBA = 0; bytes 6-7 BLOCK DESCRIPTOR LENGTH = 0
  } else {
    out[0] = out.length - 1; // MODE DATA LENGTH
    out[2] = deviceSpecific; // byte 1 MEDIUM TYPE = 0; byte 3 BLOCK DESCRIPTOR LENGTH = 0
  }
  page.copy(out, headerLength);
  return out;
}
