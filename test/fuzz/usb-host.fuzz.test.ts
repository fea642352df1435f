// Fuzzes the host side (clients/usbip: the Bulk-Only host and the SCSI host) against a device that lies: a real
// mass-storage function whose answers are now and then replaced — a STALL or an error status where none belongs, data
// mutated or longer than asked, a CSW with a wrong tag, signature or status, an OUT URB that takes part of its data,
// control requests refused. Every command must settle within 2 s, and fail only with the host's typed errors
// (SenseError, ScsiHostError, BulkOnlyError, DecodeError, ControlRequestError): never a TypeError, a RangeError or a
// hang. Seed: FUZZ_SEED; sequences: FUZZ_ITERATIONS / 10.
import t from 'tap';
import { BulkOnlyError, BulkOnlyHost, type BulkOnlyTransport } from '../../clients/usbip/bulk-only-host.js';
import { ControlRequestError } from '../../clients/usbip/remote-function.js';
import { ScsiHost, ScsiHostError, SenseError } from '../../clients/usbip/scsi-host.js';
import { DecodeError } from '../../protocols/errors.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { UrbStatus, type UrbOutcome } from '../../protocols/usb-mass-storage/usb-function.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { MemorySlot, cdImage, diskImage } from '../helpers/memory-medium.js';
import { FailureLog, Histogram, Rng, fuzzIterations, fuzzSeed, mutate, seedHex } from './fuzz-helpers.js';

const SEED = fuzzSeed();
const SEQUENCES = Math.max(1, Math.floor(fuzzIterations(20_000) / 10));
const ID = { vendor: 'BMCFLEET', product: 'Fuzz', revision: '1', serial: 'F1' };
const TYPED = [SenseError, ScsiHostError, BulkOnlyError, DecodeError, ControlRequestError];

/** A real function whose outcomes are replaced with probability `p`. */
class LyingDevice implements BulkOnlyTransport {
  readonly fn: MassStorageFunction;
  readonly rng: Rng;
  readonly p: number;
  readonly lies = new Histogram();

  constructor(fn: MassStorageFunction, rng: Rng, p: number) {
    this.fn = fn;
    this.rng = rng;
    this.p = p;
  }

  async bulkOut(data: Buffer): Promise<UrbOutcome> {
    const o = await this.fn.bulkOut(data);
    if (!this.rng.bool(this.p)) return o;
    switch (this.rng.int(3)) {
      case 0: this.lies.add('out: stall'); return { status: UrbStatus.stall, actualLength: 0 };
      case 1: this.lies.add('out: part taken'); return { status: UrbStatus.ok, actualLength: this.rng.int(data.length + 2) };
      default: this.lies.add('out: errno'); return { status: this.rng.pick([-71, -110, -19, UrbStatus.overflow]), actualLength: 0 };
    }
  }

  async bulkIn(maxLength: number): Promise<UrbOutcome> {
    const o = await this.fn.bulkIn(maxLength);
    if (!this.rng.bool(this.p)) return o;
    switch (this.rng.int(5)) {
      case 0: this.lies.add('in: stall'); return { status: UrbStatus.stall, actualLength: 0 };
      case 1: this.lies.add('in: errno'); return { status: this.rng.pick([-71, -110, UrbStatus.overflow, UrbStatus.unlinked]), actualLength: 0 };
      case 2: {
        this.lies.add('in: babble');
        const data = this.rng.bytes(maxLength + 1 + this.rng.int(64));
        return { status: UrbStatus.ok, data, actualLength: data.length };
      }
      default: {
        this.lies.add('in: mutated');
        const data = mutate(this.rng, o.data ?? Buffer.alloc(0), { corpus: [] }, 3).bytes.subarray(0, maxLength);
        return { status: UrbStatus.ok, data, actualLength: data.length };
      }
    }
  }

  clearHalt(endpointAddress: number): void {
    if (this.rng.bool(this.p / 4)) {
      this.lies.add('clear-halt refused');
      throw new ControlRequestError(`CLEAR_FEATURE(ENDPOINT_HALT) ${endpointAddress.toString(16)}h`, UrbStatus.stall);
    }
    this.fn.clearHalt(endpointAddress);
  }

  reset(): void {
    if (this.rng.bool(this.p / 4)) {
      this.lies.add('reset refused');
      throw new ControlRequestError('Bulk-Only Mass Storage Reset', UrbStatus.stall);
    }
    this.fn.reset();
  }
}

function within(p: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('the command did not settle within 2 s')), 2000); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

t.test(`the host side meets a lying device: only typed errors, never a hang (seed ${seedHex(SEED)}, ${SEQUENCES} sequences)`, async (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const outcomes = new Histogram();
  const lies = new Histogram();
  for (let i = 0; i < SEQUENCES; i++) {
    const rng = root.fork(`sequence ${i}`);
    const kind = rng.bool() ? DriveKind.cdrom : DriveKind.disk;
    const slot = new MemorySlot(kind, rng.bool(0.9) ? (kind === DriveKind.cdrom ? cdImage(64) : diskImage(256)) : undefined);
    const device = new LyingDevice(new MassStorageFunction(slot, { identity: ID }), rng, rng.pick([0.02, 0.1, 0.3]));
    const scsi = new ScsiHost(new BulkOnlyHost(device, { queued: rng.bool(), maxUrbBytes: rng.pick([512, 4096, 122880]) }), { maxTransferBytes: rng.pick([512, 4096, 122880]) });
    const bs = kind === DriveKind.cdrom ? 2048 : 512;
    const trace: string[] = [];
    for (let step = 0; step < 6; step++) {
      const op = rng.pick(['inquiry', 'tur', 'capacity', 'read', 'write', 'sync', 'sense'] as const);
      const lba = rng.int(300);
      const blocks = 1 + rng.int(70);
      trace.push(`${op}${op === 'read' || op === 'write' ? ` ${lba}+${blocks}` : ''}`);
      const run = (): Promise<unknown> => {
        switch (op) {
          case 'inquiry': return scsi.inquiry();
          case 'tur': return scsi.testUnitReady();
          case 'capacity': return scsi.readCapacity();
          case 'read': return scsi.read(lba, blocks, bs);
          case 'write': return scsi.write(lba, Buffer.alloc(blocks * bs, 0x42), bs);
          case 'sync': return scsi.synchronizeCache();
          default: return scsi.requestSense();
        }
      };
      try {
        await within(run());
        outcomes.add('settled');
      } catch (err) {
        const typed = TYPED.find((c) => err instanceof c);
        if (typed) {
          outcomes.add(typed.name);
          continue;
        }
        const e = err as Error;
        log.add({ target: 'host', problem: `${e.name}: ${e.message}`, input: '', iteration: i, note: `steps: ${trace.join(', ')}` });
        break; // the host may be wedged behind a hang: the next sequence starts afresh
      }
    }
    for (const k of device.lies.keys()) lies.add(k, device.lies.get(k));
  }
  t.comment(`outcomes:\n${outcomes.format()}\nlies told:\n${lies.format()}`);
  log.report(t, 'host side');
});
