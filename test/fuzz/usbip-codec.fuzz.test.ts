// Fuzzes the USB/IP and USB descriptor codecs, the framers and endpoint 0 with random buffers and mutations of real
// messages (the usbip tool's requests in test/vectors/usbip, and messages of every kind): 10,000 inputs per target by
// default. Every decoder must return a value or throw a DecodeError with sane fields; decoded values must have no
// undefined/NaN fields, re-encode, and decode again equal. The framers must hand out only whole messages and hold no
// more than one message's bound; endpoint 0 must answer every setup packet with data or a stall, never more than asked.
// Seed: FUZZ_SEED; inputs: FUZZ_ITERATIONS (the long run: FUZZ_ITERATIONS=1000000).
import t from 'tap';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { UsbControlEndpoint } from '../../protocols/usb-mass-storage/usb-control.js';
import {
  decodeConfiguration, decodeDeviceDescriptor, decodeLanguageIds, decodeString, encodeConfiguration, encodeDeviceDescriptor, encodeLanguageIds,
  encodeString, massStorageDescriptors,
} from '../../protocols/usb-mass-storage/usb-descriptors.js';
import { UrbStatus } from '../../protocols/usb-mass-storage/usb-function.js';
import { decodeSetup } from '../../protocols/usb-mass-storage/usb-setup.js';
import {
  decodeOpReply, decodeOpRequest, encodeDevlistReply, encodeImportReply, encodeOpReply, encodeOpRequest, OpStatus, type OpReply, type OpRequest,
} from '../../protocols/usb-mass-storage/usbip-op.js';
import { UsbipReplyStream, UsbipRequestStream } from '../../protocols/usb-mass-storage/usbip-stream.js';
import {
  Direction, ISO_DESCRIPTOR_LENGTH, URB_HEADER_LENGTH, decodeUrbCommand, decodeUrbReply, encodeUrb, type UrbMessage,
} from '../../protocols/usb-mass-storage/usbip-urb.js';
import { exportedDrives } from '../../emulator/media/exported-drive.js';
import { LoopbackFunction } from '../helpers/loopback-function.js';
import { loadFrames } from '../helpers/vectors.js';
import {
  FailureLog, Rng, decodeErrorProblem, fuzzDecoder, fuzzIterations, fuzzSeed, hex, mutate, randomBuffer, sameValue, seedHex, valueProblem,
} from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(10_000);
const MAX_TRANSFER = 4096;
const LIMITS = { maxTransfer: MAX_TRANSFER, maxIsoPackets: 16 };

const vectors = loadFrames('usbip/usbip-list-attach.json');
const drives = exportedDrives(0x7f0d0001);
const opRequests = [
  vectors.find((f) => f.from === 'client' && f.stream === 0)!.bytes,
  Buffer.concat(vectors.filter((f) => f.from === 'client' && f.stream === 1).map((f) => f.bytes)),
];
const opReplies = [encodeDevlistReply(drives.map((d) => d.record)), encodeImportReply(OpStatus.ok, drives[0].record.device), encodeImportReply(OpStatus.noDev, null)];

