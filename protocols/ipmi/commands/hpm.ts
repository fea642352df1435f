// HPM.1 firmware upgrade commands (netFn 2Ch, PICMG HPM.1 r1.0 §3: the upgrade commands and the preparation,
// upgrade and activation stages of §3.2-3.4), both sides. Every request and response starts with the PICMG
// identifier 00h. Commands 2Eh Get Target Upgrade Capabilities, 2Fh Get Component Properties, 30h Abort Firmware
// Upgrade, 31h Initiate Upgrade Action, 32h Upload Firmware Block, 33h Finish Firmware Upload, 34h Get Upgrade
// Status, 35h Activate Firmware, 36h Query Self-test Results, 37h Query Rollback Status, 38h Initiate Manual
// Rollback. Multi-byte fields go LS byte first. Layouts as ipmitool 1.8.19 (lib/ipmi_hpmfwupg.c) and Wireshark's
// PICMG dissector read them. Privileges are bmcfleet's choice: reading at User, changing firmware at
// Administrator.
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { putLe, requestLength, reservedValue, responseLength, u32At } from './command-data.js';
import { bcd, fromBcd } from './device.js';
import { GroupExtension, expectPicmg } from './picmg.js';

export const HpmCommand = {
  GET_TARGET_UPGRADE_CAPABILITIES: 0x2e,
  GET_COMPONENT_PROPERTIES: 0x2f,
  ABORT_FIRMWARE_UPGRADE: 0x30,
  INITIATE_UPGRADE_ACTION: 0x31,
  UPLOAD_FIRMWARE_BLOCK: 0x32,
  FINISH_FIRMWARE_UPLOAD: 0x33,
  GET_UPGRADE_STATUS: 0x34,
  ACTIVATE_FIRMWARE: 0x35,
  QUERY_SELF_TEST_RESULTS: 0x36,
  QUERY_ROLLBACK_STATUS: 0x37,
  INITIATE_MANUAL_ROLLBACK: 0x38,
} as const;

/** 80h, for every long-duration command (31h, 32h, 33h, 35h, 38h; 36h and 37h while a self test or rollback runs):
 *  it goes on, and Get Upgrade Status (or Query Rollback Status) says when it is done. */
export const IN_PROGRESS = 0x80;

/** The command-specific completion codes: each command gives 81h-83h its own meaning. */
export const ComponentPropertiesCC = { INVALID_COMPONENT: 0x82, INVALID_SELECTOR: 0x83 } as const;
export const AbortCC = { CANNOT_ABORT: 0x80, ABORTED_CANNOT_RESUME: 0x81 } as const;
/** Initiate Upgrade Action and Upload Firmware Block. */
export const UpgradeActionCC = { INVALID_COMPONENT: 0x81, CHECKSUM_ERROR: 0x82 } as const;
export const FinishUploadCC = { LENGTH_MISMATCH: 0x81, CHECKSUM_ERROR: 0x82, IMAGE_DIFFERS: 0x83 } as const;
export const RollbackStatusCC = { FAILED: 0x81, OVERRIDDEN: 0x82, DENIED: 0x83 } as const;

/** Get Target Upgrade Capabilities byte 3, global capabilities. */
export const UpgradeCapability = {
  SELF_TEST: 0x01,
  AUTOMATIC_ROLLBACK: 0x02,
  MANUAL_ROLLBACK: 0x04,
  /** Services are affected during an upgrade (ipmitool then asks y/n on its terminal). */
  SERVICES_AFFECTED: 0x08,
  DEFERRED_ACTIVATION: 0x10,
  IPMC_DEGRADED_DURING_UPGRADE: 0x20,
  AUTOMATIC_ROLLBACK_OVERRIDDEN: 0x40,
  /** "Firmware upgrade undesirable at this moment": ipmitool refuses to start. */
  UPGRADE_UNDESIRABLE: 0x80,
} as const;

/** Get Component Properties byte 3, the property selector. 05h-BFh are reserved, C0h-FFh OEM. */
export const ComponentSelector = {
  GENERAL: 0x00,
  CURRENT_VERSION: 0x01,
  DESCRIPTION: 0x02,
  ROLLBACK_VERSION: 0x03,
  DEFERRED_VERSION: 0x04,
} as const;

/** General component properties [1:0]: rollback and backup support. */
export const RollbackSupport = { NONE: 0, BACKUP_REQUIRED: 1, BACKUP_NOT_REQUIRED: 2 } as const;

