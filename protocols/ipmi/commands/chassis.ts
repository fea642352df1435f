// Chassis commands (netFn 00h) both sides encode and decode — IPMI 2.0 §28.1 Get Chassis Capabilities
// (Table 28-1), §28.2 Get Chassis Status (Table 28-3), §28.3 Chassis Control (Table 28-4), §28.5 Chassis
// Identify (Table 28-5), §28.8 Set Power Restore Policy (Table 28-8), §28.11 Get System Restart Cause
// (Table 28-11), §28.14 Get POH Counter (Table 28-15). Boot options are in boot-options.ts. Byte numbers in
// comments are the spec's (the completion code is response byte 1).
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { NO_DATA, noRequestData, noResponseData, putLe, requestLength, responseLength, u32At } from './command-data.js';

export const ChassisCommand = {
  GET_CHASSIS_CAPABILITIES: 0x00,
  GET_CHASSIS_STATUS: 0x01,
  CHASSIS_CONTROL: 0x02,
  CHASSIS_IDENTIFY: 0x04,
  SET_POWER_RESTORE_POLICY: 0x06,
  GET_SYSTEM_RESTART_CAUSE: 0x07,
  SET_SYSTEM_BOOT_OPTIONS: 0x08,
  GET_SYSTEM_BOOT_OPTIONS: 0x09,
  GET_POH_COUNTER: 0x0f,
} as const;

/** Get Chassis Capabilities byte 2. */
export const ChassisCapability = { INTRUSION_SENSOR: 0x01, FRONT_PANEL_LOCKOUT: 0x02, DIAGNOSTIC_INTERRUPT: 0x04, POWER_INTERLOCK: 0x08 } as const;

/** Chassis Control byte 1 [3:0]. */
export const ChassisAction = {
  POWER_DOWN: 0x0,
  POWER_UP: 0x1,
  POWER_CYCLE: 0x2,
  HARD_RESET: 0x3,
  PULSE_DIAGNOSTIC_INTERRUPT: 0x4,
  SOFT_SHUTDOWN: 0x5,
} as const;

/** Get Chassis Status byte 2 [6:5] (11b: unknown) and Set Power Restore Policy byte 1 [2:0]. */
export const PowerRestorePolicy = { ALWAYS_OFF: 0x0, PREVIOUS: 0x1, ALWAYS_ON: 0x2 } as const;

/** Set Power Restore Policy byte 1: change nothing, only report what is supported. */
export const POWER_RESTORE_NO_CHANGE = 0x3;

/** Set Power Restore Policy response byte 2: the policies the chassis supports. */
export const PowerRestoreSupport = { ALWAYS_OFF: 0x01, PREVIOUS: 0x02, ALWAYS_ON: 0x04 } as const;

/** Get Chassis Status byte 3, "last power event". */
export const LastPowerEvent = { AC_FAILED: 0x01, OVERLOAD: 0x02, INTERLOCK: 0x04, POWER_FAULT: 0x08, IPMI_COMMAND: 0x10 } as const;

/** Get System Restart Cause byte 2 [3:0]. */
export const RestartCause = {
  UNKNOWN: 0x0, CHASSIS_CONTROL: 0x1, RESET_BUTTON: 0x2, POWER_BUTTON: 0x3, WATCHDOG: 0x4, OEM: 0x5,
  ALWAYS_RESTORE: 0x6, RESTORE_PREVIOUS: 0x7, PEF_RESET: 0x8, PEF_POWER_CYCLE: 0x9, SOFT_RESET: 0xa, RTC_WAKEUP: 0xb,
} as const;

/** Get Chassis Status byte 4 [5:4]. */
export type IdentifyState = 'off' | 'temporary' | 'indefinite';

/** Chassis Identify without byte 1 lights the identify for 15 s (§28.5). */
export const DEFAULT_IDENTIFY_SECONDS = 15;

/** Get Chassis Capabilities response (Table 28-1). */
export interface ChassisCapabilities {
  /** byte 2, ChassisCapability bits */
  flags: number;
  /** bytes 3-6: slave addresses of the devices that hold them */
  fruDeviceAddress: number;
  sdrDeviceAddress: number;
  selDeviceAddress: number;
  systemManagementDeviceAddress: number;
  /** byte 7, optional: the chassis bridge device */
  bridgeDeviceAddress?: number;
}

