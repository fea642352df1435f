// System boot options (netFn 00h) both sides encode and decode — IPMI 2.0 §28.12 Set System Boot Options
// (Table 28-12), §28.13 Get System Boot Options (Table 28-13) and the parameters of Table 28-14. Parameters 0-7
// are typed, and bmcfleet's iSCSI boot parameters in the OEM range 96-127 (iscsi-boot-parameters.ts); any other
// travels as { kind: 'other', param, data } until a codec is added to PARAMETERS below. Completion codes 80h-82h: ConfigParameterCC (completion-codes.ts).
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { ChassisCommand } from './chassis.js';
import { dataLength, noResponseData, putLe, requestLength, responseLength, u32At } from './command-data.js';
import {
  ISCSI_FIXED_LENGTH, ISCSI_STRING_BLOCK_BYTES, ISCSI_STRING_PARAMS, IscsiBootParam, decodeInitiatorAddress, decodeIsnsServer, decodeStringBlock, decodeTargetLun,
  decodeTargetPortal, encodeInitiatorAddress, encodeStringBlock, encodeTargetLun, encodeTargetPortal, type IscsiBootParameter, type IscsiStringKind,
} from './iscsi-boot-parameters.js';

/** Parameter selectors (Table 28-14). */
export const BootParam = {
  SET_IN_PROGRESS: 0,
  SERVICE_PARTITION_SELECTOR: 1,
  SERVICE_PARTITION_SCAN: 2,
  FLAG_VALID_BIT_CLEARING: 3,
  BOOT_INFO_ACK: 4,
  BOOT_FLAGS: 5,
  BOOT_INITIATOR_INFO: 6,
  BOOT_INITIATOR_MAILBOX: 7,
} as const;

/** Boot flags data 2 [5:2], "boot device selector". */
export const BootDeviceCode = {
  NONE: 0x0, PXE: 0x1, DISK: 0x2, SAFE: 0x3, DIAG: 0x4, CDROM: 0x5, BIOS: 0x6,
  REMOTE_FLOPPY: 0x7, REMOTE_CDROM: 0x8, REMOTE_MEDIA: 0x9, REMOTE_DISK: 0xb, FLOPPY: 0xf,
} as const;

/** Service partition scan data 1. */
export const ServicePartitionScan = { DISCOVERED: 0x01, REQUEST_SCAN: 0x02 } as const;

/** BMC boot flag valid bit clearing data 1: each set bit keeps the valid bit on that event. */
export const KeepValidBit = {
  ON_POWER_BUTTON_OR_WAKE: 0x01,
  ON_RESET_BUTTON_OR_SOFT_RESET: 0x02,
  ON_WATCHDOG_RESET: 0x04,
  /** no Chassis Control within 60 s of setting it */
  ON_TIMEOUT: 0x08,
  ON_PEF_RESET: 0x10,
} as const;

/** Boot info acknowledge data 2: a clear bit says that part has handled the boot info. */
export const BootInfoAck = { BIOS_POST: 0x01, OS_LOADER: 0x02, OS_SERVICE_PARTITION: 0x04, SMS: 0x08, OEM: 0x10 } as const;

/** Boot flags data 3 [6:5]. */
export const FirmwareVerbosity = { DEFAULT: 0, QUIET: 1, VERBOSE: 2 } as const;

/** Boot flags data 3 [1:0]. */
export const ConsoleRedirection = { DEFAULT: 0, SUPPRESS: 1, ENABLE: 2 } as const;

/** Get System Boot Options response byte 2 [3:0]. */
export const BOOT_OPTIONS_PARAMETER_VERSION = 1;

/** Boot initiator mailbox: data bytes per block (the set selector picks the block). */
export const BOOT_MAILBOX_BLOCK_BYTES = 16;

/** Boot flags, parameter 5. Fields marked optional are 0 / false when left out; decoding fills them all in. */
export interface BootFlags {
  kind: 'boot-flags';
  /** data 1 [7] */
  valid: boolean;
  /** [6]: for all future boots, not the next one only */
  persistent: boolean;
  /** [5]: EFI boot, else PC compatible */
  efi: boolean;
  /** data 2 [7] */
  cmosClear?: boolean;
  /** [6] */
  lockKeyboard?: boolean;
  /** [5:2], BootDeviceCode */
  device: number;
  /** [1] */
  screenBlank?: boolean;
  /** [0] */
  lockResetButton?: boolean;
  /** data 3 [7]: lock out power off and sleep through the power button */
  lockPowerButton?: boolean;
  /** [6:5], FirmwareVerbosity */
  firmwareVerbosity?: number;
  /** [4] */
  forceProgressEventTraps?: boolean;
  /** [3] */
  userPasswordBypass?: boolean;
  /** [2] */
  lockSleepButton?: boolean;
  /** [1:0], ConsoleRedirection */
  consoleRedirection?: number;
  /** data 4 [3] */
  biosSharedModeOverride?: boolean;
  /** [2:0] */
  biosMuxControl?: number;
  /** data 5 [4:0] */
  deviceInstance?: number;
}

