// Chassis commands (netFn 00h) — IPMI 2.0 §28.1 Get Chassis Capabilities, §28.2 Get Chassis Status,
// §28.3 Chassis Control, §28.5 Chassis Identify, §28.8 Set Power Restore Policy, §28.11 Get System Restart
// Cause, §28.12/28.13 Set/Get System Boot Options (Table 28-14), §28.14 Get POH Counter.
import { requireBytes } from '../../../protocols/errors.js';
import { CompletionCode, ConfigParameterCC } from '../../../protocols/ipmi/completion-codes.js';
import { BMC_SLAVE_ADDRESS, NetFn } from '../../../protocols/ipmi/message.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import type { BootOptionError } from '../boot-options.js';
import { DEFAULT_IDENTIFY_SECONDS, POH_MINUTES_PER_COUNT, type IdentifyState } from '../chassis-state.js';
import type { BmcModel } from '../model.js';
import { controlPower } from '../power.js';
import { expectLength, fail, ok } from './request-data.js';
import type { CommandSpec } from './types.js';

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

/** Set/Get System Boot Options completion codes (§28.12). */
export const BootOptionsCC = ConfigParameterCC;

const BOOT_OPTIONS_PARAMETER_VERSION = 0x01;
const POLICY_NO_CHANGE = 0x03;
const ALL_POLICIES_SUPPORTED = 0x07; // [2] always on, [1] previous, [0] always off
const IDENTIFY_SUPPORTED = 0x40;

const IDENTIFY_BITS: Record<IdentifyState, number> = { off: 0x00, temporary: 0x10, indefinite: 0x20 };

function bootOptionFailure(error: BootOptionError): number {
  switch (error) {
    case 'unsupported': return BootOptionsCC.PARAMETER_NOT_SUPPORTED;
    case 'set-in-progress': return BootOptionsCC.SET_IN_PROGRESS_ACTIVE;
    case 'out-of-range': return CompletionCode.PARAMETER_OUT_OF_RANGE;
    case 'length': return CompletionCode.REQUEST_DATA_LENGTH_INVALID;
    case 'value': return CompletionCode.INVALID_DATA_FIELD;
  }
}