/** Odd seqnums were IN commands, even ones OUT, 0 never sent: what a client's record would say. */
const directionOf = (seqnum: number): Direction | undefined => (seqnum === 0 ? undefined : seqnum % 2 === 1 ? Direction.in : Direction.out);
const basic = { devid: 0x10002, ep: 0 };
const urbCommands = [
  encodeUrb({ kind: 'cmd-submit', seqnum: 1, ...basic, direction: Direction.in, transferFlags: 0x200, transferBufferLength: 64, startFrame: 0,
    numberOfPackets: 0, interval: 0, setup: Buffer.from('8006000100004000', 'hex'), data: new Uint8Array(0), iso: [] }),
  encodeUrb({ kind: 'cmd-submit', seqnum: 2, ...basic, ep: 2, direction: Direction.out, transferFlags: 0, transferBufferLength: 31, startFrame: 0,
    numberOfPackets: 0, interval: 0, setup: new Uint8Array(8), data: Buffer.from('55534243010000002400000080000612000000240000000000000000000000', 'hex'), iso: [] }),
  encodeUrb({ kind: 'cmd-submit', seqnum: 3, ...basic, ep: 3, direction: Direction.out, transferFlags: 0, transferBufferLength: 4, startFrame: 0,
    numberOfPackets: 2, interval: 1, setup: new Uint8Array(8), data: Buffer.from('abcd'), iso: [
      { offset: 0, length: 2, actualLength: 0, status: 0 }, { offset: 2, length: 2, actualLength: 0, status: 0 }] }),
  encodeUrb({ kind: 'cmd-unlink', seqnum: 4, ...basic, direction: Direction.out, unlinkSeqnum: 3 }),
];
const urbReplies = [
  encodeUrb({ kind: 'ret-submit', seqnum: 1, devid: 0, ep: 0, direction: 0, status: 0, actualLength: 18, startFrame: 0, numberOfPackets: 0,
    errorCount: 0, data: drives[0].descriptors.encodedDevice, iso: [] }),
  encodeUrb({ kind: 'ret-submit', seqnum: 2, devid: 0, ep: 0, direction: 0, status: 0, actualLength: 31, startFrame: 0, numberOfPackets: 0,
    errorCount: 0, data: new Uint8Array(0), iso: [] }),
  encodeUrb({ kind: 'ret-submit', seqnum: 5, devid: 0, ep: 0, direction: 0, status: UrbStatus.stall, actualLength: 0, startFrame: 0,
    numberOfPackets: 0, errorCount: 0, data: new Uint8Array(0), iso: [] }),
  encodeUrb({ kind: 'ret-unlink', seqnum: 6, devid: 0, ep: 0, direction: 0, status: UrbStatus.unlinked }),
];
const descriptorSets = drives.map((d) => d.descriptors);
const configurations = descriptorSets.flatMap((d) => [d.encodedConfiguration]);
const devices = descriptorSets.map((d) => d.encodedDevice);
const strings = descriptorSets.flatMap((d) => d.encodedStrings.slice(1));
const corpus = [...opRequests, ...opReplies, ...urbCommands, ...urbReplies, ...configurations, ...devices, ...strings];

/** Sets a URB header's length field to the bytes that follow, so mutated messages get past framing more often. */
function fixUrbLength(b: Buffer): Buffer {
  if (b.length < URB_HEADER_LENGTH) return b;
  const out = Buffer.from(b);
  out.writeUInt32BE(0, 0x20); // no ISO descriptors
  out.writeUInt32BE(Math.min(out.length - URB_HEADER_LENGTH, MAX_TRANSFER), 0x18);
  return out;
}

interface Target {
  name: string;
  seeds: Uint8Array[];
  decode(b: Uint8Array): unknown;
  reencode?(v: never): Uint8Array;
  fixup?(b: Buffer): Buffer;
}

const TARGETS: Target[] = [
  { name: 'decodeOpRequest', seeds: opRequests, decode: (b) => decodeOpRequest(b), reencode: (v: OpRequest) => encodeOpRequest(v) },
  { name: 'decodeOpReply', seeds: opReplies, decode: (b) => decodeOpReply(b), reencode: (v: OpReply) => encodeOpReply(v) },
  {
    name: 'decodeUrbCommand', seeds: urbCommands, fixup: fixUrbLength,
    decode: (b) => decodeUrbCommand(b, LIMITS), reencode: (v: UrbMessage) => encodeUrb(v),
  },
  {
    name: 'decodeUrbReply', seeds: urbReplies, fixup: fixUrbLength,
    decode: (b) => decodeUrbReply(b, directionOf, LIMITS), reencode: (v: UrbMessage) => encodeUrb(v),
  },
  { name: 'decodeDeviceDescriptor', seeds: devices, decode: (b) => decodeDeviceDescriptor(b), reencode: (v: ReturnType<typeof decodeDeviceDescriptor>) => encodeDeviceDescriptor(v) },
  {
    name: 'decodeConfiguration', seeds: configurations, decode: (b) => decodeConfiguration(b),
    reencode: (v: ReturnType<typeof decodeConfiguration>) => encodeConfiguration(v),
  },
  { name: 'decodeString', seeds: strings, decode: (b) => decodeString(b), reencode: (v: string) => encodeString(v) },
  { name: 'decodeLanguageIds', seeds: [descriptorSets[0].encodedStrings[0]], decode: (b) => decodeLanguageIds(b), reencode: (v: number[]) => encodeLanguageIds(v) },
];