/** Get Chassis Status response (Table 28-3). */
export interface ChassisStatus {
  /** byte 2 [0] */
  powerOn: boolean;
  /** [1] */
  powerOverload: boolean;
  /** [2] */
  powerInterlock: boolean;
  /** [3] */
  powerFault: boolean;
  /** [4] */
  powerControlFault: boolean;
  /** [6:5], PowerRestorePolicy; 3 = unknown */
  powerRestorePolicy: number;
  /** byte 3, LastPowerEvent bits */
  lastPowerEvent: number;
  /** byte 4 [0] */
  intrusion: boolean;
  /** [1] */
  frontPanelLockout: boolean;
  /** [2] */
  driveFault: boolean;
  /** [3] */
  coolingFault: boolean;
  /** [5:4]; absent when [6] says the chassis does not report it; 'reserved' for 11b, which a BMC may still send */
  identify?: IdentifyState | 'reserved';
  /** byte 5, optional: front panel buttons, [7:4] "disable allowed", [3:0] "disabled" (standby, diagnostic, reset, power off) */
  frontPanelButtons?: number;
}

export interface ChassisControlRequest {
  /** ChassisAction */
  action: number;
}

export interface ChassisIdentifyRequest {
  /** byte 1, optional: seconds, 0 = off; absent = DEFAULT_IDENTIFY_SECONDS */
  seconds?: number;
  /** byte 2 [0], optional: on until told otherwise (byte 1 is then sent too) */
  force?: boolean;
}

export interface PowerRestorePolicyRequest {
  /** PowerRestorePolicy, or POWER_RESTORE_NO_CHANGE */
  policy: number;
}

export interface PowerRestorePolicySupport {
  /** PowerRestoreSupport bits */
  supported: number;
}

export interface SystemRestartCause {
  /** RestartCause */
  cause: number;
  /** the channel the restart-causing request came in on */
  channel: number;
}

export interface PohCounter {
  minutesPerCount: number;
  /** powered-on time in counts of minutesPerCount */
  counter: number;
}

const CAPABILITIES_BYTES = 5;
const IDENTIFY_SUPPORTED = 0x40;
const IDENTIFY_STATES: readonly (IdentifyState | 'reserved')[] = ['off', 'temporary', 'indefinite', 'reserved'];

export const GetChassisCapabilities: IpmiCommand<void, ChassisCapabilities> = {
  name: 'Get Chassis Capabilities', netFn: NetFn.CHASSIS, cmd: ChassisCommand.GET_CHASSIS_CAPABILITIES, privilege: Privilege.USER,
  ...noRequestData('Get Chassis Capabilities'),
  encodeResponse(r) {
    const head = [r.flags & 0x0f, r.fruDeviceAddress, r.sdrDeviceAddress, r.selDeviceAddress, r.systemManagementDeviceAddress];
    return Uint8Array.from(r.bridgeDeviceAddress === undefined ? head : [...head, r.bridgeDeviceAddress]);
  },
  decodeResponse(d) {
    responseLength(d, CAPABILITIES_BYTES, 'Get Chassis Capabilities');
    const r: ChassisCapabilities = {
      flags: d[0] & 0x0f, fruDeviceAddress: d[1], sdrDeviceAddress: d[2], selDeviceAddress: d[3], systemManagementDeviceAddress: d[4],
    };
    if (d.length > CAPABILITIES_BYTES) r.bridgeDeviceAddress = d[5];
    return r;
  },
};

export const GetChassisStatus: IpmiCommand<void, ChassisStatus> = {
  name: 'Get Chassis Status', netFn: NetFn.CHASSIS, cmd: ChassisCommand.GET_CHASSIS_STATUS, privilege: Privilege.USER,
  ...noRequestData('Get Chassis Status'),
  encodeResponse(r) {
    const out = new Uint8Array(r.frontPanelButtons === undefined ? 3 : 4);
    out[0] = ((r.powerRestorePolicy & 0x03) << 5) | (r.powerControlFault ? 0x10 : 0) | (r.powerFault ? 0x08 : 0) |
      (r.powerInterlock ? 0x04 : 0) | (r.powerOverload ? 0x02 : 0) | (r.powerOn ? 0x01 : 0);
    out[1] = r.lastPowerEvent & 0x1f;
    out[2] = (r.identify === undefined ? 0 : IDENTIFY_SUPPORTED | (IDENTIFY_STATES.indexOf(r.identify) << 4)) |
      (r.coolingFault ? 0x08 : 0) | (r.driveFault ? 0x04 : 0) | (r.frontPanelLockout ? 0x02 : 0) | (r.intrusion ? 0x01 : 0);
    if (r.frontPanelButtons !== undefined) out[3] = r.frontPanelButtons;
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 3, 'Get Chassis Status');
    const r: ChassisStatus = {
      powerOn: (d[0] & 0x01) !== 0, powerOverload: (d[0] & 0x02) !== 0, powerInterlock: (d[0] & 0x04) !== 0,
      powerFault: (d[0] & 0x08) !== 0, powerControlFault: (d[0] & 0x10) !== 0, powerRestorePolicy: (d[0] >> 5) & 0x03,
      lastPowerEvent: d[1] & 0x1f,
      intrusion: (d[2] & 0x01) !== 0, frontPanelLockout: (d[2] & 0x02) !== 0, driveFault: (d[2] & 0x04) !== 0, coolingFault: (d[2] & 0x08) !== 0,
    };
    if (d[2] & IDENTIFY_SUPPORTED) r.identify = IDENTIFY_STATES[(d[2] >> 4) & 0x03];
    if (d.length > 3) r.frontPanelButtons = d[3];
    return r;
  },
};

