// Fuzzes the iSNS codec with random buffers and mutations of the real isnsadm-vs-isnsd PDUs
// (test/vectors/isns): ≥ 100,000 inputs by default over the PDU, attribute and message decoders, the TCP
// framer, the reassembler and the whole receive path. Every call must return a value or throw a
// DecodeError with sane fields (the receive path: return them); decoded values must have no undefined/NaN
// fields, must re-encode, and must decode again equal. The framer, the reassembler and the receive path
// must stay within their limits. Seed: FUZZ_SEED; inputs: FUZZ_ITERATIONS.
import t from 'tap';
import type { DecodeError } from '../../protocols/errors.js';
import { decodePdu, decodeHeader, encodeHeader, encodePdu, HEADER_LENGTH, Flag } from '../../protocols/isns/header.js';
import { decodeAttributes, encodeAttributes } from '../../protocols/isns/tlv.js';
import { decodeRequestBody, decodeResponseBody, encodeRequestBody, encodeResponseBody } from '../../protocols/isns/message.js';
import { decodeMessage, encodeMessage, type IsnsMessage } from '../../protocols/isns/codec.js';
import { PduStreamDecoder } from '../../protocols/isns/stream.js';
import { Reassembler } from '../../protocols/isns/segments.js';
import { IsnsDatagramReceiver, IsnsStreamReceiver, ReceiveError, ReceiveStage, type Received } from '../../protocols/isns/receive.js';
import { loadFrames } from '../helpers/vectors.js';
import {
  FailureLog, Rng, decodeErrorProblem, fuzzDecoder, fuzzIterations, fuzzSeed, hex, mutate, randomBuffer, seedHex, valueProblem,
} from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(20_000);

const pdus = loadFrames('isns/isnsadm-vs-isnsd.json').map((f) => f.bytes);
const requestBodies = pdus.filter((b) => (b[2] & 0x80) === 0).map((b) => b.subarray(HEADER_LENGTH));
const responseBodies = pdus.filter((b) => (b[2] & 0x80) !== 0).map((b) => b.subarray(HEADER_LENGTH));
const attributeLists = [...requestBodies, ...responseBodies.map((b) => b.subarray(4))];

/** bigint -> "123n" and bytes -> hex, so values compare (and valueProblem walks them) as plain data. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `hex:${hex(v)}`;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

/** Sets the PDU Length to the real payload length, so mutated PDUs get past the header more often. */
function fixLength(b: Buffer): Buffer {
  if (b.length < HEADER_LENGTH) return b;
  const out = Buffer.from(b);
  out.writeUInt16BE(Math.min(0xffff, out.length - HEADER_LENGTH), 4);
  out.writeUInt16BE(out.readUInt16BE(6) & ~Flag.AUTH, 6);
  return out;
}

interface Target {
  name: string;
  seeds: Buffer[];
  decode(b: Uint8Array): unknown;
  reencode?(v: never): Uint8Array;
  fixup?(b: Buffer): Buffer;
}

const TARGETS: Target[] = [
  { name: 'decodeHeader', seeds: pdus, decode: (b) => decodeHeader(b), reencode: (h: ReturnType<typeof decodeHeader>) => encodeHeader(h) },
  {
    name: 'decodePdu', seeds: pdus, fixup: fixLength, decode: (b) => decodePdu(b),
    reencode: (p: ReturnType<typeof decodePdu>) => encodePdu(p.header, p.payload, p.authBlock),
  },
  {
    name: 'decodeAttributes', seeds: attributeLists, decode: (b) => decodeAttributes(b),
    reencode: (v: ReturnType<typeof decodeAttributes>) => encodeAttributes(v),
  },
  {
    name: 'decodeRequestBody', seeds: requestBodies, decode: (b) => decodeRequestBody(b),
    reencode: (v: ReturnType<typeof decodeRequestBody>) => encodeRequestBody(v),
  },
  {
    name: 'decodeResponseBody', seeds: responseBodies, decode: (b) => decodeResponseBody(b),
    reencode: (v: ReturnType<typeof decodeResponseBody>) => encodeResponseBody(v),
  },
  {
    // a whole PDU through decodePdu, the reassembler and decodeMessage, re-encoded with encodeMessage
    // (which writes version 1: other versions get no message layer, a server answers them with status 10)
    name: 'decodeMessage', seeds: pdus, fixup: fixLength,
    decode: (b) => {
      const m = new Reassembler().push(decodePdu(b), 0);
      return m === null || m.version !== 1 ? null : decodeMessage(m);
    },
    reencode: (m: IsnsMessage) => Buffer.concat(encodeMessage(m)),
  },
];