t.test(`USB/IP and descriptor decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const rows: string[] = [];
  for (const tg of TARGETS) {
    const s = fuzzDecoder(tg, root.fork(tg.name), log, {
      iterations: PER_TARGET,
      corpus,
      // statuses are negative errnos; a string from a descriptor may be anything
      check: (value) => (typeof value === 'string' ? null : valueProblem(value, [], true)),
      same: sameValue,
      errorKind: (e) => e.code,
    });
    rows.push(`  ${tg.name.padEnd(24)} returned ${String(s.returned).padStart(7)}  re-encoded ${String(s.reencoded).padStart(7)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(7)} (${s.decodeErrors.keys().sort().join(' ')})`);
  }
  t.comment(`${TARGETS.length * PER_TARGET} decoder calls, seed ${seedHex(SEED)}\n${rows.join('\n')}`);
  log.report(t, 'USB/IP decoders');
  t.end();
});

/** The most one message may hold: a header, the transfer bound, ISO descriptors, or a device list of 1,024. */
const STREAM_BOUND = Math.max(URB_HEADER_LENGTH + MAX_TRANSFER + 16 * ISO_DESCRIPTOR_LENGTH, 12 + 1024 * (312 + 4 * 255));

t.test(`framers on mutated streams, a client's reads into room(): whole messages only, never more than one message held (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('streams');
  const log = new FailureLog(SEED);
  const seen = new Map<string, number>();
  const runs = Math.max(1, Math.floor(PER_TARGET / 2));
  for (let i = 0; i < runs; i++) {
    const server = rng.bool(0.5);
    const op = server ? rng.pick(opRequests) : rng.pick(opReplies);
    const urbs = server ? urbCommands : urbReplies;
    const parts = [rng.bool(0.8) ? op : mutate(rng, op, { corpus }, 2).bytes];
    for (let k = rng.range(0, 5); k > 0; k--) parts.push(rng.bool(0.7) ? fixUrbLength(mutate(rng, rng.pick(urbs), { corpus }, 2).bytes) : rng.pick([rng.pick(urbs), randomBuffer(rng, 80)]));
    const stream = Buffer.concat(parts);
    // half the clients read as UsbipClient does: into room(), IN data into transfer buffers of any size (some too small)
    const rooms = !server && rng.bool(0.5);
    const buffers = new Map<number, Buffer>();
    const transferBufferOf = (seq: number) => {
      if (!buffers.has(seq)) buffers.set(seq, Buffer.alloc(rng.pick([0, 13, 512, 4096, MAX_TRANSFER])));
      return buffers.get(seq)!.length > 0 ? buffers.get(seq) : undefined;
    };
    const framer = server ? new UsbipRequestStream(LIMITS) : new UsbipReplyStream(directionOf, LIMITS, rooms ? transferBufferOf : undefined);
    try {
      for (let o = 0; o < stream.length;) {
        let n = rng.range(1, 96);
        if (framer instanceof UsbipReplyStream && rooms) {
          const room = framer.room();
          n = Math.min(n, room.length, stream.length - o);
          stream.copy(room, 0, o, o + n);
          framer.write(room.subarray(0, n));
        } else {
          framer.write(stream.subarray(o, o + n));
        }
        o += n;
        for (let m = framer.read(); m !== null; m = framer.read()) {
          seen.set(m.kind, (seen.get(m.kind) ?? 0) + 1);
          const problem = valueProblem(m, [], true);
          if (problem) log.add({ target: 'stream', problem, input: hex(stream), iteration: i });
          // the server switches as it would on granting an import
          if (framer instanceof UsbipRequestStream && m.kind === 'import-request') framer.enterUrbPhase();
        }
        if (framer.buffered > STREAM_BOUND) log.add({ target: 'stream', problem: `holds ${framer.buffered} bytes`, input: hex(stream), iteration: i });
      }
    } catch (err) {
      const problem = decodeErrorProblem(err);
      if (problem) log.add({ target: 'stream', problem, input: hex(stream), iteration: i });
      else seen.set('DecodeError', (seen.get('DecodeError') ?? 0) + 1);
    }
  }
  t.comment(`${runs} streams: ${[...seen].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.ok((seen.get('cmd-submit') ?? 0) > 0 && (seen.get('ret-submit') ?? 0) > 0, 'URBs get through both framers');
  log.report(t, 'framers');
  t.end();
});

t.test(`endpoint 0 answers every setup packet with data within wLength or a stall (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('control');
  const log = new FailureLog(SEED);
  const fn = new LoopbackFunction();
  const ep0 = new UsbControlEndpoint(massStorageDescriptors(DriveKind.cdrom, '7F0D00010001'), fn);
  const known = [0x80, 0x00, 0x81, 0x01, 0x82, 0x02, 0x21, 0xa1, 0x23, 0xc0];
  let ok = 0;
  const configure = decodeSetup(Buffer.from('0009010000000000', 'hex'));
  for (let i = 0; i < PER_TARGET; i++) {
    if (i % 64 === 0) ep0.handle(configure, 0); // the bulk endpoints and class requests exist only when configured
    const raw = rng.bytes(8);
    // mostly values the requests use, so most packets get past the first check; the rest random
    if (rng.bool(0.8)) raw[0] = rng.pick(known);
    if (rng.bool(0.8)) raw[1] = rng.pick([0, 1, 3, 5, 6, 8, 9, 10, 11, 0xfe, 0xff]);
    if (rng.bool(0.8)) raw.writeUInt16LE(rng.pick([0, 1, 4, 0x0100, 0x0200, 0x0300, 0x0301, 0x0303, 0x0304, 0x0600, 0x0700, 0x0f00]), 2);
    if (rng.bool(0.8)) raw.writeUInt16LE(rng.pick([0, 1, 0x02, 0x81, 0x83, 0x0409]), 4);
    if (rng.bool(0.8)) raw.writeUInt16LE(rng.pick([0, 1, 2, 4, 9, 18, 64, 255]), 6);
    const setup = decodeSetup(raw);
    const maxLength = rng.pick([0, 1, 2, 9, 18, 64, 255, 4096]);
    try {
      const o = ep0.handle(setup, maxLength);
      const n = o.data?.length ?? 0;
      if (o.status !== UrbStatus.ok && o.status !== UrbStatus.stall) log.add({ target: 'ep0', problem: `status ${o.status}`, input: hex(raw), iteration: i });
      if (n > setup.length || n > maxLength || n !== o.actualLength) log.add({ target: 'ep0', problem: `${n} bytes for wLength ${setup.length}, buffer ${maxLength}`, input: hex(raw), iteration: i });
      if (o.status === UrbStatus.ok) ok++;
    } catch (err) {
      log.add({ target: 'ep0', problem: `threw ${(err as Error).message}`, input: hex(raw), iteration: i });
    }
  }
  t.comment(`${PER_TARGET} setup packets, ${ok} answered`);
  t.ok(ok > 0, 'some requests succeed');
  log.report(t, 'endpoint 0');
  t.end();
});
