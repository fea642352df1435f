// Fuzzes the request and response decoders of the IPMI command definitions (protocols/ipmi/commands/: storage,
// configuration parameters, sensors, payloads, PICMG; protocols/ipmi/oem/: the bmcfleet OEM commands) with random
// buffers and mutations of real and encoded inputs. Each call must return a value or throw a DecodeError with sane
// fields, and a decoded value must re-encode and decode again equal. A response read by its request's selector
// (a configuration parameter, an inventory selector) takes the selector from the input's first byte.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { type GetConfigRequest } from '../../protocols/ipmi/commands/config-parameters.js';
import { GetFruInventoryAreaInfo, ReadFruData } from '../../protocols/ipmi/commands/fru.js';
import { GetLanConfigurationParameters, LanParameters, SetLanConfigurationParameters } from '../../protocols/ipmi/commands/lan-config.js';
import {
  ActivatePayload, DeactivatePayload, GetChannelPayloadSupport, GetChannelPayloadVersion, GetPayloadActivationStatus,
  GetPayloadInstanceInfo,
} from '../../protocols/ipmi/commands/payload.js';
import { GetLanAttachCapabilities, GetPicmgProperties } from '../../protocols/ipmi/commands/picmg.js';
import { GetSdr, GetSdrRepositoryInfo, ReserveSdrRepository } from '../../protocols/ipmi/commands/sdr.js';
import { AddSelEntry, ClearSel, DeleteSelEntry, GetSelEntry, GetSelInfo, GetSelTime, ReserveSel, SetSelTime } from '../../protocols/ipmi/commands/sel.js';
import {
  GetSensorEventEnable, GetSensorEventStatus, GetSensorHysteresis, GetSensorReading, GetSensorThresholds,
} from '../../protocols/ipmi/commands/sensor.js';
import { GetSolConfigurationParameters, SetSolConfigurationParameters } from '../../protocols/ipmi/commands/sol-config.js';
import { ConsoleHeartbeat, ReadConsoleHistory } from '../../protocols/ipmi/oem/console-heartbeat.js';
import { GetHardwareInventory } from '../../protocols/ipmi/oem/inventory.js';
import { SOL_PARAMETER_LENGTHS } from '../../protocols/sol/config-parameters.js';
import { capturedExchanges, capturedMessages } from '../helpers/captured-commands.js';
import { FailureLog, Rng, fuzzDecoder, fuzzIterations, fuzzSeed, hex, sameValue, seedHex, valueProblem, type DecoderTarget } from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(2000);
const captured = capturedMessages();

/** Any definition: the targets feed it values of its own types. */
type AnyCommand = IpmiCommand<any, any>;

/** What the capture holds for a command, one direction, that the definition decodes (not the VITA probe, say). */
function real(def: AnyCommand, from: 'client' | 'bmc'): Uint8Array[] {
  return captured.filter((m) => m.from === from && m.netFn === def.netFn && m.cmd === def.cmd && (m.completionCode ?? 0) === 0)
    .map((m) => m.data).filter((data) => decodes(() => (from === 'client' ? def.decodeRequest(data) : def.decodeResponse(data, undefined))));
}

function decodes(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (err) {
    if (err instanceof DecodeError) return false;
    throw err;
  }
}

/** A void decode (no data) is null, which the fuzzer does not try to re-encode. */
const orNull = <V>(v: V): V | null => (v === undefined ? null : v);

function requestTarget(def: AnyCommand, samples: unknown[]): DecoderTarget {
  return {
    name: `${def.name} request`,
    seeds: [...real(def, 'client'), ...samples.map((s) => def.encodeRequest(s))],
    decode: (b) => orNull(def.decodeRequest(b)),
    reencode: (v) => def.encodeRequest(v),
  };
}

function responseTarget(def: AnyCommand, req: unknown, samples: unknown[], reencode = true): DecoderTarget {
  return {
    name: `${def.name} response`,
    seeds: [...real(def, 'bmc'), ...samples.map((s) => def.encodeResponse(s))],
    decode: (b) => orNull(def.decodeResponse(b, req)),
    reencode: reencode ? (v) => def.encodeResponse(v) : undefined,
  };
}

/** A response read by the selector its request chose: the selector is the input's first byte. */
function selectedResponseTarget<Req>(def: AnyCommand, request: (selector: number) => Req, selectorOf: (value: never) => number,
  seeds: [number, unknown][], reencode = true): DecoderTarget {
  return {
    name: `${def.name} response`,
    seeds: seeds.map(([selector, value]) => Buffer.concat([Buffer.of(selector), def.encodeResponse(value)])),
    decode: (b) => def.decodeResponse(b.subarray(1), request(b.length > 0 ? b[0] : 0)),
    reencode: reencode ? (v) => Buffer.concat([Buffer.of(selectorOf(v)), def.encodeResponse(v)]) : undefined,
  };
}