/** One decoder's run: values are compared as plain data (bigints, buffers); authBlock and noDelimiter may be absent. */
function fuzzTarget(tg: Target, rng: Rng, log: FailureLog) {
  return fuzzDecoder(tg, rng, log, {
    iterations: PER_TARGET,
    corpus: pdus,
    check: (value) => valueProblem(plain(value), ['authBlock', 'noDelimiter']),
    same,
    errorKind: (e) => e.code,
  });
}

t.test(`iSNS decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const rows: string[] = [];
  for (const tg of TARGETS) {
    const s = fuzzTarget(tg, root.fork(tg.name), log);
    rows.push(`  ${tg.name.padEnd(20)} returned ${String(s.returned).padStart(6)}  re-encoded ${String(s.reencoded).padStart(6)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(6)} (${s.decodeErrors.keys().sort().join(' ')})`);
  }
  t.comment(`${TARGETS.length * PER_TARGET} decoder calls, seed ${seedHex(SEED)}\n${rows.join('\n')}`);
  log.report(t, 'iSNS decoders');
  t.end();
});

t.test(`TCP framer on mutated streams stays within its limit (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('stream');
  const log = new FailureLog(SEED);
  const LIMIT = 4096;
  let pdusOut = 0;
  let streams = 0;
  let errors = 0;
  const runs = Math.max(1, Math.floor(PER_TARGET / 4));
  for (let i = 0; i < runs; i++) {
    const parts: Buffer[] = [];
    for (let k = rng.range(1, 6); k > 0; k--) parts.push(rng.bool(0.7) ? fixLength(mutate(rng, rng.pick(pdus), { corpus: pdus }, 2).bytes) : randomBuffer(rng, 80));
    const stream = Buffer.concat(parts);
    const d = new PduStreamDecoder(LIMIT);
    streams++;
    try {
      for (let o = 0; o < stream.length;) {
        const n = rng.range(1, 64);
        for (const p of d.push(stream.subarray(o, o + n))) {
          pdusOut++;
          if (p.payload.length !== p.header.pduLength) log.add({ target: 'stream', problem: 'payload length differs from PDU Length', input: hex(stream), iteration: i });
        }
        if (d.buffered > LIMIT) log.add({ target: 'stream', problem: `holds ${d.buffered} bytes over the limit`, input: hex(stream), iteration: i });
        o += n;
      }
    } catch (err) {
      const problem = decodeErrorProblem(err);
      if (problem) log.add({ target: 'stream', problem, input: hex(stream), iteration: i });
      else errors++;
    }
  }
  t.comment(`${streams} streams, ${pdusOut} PDUs framed, ${errors} streams ended by a DecodeError`);
  t.ok(pdusOut > 0, 'some PDUs got through');
  log.report(t, 'framer');
  t.end();
});

