// The device side of the USB Mass Storage Bulk-Only Transport 1.0, as a sans-I/O state machine over a SCSI
// logical unit: each command is a CBW on bulk OUT (§5.1), an optional data phase, and a CSW on bulk IN (§5.2).
//
// The caller hands it every bulk URB (bulkOut, bulkIn) and the class and standard requests that touch it
// (reset: Bulk-Only Mass Storage Reset §3.1; clearHalt: CLEAR_FEATURE(ENDPOINT_HALT)). When a URB needs the
// medium, the step carries an action (read, write, flush, eject): the caller performs it, reports back with
// complete() or fail(), and (for bulk IN) asks again. Nothing here waits, times or touches I/O.
//
// Host expectation (H: dCBWDataTransferLength and direction) against device intent (D) follows the thirteen
// cases of §6.7. Where they disagree:
//   - Hn < Di, Hn < Do (2, 3): no data, CSW status 02h (phase error), the command is not run;
//   - Hi > Dn, Hi > Di (4, 5): the device sends what it has, then STALLs bulk IN; residue H - sent;
//   - Hi < Di (7): the first H bytes, then phase error; Hi <> Do (8): STALL bulk IN, phase error, not run;
//   - Ho > Dn, Ho > Do (9, 11): the device accepts all H bytes and drops what it does not use (the
//     recommended choice); residue H - used;
//   - Ho <> Di (10), Ho < Do (13): the H bytes are accepted and dropped, phase error, not run.
// Out-of-phase transfers STALL their endpoint: a bulk IN before any CBW; a bulk IN during a data-out phase and a
// bulk OUT during a data-in or status phase, which also make the CSW a phase error; and the excess of a bulk OUT
// longer than the CBW declared (the declared part is taken, phase error).
// An invalid or not meaningful CBW STALLs both endpoints until a reset recovery (§6.6.1, §5.3.4): Bulk-Only Mass
// Storage Reset, then CLEAR_FEATURE(HALT) on both. The reset keeps the endpoints halted (§3.1); CLEAR_FEATURE
// before it does not clear them.
import { DecodeError } from '../errors.js';
import { CBW_LENGTH, CSW_LENGTH, CswStatus, decodeCbw, encodeCsw } from './bot.js';
import { LogicalUnit, type MediumInfo } from '../scsi/logical-unit.js';
import { Sense } from '../scsi/sense.js';

export type BotAction =
  /** Read `blocks` blocks from `lba`; hand the bytes to complete(). */
  | { kind: 'read'; lba: number; blocks: number }
  /** Write `data` (whole blocks) at `lba`. `data` is a view into the URB's buffer, valid until complete() or fail(). */
  | { kind: 'write'; lba: number; data: Buffer }
  /** Flush the medium (SYNCHRONIZE CACHE). */
  | { kind: 'flush' }
  /** Eject the drive's medium (START STOP UNIT). */
  | { kind: 'eject' };

export type InStep =
  /** The URB completes with these bytes; fewer than asked for is a short packet (the host's transfer ends). */
  | { kind: 'data'; data: Buffer }
  /** The URB completes with a STALL (-EPIPE); the endpoint stays halted until CLEAR_FEATURE(HALT). */
  | { kind: 'stall' }
  /** The URB is smaller than the 13-byte CSW waiting to go (babble, -EOVERFLOW); the CSW stays for the next one. */
  | { kind: 'overflow' }
  /** Perform this, report it with complete() or fail(), then call bulkIn again with the same length. */
  | { kind: 'action'; action: BotAction };

export interface OutStep {
  /** Bytes of the URB the device took. */
  accepted: number;
  /** The URB completes with a STALL after `accepted` bytes. */
  stall: boolean;
  /** When set: perform it and report it with complete() or fail() before the URB completes. */
  action?: BotAction;
}

export interface BotMachineOptions {
  /** A medium read fetches at least this many bytes (bounded read-ahead for small bulk IN URBs). Default 64 KiB. */
  minReadBytes?: number;
}

export interface BotStats {
  commands: number;
  invalidCbws: number;
  phaseErrors: number;
  failedCommands: number;
  stalls: number;
}

const Phase = { command: 'command', dataIn: 'data-in', dataOut: 'data-out', status: 'status', wedged: 'wedged' } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

const EMPTY = Buffer.alloc(0);

type Direction = 'none' | 'in' | 'out';

