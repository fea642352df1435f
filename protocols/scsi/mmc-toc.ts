// READ TOC/PMA/ATIP — MMC-6 §6.25, for the only disc this drive holds: one session, one data track from LBA 0
// to the lead-out at blockCount. Format 0000b (formatted TOC, §6.25.3.2) and 0001b (multi-session
// information, §6.25.3.3), addresses as LBA or MSF (MSF bit). Format 0 with a non-zero byte 9 [7:6] is the
// older SFF-8020i way to ask for the same formats (Mac OS X and some BIOSes send it; f_mass_storage honours it).
// A DVD-ROM (an image past an 80-minute CD) answers the same: a drive makes up a DVD's TOC as one track (MMC-6 §6.25).
import { invalidField, readCdb } from './cdb.js';

export const TocFormat = { toc: 0x0, sessionInfo: 0x1 } as const;
/** Track number of the lead-out area in a TOC. */
export const LEAD_OUT_TRACK = 0xaa;
/** ADR = 1 (Q sub-channel mode 1) << 4 | CONTROL = 4 (data track, recorded uninterrupted): MMC-6 §6.25.3.2, ADR and CONTROL. */
const ADR_CONTROL_DATA_TRACK = 0x14;

export interface ReadTocCommand {
  op: 'read-toc';
  /** MSF, byte 1 bit 1: addresses as minute/second/frame. */
  msf: boolean;
  format: number;
  /** TRACK/SESSION NUMBER, byte 6: the first track to describe (format 0). */
  track: number;
  allocationLength: number;
}

/** CDB: byte 1 bit 1 MSF, byte 2 [3:0] FORMAT, byte 6 TRACK/SESSION NUMBER, bytes 7-8 ALLOCATION LENGTH, byte 9 CONTROL. */
export function decodeReadToc(input: Uint8Array): ReadTocCommand {
  const cdb = readCdb(input, 10, 'READ TOC/PMA/ATIP');
  let format = cdb[2] & 0x0f;
  if (format === TocFormat.toc) format = cdb[9] >> 6; // SFF-8020i format field in the CONTROL byte
  if (format !== TocFormat.toc && format !== TocFormat.sessionInfo) {
    throw invalidField('READ TOC/PMA/ATIP', 'FORMAT', 2, `format ${format} is not supported`);
  }
  const track = cdb[6];
  if (format === TocFormat.toc && track > 1 && track !== LEAD_OUT_TRACK) {
    throw invalidField('READ TOC/PMA/ATIP', 'TRACK/SESSION NUMBER', 6, `track ${track} does not exist`);
  }
  return { op: 'read-toc', msf: (cdb[1] & 0x02) !== 0, format, track, allocationLength: cdb.readUInt16BE(7) };
}

/** LBA to MSF (MMC-6, CD addressing): MSF counts the 2-second pre-gap, 150 frames, at 75 frames a second; minutes stop at 255. */
export function lbaToMsf(lba: number): [number, number, number] {
  const frames = lba + 150;
  return [Math.min(255, Math.floor(frames / (60 * 75))), Math.floor(frames / 75) % 60, frames % 75];
}

function writeAddress(out: Buffer, offset: number, lba: number, msf: boolean): void {
  if (msf) {
    const [m, s, f] = lbaToMsf(lba);
    out[offset] = 0; // reserved, then M, S, F
    out[offset + 1] = m;
    out[offset + 2] = s;
    out[offset + 3] = f;
  } else {
    out.writeUInt32BE(lba, offset);
  }
}

/** An 8-byte TOC track descriptor: reserved, ADR/CONTROL, TRACK NUMBER, reserved, address. */
function trackDescriptor(out: Buffer, offset: number, track: number, lba: number, msf: boolean): void {
  out[offset + 1] = ADR_CONTROL_DATA_TRACK;
  out[offset + 2] = track;
  writeAddress(out, offset + 4, lba, msf);
}

/** The whole response for `c` on a disc of `blockCount` blocks. */
export function readTocData(c: ReadTocCommand, blockCount: number): Buffer {
  if (c.format === TocFormat.sessionInfo) {
    // header: TOC DATA LENGTH 10, FIRST COMPLETE SESSION 1, LAST COMPLETE SESSION 1; then the first track of the last session
    const out = Buffer.alloc(12);
    out.writeUInt16BE(10, 0);
    out[2] = 1;
    out[3] = 1;
    trackDescriptor(out, 4, 1, 0, c.msf);
    return out;
  }
  // header: TOC DATA LENGTH, FIRST TRACK NUMBER 1, LAST TRACK NUMBER 1; track 1 unless only the lead-out was asked for
  const withTrack = c.track !== LEAD_OUT_TRACK;
  const out = Buffer.alloc(4 + 8 * (withTrack ? 2 : 1));
  out.writeUInt16BE(out.length - 2, 0);
  out[2] = 1;
  out[3] = 1;
  if (withTrack) trackDescriptor(out, 4, 1, 0, c.msf);
  trackDescriptor(out, out.length - 8, LEAD_OUT_TRACK, blockCount, c.msf);
  return out;
}