/** Initiate Upgrade Action byte 3. */
export const UpgradeAction = { BACKUP: 0x00, PREPARE: 0x01, UPLOAD_FOR_UPGRADE: 0x02, UPLOAD_FOR_COMPARE: 0x03 } as const;

/** Query Self-test Results byte 3: all self tests passed (as in Get Self Test Results, IPMI 2.0 Table 20-4). */
export const SELF_TEST_PASSED = 0x55;

/** Activate Firmware byte 2 (optional): 01h overrides automatic rollback. */
export const ROLLBACK_OVERRIDE = 0x01;

/** Components are numbered 0-7: one bit each in a component mask. */
export const MAX_COMPONENTS = 8;

/**
 * A firmware version: major [6:0] binary, minor two BCD digits (held here as 0-99), then 4 auxiliary bytes. HPM.1
 * sends 6 bytes; a major of 7Fh (or FFh) with minor FFh means "no version" (nothing there), held as null.
 */
export interface HpmVersion {
  major: number;
  minor: number;
  aux: Uint8Array;
}

export const VERSION_BYTES = 6;
const AUX_BYTES = 4;
const NO_VERSION = 0xff;

/** Writes `v` (or the "no version" marker for null) into 6 bytes at `at`. */
export function putVersion(out: Uint8Array, at: number, v: HpmVersion | null): void {
  if (v === null) {
    out.fill(NO_VERSION, at, at + VERSION_BYTES);
    return;
  }
  if (!Number.isInteger(v.major) || v.major < 0 || v.major > 0x7f) throw new RangeError(`firmware major ${v.major} is not 0-127`);
  if (!Number.isInteger(v.minor) || v.minor < 0 || v.minor > 99) throw new RangeError(`firmware minor ${v.minor} is not 0-99`);
  out[at] = v.major;
  out[at + 1] = bcd(v.minor);
  out.set(v.aux.subarray(0, AUX_BYTES), at + 2);
}

/** The 6-byte version at `at` (the caller checked the length); DecodeError ERR_RANGE for a minor that is not BCD. */
export function versionAt(d: Uint8Array, at: number, field: string, protocol = 'ipmi'): HpmVersion | null {
  if ((d[at] & 0x7f) === 0x7f && d[at + 1] === NO_VERSION) return null;
  return { major: d[at] & 0x7f, minor: fromBcd(d[at + 1], `${field} minor`, at + 1, protocol), aux: d.slice(at + 2, at + VERSION_BYTES) };
}

/** "1.02" and the like: major, then the minor as two decimal digits (as ipmitool prints it). */
export function formatVersion(v: HpmVersion | null): string {
  return v === null ? '---.--' : `${v.major}.${String(v.minor).padStart(2, '0')}`;
}

/** Checks length and the PICMG identifier of a request (ERR_LENGTH: C7h; ERR_GROUP: not a PICMG request). */
function picmgRequest(d: Uint8Array, min: number, max: number, name: string): void {
  requestLength(d, min, max, name);
  expectPicmg(d, `${name} request`);
}

function picmgResponse(d: Uint8Array, min: number, name: string): void {
  responseLength(d, min, name);
  expectPicmg(d, `${name} response`);
}

const PICMG_ONLY = Uint8Array.of(GroupExtension.PICMG);

/** The requests that carry the PICMG identifier alone, and the responses that carry nothing else. */
function identifierOnlyRequest(name: string): Pick<IpmiCommand<void, unknown>, 'encodeRequest' | 'decodeRequest'> {
  return { encodeRequest: () => PICMG_ONLY, decodeRequest: (d) => picmgRequest(d, 1, 1, name) };
}

function identifierOnlyResponse(name: string): Pick<IpmiCommand<unknown, void>, 'encodeResponse' | 'decodeResponse'> {
  return { encodeResponse: () => PICMG_ONLY, decodeResponse: (d) => picmgResponse(d, 1, name) };
}

const G = NetFn.GROUP_EXTENSION;

/** Get Target Upgrade Capabilities response. */
export interface UpgradeCapabilities {
  /** byte 3: HPM.1 revision (00h) */
  hpmVersion: number;
  /** byte 4: UpgradeCapability bits */
  capabilities: number;
  /** bytes 5-8, in 5-second units: upgrade, self-test, rollback and inaccessibility timeouts */
  upgradeTimeout: number;
  selfTestTimeout: number;
  rollbackTimeout: number;
  inaccessibilityTimeout: number;
  /** byte 9: the components present, one bit each */
  components: number;
}