export class BotMachine {
  readonly lu: LogicalUnit;
  readonly stats: BotStats = { commands: 0, invalidCbws: 0, phaseErrors: 0, failedCommands: 0, stalls: 0 };
  private readonly minReadBytes: number;
  private phase: Phase = Phase.command;
  private inHalted = false;
  private outHalted = false;
  /** The action the caller is carrying out, if any: no bulk transfer is taken until it is reported. */
  private pending: BotAction['kind'] | null = null;
  private resetCount = 0;

  // The command in progress
  private tag = 0;
  /** H: dCBWDataTransferLength. */
  private hostLength = 0;
  private status: CswStatus = CswStatus.passed;
  /** Bytes sent to the host (data-in) or used by the command (data-out): dCSWDataResidue is H less this. */
  private moved = 0;
  /** Data-in: bytes the device sends in all, min(H, Di); after them bulk IN halts when `haltInAfter` (case 5). */
  private sendTotal = 0;
  private haltInAfter = false;
  /** Data-in: bytes ready to send are window[windowStart..]. */
  private window: Buffer = EMPTY;
  private windowStart = 0;
  /** Data-in from the medium: the next block to read, bytes of sendTotal not fetched yet, the read in flight. */
  private nextLba = 0;
  private fetchLeft = 0;
  private readBlocks = 0;
  private blockSize = 512;
  /** Data-out: bytes received so far, how many of the first go to the medium, a partial block kept between URBs. */
  private received = 0;
  private useBytes = 0;
  private carry: Buffer = EMPTY;
  private writing = 0;

  constructor(lu: LogicalUnit, options: BotMachineOptions = {}) {
    this.lu = lu;
    this.minReadBytes = options.minReadBytes ?? 64 * 1024;
  }

  /** True while the machine waits for a CBW: the moment a medium change may be applied. */
  get awaitingCommand(): boolean {
    return this.phase === Phase.command && this.pending === null;
  }

  /**
   * Whether a bulk transfer on IN (`endpointIn`) or OUT would be taken now, for a bus that can NAK (USB/IP: a URB
   * waits until the device takes it). A device that handles one command at a time arms bulk OUT for a CBW only once
   * the previous CSW has gone (§5.1, §6.1), and bulk IN only once it has data or a CSW to send (§6.2): so IN is NAKed
   * while a CBW or data-out is awaited, OUT while data-in or the CSW is due. A halted endpoint (or a wedge) takes it,
   * to STALL it. bulkIn() and bulkOut() still answer an out-of-phase transfer as described above when called anyway.
   */
  takes(endpointIn: boolean): boolean {
    if (this.phase === Phase.wedged || (endpointIn ? this.inHalted : this.outHalted)) return true;
    if (endpointIn) return this.phase === Phase.dataIn || this.phase === Phase.status;
    return this.phase === Phase.command || this.phase === Phase.dataOut;
  }

  /** Increments on every reset: an action started before a reset must not be reported after it. */
  get resets(): number {
    return this.resetCount;
  }

  /** The drive's medium changed (LogicalUnit.mediumChanged); apply it between commands. */
  mediumChanged(medium: MediumInfo | null): void {
    this.lu.mediumChanged(medium);
  }

  bulkOut(data: Buffer): OutStep {
    this.assertNoAction();
    if (this.phase === Phase.wedged || this.outHalted) return this.stallOut(0);
    switch (this.phase) {
      case Phase.command: return this.receiveCbw(data);
      case Phase.dataOut: return this.receiveData(data);
      default:
        // bulk OUT while the device sends data or its CSW: host and device disagree on the phase
        this.status = CswStatus.phaseError;
        return this.stallOut(0);
    }
  }

  bulkIn(maxLength: number): InStep {
    this.assertNoAction();
    if (this.phase === Phase.wedged || this.inHalted) return this.stallIn();
    switch (this.phase) {
      case Phase.dataIn: return this.sendData(maxLength);
      case Phase.status: return this.sendCsw(maxLength);
      case Phase.dataOut:
        this.status = CswStatus.phaseError;
        return this.stallIn();
      default:
        // no command to answer: a real device would NAK until one came; a URB cannot wait forever
        return this.stallIn();
    }
  }

  /** The action of the last step succeeded; a read hands over exactly blocks * blockSize bytes. */
  complete(data?: Buffer): void {
    const kind = this.takeAction('complete');
    if (kind === 'read') {
      if (data === undefined || data.length !== this.readBlocks * this.blockSize) {
        throw new Error(`medium read returned ${data?.length ?? 'no'} bytes, expected ${this.readBlocks * this.blockSize}`);
      }
      const ready = this.window.length - this.windowStart;
      this.window = ready > 0 ? Buffer.concat([this.window.subarray(this.windowStart), data]) : data;
      this.windowStart = 0;
      this.nextLba += this.readBlocks;
      this.fetchLeft = Math.max(0, this.fetchLeft - data.length);
    } else if (kind === 'write') {
      this.moved += this.writing;
      this.writing = 0;
      this.endDataOutWhenDone();
    }
  }