/** One boot option parameter's data (Table 28-14). */
export type BootParameter =
  /** 0: data 1 [1:0], SetInProgress (config-parameters.ts): 0 set complete, 1 set in progress, 2 commit write */
  | { kind: 'set-in-progress'; state: number }
  /** 1 */
  | { kind: 'service-partition-selector'; selector: number }
  /** 2: ServicePartitionScan bits */
  | { kind: 'service-partition-scan'; flags: number }
  /** 3: KeepValidBit bits */
  | { kind: 'valid-bit-clearing'; flags: number }
  /** 4: data 1 selects which bits of data 2 (BootInfoAck) a Set writes; Get reads it as 0 */
  | { kind: 'boot-info-ack'; writeMask: number; acknowledged: number }
  | BootFlags
  /** 6: who set the boot flags: data 1 [3:0] channel, data 2-5 session ID, data 6-9 timestamp (s), LS byte first */
  | { kind: 'boot-initiator-info'; channel: number; sessionId: number; timestamp: number }
  /** 7: data 1 block (the set selector), data 2-17 the block; a Set may write fewer than 16 bytes */
  | { kind: 'boot-initiator-mailbox'; block: number; data: Uint8Array }
  /** 100-109: bmcfleet's iSCSI boot parameters (iscsi-boot-parameters.ts) */
  | IscsiBootParameter
  /** a parameter without a codec here: its data as sent */
  | { kind: 'other'; param: number; data: Uint8Array };

export interface SetBootOptionRequest {
  /** byte 1 [7]: mark the parameter invalid / locked */
  locked: boolean;
  parameter: BootParameter;
}

export interface GetBootOptionRequest {
  /** byte 1 [6:0] */
  param: number;
  /** byte 2: the block of parameter 7 (the mailbox) and of the iSCSI boot strings (100, 104, 108, 109), else 0 */
  setSelector: number;
  /** byte 3 */
  blockSelector: number;
}

export interface BootOption {
  /** byte 2 [3:0], BOOT_OPTIONS_PARAMETER_VERSION */
  version: number;
  /** byte 3 [7]: the parameter is marked invalid / locked */
  locked: boolean;
  parameter: BootParameter;
}

type Known = Exclude<BootParameter, { kind: 'other' }>;
type Of<K extends Known['kind']> = Extract<Known, { kind: K }>;

interface ParameterCodec {
  param: number;
  /** data bytes: a Set sends min..max; a Get answer has at least min (bytes past max are ignored) */
  min: number;
  max: number;
  encode(p: Known): Uint8Array;
  decode(d: Uint8Array, from: 'request' | 'response'): Known;
}

function codec<K extends Known['kind']>(param: number, min: number, max: number, encode: (p: Of<K>) => Uint8Array,
  decode: (d: Uint8Array, from: 'request' | 'response') => Of<K>): ParameterCodec {
  return { param, min, max, encode: encode as (p: Known) => Uint8Array, decode };
}

const bit = (on: boolean | undefined, mask: number) => (on ? mask : 0);