const get = (parameter: number): GetConfigRequest => ({ revisionOnly: false, channel: 1, parameter, setSelector: 0, blockSelector: 0 });
const readRecord = { reservationId: 0x1234, recordId: 5, offset: 0, count: 0xff };
const event = {
  recordId: 7, recordType: 0x02, timestamp: 0x60000000, generatorId: 0x20, evmRev: 4, sensorType: 1, sensorNumber: 3,
  deassertion: false, eventType: 1, eventData: [0x57, 0x60, 0x5a],
};
const sol = { payloadType: 1, instance: 1, auxiliary: Uint8Array.of(0xc6, 0, 0, 0) };
const span = { streamId: 3, oldest: 0, head: 12, start: 2, data: Buffer.from('login:') };

/** ipmi_sim's answers to `lan print 1`, as values (re-encoded, they are the canonical bytes). */
const lanSeeds: [number, unknown][] = capturedExchanges(GetLanConfigurationParameters.netFn, GetLanConfigurationParameters.cmd)
  .filter((x) => x.response.completionCode === 0)
  .map((x) => [x.request.data[1], GetLanConfigurationParameters.decodeResponse(x.response.data, get(x.request.data[1]))]);

const TARGETS: DecoderTarget[] = [
  requestTarget(GetSdrRepositoryInfo, [undefined]),
  responseTarget(GetSdrRepositoryInfo, undefined, [{ version: 0x51, recordCount: 29, freeSpace: 0, lastAddition: 5, lastErase: 0, overflow: false,
    updateModes: 1, supportsDelete: false, supportsPartialAdd: false, supportsReserve: true, supportsAllocationInfo: false }]),
  requestTarget(ReserveSdrRepository, [undefined]),
  responseTarget(ReserveSdrRepository, undefined, [1, 0xffff]),
  requestTarget(GetSdr, [readRecord]),
  responseTarget(GetSdr, readRecord, [{ nextRecordId: 6, data: Uint8Array.of(5, 0, 0x51, 1, 0x33) }]),
  requestTarget(GetSelInfo, [undefined]),
  responseTarget(GetSelInfo, undefined, []),
  requestTarget(ReserveSel, [undefined]),
  requestTarget(GetSelEntry, [readRecord]),
  requestTarget(AddSelEntry, [event, { recordId: 0, recordType: 0xc0, timestamp: 1, manufacturerId: 32473, oemData: [1, 2, 3, 4, 5, 6] }]),
  responseTarget(AddSelEntry, event, [7]),
  requestTarget(DeleteSelEntry, [{ reservationId: 2, recordId: 7 }]),
  requestTarget(ClearSel, [{ reservationId: 2, confirmed: true, action: 0xaa }]),
  responseTarget(ClearSel, { reservationId: 2, confirmed: true, action: 0 }, [{ completed: true }]),
  responseTarget(GetSelTime, undefined, [0x60000000]),
  requestTarget(SetSelTime, [0x60000000]),
  requestTarget(GetFruInventoryAreaInfo, [0]),
  responseTarget(GetFruInventoryAreaInfo, 0, [{ size: 512, accessByWords: false }]),
  requestTarget(ReadFruData, [{ fruId: 0, offset: 0x10, count: 32 }]),
  responseTarget(ReadFruData, { fruId: 0, offset: 0x10, count: 4 }, [{ data: Uint8Array.of(1, 2, 3, 4) }]),
  requestTarget(GetLanConfigurationParameters, [get(3)]),
  selectedResponseTarget(GetLanConfigurationParameters, get, (v: { value: { parameter: number } }) => v.value.parameter, [
    ...lanSeeds, [3, { revision: 0x11, value: { parameter: 3, address: '10.1.2.3' } }],
    [26, { revision: 0x11, value: LanParameters.decode(26, Uint8Array.of(1, 3, 0, 1, 6, 0)) }],
  ]),
  requestTarget(SetLanConfigurationParameters, [{ channel: 1, parameter: 3, data: Uint8Array.of(10, 0, 0, 9) }]),
  requestTarget(GetSolConfigurationParameters, [get(3)]),
  selectedResponseTarget(GetSolConfigurationParameters, get, (v: { value: { parameter: number } }) => v.value.parameter,
    Object.keys(SOL_PARAMETER_LENGTHS).map((p) => [Number(p), { revision: 0x11, value: GetSolConfigurationParameters.decodeResponse(
      Buffer.concat([Buffer.of(0x11), Buffer.alloc(SOL_PARAMETER_LENGTHS[Number(p)], 0x0a)]), get(Number(p))).value }])),
  requestTarget(SetSolConfigurationParameters, [{ channel: 1, parameter: 4, data: Uint8Array.of(7, 50) }]),
  requestTarget(GetSensorHysteresis, [3]),
  responseTarget(GetSensorHysteresis, 3, [{ positiveGoing: 2, negativeGoing: 2 }]),
  requestTarget(GetSensorThresholds, [3]),
  responseTarget(GetSensorThresholds, 3, [{ unc: 0x50, uc: 0x5a, unr: 0x5f }]),
  responseTarget(GetSensorEventEnable, 3, [{ eventMessagesEnabled: true, scanningEnabled: true, assertionEvents: 0x0a80, deassertionEvents: 0 }]),
  responseTarget(GetSensorEventStatus, 3, [{ eventMessagesEnabled: true, scanningEnabled: true, unavailable: false, assertedEvents: 0x80, deassertedEvents: 0 }]),
  requestTarget(GetSensorReading, [0x30]),
  responseTarget(GetSensorReading, 0x30, [
    { kind: 'threshold', raw: 0x2d, eventMessagesEnabled: true, scanningEnabled: true, unavailable: false, thresholds: 0x09 },
    { kind: 'discrete', raw: 0, eventMessagesEnabled: true, scanningEnabled: true, unavailable: false, states: 0x0121 },
  ]),
  requestTarget(ActivatePayload, [sol]),
  responseTarget(ActivatePayload, sol, [{ auxiliary: new Uint8Array(4), inboundPayloadSize: 255, outboundPayloadSize: 255, port: 623, vlan: 0xffff }]),
  requestTarget(DeactivatePayload, [sol]),
  requestTarget(GetPayloadActivationStatus, [{ payloadType: 1 }]),
  responseTarget(GetPayloadActivationStatus, { payloadType: 1 }, [{ capacity: 1, active: [1] }]),
  requestTarget(GetPayloadInstanceInfo, [{ payloadType: 1, instance: 1 }]),
  responseTarget(GetPayloadInstanceInfo, { payloadType: 1, instance: 1 }, [{ sessionId: 0x11223344, portNumber: 1 }]),
  requestTarget(GetChannelPayloadSupport, [{ channel: 14 }]),
  responseTarget(GetChannelPayloadSupport, { channel: 14 }, [{ standard: [0, 1], sessionSetup: [0x10, 0x11], oem: [] }]),
  requestTarget(GetChannelPayloadVersion, [{ channel: 14, payloadType: 1 }]),
  responseTarget(GetChannelPayloadVersion, { channel: 14, payloadType: 1 }, [{ major: 1, minor: 0 }]),
  requestTarget(GetPicmgProperties, [undefined]),
  responseTarget(GetPicmgProperties, undefined, [{ extensionMajor: 2, extensionMinor: 3, maxFruDeviceId: 5, ipmcFruDeviceId: 0 }]),
  requestTarget(GetLanAttachCapabilities, [undefined]),
  responseTarget(GetLanAttachCapabilities, undefined, [{ revision: 2, lanChannelMask: 2, capabilities: 0x11, lanParametersStart: 0xc0,
    lanParametersRevision: 1, solParametersStart: 0xc8, solParametersRevision: 1 }]),
  requestTarget(GetHardwareInventory, [{ selector: 1, index: 0 }]),
  // Strings are cut to 48 bytes when written, so a longer one read from fuzz input cannot round-trip: decode only.
  selectedResponseTarget(GetHardwareInventory, (selector) => ({ selector, index: 0 }), (v: { record: { selector: number } }) => v.record.selector, [
    [1, { count: 2, record: { selector: 1, item: { cores: 32, threads: 64, mhz: 2400, model: 'EPYC' } } }],
    [4, { count: 1, record: { selector: 4, item: { speedMbps: 25000, mac: '06:00:7f:01:00:01', name: 'eth0', model: 'ConnectX' } } }],
  ], false),
  requestTarget(ConsoleHeartbeat, [{ heartbeatSeq: 1, ackedPosition: 2, maxBytes: 1024 }]),
  responseTarget(ConsoleHeartbeat, { heartbeatSeq: 1, ackedPosition: 2, maxBytes: 1024 }, [{ heartbeatSeq: 1, receivedAt: 5, processedAt: 9, ...span }]),
  requestTarget(ReadConsoleHistory, [{ fromPosition: 2, maxBytes: 1024 }]),
  responseTarget(ReadConsoleHistory, { fromPosition: 2, maxBytes: 1024 }, [{ processedAt: 9, ...span }]),
];

t.test('every target has seeds that decode and re-encode byte for byte', (t) => {
  for (const tg of TARGETS) {
    t.ok(tg.seeds.length > 0, `${tg.name}: ${tg.seeds.length} seed(s)`);
    if (!tg.reencode) continue;
    for (const seed of tg.seeds) {
      const bytes = tg.reencode(tg.decode(seed) as never);
      if (Buffer.compare(Buffer.from(bytes), Buffer.from(seed)) !== 0) t.fail(`${tg.name}: ${hex(seed)} re-encodes to ${hex(bytes)}`);
    }
  }
  t.end();
});

t.test(`command decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs each)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const corpus = TARGETS.flatMap((tg) => tg.seeds);
  for (const tg of TARGETS) {
    fuzzDecoder(tg, root.fork(tg.name), log, {
      iterations: PER_TARGET,
      corpus,
      check: (value) => valueProblem(value),
      same: sameValue,
      errorKind: (e) => `${e.code} ${e.field}`,
    });
  }
  t.comment(`${TARGETS.length * PER_TARGET} decoder calls over ${TARGETS.length} targets, seed ${seedHex(SEED)}`);
  log.report(t, 'command decoders');
  t.end();
});