export const GetTargetUpgradeCapabilities: IpmiCommand<void, UpgradeCapabilities> = {
  name: 'Get Target Upgrade Capabilities', netFn: G, cmd: HpmCommand.GET_TARGET_UPGRADE_CAPABILITIES, privilege: Privilege.USER,
  ...identifierOnlyRequest('Get Target Upgrade Capabilities'),
  encodeResponse: (r) => Uint8Array.of(GroupExtension.PICMG, r.hpmVersion, r.capabilities, r.upgradeTimeout, r.selfTestTimeout,
    r.rollbackTimeout, r.inaccessibilityTimeout, r.components),
  decodeResponse(d) {
    picmgResponse(d, 8, 'Get Target Upgrade Capabilities');
    return {
      hpmVersion: d[1], capabilities: d[2], upgradeTimeout: d[3], selfTestTimeout: d[4], rollbackTimeout: d[5],
      inaccessibilityTimeout: d[6], components: d[7],
    };
  },
};

export interface ComponentPropertiesRequest {
  /** byte 2: component 0-7 */
  component: number;
  /** byte 3: ComponentSelector */
  selector: number;
}

/** Selector 00h, byte 3 of the response. */
export interface GeneralComponentProperties {
  selector: typeof ComponentSelector.GENERAL;
  /** [1:0] RollbackSupport */
  rollback: number;
  /** [2] the component needs the "prepare" action before an upload */
  preparation: boolean;
  /** [3] upload for compare is supported */
  comparison: boolean;
  /** [4] activation may be deferred */
  deferredActivation: boolean;
  /** [5] the payload needs a cold reset after activation */
  payloadColdReset: boolean;
}

/** Selectors 01h (active), 03h (rollback copy), 04h (deferred, uploaded but not active): 6 version bytes. */
export interface ComponentVersion {
  selector: typeof ComponentSelector.CURRENT_VERSION | typeof ComponentSelector.ROLLBACK_VERSION | typeof ComponentSelector.DEFERRED_VERSION;
  version: HpmVersion | null;
}

/** Selector 02h: 12 bytes of ASCII, NUL-padded. */
export interface ComponentDescription {
  selector: typeof ComponentSelector.DESCRIPTION;
  description: string;
}

export type ComponentProperty = GeneralComponentProperties | ComponentVersion | ComponentDescription;

export const DESCRIPTION_BYTES = 12;

export const GetComponentProperties: IpmiCommand<ComponentPropertiesRequest, ComponentProperty> = {
  name: 'Get Component Properties', netFn: G, cmd: HpmCommand.GET_COMPONENT_PROPERTIES, privilege: Privilege.USER,
  encodeRequest: (r) => Uint8Array.of(GroupExtension.PICMG, r.component, r.selector),
  decodeRequest(d) {
    picmgRequest(d, 3, 3, 'Get Component Properties');
    return { component: d[1], selector: d[2] };
  },
  encodeResponse(r) {
    switch (r.selector) {
      case ComponentSelector.GENERAL:
        return Uint8Array.of(GroupExtension.PICMG, (r.rollback & 0x03) | (r.preparation ? 0x04 : 0) | (r.comparison ? 0x08 : 0) |
          (r.deferredActivation ? 0x10 : 0) | (r.payloadColdReset ? 0x20 : 0));
      case ComponentSelector.DESCRIPTION: {
        const text = Buffer.from(r.description, 'latin1');
        if (text.length > DESCRIPTION_BYTES) throw new RangeError(`a component description is at most ${DESCRIPTION_BYTES} bytes`);
        const out = new Uint8Array(1 + DESCRIPTION_BYTES);
        out.set(text, 1);
        return out;
      }
      default: {
        const out = new Uint8Array(1 + VERSION_BYTES);
        putVersion(out, 1, r.version);
        return out;
      }
    }
  },
  decodeResponse(d, req) {
    const name = 'Get Component Properties';
    switch (req.selector) {
      case ComponentSelector.GENERAL:
        picmgResponse(d, 2, name);
        return {
          selector: ComponentSelector.GENERAL, rollback: d[1] & 0x03, preparation: (d[1] & 0x04) !== 0, comparison: (d[1] & 0x08) !== 0,
          deferredActivation: (d[1] & 0x10) !== 0, payloadColdReset: (d[1] & 0x20) !== 0,
        };
      case ComponentSelector.DESCRIPTION: {
        picmgResponse(d, 1 + DESCRIPTION_BYTES, name);
        const field = d.subarray(1, 1 + DESCRIPTION_BYTES);
        const end = field.indexOf(0);
        return { selector: ComponentSelector.DESCRIPTION, description: Buffer.from(field.subarray(0, end < 0 ? field.length : end)).toString('latin1') };
      }
      case ComponentSelector.CURRENT_VERSION:
      case ComponentSelector.ROLLBACK_VERSION:
      case ComponentSelector.DEFERRED_VERSION:
        picmgResponse(d, 1 + VERSION_BYTES, name);
        return { selector: req.selector, version: versionAt(d, 1, 'component version') };
      default:
        return reservedValue('component property selector', 2, req.selector);
    }
  },
};

