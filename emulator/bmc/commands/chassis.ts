// Chassis commands (netFn 00h) — IPMI 2.0 §28.1 Get Chassis Capabilities, §28.2 Get Chassis Status,
// §28.3 Chassis Control, §28.5 Chassis Identify, §28.8 Set Power Restore Policy, §28.11 Get System Restart
// Cause, §28.12/28.13 Set/Get System Boot Options (Table 28-14), §28.14 Get POH Counter. The bytes are in
// protocols/ipmi/commands/chassis.ts and boot-options.ts.
import {
  BOOT_OPTIONS_PARAMETER_VERSION, GetSystemBootOptions, SetSystemBootOptions, bootParameterNumber, decodeBootParameter,
  encodeBootParameter,
} from '../../../protocols/ipmi/commands/boot-options.js';
import {
  ChassisControl, ChassisIdentify, DEFAULT_IDENTIFY_SECONDS, GetChassisCapabilities, GetChassisStatus, GetPohCounter,
  GetSystemRestartCause, POWER_RESTORE_NO_CHANGE, PowerRestoreSupport, SetPowerRestorePolicy,
} from '../../../protocols/ipmi/commands/chassis.js';
import { CompletionCode, ConfigParameterCC } from '../../../protocols/ipmi/completion-codes.js';
import { BMC_SLAVE_ADDRESS } from '../../../protocols/ipmi/message.js';
import type { BootOptionError } from '../boot-options.js';
import { POH_MINUTES_PER_COUNT } from '../chassis-state.js';
import { controlPower } from '../power.js';
import { answerDecodeError, handler, refuse, type Refusal } from './define.js';
import type { CommandSpec } from './types.js';

/** No intrusion sensor, lockout, NMI or interlock; this BMC holds the FRU, SDR and SEL and manages the system. */
const CAPABILITIES = {
  flags: 0, fruDeviceAddress: BMC_SLAVE_ADDRESS, sdrDeviceAddress: BMC_SLAVE_ADDRESS, selDeviceAddress: BMC_SLAVE_ADDRESS,
  systemManagementDeviceAddress: BMC_SLAVE_ADDRESS,
} as const;

const NO_FAULTS = {
  powerOverload: false, powerInterlock: false, powerFault: false, powerControlFault: false,
  intrusion: false, frontPanelLockout: false, driveFault: false, coolingFault: false,
} as const;

const ALL_POLICIES = { supported: PowerRestoreSupport.ALWAYS_OFF | PowerRestoreSupport.PREVIOUS | PowerRestoreSupport.ALWAYS_ON };

const INVALID_DATA_FIELD = refuse(CompletionCode.INVALID_DATA_FIELD);

function bootOptionFailure(error: BootOptionError): Refusal {
  switch (error) {
    case 'unsupported': return refuse(ConfigParameterCC.PARAMETER_NOT_SUPPORTED);
    case 'set-in-progress': return refuse(ConfigParameterCC.SET_IN_PROGRESS_ACTIVE);
    case 'out-of-range': return refuse(CompletionCode.PARAMETER_OUT_OF_RANGE);
    case 'length': return refuse(CompletionCode.REQUEST_DATA_LENGTH_INVALID);
    case 'value': return INVALID_DATA_FIELD;
  }
}

export const chassisCommands: readonly CommandSpec[] = [
  handler(GetChassisCapabilities, () => CAPABILITIES),
  handler(GetChassisStatus, (_req, ctx) => {
    const chassis = ctx.model.chassis;
    return {
      ...NO_FAULTS,
      powerOn: chassis.powerOn,
      powerRestorePolicy: chassis.powerRestorePolicy,
      lastPowerEvent: chassis.lastPowerEvent,
      identify: chassis.identifyState(ctx.now),
      frontPanelButtons: 0, // no front panel buttons to disable
    };
  }),
  handler(ChassisControl, (req, ctx) => {
    const outcome = controlPower(ctx.model, req.action, ctx.now, ctx.session.channel);
    if (outcome === 'invalid') return INVALID_DATA_FIELD;
    if (outcome === 'not-in-present-state') return refuse(CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE);
  }),
  handler(ChassisIdentify, (req, ctx) => {
    const chassis = ctx.model.chassis;
    chassis.identify(req.seconds ?? DEFAULT_IDENTIFY_SECONDS, req.force ?? false, ctx.now);
    ctx.model.emit({ kind: 'identify', state: chassis.identifyState(ctx.now) }, ctx.now);
  }),
  handler(SetPowerRestorePolicy, (req, ctx) => {
    if (req.policy > POWER_RESTORE_NO_CHANGE) return INVALID_DATA_FIELD;
    if (req.policy !== POWER_RESTORE_NO_CHANGE) {
      ctx.model.chassis.powerRestorePolicy = req.policy;
      ctx.model.emit({ kind: 'power-restore-policy', policy: req.policy }, ctx.now);
    }
    return ALL_POLICIES;
  }),
  handler(GetSystemRestartCause, (_req, ctx) => ({ cause: ctx.model.chassis.restartCause, channel: ctx.model.chassis.restartChannel })),
  // a value the parameter cannot hold (an iSCSI LUN in another addressing method) is CCh, not C7h
  answerDecodeError(handler(SetSystemBootOptions, (req, ctx) => {
    const param = bootParameterNumber(req.parameter);
    const result = ctx.model.bootOptions.write(param, encodeBootParameter(req.parameter), req.locked);
    if (!result.ok) return bootOptionFailure(result.error);
    ctx.model.emit({ kind: 'boot-option', parameter: param }, ctx.now);
  }), 'ERR_RANGE', CompletionCode.INVALID_DATA_FIELD),
  handler(GetSystemBootOptions, (req, ctx) => {
    const result = ctx.model.bootOptions.read(req.param, req.setSelector);
    if (!result.ok) return bootOptionFailure(result.error);
    return {
      version: BOOT_OPTIONS_PARAMETER_VERSION, locked: result.locked,
      parameter: decodeBootParameter(req.param, result.data, 'response'),
    };
  }),
  handler(GetPohCounter, (_req, ctx) => ({
    minutesPerCount: POH_MINUTES_PER_COUNT,
    counter: Math.floor(ctx.model.chassis.powerOnMinutes(ctx.now) / POH_MINUTES_PER_COUNT),
  })),
];