const PARAMETERS: { [K in Known['kind']]: ParameterCodec } = {
  'set-in-progress': codec<'set-in-progress'>(BootParam.SET_IN_PROGRESS, 1, 1,
    (p) => Uint8Array.of(p.state & 0x03),
    (d) => ({ kind: 'set-in-progress', state: d[0] & 0x03 })),
  'service-partition-selector': codec<'service-partition-selector'>(BootParam.SERVICE_PARTITION_SELECTOR, 1, 1,
    (p) => Uint8Array.of(p.selector),
    (d) => ({ kind: 'service-partition-selector', selector: d[0] })),
  'service-partition-scan': codec<'service-partition-scan'>(BootParam.SERVICE_PARTITION_SCAN, 1, 1,
    (p) => Uint8Array.of(p.flags & 0x03),
    (d) => ({ kind: 'service-partition-scan', flags: d[0] & 0x03 })),
  'valid-bit-clearing': codec<'valid-bit-clearing'>(BootParam.FLAG_VALID_BIT_CLEARING, 1, 1,
    (p) => Uint8Array.of(p.flags & 0x1f),
    (d) => ({ kind: 'valid-bit-clearing', flags: d[0] & 0x1f })),
  'boot-info-ack': codec<'boot-info-ack'>(BootParam.BOOT_INFO_ACK, 2, 2,
    (p) => Uint8Array.of(p.writeMask, p.acknowledged),
    (d) => ({ kind: 'boot-info-ack', writeMask: d[0], acknowledged: d[1] })),
  'boot-flags': codec<'boot-flags'>(BootParam.BOOT_FLAGS, 5, 5,
    (p) => Uint8Array.of(
      bit(p.valid, 0x80) | bit(p.persistent, 0x40) | bit(p.efi, 0x20),
      bit(p.cmosClear, 0x80) | bit(p.lockKeyboard, 0x40) | ((p.device & 0x0f) << 2) | bit(p.screenBlank, 0x02) | bit(p.lockResetButton, 0x01),
      bit(p.lockPowerButton, 0x80) | (((p.firmwareVerbosity ?? 0) & 0x03) << 5) | bit(p.forceProgressEventTraps, 0x10) |
        bit(p.userPasswordBypass, 0x08) | bit(p.lockSleepButton, 0x04) | ((p.consoleRedirection ?? 0) & 0x03),
      bit(p.biosSharedModeOverride, 0x08) | ((p.biosMuxControl ?? 0) & 0x07),
      (p.deviceInstance ?? 0) & 0x1f,
    ),
    (d) => ({
      kind: 'boot-flags',
      valid: (d[0] & 0x80) !== 0, persistent: (d[0] & 0x40) !== 0, efi: (d[0] & 0x20) !== 0,
      cmosClear: (d[1] & 0x80) !== 0, lockKeyboard: (d[1] & 0x40) !== 0, device: (d[1] >> 2) & 0x0f,
      screenBlank: (d[1] & 0x02) !== 0, lockResetButton: (d[1] & 0x01) !== 0,
      lockPowerButton: (d[2] & 0x80) !== 0, firmwareVerbosity: (d[2] >> 5) & 0x03, forceProgressEventTraps: (d[2] & 0x10) !== 0,
      userPasswordBypass: (d[2] & 0x08) !== 0, lockSleepButton: (d[2] & 0x04) !== 0, consoleRedirection: d[2] & 0x03,
      biosSharedModeOverride: (d[3] & 0x08) !== 0, biosMuxControl: d[3] & 0x07,
      deviceInstance: d[4] & 0x1f,
    })),
  'boot-initiator-info': codec<'boot-initiator-info'>(BootParam.BOOT_INITIATOR_INFO, 9, 9,
    (p) => {
      const out = new Uint8Array(9);
      out[0] = p.channel & 0x0f;
      putLe(out, 1, p.sessionId >>> 0, 4);
      putLe(out, 5, p.timestamp >>> 0, 4);
      return out;
    },
    (d) => ({ kind: 'boot-initiator-info', channel: d[0] & 0x0f, sessionId: u32At(d, 1), timestamp: u32At(d, 5) })),
  'boot-initiator-mailbox': codec<'boot-initiator-mailbox'>(BootParam.BOOT_INITIATOR_MAILBOX, 1, 1 + BOOT_MAILBOX_BLOCK_BYTES,
    (p) => {
      if (p.data.length > BOOT_MAILBOX_BLOCK_BYTES) throw new RangeError(`a mailbox block is at most ${BOOT_MAILBOX_BLOCK_BYTES} bytes, got ${p.data.length}`);
      const out = new Uint8Array(1 + p.data.length);
      out[0] = p.block;
      out.set(p.data, 1);
      return out;
    },
    (d) => ({ kind: 'boot-initiator-mailbox', block: d[0], data: d.subarray(1, 1 + BOOT_MAILBOX_BLOCK_BYTES) })),
  'iscsi-initiator-name': stringCodec('iscsi-initiator-name'),
  'iscsi-initiator-address': codec<'iscsi-initiator-address'>(IscsiBootParam.INITIATOR_ADDRESS,
    ISCSI_FIXED_LENGTH[IscsiBootParam.INITIATOR_ADDRESS], ISCSI_FIXED_LENGTH[IscsiBootParam.INITIATOR_ADDRESS], encodeInitiatorAddress, decodeInitiatorAddress),
  'iscsi-isns-server': codec<'iscsi-isns-server'>(IscsiBootParam.ISNS_SERVER,
    ISCSI_FIXED_LENGTH[IscsiBootParam.ISNS_SERVER], ISCSI_FIXED_LENGTH[IscsiBootParam.ISNS_SERVER], encodeTargetPortal, decodeIsnsServer),
  'iscsi-target-name': stringCodec('iscsi-target-name'),
  'iscsi-target-portal': codec<'iscsi-target-portal'>(IscsiBootParam.TARGET_PORTAL,
    ISCSI_FIXED_LENGTH[IscsiBootParam.TARGET_PORTAL], ISCSI_FIXED_LENGTH[IscsiBootParam.TARGET_PORTAL], encodeTargetPortal, decodeTargetPortal),
  'iscsi-target-lun': codec<'iscsi-target-lun'>(IscsiBootParam.TARGET_LUN,
    ISCSI_FIXED_LENGTH[IscsiBootParam.TARGET_LUN], ISCSI_FIXED_LENGTH[IscsiBootParam.TARGET_LUN], encodeTargetLun, decodeTargetLun),
  'iscsi-chap-name': stringCodec('iscsi-chap-name'),
  'iscsi-chap-secret': stringCodec('iscsi-chap-secret'),
};

