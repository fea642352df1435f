// Sense data — SPC-4 §4.5: the sense keys and additional sense codes this device reports, the fixed format
// (§4.5.3, response code 70h: current error) and the REQUEST SENSE command that returns it.
import { DecodeError, requireBytes } from '../errors.js';
import { PROTO, ScsiOpcode, checkCdbField, invalidField, readCdb } from './cdb.js';

/** SENSE KEY (SPC-4 §4.5.6, sense key descriptions). */
export const SenseKey = {
  noSense: 0x0,
  notReady: 0x2,
  mediumError: 0x3,
  illegalRequest: 0x5,
  unitAttention: 0x6,
  dataProtect: 0x7,
} as const;

export interface SenseCondition {
  readonly key: number;
  /** ADDITIONAL SENSE CODE. */
  readonly asc: number;
  /** ADDITIONAL SENSE CODE QUALIFIER. */
  readonly ascq: number;
}

/** The conditions this device reports (SPC-4 Annex D, ASC and ASCQ assignments). */
export const Sense = {
  none: { key: SenseKey.noSense, asc: 0x00, ascq: 0x00 },
  /** LOGICAL UNIT NOT READY, OFFLINE: the logical unit is taken out of service (an iSCSI LUN set offline). */
  lunOffline: { key: SenseKey.notReady, asc: 0x04, ascq: 0x12 },
  /** MEDIUM NOT PRESENT: the drive is empty. */
  mediumNotPresent: { key: SenseKey.notReady, asc: 0x3a, ascq: 0x00 },
  /** NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED: a medium was inserted since this host last looked. */
  mediumMayHaveChanged: { key: SenseKey.unitAttention, asc: 0x28, ascq: 0x00 },
  /** INVALID COMMAND OPERATION CODE. */
  invalidOpcode: { key: SenseKey.illegalRequest, asc: 0x20, ascq: 0x00 },
  /** LOGICAL BLOCK ADDRESS OUT OF RANGE. */
  lbaOutOfRange: { key: SenseKey.illegalRequest, asc: 0x21, ascq: 0x00 },
  /** INVALID FIELD IN CDB. */
  invalidFieldInCdb: { key: SenseKey.illegalRequest, asc: 0x24, ascq: 0x00 },
  /** LOGICAL UNIT NOT SUPPORTED: a command to a LUN the target does not have. */
  lunNotSupported: { key: SenseKey.illegalRequest, asc: 0x25, ascq: 0x00 },
  /** SAVING PARAMETERS NOT SUPPORTED: MODE SENSE asked for saved values. */
  savingParametersNotSupported: { key: SenseKey.illegalRequest, asc: 0x39, ascq: 0x00 },
  /** MEDIUM REMOVAL PREVENTED: an eject while PREVENT ALLOW MEDIUM REMOVAL holds the medium. */
  mediumRemovalPrevented: { key: SenseKey.illegalRequest, asc: 0x53, ascq: 0x02 },
  /** WRITE PROTECTED: a write to a CD-ROM or a read-only disk. */
  writeProtected: { key: SenseKey.dataProtect, asc: 0x27, ascq: 0x00 },
  /** UNRECOVERED READ ERROR: the image behind the medium could not be read. */
  unrecoveredReadError: { key: SenseKey.mediumError, asc: 0x11, ascq: 0x00 },
  /** WRITE ERROR: the medium refused a write or a flush. */
  writeError: { key: SenseKey.mediumError, asc: 0x0c, ascq: 0x00 },
} as const satisfies Record<string, SenseCondition>;

/** SENSE KEY names as SPC-4 §4.5.6 spells them (0Ch is obsolete, 09h vendor specific). */
const SENSE_KEY_NAMES: readonly string[] = [
  'NO SENSE', 'RECOVERED ERROR', 'NOT READY', 'MEDIUM ERROR', 'HARDWARE ERROR', 'ILLEGAL REQUEST', 'UNIT ATTENTION', 'DATA PROTECT',
  'BLANK CHECK', 'VENDOR SPECIFIC', 'COPY ABORTED', 'ABORTED COMMAND', 'SENSE KEY 0CH', 'VOLUME OVERFLOW', 'MISCOMPARE', 'COMPLETED',
];

