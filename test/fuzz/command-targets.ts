// Fuzz targets built from IPMI command definitions (protocols/ipmi/commands/command.ts), for the command fuzz files:
// a definition's decodeRequest or decodeResponse, seeded with what the capture holds for the command (ipmitool's
// requests, ipmi_sim's answers; test/helpers/captured-commands.ts), bytes given, and values encoded; and the two
// checks every command fuzz file runs on its list of targets.
import { type Test } from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { capturedMessages } from '../helpers/captured-commands.js';
import { FailureLog, Rng, fuzzDecoder, hex, sameValue, seedHex, valueProblem, type DecoderTarget } from './fuzz-helpers.js';

/** Any definition: the targets feed it values of its own types. */
type AnyCommand = IpmiCommand<any, any>;

/** A byte field of a decoded value, and the length it must have. */
export type FieldLength = [field: string, bytes: Uint8Array | undefined, length: number];

export interface CommandTarget extends DecoderTarget {
  /** The byte fields of a decoded value and their lengths (subarray() clamps silently: a missed bounds check shows here). */
  lengths?(value: never): FieldLength[];
}

/** Seeds beside the captured ones: raw bytes, and values the definition encodes. */
export interface Seeds<V> {
  bytes?: Uint8Array[];
  values?: V[];
}

export interface ResponseOptions<Res> extends Seeds<Res> {
  lengths?(value: Res): FieldLength[];
  /** false: decode only (the encoder cannot give back every value the decoder reads). */
  reencode?: boolean;
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

/** What the capture holds for a command, one direction (successful answers only), that the definition decodes (not the VITA probe, say). */
function captured(def: AnyCommand, from: 'client' | 'bmc', asked: unknown): Uint8Array[] {
  return capturedMessages().filter((m) => m.from === from && m.netFn === def.netFn && m.cmd === def.cmd && (m.completionCode ?? 0) === 0)
    .map((m) => m.data).filter((data) => decodes(() => (from === 'client' ? def.decodeRequest(data) : def.decodeResponse(data, asked))));
}

/** A void decode (no data) is null, which the fuzzer does not try to re-encode. */
const orNull = <V>(v: V): V | null => (v === undefined ? null : v);

export function requestTarget<Req>(def: IpmiCommand<Req, unknown>, seeds: Seeds<Req>): CommandTarget {
  return {
    name: `${def.name} request`,
    seeds: [...captured(def, 'client', undefined), ...(seeds.bytes ?? []), ...(seeds.values ?? []).map((v) => def.encodeRequest(v))],
    decode: (b) => orNull(def.decodeRequest(b)),
    reencode: (v: Req) => def.encodeRequest(v),
  };
}

/** `asked`: the request the responses answer (a configuration parameter's answer is read by it). */
export function responseTarget<Req, Res>(def: IpmiCommand<Req, Res>, asked: Req, options: ResponseOptions<Res>): CommandTarget {
  return {
    name: `${def.name} response`,
    seeds: [...captured(def, 'bmc', asked), ...(options.bytes ?? []), ...(options.values ?? []).map((v) => def.encodeResponse(v))],
    decode: (b) => orNull(def.decodeResponse(b, asked)),
    reencode: options.reencode === false ? undefined : (v: Res) => def.encodeResponse(v),
    lengths: options.lengths as CommandTarget['lengths'],
  };
}

/**
 * A response read by the selector its request chose (a configuration parameter, an inventory selector): the selector
 * is the input's first byte, the response data the rest. `seeds` are [selector, value] pairs.
 */
export function selectedResponseTarget<Req, Res>(def: IpmiCommand<Req, Res>, request: (selector: number) => Req,
  selectorOf: (value: Res) => number, seeds: [number, Res][], reencode = true): CommandTarget {
  return {
    name: `${def.name} response`,
    seeds: seeds.map(([selector, value]) => Buffer.concat([Buffer.of(selector), def.encodeResponse(value)])),
    decode: (b) => def.decodeResponse(b.subarray(1), request(b.length > 0 ? b[0] : 0)),
    reencode: reencode ? (v: Res) => Buffer.concat([Buffer.of(selectorOf(v)), def.encodeResponse(v)]) : undefined,
  };
}

export interface SeedCheckOptions {
  /** Compare the re-encoding with the seed cut to its length: a response may carry bytes past the fields a codec reads. */
  ignoreTrailingBytes?: boolean;
}

/** Every target has seeds, and each seed decodes and re-encodes byte for byte. */
export function checkSeeds(t: Test, targets: CommandTarget[], options: SeedCheckOptions = {}): void {
  for (const tg of targets) {
    t.ok(tg.seeds.length > 0, `${tg.name}: ${tg.seeds.length} seed(s)`);
    if (!tg.reencode) continue;
    for (const seed of tg.seeds) {
      const bytes = hex(tg.reencode(tg.decode(seed) as never));
      const expected = options.ignoreTrailingBytes ? hex(seed).slice(0, bytes.length) : hex(seed);
      t.equal(bytes, expected, `${tg.name}: ${hex(seed) || '(empty)'}`);
    }
  }
}

/** Fuzzes every target: random inputs and mutations of its seeds (spliced with every target's), `perTarget` each. */
export function fuzzTargets(t: Test, targets: CommandTarget[], seed: number, perTarget: number, what: string): void {
  const root = new Rng(seed);
  const log = new FailureLog(seed);
  const corpus = targets.flatMap((tg) => tg.seeds);
  const rows: string[] = [];
  for (const tg of targets) {
    const s = fuzzDecoder(tg, root.fork(tg.name), log, {
      iterations: perTarget,
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
    rows.push(`  ${tg.name.padEnd(40)} returned ${String(s.returned).padStart(5)}  re-encoded ${String(s.reencoded).padStart(5)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(5)}`);
  }
  t.comment(`${targets.length * perTarget} decoder calls over ${targets.length} targets, seed ${seedHex(seed)}\n${rows.join('\n')}`);
  log.report(t, what);
}
