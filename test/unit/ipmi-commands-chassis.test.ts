// Chassis and boot option codecs (protocols/ipmi/commands/chassis.ts, boot-options.ts) on real bytes: ipmitool's
// "chassis status" against ipmi_sim from the capture, the five writes of "chassis bootdev pxe" (PEERS.md), the
// emulator's own answers; then a client's encoded requests through the BMC's handlers and back.
import t from 'tap';
import {
  BootDeviceCode, BootInfoAck, BootParam, ConsoleRedirection, FirmwareVerbosity, GetSystemBootOptions, KeepValidBit,
  SetSystemBootOptions, decodeBootParameter, encodeBootParameter, type BootFlags, type BootParameter,
} from '../../protocols/ipmi/commands/boot-options.js';
import {
  ChassisAction, ChassisControl, ChassisIdentify, GetChassisCapabilities, GetChassisStatus, GetPohCounter, GetSystemRestartCause,
  LastPowerEvent, PowerRestorePolicy, PowerRestoreSupport, RestartCause, SetPowerRestorePolicy,
} from '../../protocols/ipmi/commands/chassis.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { fixture } from '../helpers/bmc-command-fixture.js';
import { capturedRequests, capturedResponses } from '../helpers/captured-commands.js';
import { tryCommand as call } from '../helpers/bmc-command-fixture.js';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
const bytes = (b: Uint8Array) => [...b];


t.test('the definitions carry the spec\'s netFn, command and privilege (Appendix G)', (t) => {
  const table: Array<[Pick<IpmiCommand<unknown, unknown>, 'name' | 'netFn' | 'cmd' | 'privilege'>, string, number, number]> = [
    [GetChassisCapabilities, 'Get Chassis Capabilities', 0x00, Privilege.USER],
    [GetChassisStatus, 'Get Chassis Status', 0x01, Privilege.USER],
    [ChassisControl, 'Chassis Control', 0x02, Privilege.OPERATOR],
    [ChassisIdentify, 'Chassis Identify', 0x04, Privilege.OPERATOR],
    [SetPowerRestorePolicy, 'Set Power Restore Policy', 0x06, Privilege.OPERATOR],
    [GetSystemRestartCause, 'Get System Restart Cause', 0x07, Privilege.USER],
    [SetSystemBootOptions, 'Set System Boot Options', 0x08, Privilege.OPERATOR],
    [GetSystemBootOptions, 'Get System Boot Options', 0x09, Privilege.OPERATOR],
    [GetPohCounter, 'Get POH Counter', 0x0f, Privilege.USER],
  ];
  for (const [def, name, cmd, privilege] of table) t.same([def.name, def.netFn, def.cmd, def.privilege], [name, NetFn.CHASSIS, cmd, privilege], name);
  t.end();
});

t.test('Get Chassis Status: ipmitool against ipmi_sim, and the emulator\'s answer (Table 28-3)', (t) => {
  const [request] = capturedRequests(NetFn.CHASSIS, 0x01);
  t.same(bytes(request), [], 'ipmitool sends no data');
  t.equal(GetChassisStatus.decodeRequest(request), undefined);
  const [sim] = capturedResponses(NetFn.CHASSIS, 0x01);
  t.same(bytes(sim), [0, 0, 0], 'ipmi_sim: three bytes, no front panel byte');
  const off = GetChassisStatus.decodeResponse(sim);
  t.same(off, {
    powerOn: false, powerOverload: false, powerInterlock: false, powerFault: false, powerControlFault: false,
    powerRestorePolicy: PowerRestorePolicy.ALWAYS_OFF, lastPowerEvent: 0,
    intrusion: false, frontPanelLockout: false, driveFault: false, coolingFault: false,
  }, 'no identify support reported: no identify state');
  t.same(bytes(GetChassisStatus.encodeResponse(off)), [0, 0, 0]);

  const ours = hex('21 10 50 00'); // on, restore previous; powered on by IPMI; identify supported, temporarily on
  const on = GetChassisStatus.decodeResponse(ours);
  t.match(on, { powerOn: true, powerRestorePolicy: PowerRestorePolicy.PREVIOUS, lastPowerEvent: LastPowerEvent.IPMI_COMMAND, identify: 'temporary', frontPanelButtons: 0 });
  t.same(bytes(GetChassisStatus.encodeResponse(on)), bytes(ours));
  t.match(GetChassisStatus.decodeResponse(hex('7f 1f 6f')), {
    powerOverload: true, powerInterlock: true, powerFault: true, powerControlFault: true, powerRestorePolicy: 3,
    intrusion: true, frontPanelLockout: true, driveFault: true, coolingFault: true, identify: 'indefinite',
  });
  t.same(bytes(GetChassisStatus.encodeResponse(GetChassisStatus.decodeResponse(hex('7f 1f 6f')))), [0x7f, 0x1f, 0x6f]);
  const reserved = GetChassisStatus.decodeResponse(hex('01 00 70'));
  t.equal(reserved.identify, 'reserved', 'identify state 11b is reserved: read as such, not refused');
  t.same(bytes(GetChassisStatus.encodeResponse(reserved)), [0x01, 0x00, 0x70], 'and sent back as 11b');
  t.throws(() => GetChassisStatus.decodeResponse(hex('01 00')), { code: 'ERR_TRUNCATED' });
  t.throws(() => GetChassisStatus.decodeRequest(hex('00')), { code: 'ERR_LENGTH' });
  t.end();
});

