// Fuzzes the App and Chassis command codecs (protocols/ipmi/commands/device.ts, channel.ts, users.ts, chassis.ts,
// boot-options.ts): every decodeRequest and decodeResponse that reads data bytes gets random inputs and mutations
// of real ones (ipmitool's requests and ipmi_sim's answers from the capture, the emulator's answers, ipmitool's
// documented writes). Each must return a sane value or throw a DecodeError, and what decodes must re-encode and
// decode to the same value. FUZZ_SEED and FUZZ_ITERATIONS replay or lengthen a run (fuzz-helpers.ts).
import t from 'tap';
import { GetSystemBootOptions, SetSystemBootOptions } from '../../protocols/ipmi/commands/boot-options.js';
import { GetChannelAccess, GetChannelInfo, SetChannelAccess } from '../../protocols/ipmi/commands/channel.js';
import {
  ChassisControl, ChassisIdentify, GetChassisCapabilities, GetChassisStatus, GetPohCounter, GetSystemRestartCause, SetPowerRestorePolicy,
} from '../../protocols/ipmi/commands/chassis.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { GetDeviceGuid, GetDeviceId, GetSelfTestResults } from '../../protocols/ipmi/commands/device.js';
import {
  GetSessionInfo, GetUserAccess, GetUserName, SetUserAccess, SetUserName, SetUserPassword,
} from '../../protocols/ipmi/commands/users.js';
import { capturedMessages, capturedRequests, capturedResponses } from '../helpers/captured-commands.js';
import {
  FailureLog, Rng, fuzzDecoder, fuzzIterations, fuzzSeed, sameValue, seedHex, valueProblem,
} from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(3000);

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
const pad = (s: string, n: number) => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(n - s.length)]);

interface Target {
  name: string;
  seeds: Uint8Array[];
  decode(b: Uint8Array): unknown;
  reencode(v: never): Uint8Array;
  /** Byte fields and the lengths they must have. */
  lengths?: (v: never) => Array<[string, Uint8Array | undefined, number]>;
}

function requests<Req>(def: IpmiCommand<Req, unknown>, seeds: Uint8Array[]): Target {
  return { name: `${def.name} request`, seeds, decode: (b) => def.decodeRequest(b), reencode: (v: Req) => def.encodeRequest(v) } as Target;
}

function responses<Req, Res>(def: IpmiCommand<Req, Res>, asked: Req, seeds: Uint8Array[],
  lengths?: (v: Res) => Array<[string, Uint8Array | undefined, number]>): Target {
  return {
    name: `${def.name} response`, seeds, decode: (b) => def.decodeResponse(b, asked), reencode: (v: Res) => def.encodeResponse(v), lengths,
  } as Target;
}

const APP = 0x06;
const CHASSIS = 0x00;
const emulatorSession = hex('03 08 01 02 04 11 c0 a8 07 09 00 00 00 00 00 00 51 c3');