export const ChassisControl: IpmiCommand<ChassisControlRequest, void> = {
  name: 'Chassis Control', netFn: NetFn.CHASSIS, cmd: ChassisCommand.CHASSIS_CONTROL, privilege: Privilege.OPERATOR,
  encodeRequest: (r) => Uint8Array.of(r.action & 0x0f),
  decodeRequest(d) {
    requestLength(d, 1, 1, 'Chassis Control');
    return { action: d[0] & 0x0f };
  },
  ...noResponseData(),
};

export const ChassisIdentify: IpmiCommand<ChassisIdentifyRequest, void> = {
  name: 'Chassis Identify', netFn: NetFn.CHASSIS, cmd: ChassisCommand.CHASSIS_IDENTIFY, privilege: Privilege.OPERATOR,
  encodeRequest(r) {
    if (r.force !== undefined) return Uint8Array.of(r.seconds ?? DEFAULT_IDENTIFY_SECONDS, r.force ? 0x01 : 0x00);
    return r.seconds === undefined ? NO_DATA : Uint8Array.of(r.seconds);
  },
  decodeRequest(d) {
    requestLength(d, 0, 2, 'Chassis Identify');
    const r: ChassisIdentifyRequest = {};
    if (d.length >= 1) r.seconds = d[0];
    if (d.length === 2) r.force = (d[1] & 0x01) !== 0;
    return r;
  },
  ...noResponseData(),
};

export const SetPowerRestorePolicy: IpmiCommand<PowerRestorePolicyRequest, PowerRestorePolicySupport> = {
  name: 'Set Power Restore Policy', netFn: NetFn.CHASSIS, cmd: ChassisCommand.SET_POWER_RESTORE_POLICY, privilege: Privilege.OPERATOR,
  encodeRequest: (r) => Uint8Array.of(r.policy & 0x07),
  decodeRequest(d) {
    requestLength(d, 1, 1, 'Set Power Restore Policy');
    return { policy: d[0] & 0x07 };
  },
  encodeResponse: (r) => Uint8Array.of(r.supported & 0x07),
  decodeResponse(d) {
    responseLength(d, 1, 'Set Power Restore Policy');
    return { supported: d[0] & 0x07 };
  },
};

export const GetSystemRestartCause: IpmiCommand<void, SystemRestartCause> = {
  name: 'Get System Restart Cause', netFn: NetFn.CHASSIS, cmd: ChassisCommand.GET_SYSTEM_RESTART_CAUSE, privilege: Privilege.USER,
  ...noRequestData('Get System Restart Cause'),
  encodeResponse: (r) => Uint8Array.of(r.cause & 0x0f, r.channel & 0x0f),
  decodeResponse(d) {
    responseLength(d, 2, 'Get System Restart Cause');
    return { cause: d[0] & 0x0f, channel: d[1] & 0x0f };
  },
};

export const GetPohCounter: IpmiCommand<void, PohCounter> = {
  name: 'Get POH Counter', netFn: NetFn.CHASSIS, cmd: ChassisCommand.GET_POH_COUNTER, privilege: Privilege.USER,
  ...noRequestData('Get POH Counter'),
  encodeResponse(r) {
    const out = new Uint8Array(5);
    out[0] = r.minutesPerCount;
    putLe(out, 1, r.counter >>> 0, 4);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 5, 'Get POH Counter');
    return { minutesPerCount: d[0], counter: u32At(d, 1) };
  },
};
