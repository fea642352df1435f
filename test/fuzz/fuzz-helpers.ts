// Shared machinery for the fuzz tests: a seeded PRNG, byte mutators and a failure collector.
//
// Every run picks a fresh seed unless FUZZ_SEED is set; the seed is in each test name, and every failure
// prints it with the offending input as hex, so `FUZZ_SEED=0x... npx tap dist/test/fuzz/x.test.js` replays
// the exact run. FUZZ_ITERATIONS sets the number of inputs per fuzz target (each decoder in
// codecs.fuzz, the whole channel in lan-channel.fuzz).
import { randomBytes } from 'node:crypto';
import { DecodeError } from '../../protocols/errors.js';

// ---------------------------------------------------------------- environment

function parseEnvInt(name: string, raw: string): number {
  const s = raw.trim();
  const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s.slice(2), 16) : /^\d+$/.test(s) ? parseInt(s, 10) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${raw}: expected a decimal or 0x-hex integer`);
  return n;
}

/** The run's 32-bit seed: FUZZ_SEED when set, else a fresh random one. */
export function fuzzSeed(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw !== undefined && raw !== '') return parseEnvInt('FUZZ_SEED', raw) >>> 0;
  return randomBytes(4).readUInt32LE(0);
}

/** Inputs per fuzz target: FUZZ_ITERATIONS when set (at least 1), else `fallback`. */
export function fuzzIterations(fallback: number): number {
  const raw = process.env.FUZZ_ITERATIONS;
  if (raw === undefined || raw === '') return fallback;
  return Math.max(1, parseEnvInt('FUZZ_ITERATIONS', raw));
}

export function seedHex(seed: number): string {
  return `0x${(seed >>> 0).toString(16).padStart(8, '0')}`;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

// ---------------------------------------------------------------- PRNG

/** splitmix32: expands one 32-bit seed into well-mixed state words. */
function splitmix32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over a label, to derive independent streams from one seed. */
function fnv1a(label: string, basis: number): number {
  let h = (0x811c9dc5 ^ basis) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** xoshiro128** (Blackman & Vigna): small, fast, good enough for fuzzing, fully determined by the seed. */
export class Rng {
  readonly seed: number;
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    this.seed = seed >>> 0;
    const sm = splitmix32(this.seed);
    for (let i = 0; i < 4; i++) this.s[i] = sm();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** An independent stream for `label`: adding a consumer elsewhere does not shift this one. */
  fork(label: string): Rng {
    return new Rng(fnv1a(label, this.seed));
  }

  u32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  bool(p = 0.5): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)];
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const keys = Object.keys(weights) as K[];
    let total = 0;
    for (const k of keys) total += weights[k];
    let x = (this.u32() / 0x1_0000_0000) * total;
    for (const k of keys) {
      x -= weights[k];
      if (x < 0) return k;
    }
    return keys[keys.length - 1];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      out[i] = v & 0xff;
      if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < n) out[i + 3] = v >>> 24;
    }
    return out;
  }

  /** A `(n) => Buffer` random source for code that takes one (channel config, client session). */
  randomSource(): (n: number) => Buffer {
    return (n) => this.bytes(n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// ---------------------------------------------------------------- inputs

/** Random bytes, usually short (most decoders reject early; long inputs are rarer but present). */
export function randomBuffer(rng: Rng, maxLength = 300): Buffer {
  const n = rng.bool(0.8) ? rng.int(Math.min(64, maxLength) + 1) : rng.int(maxLength + 1);
  return rng.bytes(n);
}

/**
 * Places `bytes` the ways callers may hand them to a decoder: a Buffer (often a slice of Node's shared pool),
 * a plain Uint8Array, or a view at an odd offset inside a larger ArrayBuffer with junk around it. The
 * last one catches DataView/`buffer` use that forgets byteOffset or byteLength.
 */
export function placeBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  switch (rng.int(3)) {
    case 0: return Buffer.from(bytes);
    case 1: return new Uint8Array(bytes);
    default: {
      const before = rng.range(1, 13);
      const after = rng.range(1, 13);
      const backing = new Uint8Array(before + bytes.length + after).fill(0xa5);
      backing.set(bytes, before);
      return backing.subarray(before, before + bytes.length);
    }
  }
}

// ---------------------------------------------------------------- mutators

export interface MutationContext {
  /** Other real inputs, for splicing. */
  corpus: readonly Uint8Array[];
  /** Session IDs worth aiming at (live sessions), for the retargeting mutator. */
  sessionIds?: readonly number[];
}

export type Mutator = (rng: Rng, input: Uint8Array, ctx: MutationContext) => Buffer;

export const BOUNDARY_BYTES = [0x00, 0xff, 0x7f, 0x80] as const;

const copy = (b: Uint8Array): Buffer => Buffer.from(b);

function randomByteLike(rng: Rng): number {
  return rng.bool(0.5) ? rng.pick(BOUNDARY_BYTES) : rng.int(256);
}

/** Flips 1..8 random bits. */
export const bitFlip: Mutator = (rng, input) => {
  const out = copy(input);
  if (out.length === 0) return out;
  const n = rng.range(1, 8);
  for (let i = 0; i < n; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
};

/** Sets 1..3 random bytes to 00h, FFh, 7Fh or 80h. */
export const boundaryByte: Mutator = (rng, input) => {
  const out = copy(input);
  if (out.length === 0) return out;
  const n = rng.range(1, 3);
  for (let i = 0; i < n; i++) out[rng.int(out.length)] = rng.pick(BOUNDARY_BYTES);
  return out;
};

/** Sets one random byte to a random value. */
export const randomByte: Mutator = (rng, input) => {
  const out = copy(input);
  if (out.length > 0) out[rng.int(out.length)] = rng.int(256);
  return out;
};

/** Cuts the input short: anywhere, or by a few bytes at the end (the likeliest off-by-one spots). */
export const truncate: Mutator = (rng, input) => {
  if (input.length === 0) return copy(input);
  const keep = rng.bool(0.5) ? rng.int(input.length) : Math.max(0, input.length - rng.range(1, 4));
  return copy(input.subarray(0, keep));
};

/** Appends 1..64 (sometimes up to 1,100) random bytes. */
export const extend: Mutator = (rng, input) => {
  const n = rng.bool(0.9) ? rng.range(1, 64) : rng.range(65, 1100);
  return Buffer.concat([input, rng.bytes(n)]);
};

/** Copies a span and inserts it at a random position. */
export const duplicateSpan: Mutator = (rng, input) => {
  if (input.length === 0) return copy(input);
  const a = rng.int(input.length);
  const b = rng.range(a + 1, Math.min(input.length, a + 32));
  const at = rng.int(input.length + 1);
  return Buffer.concat([input.subarray(0, at), input.subarray(a, b), input.subarray(at)]);
};

/** Removes a span. */
export const removeSpan: Mutator = (rng, input) => {
  if (input.length === 0) return copy(input);
  const a = rng.int(input.length);
  const b = rng.range(a + 1, Math.min(input.length, a + 32));
  return Buffer.concat([input.subarray(0, a), input.subarray(b)]);
};

/**
 * Offsets of the length fields of whole RMCP datagrams (ASF data length, IPMI 1.5 message length, RMCP+
 * payload length), as [offset, width in bytes] pairs; empty when the input is not recognisably one.
 */
function knownLengthFields(b: Uint8Array): [number, number][] {
  if (b.length < 5 || b[0] !== 0x06) return [];
  const cls = b[3] & 0x1f;
  if (cls === 0x06) return [[11, 1]];
  if (cls !== 0x07) return [];
  if ((b[4] & 0x0f) === 0x06) return b.length > 5 && (b[5] & 0x3f) === 0x02 ? [[20, 2]] : [[14, 2]];
  return (b[4] & 0x0f) === 0x00 ? [[13, 1]] : [[29, 1]];
}

/**
 * Sets a length field to a large or off-by-one value: a known one when the input is an RMCP datagram,
 * else a 1-, 2- or 4-byte field at a random offset, little- or big-endian.
 */
export const largeLength: Mutator = (rng, input) => {
  const out = copy(input);
  if (out.length === 0) return out;
  const known = knownLengthFields(out).filter(([o, w]) => o + w <= out.length);
  const [offset, width] = known.length > 0 && rng.bool(0.75) ? rng.pick(known) : [rng.int(out.length), rng.pick([1, 2, 4])];
  const w = Math.min(width, out.length - offset);
  const max = w >= 4 ? 0xffffffff : w === 2 ? 0xffff : 0xff;
  const candidates = [max, max >>> 1, (max >>> 1) + 1, out.length, out.length + 1, out.length - offset, 0x100, 0x1000];
  const value = (rng.pick(candidates) & max) >>> 0;
  const littleEndian = rng.bool(0.7);
  for (let i = 0; i < w; i++) {
    const shift = 8 * (littleEndian ? i : w - 1 - i);
    out[offset + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
  return out;
};

/** The head of this input joined to the tail of another real input. */
export const splice: Mutator = (rng, input, ctx) => {
  if (ctx.corpus.length === 0) return copy(input);
  const other = rng.pick(ctx.corpus);
  const a = rng.int(input.length + 1);
  const b = rng.int(other.length + 1);
  return Buffer.concat([input.subarray(0, a), other.subarray(b)]);
};

/**
 * Points an RMCP+ or IPMI 1.5 datagram at one of the given session IDs, so captured and random packets
 * get past the session lookup and into the integrity check.
 */
export const retargetSession: Mutator = (rng, input, ctx) => {
  const ids = ctx.sessionIds ?? [];
  const out = copy(input);
  if (ids.length === 0 || out.length < 14 || out[0] !== 0x06 || (out[3] & 0x1f) !== 0x07) return bitFlip(rng, input, ctx);
  const v20 = (out[4] & 0x0f) === 0x06;
  const at = v20 ? ((out[5] & 0x3f) === 0x02 ? 16 : 10) : 9;
  if (at + 4 > out.length) return bitFlip(rng, input, ctx);
  out.writeUInt32LE(rng.pick(ids) >>> 0, at);
  return out;
};

export const MUTATORS = {
  bitFlip, boundaryByte, randomByte, truncate, extend, duplicateSpan, removeSpan, largeLength, splice, retargetSession,
} as const satisfies Record<string, Mutator>;

export type MutatorName = keyof typeof MUTATORS;

const MUTATOR_WEIGHTS: Record<MutatorName, number> = {
  bitFlip: 4, boundaryByte: 3, randomByte: 2, truncate: 3, extend: 2, duplicateSpan: 1, removeSpan: 1, largeLength: 3, splice: 2,
  retargetSession: 0,
};

export interface Mutation { bytes: Buffer; applied: MutatorName[] }

/**
 * Applies 1..`maxStack` mutators in sequence (fewer more often). `extraWeights` adds or reweights
 * mutators, e.g. `{ retargetSession: 3 }` when there are live sessions to aim at.
 */
export function mutate(rng: Rng, input: Uint8Array, ctx: MutationContext, maxStack = 3,
  extraWeights: Partial<Record<MutatorName, number>> = {}): Mutation {
  const weights = { ...MUTATOR_WEIGHTS, ...extraWeights };
  const n = rng.bool(0.6) ? 1 : rng.range(1, maxStack);
  let bytes: Buffer = copy(input);
  const applied: MutatorName[] = [];
  for (let i = 0; i < n; i++) {
    const name = rng.weighted(weights);
    bytes = MUTATORS[name](rng, bytes, ctx);
    applied.push(name);
  }
  return { bytes, applied };
}

// ---------------------------------------------------------------- checks and reports

/** Why a thrown value is not an acceptable DecodeError, or null when it is one with sane fields. */
export function decodeErrorProblem(err: unknown): string | null {
  if (!(err instanceof DecodeError)) {
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    return `threw ${String(e?.name ?? typeof err)}${e?.code ? ` [${String(e.code)}]` : ''}: ${String(e?.message ?? err)}`;
  }
  if (typeof err.protocol !== 'string' || err.protocol === '') return 'DecodeError without a protocol';
  if (typeof err.field !== 'string' || err.field === '') return 'DecodeError without a field';
  if (!Number.isInteger(err.offset) || err.offset < 0) return `DecodeError with offset ${err.offset}`;
  if (!/^ERR_[A-Z0-9_]+$/.test(err.code)) return `DecodeError with code ${JSON.stringify(err.code)}`;
  return null;
}

/**
 * Checks a decoded value for the marks of reading past the end or of arithmetic on missing bytes:
 * undefined fields (other than `optional` keys), NaN, non-integers, negative numbers (unless allowed).
 */
export function valueProblem(value: unknown, optional: readonly string[] = [], allowNegative = false, path = 'value'): string | null {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return null;
  if (value === undefined) return `${path} is undefined`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `${path} is ${value}`;
    if (value < 0 && !allowNegative) return `${path} is negative (${value})`;
    return null;
  }
  if (value instanceof Uint8Array) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = valueProblem(value[i], optional, allowNegative, `${path}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined && optional.includes(k)) continue;
      const p = valueProblem(v, optional, allowNegative, `${path}.${k}`);
      if (p) return p;
    }
    return null;
  }
  return `${path} has type ${typeof value}`;
}

