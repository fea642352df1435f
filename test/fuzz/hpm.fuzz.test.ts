// Fuzzes the HPM.1 decoders: the eleven command definitions (protocols/ipmi/commands/hpm.ts) seeded with ipmitool's
// real hpm traffic, the HPM.1 image file (protocols/ipmi/hpm-image.ts) and bmcfleet firmware read in blocks
// (protocols/ipmi/oem/bmcfleet-firmware.ts). Each input must decode to a sane value or throw a DecodeError with sane
// fields; what decodes must re-encode and decode again equal. The image and firmware targets fix their MD5, header
// checksum and digest on half the inputs, to reach the checks behind them.
import t from 'tap';
import { createHash } from 'node:crypto';
import { DecodeError } from '../../protocols/errors.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import {
  AbortFirmwareUpgrade, ActivateFirmware, FinishFirmwareUpload, GetComponentProperties, GetTargetUpgradeCapabilities, GetUpgradeStatus,
  InitiateManualRollback, InitiateUpgradeAction, QueryRollbackStatus, QuerySelfTestResults, UploadFirmwareBlock,
} from '../../protocols/ipmi/commands/hpm.js';
import { decodeHpmImage, encodeHpmImage } from '../../protocols/ipmi/hpm-image.js';
import { FIRMWARE_HEADER_BYTES, FirmwareReader, buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { capturedMessages } from '../helpers/captured-commands.js';
import { FailureLog, Rng, fuzzDecoder, fuzzIterations, fuzzSeed, hex, sameValue, seedHex, valueProblem, type DecoderTarget } from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(2000);
const captured = capturedMessages('ipmi/ipmitool-hpm-vs-bmcfleet.json');

type AnyCommand = IpmiCommand<any, any>;

/** The capture's bytes for a command, one direction, completion code 00h only. */
function real(def: AnyCommand, from: 'client' | 'bmc'): Uint8Array[] {
  return captured.filter((m) => m.from === from && m.netFn === def.netFn && m.cmd === def.cmd && (m.completionCode ?? 0) === 0).map((m) => m.data);
}

const orNull = <V>(v: V): V | null => (v === undefined ? null : v);

function requestTarget(def: AnyCommand, samples: unknown[] = []): DecoderTarget {
  return {
    name: `${def.name} request`,
    seeds: [...real(def, 'client'), ...samples.map((s) => def.encodeRequest(s))],
    decode: (b) => orNull(def.decodeRequest(b)),
    reencode: (v) => def.encodeRequest(v),
  };
}

function responseTarget(def: AnyCommand, samples: unknown[] = []): DecoderTarget {
  return {
    name: `${def.name} response`,
    seeds: [...real(def, 'bmc'), ...samples.map((s) => def.encodeResponse(s))],
    decode: (b) => orNull(def.decodeResponse(b, undefined)),
    reencode: (v) => def.encodeResponse(v),
  };
}

/** Get Component Properties answers are read by the selector asked: the input's first byte is the selector. */
const componentProperties: DecoderTarget = {
  name: 'Get Component Properties response',
  seeds: captured.flatMap((m, i) => {
    const next = captured[i + 1];
    return m.from === 'client' && m.cmd === GetComponentProperties.cmd && next?.cmd === m.cmd && next.completionCode === 0
      ? [Buffer.concat([Buffer.of(m.data[2]), next.data])] : [];
  }),
  decode: (b) => GetComponentProperties.decodeResponse(b.subarray(1), { component: 1, selector: b.length > 0 ? b[0] : 0 }),
  reencode: (v: { selector: number }) => Buffer.concat([Buffer.of(v.selector), GetComponentProperties.encodeResponse(v as never)]),
};

const V = { major: 3, minor: 41, aux: Uint8Array.of(1, 2, 3, 4) };
const FIRMWARE = buildFirmware({ deviceId: 0x20, manufacturerId: 32473, productId: 1 }, V, 300);

/** MD5 and header checksum made right, so that a mutated image reaches the action records. */
function fixImage(b: Buffer): Buffer {
  if (b.length < 51) return b;
  const body = Buffer.from(b.subarray(0, b.length - 16));
  const checksumAt = 34 + body.readUInt16LE(32);
  if (checksumAt < body.length) {
    let sum = 0;
    for (let i = 0; i < checksumAt; i++) sum += body[i];
    body[checksumAt] = (0x100 - (sum & 0xff)) & 0xff;
  }
  return Buffer.concat([body, createHash('md5').update(body).digest()]);
}

const image: DecoderTarget = {
  name: 'HPM.1 image',
  seeds: [packFirmwareImage(FIRMWARE, 1_700_000_000)],
  decode: (b) => decodeHpmImage(b),
  reencode: (v) => encodeHpmImage(v),
  fixup: fixImage,
};

/** Length and digest made right, so that a mutated firmware reaches the header checks. */
function fixFirmware(b: Buffer): Buffer {
  if (b.length < FIRMWARE_HEADER_BYTES) return b;
  const out = Buffer.from(b);
  out.writeUInt32LE(out.length - FIRMWARE_HEADER_BYTES, 21);
  createHash('sha256').update(out.subarray(FIRMWARE_HEADER_BYTES)).digest().copy(out, 25);
  return out;
}

const firmware: DecoderTarget = {
  name: 'bmcfleet firmware, read in blocks',
  seeds: [FIRMWARE],
  decode(b) {
    const reader = new FirmwareReader();
    const block = 1 + (b.length % 37); // a block size that varies with the input
    for (let at = 0; at < b.length; at += block) reader.write(b.subarray(at, at + block));
    return reader.finish();
  },
  fixup: fixFirmware,
};

const TARGETS: DecoderTarget[] = [
  requestTarget(GetTargetUpgradeCapabilities),
  responseTarget(GetTargetUpgradeCapabilities),
  requestTarget(GetComponentProperties, [{ component: 7, selector: 0xc0 }]),
  componentProperties,
  requestTarget(AbortFirmwareUpgrade),
  responseTarget(AbortFirmwareUpgrade),
  requestTarget(InitiateUpgradeAction),
  responseTarget(InitiateUpgradeAction),
  requestTarget(UploadFirmwareBlock),
  responseTarget(UploadFirmwareBlock, [{ nextSection: { offset: 4096, length: 512 } }]),
  requestTarget(FinishFirmwareUpload),
  requestTarget(GetUpgradeStatus),
  responseTarget(GetUpgradeStatus, [{ command: 0x33, completionCode: 0x80, percentDone: 40 }]),
  requestTarget(ActivateFirmware, [{ rollbackOverride: 1 }]),
  responseTarget(QuerySelfTestResults),
  responseTarget(QueryRollbackStatus, [{ components: 2, percentDone: 100 }]),
  requestTarget(InitiateManualRollback),
  image,
  firmware,
];

t.test('every target has seeds that decode (and re-encode byte for byte where there is an encoder)', (t) => {
  for (const tg of TARGETS) {
    t.ok(tg.seeds.length > 0, `${tg.name}: ${tg.seeds.length} seed(s)`);
    for (const seed of tg.seeds) {
      const value = tg.decode(seed);
      if (!tg.reencode || value === null) continue;
      const bytes = tg.reencode(value as never);
      if (Buffer.compare(Buffer.from(bytes), Buffer.from(seed)) !== 0) t.fail(`${tg.name}: ${hex(seed)} re-encodes to ${hex(bytes)}`);
    }
  }
  t.end();
});

t.test(`HPM.1 decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs each)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const corpus = TARGETS.flatMap((tg) => tg.seeds);
  let decoded = 0;
  for (const tg of TARGETS) {
    const stats = fuzzDecoder(tg, root.fork(tg.name), log, {
      iterations: PER_TARGET,
      corpus,
      check: (value) => valueProblem(value, ['percentDone', 'nextSection', 'rollbackOverride']),
      same: sameValue,
      errorKind: (e: DecodeError) => `${e.code} ${e.field}`,
    });
    decoded += stats.returned;
  }
  t.comment(`${TARGETS.length * PER_TARGET} decoder calls over ${TARGETS.length} targets, ${decoded} decoded, seed ${seedHex(SEED)}`);
  log.report(t, 'HPM.1 decoders');
  t.end();
});