export function chassisCommands(model: BmcModel): CommandSpec[] {
  const N = NetFn.CHASSIS;
  const chassis = model.chassis;
  return [
    {
      // Table 28-1: capability flags (none of intrusion, lockout, NMI, interlock), then the FRU, SDR, SEL and
      // system management device addresses: all this BMC
      netFn: N, cmd: ChassisCommand.GET_CHASSIS_CAPABILITIES, name: 'Get Chassis Capabilities', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'get chassis capabilities');
        return ok(Buffer.from([0x00, BMC_SLAVE_ADDRESS, BMC_SLAVE_ADDRESS, BMC_SLAVE_ADDRESS, BMC_SLAVE_ADDRESS]));
      },
    },
    {
      // Table 28-3: power state + restore policy; last power event; misc state incl. identify; front panel
      netFn: N, cmd: ChassisCommand.GET_CHASSIS_STATUS, name: 'Get Chassis Status', privilege: Privilege.USER,
      handle: (req, ctx) => {
        expectLength(req.data, 0, 0, 'get chassis status');
        return ok(Buffer.from([
          ((chassis.powerRestorePolicy & 0x03) << 5) | (chassis.powerOn ? 0x01 : 0x00),
          chassis.lastPowerEvent,
          IDENTIFY_SUPPORTED | IDENTIFY_BITS[chassis.identifyState(ctx.now)],
          0x00, // no front panel buttons to disable
        ]));
      },
    },
    {
      netFn: N, cmd: ChassisCommand.CHASSIS_CONTROL, name: 'Chassis Control', privilege: Privilege.OPERATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 1, 1, 'chassis control');
        const outcome = controlPower(model, req.data[0] & 0x0f, ctx.now, ctx.session.channel);
        if (outcome === 'invalid') return fail(CompletionCode.INVALID_DATA_FIELD);
        if (outcome === 'not-in-present-state') return fail(CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE);
        return ok();
      },
    },
    {
      // data 1 (optional): interval in seconds, 0 = off, default 15; data 2 (optional) [0]: force on
      netFn: N, cmd: ChassisCommand.CHASSIS_IDENTIFY, name: 'Chassis Identify', privilege: Privilege.OPERATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 0, 2, 'chassis identify');
        const seconds = req.data.length >= 1 ? req.data[0] : DEFAULT_IDENTIFY_SECONDS;
        const force = req.data.length === 2 && (req.data[1] & 0x01) !== 0;
        chassis.identify(seconds, force, ctx.now);
        model.emit({ kind: 'identify', state: chassis.identifyState(ctx.now) }, ctx.now);
        return ok();
      },
    },
    {
      // data 1 [2:0]: policy, 3 = no change (just report what is supported)
      netFn: N, cmd: ChassisCommand.SET_POWER_RESTORE_POLICY, name: 'Set Power Restore Policy', privilege: Privilege.OPERATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 1, 1, 'set power restore policy');
        const policy = req.data[0] & 0x07;
        if (policy > POLICY_NO_CHANGE) return fail(CompletionCode.INVALID_DATA_FIELD);
        if (policy !== POLICY_NO_CHANGE) {
          chassis.powerRestorePolicy = policy;
          model.emit({ kind: 'power-restore-policy', policy }, ctx.now);
        }
        return ok(Buffer.from([ALL_POLICIES_SUPPORTED]));
      },
    },
    {
      netFn: N, cmd: ChassisCommand.GET_SYSTEM_RESTART_CAUSE, name: 'Get System Restart Cause', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'get system restart cause');
        return ok(Buffer.from([chassis.restartCause & 0x0f, chassis.restartChannel & 0x0f]));
      },
    },
    {
      // data 1: [7] 1 = mark parameter invalid/locked, [6:0] parameter; then the parameter's data
      netFn: N, cmd: ChassisCommand.SET_SYSTEM_BOOT_OPTIONS, name: 'Set System Boot Options', privilege: Privilege.OPERATOR,
      handle: (req, ctx) => {
        requireBytes(req.data, 0, 1, 'ipmi', 'boot option parameter');
        const param = req.data[0] & 0x7f;
        const result = model.bootOptions.write(param, req.data.subarray(1), (req.data[0] & 0x80) !== 0);
        if (!result.ok) return fail(bootOptionFailure(result.error));
        model.emit({ kind: 'boot-option', parameter: param }, ctx.now);
        return ok();
      },
    },
    {
      // request: parameter, set selector, block selector; response: version, [7] invalid/locked + parameter, data
      netFn: N, cmd: ChassisCommand.GET_SYSTEM_BOOT_OPTIONS, name: 'Get System Boot Options', privilege: Privilege.OPERATOR,
      handle: (req) => {
        expectLength(req.data, 3, 3, 'get system boot options');
        const param = req.data[0] & 0x7f;
        const result = model.bootOptions.read(param, req.data[1]);
        if (!result.ok) return fail(bootOptionFailure(result.error));
        return ok(Buffer.concat([
          Buffer.from([BOOT_OPTIONS_PARAMETER_VERSION, (result.locked ? 0x80 : 0) | param]),
          result.data,
        ]));
      },
    },
    {
      // minutes per count, then the 32-bit counter, LS byte first
      netFn: N, cmd: ChassisCommand.GET_POH_COUNTER, name: 'Get POH Counter', privilege: Privilege.USER,
      handle: (req, ctx) => {
        expectLength(req.data, 0, 0, 'get poh counter');
        const out = Buffer.alloc(5);
        out[0] = POH_MINUTES_PER_COUNT;
        out.writeUInt32LE(Math.floor(chassis.powerOnMinutes(ctx.now) / POH_MINUTES_PER_COUNT) >>> 0, 1);
        return ok(out);
      },
    },
  ];
}