/** Turns Uint8Arrays into hex strings so decoded values compare by content, not by view or class. */
export function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return `hex:${hex(value)}`;
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = normalize(v);
    return out;
  }
  return value;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

export interface FuzzFailure { target: string; problem: string; input: string; iteration: number; note?: string }

interface Asserter {
  pass(message: string): unknown;
  fail(message: string): unknown;
  comment(...args: unknown[]): unknown;
}

/** Collects failures and reports them with the seed: up to three samples of each kind (30 in all) and a count of everything. */
export class FailureLog {
  readonly seed: number;
  private readonly kept: FuzzFailure[] = [];
  private readonly counts = new Map<string, number>();
  total = 0;

  constructor(seed: number) {
    this.seed = seed;
  }

  add(f: FuzzFailure): void {
    this.total++;
    const problem = f.problem.replace(/0x[0-9a-f]+|\b\d+\b/gi, 'N');
    const key = `${f.target}: ${problem}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const keptOfKind = this.kept.filter((k) => k.target === f.target && k.problem.replace(/0x[0-9a-f]+|\b\d+\b/gi, 'N') === problem).length;
    if (keptOfKind < 3 && this.kept.length < 30) this.kept.push(f);
  }

  format(f: FuzzFailure): string {
    return `${f.target}: ${f.problem}\n    input (${f.input.length / 2} bytes): ${f.input || '(empty)'}\n` +
      `    replay: FUZZ_SEED=${seedHex(this.seed)} (iteration ${f.iteration})${f.note ? `\n    ${f.note}` : ''}`;
  }

  /** One failing assertion per kept failure, or one pass when clean. */
  report(t: Asserter, what: string): void {
    if (this.total === 0) {
      t.pass(`${what}: no failures`);
      return;
    }
    const summary = [...this.counts].map(([k, n]) => `${n}x ${k}`).join('\n  ');
    t.comment(`${what}: ${this.total} failure(s), seed ${seedHex(this.seed)}:\n  ${summary}`);
    for (const f of this.kept) t.fail(this.format(f));
    if (this.total > this.kept.length) t.fail(`${what}: ${this.total - this.kept.length} more failure(s) of the kinds above (seed ${seedHex(this.seed)})`);
  }
}

/** Counts by name, printed most frequent first. */
export class Histogram {
  private readonly m = new Map<string, number>();

  add(key: string, n = 1): void {
    this.m.set(key, (this.m.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.m.get(key) ?? 0;
  }

  keys(): string[] {
    return [...this.m.keys()];
  }

  total(): number {
    let n = 0;
    for (const v of this.m.values()) n += v;
    return n;
  }

  format(indent = '  '): string {
    const rows = [...this.m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const width = Math.max(0, ...rows.map(([k]) => k.length));
    return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${String(v).padStart(7)}`).join('\n');
  }
}