t.test(`reassembler under random PDU sequences stays within its limits (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('reassembly');
  const log = new FailureLog(SEED);
  const r = new Reassembler({ maxMessageBytes: 2048, maxPending: 4 });
  let completed = 0;
  let errors = 0;
  const runs = Math.max(1, Math.floor(PER_TARGET / 2));
  for (let i = 0; i < runs; i++) {
    const flags = rng.pick([0, Flag.FIRST_PDU, Flag.LAST_PDU, Flag.FIRST_PDU | Flag.LAST_PDU]) | Flag.CLIENT;
    const header = { version: 1, functionId: rng.range(1, 3), flags, transactionId: rng.range(1, 6), sequenceId: rng.range(0, 5) };
    const payload = rng.bytes(rng.pick([0, 4, 64, 700]));
    try {
      const m = r.push(decodePdu(encodePdu(header, payload)), i);
      if (m) {
        completed++;
        if (m.payload.length > 2048) log.add({ target: 'reassembly', problem: `message of ${m.payload.length} bytes over the limit`, input: '', iteration: i });
      }
    } catch (err) {
      const problem = decodeErrorProblem(err);
      if (problem) log.add({ target: 'reassembly', problem, input: hex(payload), iteration: i });
      else errors++;
    }
    if (r.pendingCount > 4) log.add({ target: 'reassembly', problem: `${r.pendingCount} pending over the limit`, input: '', iteration: i });
    if (i % 100 === 99) r.expire(i, 50);
  }
  t.comment(`${runs} PDUs, ${completed} messages completed, ${errors} DecodeErrors`);
  t.ok(completed > 0, 'some messages complete');
  log.report(t, 'reassembler');
  t.end();
});

t.test(`receive path on mutated streams and datagrams: errors as values, within its limits (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('receive');
  const log = new FailureLog(SEED);
  const LIMIT = 4096;
  const seen = new Map<string, number>();
  const check = (item: Received, input: Buffer, i: number) => {
    const key = item instanceof ReceiveError ? `${item.stage} ${item.code}` : item.kind;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const problem = item instanceof ReceiveError ? decodeErrorProblem(item) : valueProblem(plain(item), ['noDelimiter']);
    if (problem) log.add({ target: 'receive', problem, input: hex(input), iteration: i });
  };
  const runs = Math.max(1, Math.floor(PER_TARGET / 4));
  const datagrams = new IsnsDatagramReceiver({ maxPeers: 4, maxMessageBytes: 2048, maxPending: 4 });
  for (let i = 0; i < runs; i++) {
    const parts: Buffer[] = [];
    for (let k = rng.range(1, 6); k > 0; k--) parts.push(rng.bool(0.7) ? fixLength(mutate(rng, rng.pick(pdus), { corpus: pdus }, 2).bytes) : randomBuffer(rng, 80));
    const stream = Buffer.concat(parts);
    const r = new IsnsStreamReceiver({ maxPduBytes: LIMIT, maxMessageBytes: 2048, maxPending: 4 });
    try {
      for (let o = 0; o < stream.length;) {
        const n = rng.range(1, 64);
        r.write(stream.subarray(o, o + n));
        o += n;
        for (let item = r.next(i); item !== null; item = r.next(i)) {
          check(item, stream, i);
          if (item instanceof ReceiveError && item.stage === ReceiveStage.FRAMING && !r.isBroken) {
            log.add({ target: 'receive', problem: 'a framing error left the stream open', input: hex(stream), iteration: i });
          }
        }
        if (r.buffered > LIMIT) log.add({ target: 'receive', problem: `holds ${r.buffered} bytes over the limit`, input: hex(stream), iteration: i });
        if (r.pendingCount > 4) log.add({ target: 'receive', problem: `${r.pendingCount} partial messages over the limit`, input: hex(stream), iteration: i });
      }
      for (const d of parts) {
        const item = datagrams.receive(d, `peer${rng.range(0, 7)}`, i);
        if (item !== null) check(item, d, i);
      }
      if (datagrams.peerCount > 4) log.add({ target: 'receive', problem: `${datagrams.peerCount} UDP peers over the limit`, input: '', iteration: i });
    } catch (err) {
      log.add({ target: 'receive', problem: `threw ${(err as Error).name}: ${(err as Error).message}`, input: hex(stream), iteration: i });
    }
    if (i % 100 === 99) datagrams.expire(i, 50);
  }
  t.comment(`${runs} streams: ${[...seen].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.ok((seen.get('request') ?? 0) + (seen.get('response') ?? 0) > 0, 'some messages get through');
  log.report(t, 'receive path');
  t.end();
});
