// Fuzzes the Bulk-Only Transport and SCSI layers: the CBW/CSW codecs, the CDB decoder (both drive kinds), the
// fixed sense decoder and the host's INQUIRY and READ CAPACITY data decoders with random and mutated real inputs; then whole sequences of random CBWs, CDBs, bulk
// transfers, halts, resets and medium changes into a MassStorageFunction. Every decoder call must return a sane
// value or throw a DecodeError; every URB must complete (ok, STALL or overflow, within 2 s, never more bytes than
// asked for) and nothing may throw out of the function; after every sequence a reset recovery must bring the
// function back (TEST UNIT READY and INQUIRY answered with the right tags). Seed: FUZZ_SEED; inputs:
// FUZZ_ITERATIONS (per decoder; sequences get a tenth of it).
import t from 'tap';
import { CswStatus, decodeCbw, decodeCsw, encodeCbw, encodeCsw } from '../../protocols/usb-mass-storage/bot.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { decodeCommand } from '../../protocols/scsi/commands.js';
import { decodeReadCapacity10Data, decodeReadCapacity16Data, readCapacity10Data, readCapacity16Data } from '../../protocols/scsi/capacity.js';
import { PeripheralDeviceType, decodeStandardInquiryData, standardInquiryData } from '../../protocols/scsi/inquiry.js';
import { decodeFixedSense, encodeFixedSense, Sense } from '../../protocols/scsi/sense.js';
import { UrbStatus, type UrbOutcome } from '../../protocols/usb-mass-storage/usb-function.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { BULK_IN, BULK_OUT, resetRecovery, runCommand } from '../helpers/bot-host.js';
import { MemorySlot, cdImage, diskImage, type MemoryMedium } from '../helpers/memory-medium.js';
import {
  FailureLog, Histogram, Rng, fuzzDecoder, fuzzIterations, fuzzSeed, hex, mutate, normalize, sameValue, seedHex, valueProblem,
} from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(20_000);
const SEQUENCES = Math.max(1, Math.floor(PER_TARGET / 10));

/** Real CDBs of every command the drives know, as Linux sd/sr/cdrom, EDK2 and Windows send them. */
const CDBS: Buffer[] = [
  '000000000000', '030000001200', '120000002400', '120100ff0000', '120180ff0000', '120183ff0000', '1a003f00c000', '1a000800c000',
  '5a002a00000000008000', '1b0000000200', '1b0000000100', '1e0000000100', '1e0000000000', '25000000000000000000',
  '9e100000000000000000000000200000', '28000000000000000800', '28000000010000000100', 'a80000000000000000010000',
  '88000000000000000000000000010000', '2a000000000500000100', '8a000000000000000000000000010000', '35000000000000000000',
  '43000000000000001400', '43020100000000000c00', '43000000000000000c40', '46000000000000000800', '46020001000000ff0000',
  '4a010000100000000800', '51000000000000002200',
].map((h) => Buffer.from(h, 'hex'));

const CBWS = CDBS.map((cb, i) => encodeCbw({ tag: i + 1, dataTransferLength: [0, 8, 36, 512, 4096][i % 5], dataIn: i % 3 !== 0, lun: 0, cb: cb.subarray(0, 16) }));
const CSWS = [0, 1, 2].map((status) => encodeCsw({ tag: 7 + status, dataResidue: status * 100, status: status as CswStatus }));
const SENSES = Object.values(Sense).map((s) => encodeFixedSense(s));
const INQUIRY_ID = { vendor: 'BMCFLEET', product: 'Virtual CD-ROM', revision: '1.00', serial: 'CD0001' };
const INQUIRIES = [standardInquiryData(PeripheralDeviceType.cdDvd, INQUIRY_ID), standardInquiryData(PeripheralDeviceType.directAccess, INQUIRY_ID)];
const CAPACITIES = [readCapacity10Data(300, 2048), readCapacity10Data(2 ** 33, 512), readCapacity16Data(2 ** 33, 512), readCapacity16Data(2048, 512)];