/** A string parameter: its block (the set selector) and up to 16 bytes; min 1 lets the secret's empty answer through. */
function stringCodec<K extends IscsiStringKind>(kind: K): ParameterCodec {
  return codec<K>(ISCSI_STRING_PARAMS[kind], 1, 1 + ISCSI_STRING_BLOCK_BYTES, encodeStringBlock,
    (d, from) => decodeStringBlock(kind, d, from) as Of<K>);
}

const BY_NUMBER = new Map<number, ParameterCodec>(Object.values(PARAMETERS).map((c) => [c.param, c]));

/** The parameter selector of `p`. */
export function bootParameterNumber(p: BootParameter): number {
  return p.kind === 'other' ? p.param : PARAMETERS[p.kind].param;
}

/** The data bytes of `p` (Table 28-14). */
export function encodeBootParameter(p: BootParameter): Uint8Array {
  return p.kind === 'other' ? p.data : PARAMETERS[p.kind].encode(p);
}

/**
 * Parameter `param`'s data, typed. A Set request's data must have the parameter's length exactly (DecodeError
 * ERR_LENGTH: the BMC answers C7h); a Get answer needs at least that many bytes (ERR_TRUNCATED).
 */
export function decodeBootParameter(param: number, data: Uint8Array, from: 'request' | 'response'): BootParameter {
  const c = BY_NUMBER.get(param);
  if (!c) return { kind: 'other', param, data };
  const field = `boot option parameter ${param}`;
  if (from === 'request') dataLength(data, c.min, c.max, field);
  else responseLength(data, c.min, field);
  return c.decode(data, from);
}

const LOCKED = 0x80;

export const SetSystemBootOptions: IpmiCommand<SetBootOptionRequest, void> = {
  name: 'Set System Boot Options', netFn: NetFn.CHASSIS, cmd: ChassisCommand.SET_SYSTEM_BOOT_OPTIONS, privilege: Privilege.OPERATOR,
  encodeRequest(r) {
    const data = encodeBootParameter(r.parameter);
    const out = new Uint8Array(1 + data.length);
    out[0] = (r.locked ? LOCKED : 0) | (bootParameterNumber(r.parameter) & 0x7f);
    out.set(data, 1);
    return out;
  },
  decodeRequest(d) {
    requestLength(d, 1, Infinity, 'Set System Boot Options');
    return { locked: (d[0] & LOCKED) !== 0, parameter: decodeBootParameter(d[0] & 0x7f, d.subarray(1), 'request') };
  },
  ...noResponseData(),
};

export const GetSystemBootOptions: IpmiCommand<GetBootOptionRequest, BootOption> = {
  name: 'Get System Boot Options', netFn: NetFn.CHASSIS, cmd: ChassisCommand.GET_SYSTEM_BOOT_OPTIONS, privilege: Privilege.OPERATOR,
  encodeRequest: (r) => Uint8Array.of(r.param & 0x7f, r.setSelector, r.blockSelector),
  decodeRequest(d) {
    requestLength(d, 3, 3, 'Get System Boot Options');
    return { param: d[0] & 0x7f, setSelector: d[1], blockSelector: d[2] };
  },
  encodeResponse(r) {
    const data = encodeBootParameter(r.parameter);
    const out = new Uint8Array(2 + data.length);
    out[0] = r.version & 0x0f;
    out[1] = (r.locked ? LOCKED : 0) | (bootParameterNumber(r.parameter) & 0x7f);
    out.set(data, 2);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 2, 'Get System Boot Options');
    return { version: d[0] & 0x0f, locked: (d[1] & LOCKED) !== 0, parameter: decodeBootParameter(d[1] & 0x7f, d.subarray(2), 'response') };
  },
};