export const AbortFirmwareUpgrade: IpmiCommand<void, void> = {
  name: 'Abort Firmware Upgrade', netFn: G, cmd: HpmCommand.ABORT_FIRMWARE_UPGRADE, privilege: Privilege.ADMINISTRATOR,
  ...identifierOnlyRequest('Abort Firmware Upgrade'),
  ...identifierOnlyResponse('Abort Firmware Upgrade'),
};

export interface UpgradeActionRequest {
  /** byte 2: the components, one bit each */
  components: number;
  /** byte 3: UpgradeAction */
  action: number;
}

export const InitiateUpgradeAction: IpmiCommand<UpgradeActionRequest, void> = {
  name: 'Initiate Upgrade Action', netFn: G, cmd: HpmCommand.INITIATE_UPGRADE_ACTION, privilege: Privilege.ADMINISTRATOR,
  encodeRequest: (r) => Uint8Array.of(GroupExtension.PICMG, r.components, r.action),
  decodeRequest(d) {
    picmgRequest(d, 3, 3, 'Initiate Upgrade Action');
    return { components: d[1], action: d[2] };
  },
  ...identifierOnlyResponse('Initiate Upgrade Action'),
};

export interface FirmwareBlock {
  /** byte 2: 0 for the first block, then +1 a block, wrapping at 256 */
  blockNumber: number;
  /** bytes 3-: the firmware bytes (a view into the request, not a copy) */
  data: Uint8Array;
}

/** Upload Firmware Block response: bytes 2-9, optional, ask the client to go on from another part of the image. */
export interface NextSection {
  nextSection?: { offset: number; length: number };
}

export const UploadFirmwareBlock: IpmiCommand<FirmwareBlock, NextSection> = {
  name: 'Upload Firmware Block', netFn: G, cmd: HpmCommand.UPLOAD_FIRMWARE_BLOCK, privilege: Privilege.ADMINISTRATOR,
  encodeRequest(r) {
    const out = new Uint8Array(2 + r.data.length);
    out[0] = GroupExtension.PICMG;
    out[1] = r.blockNumber;
    out.set(r.data, 2);
    return out;
  },
  decodeRequest(d) {
    picmgRequest(d, 3, Infinity, 'Upload Firmware Block');
    return { blockNumber: d[1], data: d.subarray(2) };
  },
  encodeResponse(r) {
    if (!r.nextSection) return PICMG_ONLY;
    const out = new Uint8Array(9);
    out[0] = GroupExtension.PICMG;
    putLe(out, 1, r.nextSection.offset, 4);
    putLe(out, 5, r.nextSection.length, 4);
    return out;
  },
  decodeResponse(d) {
    picmgResponse(d, 1, 'Upload Firmware Block');
    if (d.length === 1) return {};
    responseLength(d, 9, 'Upload Firmware Block'); // offset and length come together or not at all
    return { nextSection: { offset: u32At(d, 1), length: u32At(d, 5) } };
  },
};

export interface FinishUploadRequest {
  /** byte 2: the component uploaded (0-7) */
  component: number;
  /** bytes 3-6: the bytes uploaded */
  imageLength: number;
}

export const FinishFirmwareUpload: IpmiCommand<FinishUploadRequest, void> = {
  name: 'Finish Firmware Upload', netFn: G, cmd: HpmCommand.FINISH_FIRMWARE_UPLOAD, privilege: Privilege.ADMINISTRATOR,
  encodeRequest(r) {
    const out = new Uint8Array(6);
    out[0] = GroupExtension.PICMG;
    out[1] = r.component;
    putLe(out, 2, r.imageLength, 4);
    return out;
  },
  decodeRequest(d) {
    picmgRequest(d, 6, 6, 'Finish Firmware Upload');
    return { component: d[1], imageLength: u32At(d, 2) };
  },
  ...identifierOnlyResponse('Finish Firmware Upload'),
};