/** ASC/ASCQ descriptions (SPC-4 Annex D) of the conditions in `Sense`: one for each but `none`. */
const CONDITION_NAMES: Record<Exclude<keyof typeof Sense, 'none'>, string> = {
  lunOffline: 'LOGICAL UNIT NOT READY, OFFLINE',
  mediumNotPresent: 'MEDIUM NOT PRESENT',
  mediumMayHaveChanged: 'NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED',
  invalidOpcode: 'INVALID COMMAND OPERATION CODE',
  lbaOutOfRange: 'LOGICAL BLOCK ADDRESS OUT OF RANGE',
  invalidFieldInCdb: 'INVALID FIELD IN CDB',
  lunNotSupported: 'LOGICAL UNIT NOT SUPPORTED',
  savingParametersNotSupported: 'SAVING PARAMETERS NOT SUPPORTED',
  mediumRemovalPrevented: 'MEDIUM REMOVAL PREVENTED',
  writeProtected: 'WRITE PROTECTED',
  unrecoveredReadError: 'UNRECOVERED READ ERROR',
  writeError: 'WRITE ERROR',
};

/** The same names keyed asc << 8 | ascq, the codes taken from `Sense`. */
const NAME_BY_CODE: ReadonlyMap<number, string> = new Map(Object.entries(CONDITION_NAMES).map(([condition, name]) => {
  const { asc, ascq } = Sense[condition as keyof typeof CONDITION_NAMES];
  return [(asc << 8) | ascq, name];
}));

const hex2 = (v: number) => v.toString(16).padStart(2, '0');

/** "NOT READY, MEDIUM NOT PRESENT (02/3a/00)": the key, the condition when known, and the three codes. */
export function describeSense(sense: SenseCondition): string {
  const condition = NAME_BY_CODE.get((sense.asc << 8) | sense.ascq);
  const codes = `${hex2(sense.key)}/${hex2(sense.asc)}/${hex2(sense.ascq)}`;
  return `${SENSE_KEY_NAMES[sense.key & 0x0f]}${condition ? `, ${condition}` : ''} (${codes})`;
}

/** Fixed format sense data is 18 bytes with ADDITIONAL SENSE LENGTH 10 (SPC-4 §4.5.3). */
export const FIXED_SENSE_LENGTH = 18;
/** RESPONSE CODE 70h: current error, fixed format (SPC-4 §4.5.1). */
export const FIXED_CURRENT = 0x70;

/** Fixed format sense data (SPC-4 §4.5.3); VALID is 0, so INFORMATION carries nothing, nor the sense-key-specific bytes. */
export function encodeFixedSense(sense: SenseCondition): Buffer {
  const out = Buffer.alloc(FIXED_SENSE_LENGTH);
  out[0] = FIXED_CURRENT; // VALID (7) = 0, RESPONSE CODE (6-0)
  out[2] = sense.key & 0x0f; // FILEMARK, EOM, ILI, SDAT_OVFL = 0; SENSE KEY (3-0)
  out[7] = FIXED_SENSE_LENGTH - 8; // ADDITIONAL SENSE LENGTH: bytes after byte 7
  out[12] = sense.asc;
  out[13] = sense.ascq;
  return out;
}

/** Reads the sense key, ASC and ASCQ of fixed format sense data, as a host does (response codes 70h and 71h). */
export function decodeFixedSense(buf: Uint8Array): SenseCondition {
  requireBytes(buf, 0, 14, PROTO, 'fixed sense data');
  const responseCode = buf[0] & 0x7f;
  if (responseCode !== 0x70 && responseCode !== 0x71) {
    throw new DecodeError(PROTO, 'RESPONSE CODE', 0, `0x${responseCode.toString(16)} is not fixed format`, 'ERR_SENSE_FORMAT');
  }
  return { key: buf[2] & 0x0f, asc: buf[12], ascq: buf[13] };
}

export interface RequestSenseCommand {
  op: 'request-sense';
  allocationLength: number;
}

/** REQUEST SENSE for fixed format data (DESC = 0), `allocationLength` bytes at most (18: all of it). */
export function encodeRequestSense(allocationLength = FIXED_SENSE_LENGTH): Buffer {
  checkCdbField('REQUEST SENSE', 'ALLOCATION LENGTH', allocationLength, 0xff);
  return Buffer.from([ScsiOpcode.requestSense, 0, 0, 0, allocationLength, 0]);
}

/** REQUEST SENSE (SPC-4, REQUEST SENSE command): byte 1 bit 0 DESC, byte 4 ALLOCATION LENGTH. */
export function decodeRequestSense(input: Uint8Array): RequestSenseCommand {
  const cdb = readCdb(input, 6, 'REQUEST SENSE');
  // DESC = 1 asks for descriptor format, which this device does not produce: INVALID FIELD IN CDB.
  if ((cdb[1] & 0x01) !== 0) throw invalidField('REQUEST SENSE', 'DESC', 1, 'descriptor format sense data is not supported');
  return { op: 'request-sense', allocationLength: cdb[4] };
}
