// One host's view of one virtual drive, as the USB function its bulk endpoints are bound to: a BotMachine over a
// LogicalUnit (protocols/usb-mass-storage), with the I/O the machine asks for done here against the drive's slot.
//
// - Bulk URBs are taken one at a time, in the order they were handed over, whether or not the caller awaits each.
// - A medium change (MediumSlot.generation moved) is applied when the next CBW is due, so this host gets its
//   UNIT ATTENTION once, and a command in progress keeps the medium it started with.
// - A READ is served in pieces as the host's bulk IN URBs ask for them (each medium read covers at least what
//   the URB lacks, and at least minReadBytes), never the whole transfer at once.
// - Nothing the host sends makes it throw: bad input gets a STALL, a phase error or sense data. A medium that
//   fails to read, write or flush (an I/O error: an unreadable file, an HTTP source gone) becomes MEDIUM ERROR
//   sense; a TypeError, RangeError or ReferenceError from it is a bug and is rethrown.
import { InTurn } from '../../runtime/in-turn.js';
import { BotMachine, type BotAction, type BotStats } from '../../protocols/usb-mass-storage/bot-machine.js';
import type { Medium, MediumSlot } from '../../protocols/scsi/medium.js';
import type { InquiryIdentity } from '../../protocols/scsi/inquiry.js';
import { LogicalUnit } from '../../protocols/scsi/logical-unit.js';
import { UrbStatus, type UrbOutcome, type UsbFunction } from '../../protocols/usb-mass-storage/usb-function.js';

export interface MassStorageFunctionOptions {
  /** What INQUIRY and the VPD pages report (vendor, product, revision, serial). */
  identity: InquiryIdentity;
  /** Smallest medium read, a bounded read-ahead for hosts that ask in small URBs. Default 64 KiB. */
  minReadBytes?: number;
}

export interface MassStorageStats extends BotStats {
  /** Medium reads, writes and flushes that failed and were answered with MEDIUM ERROR. */
  mediumErrors: number;
}

const STALL: UrbOutcome = { status: UrbStatus.stall, actualLength: 0 };
const OVERFLOW: UrbOutcome = { status: UrbStatus.overflow, actualLength: 0 };

function isBug(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError;
}

export class MassStorageFunction implements UsbFunction {
  private readonly slot: MediumSlot;
  private readonly machine: BotMachine;
  /** The medium this host's commands use: the slot's, as of the last CBW. */
  private medium: Medium | undefined;
  private seenGeneration: number;
  /** Bulk URBs one at a time, in the order handed over; one that throws does not hold up the next. */
  private readonly turns = new InTurn();
  private closed = false;
  private mediumErrors = 0;

  constructor(slot: MediumSlot, options: MassStorageFunctionOptions) {
    this.slot = slot;
    this.medium = slot.current();
    this.seenGeneration = slot.generation;
    const lu = new LogicalUnit(slot.kind, options.identity, this.medium ?? null);
    this.machine = new BotMachine(lu, { minReadBytes: options.minReadBytes });
  }

  get stats(): MassStorageStats {
    return { ...this.machine.stats, mediumErrors: this.mediumErrors };
  }

  bulkOut(data: Buffer): Promise<UrbOutcome> {
    return this.turns.run(() => this.out(data));
  }

  bulkIn(maxLength: number): Promise<UrbOutcome> {
    return this.turns.run(() => this.in(maxLength));
  }

  reset(): void {
    this.machine.reset();
  }

  maxLun(): number {
    return 0;
  }

  clearHalt(endpointAddress: number): void {
    this.machine.clearHalt((endpointAddress & 0x80) !== 0);
  }

  close(): void {
    this.closed = true;
    this.machine.reset();
  }

  /** BotMachine.takes: a bulk URB the command in progress cannot take yet waits (NAK) instead of stalling. */
  ready(endpointIn: boolean): boolean {
    return this.closed || this.machine.takes(endpointIn);
  }

  private async out(data: Buffer): Promise<UrbOutcome> {
    if (this.closed) return STALL;
    if (this.machine.awaitingCommand) this.applyMediumChange();
    const step = this.machine.bulkOut(data);
    if (step.action) await this.perform(step.action);
    return { status: step.stall ? UrbStatus.stall : UrbStatus.ok, actualLength: step.accepted };
  }

  private async in(maxLength: number): Promise<UrbOutcome> {
    for (;;) {
      if (this.closed) return STALL;
      const step = this.machine.bulkIn(maxLength);
      switch (step.kind) {
        case 'data': return { status: UrbStatus.ok, data: step.data, actualLength: step.data.length };
        case 'stall': return STALL;
        case 'overflow': return OVERFLOW;
        default:
          if (!(await this.perform(step.action))) return STALL;
      }
    }
  }

  /** Applies a medium inserted or ejected since this host's last command. */
  private applyMediumChange(): void {
    if (this.slot.generation === this.seenGeneration) return;
    this.seenGeneration = this.slot.generation;
    this.medium = this.slot.current();
    this.machine.mediumChanged(this.medium ?? null);
  }

  /** Carries out an action and reports it; false when a reset dropped the command meanwhile. */
  private async perform(action: BotAction): Promise<boolean> {
    const resets = this.machine.resets;
    let data: Buffer | undefined;
    try {
      switch (action.kind) {
        case 'read': data = await this.medium!.read(action.lba, action.blocks); break;
        // a copy the medium may keep: the URB's buffer belongs to the USB/IP layer, which may reuse it
        case 'write': await this.medium!.write(action.lba, Buffer.from(action.data)); break;
        case 'flush': await this.medium!.flush(); break;
        default: this.slot.eject();
      }
    } catch (err) {
      if (isBug(err)) throw err;
      if (this.machine.resets !== resets) return false;
      this.mediumErrors++;
      this.machine.fail();
      return true;
    }
    if (this.machine.resets !== resets) return false;
    this.machine.complete(data);
    return true;
  }
}