export interface UpgradeStatus {
  /** byte 2: the long-duration command in progress, or the last one */
  command: number;
  /** byte 3: its completion code (80h while in progress) */
  completionCode: number;
  /** byte 4 [6:0], optional: an estimate of the part done, percent */
  percentDone?: number;
}

export const GetUpgradeStatus: IpmiCommand<void, UpgradeStatus> = {
  name: 'Get Upgrade Status', netFn: G, cmd: HpmCommand.GET_UPGRADE_STATUS, privilege: Privilege.USER,
  ...identifierOnlyRequest('Get Upgrade Status'),
  encodeResponse(r) {
    const head = [GroupExtension.PICMG, r.command, r.completionCode];
    return Uint8Array.from(r.percentDone === undefined ? head : [...head, r.percentDone & 0x7f]);
  },
  decodeResponse(d) {
    picmgResponse(d, 3, 'Get Upgrade Status');
    const r: UpgradeStatus = { command: d[1], completionCode: d[2] };
    if (d.length > 3) r.percentDone = d[3] & 0x7f;
    return r;
  },
};

export interface ActivateRequest {
  /** byte 2, optional: ROLLBACK_OVERRIDE asks the controller not to roll back on its own. Absent: rollback allowed. */
  rollbackOverride?: number;
}

export const ActivateFirmware: IpmiCommand<ActivateRequest, void> = {
  name: 'Activate Firmware', netFn: G, cmd: HpmCommand.ACTIVATE_FIRMWARE, privilege: Privilege.ADMINISTRATOR,
  encodeRequest: (r) => (r.rollbackOverride === undefined ? PICMG_ONLY : Uint8Array.of(GroupExtension.PICMG, r.rollbackOverride)),
  decodeRequest(d) {
    picmgRequest(d, 1, 2, 'Activate Firmware');
    return d.length === 2 ? { rollbackOverride: d[1] } : {};
  },
  ...identifierOnlyResponse('Activate Firmware'),
};

export interface SelfTestOutcome {
  /** byte 3: SELF_TEST_PASSED, or a failure (57h corrupted data or devices, 58h fatal hardware error, 60h component failure) */
  result: number;
  /** byte 4: what failed (for 60h: the components) */
  detail: number;
}

export const QuerySelfTestResults: IpmiCommand<void, SelfTestOutcome> = {
  name: 'Query Self-test Results', netFn: G, cmd: HpmCommand.QUERY_SELF_TEST_RESULTS, privilege: Privilege.USER,
  ...identifierOnlyRequest('Query Self-test Results'),
  encodeResponse: (r) => Uint8Array.of(GroupExtension.PICMG, r.result, r.detail),
  decodeResponse(d) {
    picmgResponse(d, 3, 'Query Self-test Results');
    return { result: d[1], detail: d[2] };
  },
};

export interface RollbackStatus {
  /** byte 2: the components rolled back (00h: no rollback happened) */
  components: number;
  /** byte 3 [6:0], optional: an estimate of the part done, percent */
  percentDone?: number;
}

export const QueryRollbackStatus: IpmiCommand<void, RollbackStatus> = {
  name: 'Query Rollback Status', netFn: G, cmd: HpmCommand.QUERY_ROLLBACK_STATUS, privilege: Privilege.USER,
  ...identifierOnlyRequest('Query Rollback Status'),
  encodeResponse: (r) => Uint8Array.from(r.percentDone === undefined ? [GroupExtension.PICMG, r.components] : [GroupExtension.PICMG, r.components, r.percentDone & 0x7f]),
  decodeResponse(d) {
    picmgResponse(d, 2, 'Query Rollback Status');
    const r: RollbackStatus = { components: d[1] };
    if (d.length > 2) r.percentDone = d[2] & 0x7f;
    return r;
  },
};

export const InitiateManualRollback: IpmiCommand<void, void> = {
  name: 'Initiate Manual Rollback', netFn: G, cmd: HpmCommand.INITIATE_MANUAL_ROLLBACK, privilege: Privilege.ADMINISTRATOR,
  ...identifierOnlyRequest('Initiate Manual Rollback'),
  ...identifierOnlyResponse('Initiate Manual Rollback'),
};