t.test('Get Chassis Capabilities, Get System Restart Cause, Get POH Counter', (t) => {
  const caps = GetChassisCapabilities.decodeResponse(hex('00 20 20 20 20'));
  t.same(caps, { flags: 0, fruDeviceAddress: 0x20, sdrDeviceAddress: 0x20, selDeviceAddress: 0x20, systemManagementDeviceAddress: 0x20 });
  t.same(bytes(GetChassisCapabilities.encodeResponse(caps)), [0, 0x20, 0x20, 0x20, 0x20]);
  t.equal(GetChassisCapabilities.decodeResponse(hex('0f 20 20 20 20 22')).bridgeDeviceAddress, 0x22);
  t.same(bytes(GetChassisCapabilities.encodeResponse({ ...caps, bridgeDeviceAddress: 0x22 })), [0, 0x20, 0x20, 0x20, 0x20, 0x22]);

  t.same(GetSystemRestartCause.decodeResponse(hex('01 01')), { cause: RestartCause.CHASSIS_CONTROL, channel: 1 });
  t.same(bytes(GetSystemRestartCause.encodeResponse({ cause: RestartCause.SOFT_RESET, channel: 0x0e })), [0x0a, 0x0e]);

  t.same(GetPohCounter.decodeResponse(hex('01 22 01 00 00')), { minutesPerCount: 1, counter: 290 });
  t.same(bytes(GetPohCounter.encodeResponse({ minutesPerCount: 60, counter: 0xfedcba98 })), [60, 0x98, 0xba, 0xdc, 0xfe]);
  t.equal(GetPohCounter.decodeResponse(hex('3c 98 ba dc fe')).counter, 0xfedcba98, 'unsigned');
  t.throws(() => GetPohCounter.decodeResponse(hex('01 22 01 00')), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('Chassis Control: ipmitool\'s "power off|on|cycle|reset|diag|soft" bytes (Table 28-4)', (t) => {
  const actions = [ChassisAction.POWER_DOWN, ChassisAction.POWER_UP, ChassisAction.POWER_CYCLE, ChassisAction.HARD_RESET,
    ChassisAction.PULSE_DIAGNOSTIC_INTERRUPT, ChassisAction.SOFT_SHUTDOWN];
  actions.forEach((action, code) => {
    t.same(ChassisControl.decodeRequest(Uint8Array.of(code)), { action });
    t.same(bytes(ChassisControl.encodeRequest({ action })), [code]);
  });
  t.same(ChassisControl.decodeRequest(hex('06')), { action: 6 }, 'a reserved action decodes, for the BMC to refuse with CCh');
  t.same(ChassisControl.decodeRequest(hex('f2')), { action: 2 }, 'bits 7:4 are reserved');
  t.throws(() => ChassisControl.decodeRequest(hex('')), { code: 'ERR_LENGTH' });
  t.throws(() => ChassisControl.decodeRequest(hex('01 00')), { code: 'ERR_LENGTH' });
  t.end();
});

t.test('Chassis Identify: both bytes optional; force implies an interval (§28.5)', (t) => {
  t.same(ChassisIdentify.decodeRequest(hex('')), {});
  t.same(ChassisIdentify.decodeRequest(hex('0a')), { seconds: 10 });
  t.same(ChassisIdentify.decodeRequest(hex('00 01')), { seconds: 0, force: true });
  t.same(ChassisIdentify.decodeRequest(hex('05 fe')), { seconds: 5, force: false });
  t.same(bytes(ChassisIdentify.encodeRequest({})), []);
  t.same(bytes(ChassisIdentify.encodeRequest({ seconds: 10 })), [10]);
  t.same(bytes(ChassisIdentify.encodeRequest({ force: true })), [15, 1], 'the default 15 s goes in byte 1');
  t.throws(() => ChassisIdentify.decodeRequest(hex('00 01 00')), { code: 'ERR_LENGTH' });
  t.end();
});

t.test('Set Power Restore Policy: policy in, supported policies out (Table 28-8)', (t) => {
  t.same(SetPowerRestorePolicy.decodeRequest(hex('02')), { policy: PowerRestorePolicy.ALWAYS_ON });
  t.same(SetPowerRestorePolicy.decodeRequest(hex('03')), { policy: 3 }, 'no change');
  t.same(bytes(SetPowerRestorePolicy.encodeRequest({ policy: PowerRestorePolicy.PREVIOUS })), [1]);
  t.same(SetPowerRestorePolicy.decodeResponse(hex('07'), { policy: 3 }), {
    supported: PowerRestoreSupport.ALWAYS_OFF | PowerRestoreSupport.PREVIOUS | PowerRestoreSupport.ALWAYS_ON,
  });
  t.same(bytes(SetPowerRestorePolicy.encodeResponse({ supported: PowerRestoreSupport.ALWAYS_ON })), [0x04]);
  t.throws(() => SetPowerRestorePolicy.decodeResponse(hex(''), { policy: 3 }), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('Set System Boot Options: the five writes of ipmitool "chassis bootdev pxe" (Table 28-14)', (t) => {
  const writes: Array<[string, BootParameter]> = [
    ['00 01', { kind: 'set-in-progress', state: 1 }],
    ['04 01 01', { kind: 'boot-info-ack', writeMask: BootInfoAck.BIOS_POST, acknowledged: BootInfoAck.BIOS_POST }],
    ['05 80 04 00 00 00', {
      kind: 'boot-flags', valid: true, persistent: false, efi: false, cmosClear: false, lockKeyboard: false, device: BootDeviceCode.PXE,
      screenBlank: false, lockResetButton: false, lockPowerButton: false, firmwareVerbosity: 0, forceProgressEventTraps: false,
      userPasswordBypass: false, lockSleepButton: false, consoleRedirection: 0, biosSharedModeOverride: false, biosMuxControl: 0,
      deviceInstance: 0,
    }],
    ['00 02', { kind: 'set-in-progress', state: 2 }],
    ['00 00', { kind: 'set-in-progress', state: 0 }],
  ];
  for (const [data, parameter] of writes) {
    t.same(SetSystemBootOptions.decodeRequest(hex(data)), { locked: false, parameter }, data);
    t.same(bytes(SetSystemBootOptions.encodeRequest({ locked: false, parameter })), bytes(hex(data)));
  }
  const pxe: BootFlags = { kind: 'boot-flags', valid: true, persistent: false, efi: false, device: BootDeviceCode.PXE };
  t.same(bytes(SetSystemBootOptions.encodeRequest({ locked: false, parameter: pxe })), bytes(hex('05 80 04 00 00 00')),
    'left-out boot flags are 0');
  t.same(SetSystemBootOptions.decodeRequest(hex('81 05')), { locked: true, parameter: { kind: 'service-partition-selector', selector: 5 } });
  t.end();
});

t.test('boot parameters: every boot flag in its bit, initiator info, mailbox, OEM parameters left as bytes', (t) => {
  const everything: BootFlags = {
    kind: 'boot-flags', valid: true, persistent: true, efi: true, cmosClear: true, lockKeyboard: true, device: BootDeviceCode.FLOPPY,
    screenBlank: true, lockResetButton: true, lockPowerButton: true, firmwareVerbosity: FirmwareVerbosity.VERBOSE,
    forceProgressEventTraps: true, userPasswordBypass: true, lockSleepButton: true, consoleRedirection: ConsoleRedirection.ENABLE,
    biosSharedModeOverride: true, biosMuxControl: 7, deviceInstance: 0x1f,
  };
  t.same(bytes(encodeBootParameter(everything)), [0xe0, 0xff, 0xde, 0x0f, 0x1f]);
  t.same(decodeBootParameter(BootParam.BOOT_FLAGS, hex('e0 ff de 0f 1f'), 'request'), everything);
  t.same(bytes(encodeBootParameter({ kind: 'boot-flags', valid: false, persistent: false, efi: false, device: BootDeviceCode.NONE,
    firmwareVerbosity: FirmwareVerbosity.QUIET, consoleRedirection: ConsoleRedirection.SUPPRESS })), [0, 0, 0x21, 0, 0]);
  t.equal(decodeBootParameter(BootParam.BOOT_FLAGS, hex('e0 ff de ff ff'), 'request').kind, 'boot-flags', 'reserved bits ignored');

  const info = hex('01 44 33 22 11 00 10 20 30');
  t.same(decodeBootParameter(BootParam.BOOT_INITIATOR_INFO, info, 'request'),
    { kind: 'boot-initiator-info', channel: 1, sessionId: 0x11223344, timestamp: 0x30201000 });
  t.same(bytes(encodeBootParameter({ kind: 'boot-initiator-info', channel: 1, sessionId: 0x11223344, timestamp: 0x30201000 })), bytes(info));
  t.same(decodeBootParameter(BootParam.FLAG_VALID_BIT_CLEARING, hex('18'), 'request'),
    { kind: 'valid-bit-clearing', flags: KeepValidBit.ON_TIMEOUT | KeepValidBit.ON_PEF_RESET });
  t.same(decodeBootParameter(BootParam.SERVICE_PARTITION_SCAN, hex('03'), 'request'), { kind: 'service-partition-scan', flags: 3 });

  const short = decodeBootParameter(BootParam.BOOT_INITIATOR_MAILBOX, hex('02 aa bb'), 'request');
  t.match(short, { kind: 'boot-initiator-mailbox', block: 2 });
  t.same(bytes(encodeBootParameter(short)), [0x02, 0xaa, 0xbb], 'a short block stays short');
  t.throws(() => encodeBootParameter({ kind: 'boot-initiator-mailbox', block: 0, data: new Uint8Array(17) }), RangeError);
  t.throws(() => decodeBootParameter(BootParam.BOOT_INITIATOR_MAILBOX, new Uint8Array(18), 'request'), { code: 'ERR_LENGTH' });
  t.throws(() => decodeBootParameter(BootParam.BOOT_INITIATOR_MAILBOX, new Uint8Array(0), 'request'), { code: 'ERR_LENGTH' });

  const oem = SetSystemBootOptions.decodeRequest(hex('62 01 02 03'));
  t.same(oem, { locked: false, parameter: { kind: 'other', param: 98, data: Uint8Array.of(1, 2, 3) } }, 'OEM parameter 98: its bytes');
  t.same(bytes(SetSystemBootOptions.encodeRequest(oem)), [0x62, 1, 2, 3]);
  t.same(SetSystemBootOptions.decodeRequest(hex('08')).parameter, { kind: 'other', param: 8, data: new Uint8Array(0) });

  t.throws(() => SetSystemBootOptions.decodeRequest(hex('05 80 04 00 00')), { code: 'ERR_LENGTH' }, 'boot flags are 5 bytes');
  t.throws(() => SetSystemBootOptions.decodeRequest(hex('04 01')), { code: 'ERR_LENGTH' });
  t.throws(() => SetSystemBootOptions.decodeRequest(hex('')), { code: 'ERR_LENGTH' });
  t.end();
});

t.test('Get System Boot Options: request selectors; answers read by the parameter they name (§28.13)', (t) => {
  t.same(GetSystemBootOptions.decodeRequest(hex('05 00 00')), { param: 5, setSelector: 0, blockSelector: 0 });
  t.same(bytes(GetSystemBootOptions.encodeRequest({ param: 7, setSelector: 2, blockSelector: 0 })), [7, 2, 0]);
  t.throws(() => GetSystemBootOptions.decodeRequest(hex('05 00')), { code: 'ERR_LENGTH' });
  const ask = { param: 5, setSelector: 0, blockSelector: 0 };
  const flags = hex('01 05 80 04 00 00 00'); // bmc-commands-chassis.test: "bootparam get 5" after "bootdev pxe"
  const option = GetSystemBootOptions.decodeResponse(flags, ask);
  t.match(option, { version: 1, locked: false, parameter: { kind: 'boot-flags', valid: true, device: BootDeviceCode.PXE } });
  t.same(bytes(GetSystemBootOptions.encodeResponse(option)), bytes(flags));
  t.same(GetSystemBootOptions.decodeResponse(hex('01 81 05'), ask), { version: 1, locked: true, parameter: { kind: 'service-partition-selector', selector: 5 } });
  const block = Buffer.concat([hex('01 07 02 aa bb'), Buffer.alloc(14)]);
  const mailbox = GetSystemBootOptions.decodeResponse(block, ask).parameter;
  t.match(mailbox, { kind: 'boot-initiator-mailbox', block: 2 });
  t.equal(mailbox.kind === 'boot-initiator-mailbox' && mailbox.data.length, 16);
  t.same(GetSystemBootOptions.decodeResponse(hex('01 05 80 04 00 00 00 99'), ask).parameter, option.parameter, 'bytes past the parameter ignored');
  t.throws(() => GetSystemBootOptions.decodeResponse(hex('01 05 80 04 00'), ask), { code: 'ERR_TRUNCATED' });
  t.throws(() => GetSystemBootOptions.decodeResponse(hex('01'), ask), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('both sides: power, identify, policy and boot options through the BMC\'s handlers', (t) => {
  const f = fixture({ powerOn: false });
  t.match(call(f, GetChassisStatus, undefined), { powerOn: false, identify: 'off' });
  t.same(call(f, ChassisControl, { action: ChassisAction.POWER_CYCLE }), { cc: 0xd5 }, 'cycle needs power on');
  t.same(call(f, ChassisControl, { action: ChassisAction.POWER_UP }), undefined);
  t.same(call(f, ChassisIdentify, { force: true }), undefined);
  t.same(call(f, SetPowerRestorePolicy, { policy: PowerRestorePolicy.ALWAYS_ON }), { supported: 0x07 });
  t.match(call(f, GetChassisStatus, undefined), {
    powerOn: true, powerRestorePolicy: PowerRestorePolicy.ALWAYS_ON, lastPowerEvent: LastPowerEvent.IPMI_COMMAND, identify: 'indefinite',
  });
  t.same(call(f, GetSystemRestartCause, undefined), { cause: RestartCause.CHASSIS_CONTROL, channel: 1 });
  t.same(call(f, GetChassisCapabilities, undefined), { flags: 0, fruDeviceAddress: 0x20, sdrDeviceAddress: 0x20, selDeviceAddress: 0x20, systemManagementDeviceAddress: 0x20 });
  t.match(call(f, GetPohCounter, undefined), { minutesPerCount: 1 });

  const disk: BootFlags = { kind: 'boot-flags', valid: true, persistent: true, efi: true, device: BootDeviceCode.DISK };
  t.same(call(f, SetSystemBootOptions, { locked: false, parameter: disk }), undefined);
  t.equal(f.model.bootDevice, 'disk');
  t.match(call(f, GetSystemBootOptions, { param: BootParam.BOOT_FLAGS, setSelector: 0, blockSelector: 0 }),
    { version: 1, locked: false, parameter: { ...disk, cmosClear: false, deviceInstance: 0 } });
  t.same(call(f, SetSystemBootOptions, { locked: false, parameter: { kind: 'other', param: 98, data: Uint8Array.of(1) } }), { cc: 0x80 },
    'OEM parameters are not supported yet');
  t.same(call(f, GetSystemBootOptions, { param: BootParam.BOOT_INITIATOR_MAILBOX, setSelector: 16, blockSelector: 0 }), { cc: 0xc9 });
  t.end();
});