// ---------------------------------------------------------------- one decoder, many inputs

/** A decoder under fuzz: real seeds to mutate, and its encoder for the round trip when there is one. */
export interface DecoderTarget {
  name: string;
  seeds: Uint8Array[];
  decode(b: Uint8Array): unknown;
  /** decode(encode(value)) must give the value back; omitted when there is no encoder. */
  reencode?(value: never): Uint8Array;
  /** Applied to half the mutated inputs, to get past checksums and lengths to the checks behind them. */
  fixup?(b: Buffer): Buffer;
}

export interface DecoderFuzzOptions {
  iterations: number;
  /** Extra real inputs whose bytes mutations may splice in. */
  corpus: Uint8Array[];
  /** What is wrong with a decoded value (a field read past the end, a NaN), or null. */
  check(value: unknown, input: Uint8Array): string | null;
  /** Do two decoded values say the same thing? */
  same(a: unknown, b: unknown): boolean;
  /** How a DecodeError is counted in the stats. */
  errorKind(e: DecodeError): string;
}

export interface DecoderStats { returned: number; decodeErrors: Histogram; reencoded: number }

/**
 * Feeds a decoder random and mutated inputs: each must decode to a sane value or throw a DecodeError with
 * sane fields, and whatever decodes must re-encode and decode again to the same value. Failures go to `log`.
 */