t.test(`BOT and SCSI decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const targets = [
    { name: 'decodeCbw', seeds: CBWS, decode: (b: Uint8Array) => decodeCbw(b, 1), reencode: (v: ReturnType<typeof decodeCbw>) => encodeCbw(v) },
    { name: 'decodeCsw', seeds: CSWS, decode: (b: Uint8Array) => decodeCsw(b), reencode: (v: ReturnType<typeof decodeCsw>) => encodeCsw(v) },
    { name: 'decodeCommand(cdrom)', seeds: CDBS, decode: (b: Uint8Array) => decodeCommand(b, DriveKind.cdrom) },
    { name: 'decodeCommand(disk)', seeds: CDBS, decode: (b: Uint8Array) => decodeCommand(b, DriveKind.disk) },
    { name: 'decodeFixedSense', seeds: SENSES, decode: (b: Uint8Array) => decodeFixedSense(b) },
    // what a host reads from a device that may be anything
    { name: 'decodeStandardInquiryData', seeds: INQUIRIES, decode: (b: Uint8Array) => decodeStandardInquiryData(b) },
    { name: 'decodeReadCapacity10Data', seeds: CAPACITIES, decode: (b: Uint8Array) => decodeReadCapacity10Data(b) },
    { name: 'decodeReadCapacity16Data', seeds: CAPACITIES, decode: (b: Uint8Array) => decodeReadCapacity16Data(b) },
  ];
  const rows: string[] = [];
  for (const tg of targets) {
    const s = fuzzDecoder(tg, root.fork(tg.name), log, {
      iterations: PER_TARGET,
      corpus: [...CBWS, ...CDBS],
      check: (value) => valueProblem(normalize(value)),
      same: sameValue,
      errorKind: (e) => e.code,
    });
    rows.push(`  ${tg.name.padEnd(22)} returned ${String(s.returned).padStart(6)}  re-encoded ${String(s.reencoded).padStart(6)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(6)} (${s.decodeErrors.keys().sort().join(' ')})`);
  }
  t.comment(`${targets.length * PER_TARGET} decoder calls, seed ${seedHex(SEED)}\n${rows.join('\n')}`);
  log.report(t, 'BOT/SCSI decoders');
  t.end();
});

const ID = { vendor: 'BMCFLEET', product: 'Fuzz', revision: '1', serial: 'F1' };
const URB_SIZES = [0, 1, 12, 13, 31, 36, 512, 2048, 4096, 65536, 200_000];

/** Resolves with the URB's outcome, or rejects when it takes longer than 2 s: a hang. */
function withinTime(p: Promise<UrbOutcome>): Promise<UrbOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('URB did not complete within 2 s')), 2000); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A CBW for a real or mutated CDB, with a random host length and direction; now and then a mangled CBW. */
function randomCbw(rng: Rng, tag: number, mangle = true): Buffer {
  const cdb = rng.bool(0.7) ? rng.pick(CDBS) : mutate(rng, rng.pick(CDBS), { corpus: CDBS }, 3).bytes;
  const cb = cdb.length === 0 ? Buffer.from([rng.int(256)]) : cdb.subarray(0, 16);
  const length = rng.pick([0, 0, 8, 18, 36, 255, 512, 600, 2048, 4096, 65536, 256 * 2048, rng.int(70_000)]);
  const out = encodeCbw({ tag, dataTransferLength: length, dataIn: rng.bool(0.7), lun: 0, cb });
  return mangle && rng.bool(0.08) ? mutate(rng, out, { corpus: CBWS }, 2).bytes : out;
}

/** One command the way a host runs it (CBW, data phase, CSW), clearing halts it meets; returns the URB outcomes. */
async function hostCommand(fn: MassStorageFunction, rng: Rng, tag: number, trace: string[]): Promise<UrbOutcome[]> {
  const cbw = randomCbw(rng, tag, false);
  const length = cbw.readUInt32LE(8);
  const urb = rng.pick([512, 4096, 49152, 65536, 122880]);
  trace.push(`host:${hex(cbw)}/${urb}`);
  const outcomes = [await withinTime(fn.bulkOut(cbw))];
  for (let moved = 0; moved < length;) {
    const n = Math.min(urb, length - moved);
    const o = await withinTime(cbw[12] & 0x80 ? fn.bulkIn(n) : fn.bulkOut(rng.bytes(n)));
    outcomes.push(o);
    if (o.status !== UrbStatus.ok) {
      fn.clearHalt(cbw[12] & 0x80 ? BULK_IN : BULK_OUT);
      break;
    }
    moved += o.actualLength;
    if (o.actualLength < n) break;
  }
  let csw = await withinTime(fn.bulkIn(13));
  outcomes.push(csw);
  if (csw.status === UrbStatus.stall) {
    fn.clearHalt(BULK_IN);
    csw = await withinTime(fn.bulkIn(13));
    outcomes.push(csw);
  }
  return outcomes;
}

t.test(`random bulk sequences never throw, hang or get stuck (seed ${seedHex(SEED)}, ${SEQUENCES} sequences)`, async (t) => {
  const rng = new Rng(SEED).fork('sequences');
  const log = new FailureLog(SEED);
  const ops = new Histogram();
  const statuses = new Histogram();
  for (let i = 0; i < SEQUENCES; i++) {
    const kind = rng.bool(0.5) ? DriveKind.cdrom : DriveKind.disk;
    const image = (): MemoryMedium => (kind === DriveKind.cdrom ? cdImage(rng.range(1, 400)) : diskImage(rng.range(1, 3000), rng.bool(0.2)));
    const slot = new MemorySlot(kind, rng.bool(0.8) ? image() : undefined);
    const fn = new MassStorageFunction(slot, { identity: ID, minReadBytes: rng.pick([512, 4096, 65536]) });
    const trace: string[] = [];
    const fail = (problem: string) => log.add({ target: 'sequence', problem, input: trace.join(' '), iteration: i });
    const steps = rng.range(1, 40);
    try {
      for (let s = 0; s < steps; s++) {
        const op = rng.weighted({ host: 6, cbw: 4, in: 6, out: 3, clearHalt: 2, reset: 1, insert: 1, eject: 1, failing: 1 });
        ops.add(op);
        let outcome: UrbOutcome | undefined;
        let asked = 0;
        switch (op) {
          case 'cbw': {
            const b = randomCbw(rng, 1000 + s);
            trace.push(`cbw:${hex(b)}`);
            outcome = await withinTime(fn.bulkOut(b));
            if (outcome.actualLength > b.length) fail(`bulk OUT took ${outcome.actualLength} of ${b.length} bytes`);
            break;
          }
          case 'host':
            for (const o of await hostCommand(fn, rng, 5000 + s, trace)) {
              statuses.add(String(o.status));
              if ((o.data?.length ?? 0) > 122880) fail(`a URB returned ${o.data!.length} bytes`);
            }
            break;
          case 'in':
            asked = rng.pick(URB_SIZES);
            trace.push(`in:${asked}`);
            outcome = await withinTime(fn.bulkIn(asked));
            if ((outcome.data?.length ?? 0) > asked) fail(`bulk IN of ${asked} returned ${outcome.data!.length} bytes`);
            if (outcome.data && outcome.actualLength !== outcome.data.length) fail('actualLength differs from the data');
            break;
          case 'out': {
            const b = rng.bytes(rng.pick([1, 13, 31, 512, 600, 2048, 5000]));
            trace.push(`out:${b.length}`);
            outcome = await withinTime(fn.bulkOut(b));
            if (outcome.actualLength > b.length) fail(`bulk OUT took ${outcome.actualLength} of ${b.length} bytes`);
            break;
          }
          case 'clearHalt': trace.push('clear'); fn.clearHalt(rng.bool() ? BULK_IN : BULK_OUT); break;
          case 'reset': trace.push('reset'); fn.reset(); break;
          case 'insert': trace.push('insert'); slot.insert(image()); break;
          case 'eject': trace.push('eject'); slot.eject(); break;
          default: {
            const m = slot.current() as MemoryMedium | undefined;
            trace.push('failing');
            if (m) {
              m.failReads = rng.bool(0.5);
              m.failWrites = rng.bool(0.5);
            }
          }
        }
        if (outcome) {
          statuses.add(String(outcome.status));
          // a host clears most halts it meets, as Linux usb-storage does
          if (outcome.status === UrbStatus.stall && rng.bool(0.8)) {
            trace.push('clear');
            fn.clearHalt(op === 'in' ? BULK_IN : BULK_OUT);
          }
          if (outcome.status !== UrbStatus.ok && outcome.status !== UrbStatus.stall && outcome.status !== UrbStatus.overflow) {
            fail(`URB status ${outcome.status}`);
          }
        }
      }
      // a reset recovery always brings the function back
      const m = slot.current() as MemoryMedium | undefined;
      if (m) m.failReads = m.failWrites = false;
      await resetRecovery(fn);
      trace.push('recovery');
      const tur = await runCommand(fn, { cdb: [0, 0, 0, 0, 0, 0], tag: 77 });
      const inq = await runCommand(fn, { cdb: [0x12, 0, 0, 0, 36, 0], length: 36, tag: 78 });
      if (tur.csw.status === CswStatus.phaseError) fail('TEST UNIT READY after a reset recovery: phase error');
      if (inq.csw.status !== CswStatus.passed || inq.data.length !== 36) fail(`INQUIRY after a reset recovery: status ${inq.csw.status}, ${inq.data.length} bytes`);
    } catch (err) {
      fail(`threw ${(err as Error).name}: ${(err as Error).message}`);
    }
    fn.close();
  }
  t.comment(`${SEQUENCES} sequences; operations:\n${ops.format()}\nURB statuses:\n${statuses.format()}`);
  t.ok(statuses.get(String(UrbStatus.stall)) > 0 && statuses.get(String(UrbStatus.ok)) > 0, 'both stalls and completions happened');
  log.report(t, 'bulk sequences');
});
