// Fuzzes the App and Chassis command codecs (protocols/ipmi/commands/device.ts, channel.ts, users.ts, chassis.ts,
// boot-options.ts): every decodeRequest and decodeResponse that reads data bytes gets random inputs and mutations
// of real ones (ipmitool's requests and ipmi_sim's answers from the capture, the emulator's answers, ipmitool's
// documented writes, answers with values the spec reserves). Each must return a sane value or throw a DecodeError, and what decodes must re-encode and
// decode to the same value. FUZZ_SEED and FUZZ_ITERATIONS replay or lengthen a run (fuzz-helpers.ts).
import t from 'tap';
import { GetSystemBootOptions, SetSystemBootOptions } from '../../protocols/ipmi/commands/boot-options.js';
import { GetChannelAccess, GetChannelInfo, SetChannelAccess } from '../../protocols/ipmi/commands/channel.js';
import {
  ChassisControl, ChassisIdentify, GetChassisCapabilities, GetChassisStatus, GetPohCounter, GetSystemRestartCause, SetPowerRestorePolicy,
} from '../../protocols/ipmi/commands/chassis.js';
import { GetDeviceGuid, GetDeviceId, GetSelfTestResults } from '../../protocols/ipmi/commands/device.js';
import {
  GetSessionInfo, GetUserAccess, GetUserName, SetUserAccess, SetUserName, SetUserPassword,
} from '../../protocols/ipmi/commands/users.js';
import { capturedMessages } from '../helpers/captured-commands.js';
import { checkSeeds, fuzzTargets, requestTarget, responseTarget, type CommandTarget } from './command-targets.js';
import { fuzzIterations, fuzzSeed, seedHex } from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(3000);

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
const pad = (s: string, n: number) => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(n - s.length)]);
const emulatorSession = hex('03 08 01 02 04 11 c0 a8 07 09 00 00 00 00 00 00 51 c3');

// Targets without bytes or values take their seeds from the capture alone.
const TARGETS: CommandTarget[] = [
  responseTarget(GetDeviceId, undefined, { bytes: [hex('20 01 03 47 02 8f de bc 0a 34 12 01 02 03 04'), hex('00 00 01 0a 02 00 00 00 00 00 00')],
    lengths: (v) => [['auxFirmware', v.auxFirmware, 4]] }),
  responseTarget(GetSelfTestResults, undefined, { bytes: [hex('55 00'), hex('57 0c')] }),
  responseTarget(GetDeviceGuid, undefined, { bytes: [hex('00112233445566778899aabbccddeeff')], lengths: (v) => [['guid', v.guid, 16]] }),
  requestTarget(GetChannelInfo, {}),
  responseTarget(GetChannelInfo, { channel: 1 }, { lengths: (v) => [['auxInfo', v.auxInfo, 2]] }),
  requestTarget(GetChannelAccess, { bytes: [hex('01 80'), hex('0e 40')] }),
  responseTarget(GetChannelAccess, { channel: 1, target: 2 }, { bytes: [hex('22 04'), hex('23 03')] }),
  requestTarget(SetChannelAccess, { bytes: [hex('01 63 83'), hex('01 c0 00')] }),
  requestTarget(GetUserAccess, {}),
  responseTarget(GetUserAccess, { channel: 1, userId: 2 }, {}),
  requestTarget(SetUserAccess, { bytes: [hex('01 03 02 00'), hex('f1 03 03')] }),
  requestTarget(GetUserName, {}),
  responseTarget(GetUserName, { userId: 2 }, {}),
  requestTarget(SetUserName, { bytes: [Buffer.concat([hex('03'), pad('bob', 16)])] }),
  requestTarget(SetUserPassword, { bytes: [Buffer.concat([hex('03 02'), pad('secret', 16)]), Buffer.concat([hex('82 03'), pad('twenty', 20)]), hex('03 01')] }),
  requestTarget(GetSessionInfo, { bytes: [hex('00'), hex('02'), hex('fe 07'), hex('ff d0 c0 b0 a0')] }),
  responseTarget(GetSessionInfo, { by: 'current' }, { bytes: [emulatorSession, hex('00 08 02'), hex('03 08 01 02 04 21')],
    lengths: (v) => (v.session?.lan ? [['ip', v.session.lan.ip, 4], ['mac', v.session.lan.mac, 6]] : []) }),
  responseTarget(GetChassisCapabilities, undefined, { bytes: [hex('00 20 20 20 20'), hex('0f 20 20 20 20 22')] }),
  responseTarget(GetChassisStatus, undefined, { bytes: [hex('21 10 50 00'), hex('01 00 70')] }),
  requestTarget(ChassisControl, { bytes: [hex('00'), hex('02'), hex('05')] }),
  requestTarget(ChassisIdentify, { bytes: [hex(''), hex('0a'), hex('00 01')] }),
  requestTarget(SetPowerRestorePolicy, { bytes: [hex('02'), hex('03')] }),
  responseTarget(SetPowerRestorePolicy, { policy: 3 }, { bytes: [hex('07')] }),
  responseTarget(GetSystemRestartCause, undefined, { bytes: [hex('01 01')] }),
  responseTarget(GetPohCounter, undefined, { bytes: [hex('01 22 01 00 00')] }),
  requestTarget(SetSystemBootOptions, { bytes: ['00 01', '04 01 01', '05 80 04 00 00 00', '81 05', '06 01 44 33 22 11 00 10 20 30',
    '07 02 aa bb', '03 18', '02 03', '62 01 02 03', '66 7f 92 00 01 85 0c'].map(hex) }),
  requestTarget(GetSystemBootOptions, { bytes: [hex('05 00 00'), hex('07 02 00')] }),
  responseTarget(GetSystemBootOptions, { param: 5, setSelector: 0, blockSelector: 0 }, { bytes: ['01 05 80 04 00 00 00', '01 81 05',
    '01 04 00 01', '01 00 00', '01 06 01 44 33 22 11 00 10 20 30', `01 07 02 aa bb ${'00 '.repeat(14)}`].map(hex) }),
];

t.test('every target has real inputs, and each decodes and re-encodes byte for byte', (t) => {
  t.ok(capturedMessages().length > 400, `${capturedMessages().length} messages taken from the capture`);
  // a response may carry bytes past its fields (ipmitool reads ipmi_sim's 15-byte Get Device ID whole)
  checkSeeds(t, TARGETS, { ignoreTrailingBytes: true });
  t.end();
});

t.test(`decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  fuzzTargets(t, TARGETS, SEED, PER_TARGET, 'App and Chassis command decoders');
  t.end();
});