export function fuzzDecoder(tg: DecoderTarget, rng: Rng, log: FailureLog, opts: DecoderFuzzOptions): DecoderStats {
  const stats: DecoderStats = { returned: 0, decodeErrors: new Histogram(), reencoded: 0 };
  const ctx = { corpus: opts.corpus.length > 0 ? [...tg.seeds, ...opts.corpus] : tg.seeds };
  for (let i = 0; i < opts.iterations; i++) {
    let raw = tg.seeds.length === 0 || rng.bool(0.2) ? randomBuffer(rng) : mutate(rng, rng.pick(tg.seeds), ctx, 4).bytes;
    if (tg.fixup && rng.bool(0.5)) raw = tg.fixup(raw);
    const input = placeBytes(rng, raw);
    const fail = (problem: string) => log.add({ target: tg.name, problem, input: hex(raw), iteration: i });
    let value: unknown;
    try {
      value = tg.decode(input);
    } catch (err) {
      const problem = decodeErrorProblem(err);
      if (problem) fail(problem);
      else stats.decodeErrors.add(opts.errorKind(err as DecodeError));
      continue;
    }
    stats.returned++;
    const vp = opts.check(value, input);
    if (vp) {
      fail(vp);
      continue;
    }
    if (!tg.reencode || value === null) continue;
    try {
      const again = tg.decode(tg.reencode(value as never));
      if (!opts.same(again, value)) fail('re-encoded value decodes differently');
      else stats.reencoded++;
    } catch (err) {
      const e = err as Error;
      fail(`re-encoding a decoded value failed: ${e.name}: ${e.message}`);
    }
  }
  return stats;
}