  /** The action of the last step failed: the command ends with CHECK CONDITION and MEDIUM ERROR sense. */
  fail(): void {
    const kind = this.takeAction('fail');
    this.lu.mediumFailed(kind === 'read' ? Sense.unrecoveredReadError : Sense.writeError);
    this.commandFailed();
    if (kind === 'read') {
      this.endDataIn(true); // fewer bytes than H: bulk IN halts, then the CSW (case 5 rules)
    } else if (kind === 'write') {
      this.writing = 0;
      this.useBytes = this.received; // the rest of the host's data is accepted and dropped
      this.carry = EMPTY;
      this.endDataOutWhenDone();
    }
  }

  /** Bulk-Only Mass Storage Reset (§3.1): ready for a CBW again; endpoint halts stay until CLEAR_FEATURE. */
  reset(): void {
    this.resetCount++;
    this.phase = Phase.command;
    this.pending = null;
    this.window = EMPTY;
    this.carry = EMPTY;
  }

  /** CLEAR_FEATURE(ENDPOINT_HALT) on bulk IN (`endpointIn`) or OUT; ignored while an invalid CBW awaits a reset. */
  clearHalt(endpointIn: boolean): void {
    if (this.phase === Phase.wedged) return;
    if (endpointIn) this.inHalted = false;
    else this.outHalted = false;
  }

  private assertNoAction(): void {
    if (this.pending !== null) throw new Error(`BotMachine: a bulk transfer arrived while the ${this.pending} action is outstanding`);
  }

  private takeAction(method: string): BotAction['kind'] {
    const kind = this.pending;
    if (kind === null) throw new Error(`BotMachine.${method}() without an action in progress`);
    this.pending = null;
    return kind;
  }

  private stallIn(): InStep {
    this.inHalted = true;
    this.stats.stalls++;
    return { kind: 'stall' };
  }

  private stallOut(accepted: number): OutStep {
    this.outHalted = true;
    this.stats.stalls++;
    return { accepted, stall: true };
  }

  private commandFailed(): void {
    if (this.status === CswStatus.passed) this.status = CswStatus.failed;
  }

  private receiveCbw(data: Buffer): OutStep {
    let cbw;
    try {
      cbw = decodeCbw(data); // one logical unit: a CBW for any LUN but 0 is not meaningful
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      // §6.6.1: the transfer is taken, then bulk IN and OUT STALL until a reset recovery
      this.stats.invalidCbws++;
      this.phase = Phase.wedged;
      this.inHalted = true;
      this.outHalted = true;
      return { accepted: data.length, stall: false };
    }
    this.stats.commands++;
    this.tag = cbw.tag;
    this.hostLength = cbw.dataTransferLength;
    this.status = CswStatus.passed;
    this.moved = 0;
    const host: Direction = cbw.dataTransferLength === 0 ? 'none' : cbw.dataIn ? 'in' : 'out';
    const request = this.lu.decode(cbw.cb);
    const intent = this.lu.intent(request);
    const taken: OutStep = { accepted: CBW_LENGTH, stall: false };

    // Not run: the directions disagree (cases 2, 3, 8, 10) or the host sends less than the device needs (13)
    if ((intent.direction !== 'none' && intent.direction !== host) || (intent.direction === 'out' && intent.length > this.hostLength)) {
      this.status = CswStatus.phaseError;
      this.noDeviceData(host); // case 8 STALLs bulk IN; cases 10 and 13 accept and drop the host's data
      return taken;
    }

    const outcome = this.lu.execute(request);
    switch (outcome.kind) {
      case 'good':
        this.noDeviceData(host);
        return taken;
      case 'check':
        this.commandFailed();
        this.noDeviceData(host);
        return taken;
      case 'data':
        this.startDataIn(host, outcome.data);
        return taken;
      case 'read':
        this.blockSize = outcome.blockSize;
        this.nextLba = outcome.lba;
        this.startDataIn(host, EMPTY, outcome.blocks * outcome.blockSize);
        return taken;
      case 'write':
        this.blockSize = outcome.blockSize;
        this.nextLba = outcome.lba;
        this.startDataOut(outcome.blocks * outcome.blockSize);
        return taken;
      default:
        // flush or eject: carried out now; the CSW (and any host data to drop) follows its report
        this.noDeviceData(host);
        this.pending = outcome.kind;
        return { ...taken, action: { kind: outcome.kind } };
    }
  }

