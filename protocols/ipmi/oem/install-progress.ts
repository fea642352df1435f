// bmcfleet OEM commands for a host's installation progress (issue 14, step 4): the host's installation agent sets it
// and a manager polls it, in the family of Get Hardware Inventory (netFn 2Eh, request and response data opening with
// the IANA enterprise number, IPMI 2.0 §5.1; numbers little-endian, a string a length byte then UTF-8).
//
// Set Install Progress, cmd 30h (Administrator): what the host's agent reports (in-band on a real machine)
//   request:  IANA(3) run(4) phase(1) percent(1) error(1) message(s) role(s)
//   response: IANA(3)
// Get Install Progress, cmd 31h (User): a plain read, so polling it changes nothing
//   request:  IANA(3)
//   response: IANA(3) run(4) phase(1) percent(1) error(1) updatedAt(8) message(s) role(s)
//
// `run` counts the installs this BMC has seen start (0: none yet): a manager reads it before it power-cycles the host
// and waits for a greater run that is done or failed. `updatedAt` is ms on the BMC's clock. Completion codes: C7h a
// request of the wrong length, CCh a phase, percent or error code out of range, C1h another IANA.
import { DecodeError } from '../../errors.js';
import type { IpmiCommand } from '../commands/command.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import { FieldReader, FieldWriter, OEM_PROTOCOL as PROTO } from './fields.js';
import { BMCFLEET_IANA_BYTES, expectBmcfleetIana, ianaOnly } from './iana.js';

export const InstallProgressCommand = { SET_INSTALL_PROGRESS: 0x30, GET_INSTALL_PROGRESS: 0x31 } as const;

/** Where an install is. done and failed are final: the run keeps them until the next install starts. */
export const InstallPhase = {
  IDLE: 0, ATTACHING: 1, VERIFYING: 2, COPYING: 3, PACKAGES: 4, FINISHING: 5, DONE: 6, FAILED: 7,
} as const;
export type InstallPhase = typeof InstallPhase[keyof typeof InstallPhase];

/** Why an install failed (0 while it has not). */
export const InstallError = {
  NONE: 0,
  /** The CD-ROM drive held no medium. */
  NO_MEDIUM: 1,
  /** The host could not attach its BMC's drive over USB/IP. */
  ATTACH_FAILED: 2,
  /** No ISO 9660 Primary Volume Descriptor at sector 16, or a damaged directory. */
  NOT_ISO9660: 3,
  /** The manifest or the install configuration is missing or malformed. */
  BAD_IMAGE: 4,
  /** A file's SHA-256 differs from the manifest's. */
  BAD_CHECKSUM: 5,
  /** A block of the CD-ROM could not be read. */
  READ_ERROR: 6,
  /** The disk drive holds no medium. */
  NO_DISK: 7,
  /** The system does not fit the disk. */
  DISK_TOO_SMALL: 8,
  /** A write to the disk failed. */
  WRITE_ERROR: 9,
  /** The host was powered off or reset before the install finished. */
  INTERRUPTED: 10,
} as const;
export type InstallError = typeof InstallError[keyof typeof InstallError];

export const MAX_MESSAGE_BYTES = 96;
export const MAX_ROLE_BYTES = 32;

export interface InstallProgress {
  run: number;
  phase: InstallPhase;
  /** 0-100 of the whole install. */
  percent: number;
  error: InstallError;
  /** What the agent is doing, or why it failed. */
  message: string;
  /** The role the image installs (from its configuration), once known. */
  role: string;
}

export interface InstallProgressStatus extends InstallProgress {
  /** When the agent last reported, ms on the BMC's clock. */
  updatedAt: number;
}

function reader(data: Uint8Array): FieldReader {
  expectBmcfleetIana(data);
  return new FieldReader(data, 3);
}

function checked(r: FieldReader): Omit<InstallProgress, 'message' | 'role'> {
  const run = r.u32('run');
  const phaseAt = r.offset;
  const phase = r.u8('phase');
  if (phase > InstallPhase.FAILED) throw new DecodeError(PROTO, 'phase', phaseAt, `unknown phase ${phase}`, 'ERR_ENUM');
  const percent = r.u8('percent');
  if (percent > 100) throw new DecodeError(PROTO, 'percent', phaseAt + 1, `${percent} is over 100`, 'ERR_ENUM');
  const error = r.u8('error');
  if (error > InstallError.INTERRUPTED) throw new DecodeError(PROTO, 'error', phaseAt + 2, `unknown error ${error}`, 'ERR_ENUM');
  return { run, phase: phase as InstallPhase, percent, error: error as InstallError };
}

export const SetInstallProgress: IpmiCommand<InstallProgress, Record<string, never>> = {
  name: 'bmcfleet Set Install Progress', netFn: NetFn.OEM_GROUP, cmd: InstallProgressCommand.SET_INSTALL_PROGRESS, privilege: Privilege.ADMINISTRATOR,
  encodeRequest: (p) => new FieldWriter(12 + MAX_MESSAGE_BYTES + MAX_ROLE_BYTES).raw(BMCFLEET_IANA_BYTES).u32(p.run, 'run').u8(p.phase, 'phase')
    .u8(p.percent, 'percent').u8(p.error, 'error').str(p.message, MAX_MESSAGE_BYTES).str(p.role, MAX_ROLE_BYTES).done(),
  decodeRequest(data) {
    const r = reader(data);
    const p = { ...checked(r), message: r.str('message'), role: r.str('role') };
    r.end('request');
    return p;
  },
  encodeResponse: ianaOnly.encode,
  decodeResponse: ianaOnly.decode,
};

export const GetInstallProgress: IpmiCommand<Record<string, never>, InstallProgressStatus> = {
  name: 'bmcfleet Get Install Progress', netFn: NetFn.OEM_GROUP, cmd: InstallProgressCommand.GET_INSTALL_PROGRESS, privilege: Privilege.USER,
  encodeRequest: ianaOnly.encode,
  decodeRequest: ianaOnly.decode,
  encodeResponse: (s) => new FieldWriter(20 + MAX_MESSAGE_BYTES + MAX_ROLE_BYTES).raw(BMCFLEET_IANA_BYTES).u32(s.run, 'run').u8(s.phase, 'phase')
    .u8(s.percent, 'percent').u8(s.error, 'error').u64(s.updatedAt, 'updatedAt').str(s.message, MAX_MESSAGE_BYTES).str(s.role, MAX_ROLE_BYTES).done(),
  decodeResponse(data) {
    const r = reader(data);
    const s = { ...checked(r), updatedAt: r.u64('updatedAt'), message: r.str('message'), role: r.str('role') };
    r.end('response');
    return s;
  },
};

/** Names for people and JSON: 'copying', 'failed'. */
export const INSTALL_PHASE_NAMES: Record<InstallPhase, string> = {
  0: 'idle', 1: 'attaching', 2: 'verifying', 3: 'copying', 4: 'packages', 5: 'finishing', 6: 'done', 7: 'failed',
};
export const INSTALL_ERROR_NAMES: Record<InstallError, string> = {
  0: 'none', 1: 'no-medium', 2: 'attach-failed', 3: 'not-iso9660', 4: 'bad-image', 5: 'bad-checksum', 6: 'read-error',
  7: 'no-disk', 8: 'disk-too-small', 9: 'write-error', 10: 'interrupted',
};
