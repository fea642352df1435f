// bmcfleet OEM command for a host's boot from iSCSI (issue 15, step 5): the host's firmware boots from the target its
// BMC's iSCSI boot parameters name (OEM boot parameters 100-109) and the BMC keeps how that went, for a manager to
// poll. In the family of Get Install Progress (install-progress.ts): netFn 2Eh, request and response data opening
// with the IANA enterprise number (IPMI 2.0 §5.1); numbers little-endian, a string a length byte then UTF-8.
//
// Get iSCSI Boot Status, cmd 32h (User): a plain read, so polling it changes nothing
//   request:  IANA(3)
//   response: IANA(3) run(4) state(1) error(1) updatedAt(8) lun(2) targetName(s) message(s)
//
// `run` counts the iSCSI boots this BMC's host has started (0: none yet; volatile, as the install run is).
// `updatedAt` is ms on the BMC's clock. Completion codes: C7h a request of the wrong length, C1h another IANA.
import { DecodeError } from '../../errors.js';
import type { IpmiCommand } from '../commands/command.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import { FieldReader, FieldWriter, OEM_PROTOCOL as PROTO } from './fields.js';
import { BMCFLEET_IANA_BYTES, expectBmcfleetIana, ianaOnly } from './iana.js';

export const IscsiBootStatusCommand = { GET_ISCSI_BOOT_STATUS: 0x32 } as const;

/** Where the last iSCSI boot is. booted and failed are final: the run keeps them until the next iSCSI boot starts. */
export const IscsiBootState = { NONE: 0, BOOTING: 1, BOOTED: 2, FAILED: 3 } as const;
export type IscsiBootState = typeof IscsiBootState[keyof typeof IscsiBootState];

/** Why an iSCSI boot failed (0 while it has not). */
export const IscsiBootError = {
  NONE: 0,
  /** The boot parameters name no target (104 empty), no portal (105) or a LUN the firmware cannot address (106). */
  NO_TARGET: 1,
  /** The iSNS server of parameter 102 did not answer. */
  ISNS_UNREACHABLE: 2,
  /** The iSNS server does not show the target to the host's initiator (no discovery domain holds both). */
  ISNS_NOT_VISIBLE: 3,
  /** The target answered the login with a Status-Class other than success (RFC 7143 §11.13.5). */
  LOGIN_REFUSED: 4,
  /** The portal could not be reached, or the connection broke during the login. */
  LOGIN_FAILED: 5,
  /** The target has no such LUN, or it is not ready. */
  NO_LUN: 6,
  /** READ CAPACITY or READ(10) of the first blocks failed. */
  READ_ERROR: 7,
  /** Block 0 does not end with the MBR signature 55h AAh. */
  NOT_BOOTABLE: 8,
  /** The host was powered off or reset before the boot finished. */
  INTERRUPTED: 9,
  /** The target refused the login's authentication (Login status 02/01): a wrong CHAP name or secret, or none given. */
  AUTHENTICATION: 10,
} as const;
export type IscsiBootError = typeof IscsiBootError[keyof typeof IscsiBootError];

/** An iSCSI name is at most 223 bytes (RFC 3720 §3.2.6.1). */
export const MAX_TARGET_NAME_BYTES = 223;
export const MAX_MESSAGE_BYTES = 96;

export interface IscsiBootReport {
  run: number;
  state: IscsiBootState;
  error: IscsiBootError;
  /** The LUN booted from (or tried). */
  lun: number;
  targetName: string;
  /** What the firmware is doing, or why it failed. */
  message: string;
}

export interface IscsiBootStatus extends IscsiBootReport {
  /** When the host last reported, ms on the BMC's clock. */
  updatedAt: number;
}

export const GetIscsiBootStatus: IpmiCommand<Record<string, never>, IscsiBootStatus> = {
  name: 'bmcfleet Get iSCSI Boot Status', netFn: NetFn.OEM_GROUP, cmd: IscsiBootStatusCommand.GET_ISCSI_BOOT_STATUS, privilege: Privilege.USER,
  encodeRequest: ianaOnly.encode,
  decodeRequest: ianaOnly.decode,
  encodeResponse: (s) => new FieldWriter(21 + MAX_TARGET_NAME_BYTES + MAX_MESSAGE_BYTES).raw(BMCFLEET_IANA_BYTES).u32(s.run, 'run')
    .u8(s.state, 'state').u8(s.error, 'error').u64(s.updatedAt, 'updatedAt').u16(s.lun, 'lun')
    .str(s.targetName, MAX_TARGET_NAME_BYTES).str(s.message, MAX_MESSAGE_BYTES).done(),
  decodeResponse(data) {
    expectBmcfleetIana(data);
    const r = new FieldReader(data, 3);
    const run = r.u32('run');
    const stateAt = r.offset;
    const state = r.u8('state');
    if (state > IscsiBootState.FAILED) throw new DecodeError(PROTO, 'state', stateAt, `unknown state ${state}`, 'ERR_ENUM');
    const error = r.u8('error');
    if (error > IscsiBootError.AUTHENTICATION) throw new DecodeError(PROTO, 'error', stateAt + 1, `unknown error ${error}`, 'ERR_ENUM');
    const s: IscsiBootStatus = {
      run, state: state as IscsiBootState, error: error as IscsiBootError, updatedAt: r.u64('updatedAt'), lun: r.u16('lun'),
      targetName: r.str('targetName'), message: r.str('message'),
    };
    r.end('response');
    return s;
  },
};

/** Names for people and JSON: 'booted', 'isns-not-visible'. */
export const ISCSI_BOOT_STATE_NAMES = { 0: 'none', 1: 'booting', 2: 'booted', 3: 'failed' } as const satisfies Record<IscsiBootState, string>;
export const ISCSI_BOOT_ERROR_NAMES: Record<IscsiBootError, string> = {
  0: 'none', 1: 'no-target', 2: 'isns-unreachable', 3: 'isns-not-visible', 4: 'login-refused', 5: 'login-failed', 6: 'no-lun',
  7: 'read-error', 8: 'not-bootable', 9: 'interrupted', 10: 'authentication',
};