  /** The device sends or takes no data (cases 1, 4, 9): Hn on to the CSW, Hi STALLs bulk IN, Ho is accepted and dropped. */
  private noDeviceData(host: Direction): void {
    if (host === 'out') {
      this.startDataOut(0);
      return;
    }
    if (host === 'in') this.inHalted = true;
    this.phase = Phase.status;
  }

  /** Data-in of `deviceLength` bytes (Di): `data` holds them, or the medium will (a READ). */
  private startDataIn(host: Direction, data: Buffer, deviceLength = data.length): void {
    if (deviceLength === 0) {
      this.noDeviceData(host);
      return;
    }
    this.sendTotal = Math.min(this.hostLength, deviceLength);
    if (deviceLength > this.hostLength) this.status = CswStatus.phaseError; // case 7: send H bytes, then phase error
    this.haltInAfter = deviceLength < this.hostLength; // case 5
    this.window = data.length > this.sendTotal ? data.subarray(0, this.sendTotal) : data;
    this.windowStart = 0;
    this.fetchLeft = this.sendTotal - this.window.length;
    this.phase = Phase.dataIn;
  }

  private startDataOut(deviceLength: number): void {
    this.received = 0;
    this.useBytes = deviceLength;
    this.carry = EMPTY;
    this.writing = 0;
    this.phase = Phase.dataOut;
    this.endDataOutWhenDone();
  }

  private sendData(maxLength: number): InStep {
    const want = Math.min(maxLength, this.sendTotal - this.moved);
    const ready = this.window.length - this.windowStart;
    if (ready < want) {
      // fetch what this URB lacks, at least minReadBytes, in whole blocks, never past the command's data
      const bytes = Math.min(this.fetchLeft, Math.max(want - ready, this.minReadBytes));
      this.readBlocks = Math.ceil(bytes / this.blockSize);
      this.pending = 'read';
      return { kind: 'action', action: { kind: 'read', lba: this.nextLba, blocks: this.readBlocks } };
    }
    const out = this.window.subarray(this.windowStart, this.windowStart + want);
    this.windowStart += want;
    this.moved += want;
    if (this.moved === this.sendTotal) this.endDataIn(this.haltInAfter);
    return { kind: 'data', data: out };
  }

  private endDataIn(haltIn: boolean): void {
    this.window = EMPTY;
    this.windowStart = 0;
    if (haltIn) this.inHalted = true;
    this.phase = Phase.status;
  }

  private receiveData(data: Buffer): OutStep {
    const take = Math.min(data.length, this.hostLength - this.received);
    const start = this.received;
    this.received += take;
    // the part of this URB the command uses: [start, received) within [0, useBytes)
    const useEnd = Math.min(this.received, this.useBytes);
    const action = useEnd > start ? this.collectBlocks(data.subarray(0, useEnd - start)) : undefined;
    if (action === undefined) this.endDataOutWhenDone();
    let step: OutStep = { accepted: take, stall: false };
    if (take < data.length) {
      // more data than the CBW declared: take what it declared, STALL the rest, and the CSW says phase error
      this.status = CswStatus.phaseError;
      step = this.stallOut(take);
    }
    if (action) step.action = action;
    return step;
  }

  private endDataOutWhenDone(): void {
    if (this.phase === Phase.dataOut && this.received === this.hostLength && this.pending === null) this.phase = Phase.status;
  }

  /** Joins `part` to the partial block kept from earlier URBs; returns a write of the whole blocks, keeps the rest. */
  private collectBlocks(part: Buffer): BotAction | undefined {
    const joined = this.carry.length > 0 ? Buffer.concat([this.carry, part]) : part;
    const whole = joined.length - (joined.length % this.blockSize);
    this.carry = whole < joined.length ? Buffer.from(joined.subarray(whole)) : EMPTY;
    if (whole === 0) return undefined;
    const lba = this.nextLba;
    this.nextLba += whole / this.blockSize;
    this.writing = whole;
    this.pending = 'write';
    return { kind: 'write', lba, data: joined.subarray(0, whole) };
  }

  private sendCsw(maxLength: number): InStep {
    if (maxLength < CSW_LENGTH) return { kind: 'overflow' };
    if (this.status === CswStatus.phaseError) this.stats.phaseErrors++;
    else if (this.status === CswStatus.failed) this.stats.failedCommands++;
    const csw = encodeCsw({ tag: this.tag, dataResidue: this.hostLength - this.moved, status: this.status });
    this.phase = Phase.command;
    return { kind: 'data', data: csw };
  }
}