const TARGETS: Target[] = [
  responses(GetDeviceId, undefined, [...capturedResponses(APP, 0x01), hex('20 01 03 47 02 8f de bc 0a 34 12 01 02 03 04')],
    (v) => [['auxFirmware', v.auxFirmware, 4]]),
  responses(GetSelfTestResults, undefined, [hex('55 00'), hex('57 0c')]),
  responses(GetDeviceGuid, undefined, [hex('00112233445566778899aabbccddeeff')], (v) => [['guid', v.guid, 16]]),
  requests(GetChannelInfo, capturedRequests(APP, 0x42)),
  responses(GetChannelInfo, { channel: 1 }, capturedResponses(APP, 0x42), (v) => [['auxInfo', v.auxInfo, 2]]),
  requests(GetChannelAccess, [hex('01 80'), hex('0e 40')]),
  responses(GetChannelAccess, { channel: 1, target: 2 }, [hex('22 04'), hex('23 03')]),
  requests(SetChannelAccess, [hex('01 63 83'), hex('01 c0 00')]),
  requests(GetUserAccess, capturedRequests(APP, 0x44)),
  responses(GetUserAccess, { channel: 1, userId: 2 }, capturedResponses(APP, 0x44)),
  requests(SetUserAccess, [hex('01 03 02 00'), hex('f1 03 03')]),
  requests(GetUserName, capturedRequests(APP, 0x46)),
  responses(GetUserName, { userId: 2 }, capturedResponses(APP, 0x46)),
  requests(SetUserName, [Buffer.concat([hex('03'), pad('bob', 16)])]),
  requests(SetUserPassword, [Buffer.concat([hex('03 02'), pad('secret', 16)]), Buffer.concat([hex('82 03'), pad('twenty', 20)]), hex('03 01')]),
  requests(GetSessionInfo, [hex('00'), hex('02'), hex('fe 07'), hex('ff d0 c0 b0 a0')]),
  responses(GetSessionInfo, { by: 'current' }, [emulatorSession, hex('00 08 02')],
    (v) => (v.session?.lan ? [['ip', v.session.lan.ip, 4], ['mac', v.session.lan.mac, 6]] : [])),
  responses(GetChassisCapabilities, undefined, [hex('00 20 20 20 20'), hex('0f 20 20 20 20 22')]),
  responses(GetChassisStatus, undefined, [...capturedResponses(CHASSIS, 0x01), hex('21 10 50 00')]),
  requests(ChassisControl, [hex('00'), hex('02'), hex('05')]),
  requests(ChassisIdentify, [hex(''), hex('0a'), hex('00 01')]),
  requests(SetPowerRestorePolicy, [hex('02'), hex('03')]),
  responses(SetPowerRestorePolicy, { policy: 3 }, [hex('07')]),
  responses(GetSystemRestartCause, undefined, [hex('01 01')]),
  responses(GetPohCounter, undefined, [hex('01 22 01 00 00')]),
  requests(SetSystemBootOptions, ['00 01', '04 01 01', '05 80 04 00 00 00', '81 05', '06 01 44 33 22 11 00 10 20 30', '07 02 aa bb',
    '03 18', '02 03', '62 01 02 03'].map(hex)),
  requests(GetSystemBootOptions, [hex('05 00 00'), hex('07 02 00')]),
  responses(GetSystemBootOptions, { param: 5, setSelector: 0, blockSelector: 0 },
    ['01 05 80 04 00 00 00', '01 81 05', '01 04 00 01', '01 00 00', '01 06 01 44 33 22 11 00 10 20 30',
      `01 07 02 aa bb ${'00 '.repeat(14)}`].map(hex)),
];

t.test('every target has real inputs, and each decodes and re-encodes byte for byte', (t) => {
  t.ok(capturedMessages().length > 400, `${capturedMessages().length} messages taken from the capture`);
  for (const tg of TARGETS) {
    t.ok(tg.seeds.length > 0, `${tg.name}: ${tg.seeds.length} input(s)`);
    for (const seed of tg.seeds) {
      const bytes = Buffer.from(tg.reencode(tg.decode(seed) as never)).toString('hex');
      // a response may carry bytes past its fields (ipmitool reads ipmi_sim's 15-byte Get Device ID whole)
      t.equal(bytes, Buffer.from(seed).toString('hex').slice(0, bytes.length), `${tg.name}: ${Buffer.from(seed).toString('hex') || '(empty)'}`);
    }
  }
  t.end();
});

t.test(`decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const corpus = TARGETS.flatMap((tg) => tg.seeds);
  const rows: string[] = [];
  for (const tg of TARGETS) {
    const s = fuzzDecoder(tg, root.fork(tg.name), log, {
      iterations: PER_TARGET,
      corpus,
      check: (value, input) => {
        const problem = valueProblem(value);
        if (problem) return problem;
        for (const [field, b, n] of tg.lengths?.(value as never) ?? []) {
          if (b !== undefined && b.length !== n) return `${field} has ${b.length} byte(s), expected ${n} (input ${input.length})`;
        }
        return null;
      },
      same: sameValue,
      errorKind: (e) => `${e.code} ${e.field}`,
    });
    rows.push(`  ${tg.name.padEnd(36)} returned ${String(s.returned).padStart(5)}  re-encoded ${String(s.reencoded).padStart(5)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(5)}`);
  }
  t.comment(`${TARGETS.length * PER_TARGET} decoder calls, seed ${seedHex(SEED)}\n${rows.join('\n')}`);
  log.report(t, 'App and Chassis command decoders');
  t.end();
});
