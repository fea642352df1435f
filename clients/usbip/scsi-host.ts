// The SCSI commands a host sends a removable disk or CD-ROM over Bulk-Only Transport, as Linux usb-storage, the SCSI
// midlayer and sd do (drivers/usb/storage/transport.c, drivers/scsi/scsi_lib.c, drivers/scsi/sd.c):
//   - a command that ends in CHECK CONDITION (CSW status 01h) is followed by REQUEST SENSE (usb-storage's auto-sense),
//     and surfaces as a SenseError with the key, ASC and ASCQ;
//   - TEST UNIT READY is tried again after a UNIT ATTENTION, up to 3 times (scsi_test_unit_ready); any other command
//     meeting one fails with it, as sd fails I/O to a removable medium that changed (the caller reads the capacity
//     again);
//   - READ CAPACITY(10), then (16) when the last LBA does not fit 32 bits (sd_read_capacity);
//   - READ and WRITE as (10), or (16) past 32-bit LBAs, each at most `maxTransferBytes` (Linux's max_sectors);
//     SYNCHRONIZE CACHE(10) of the whole medium.
// A command and the REQUEST SENSE after it run as one, so commands asked for at once cannot clear each other's sense.
// readAhead() sends a READ once the commands before it have been sent, behind those in progress (BulkOnlyHost.sendAhead),
// not once they are done; its answer is taken in turn, and one taken back (a command before it failed) is sent again then.
// The CDBs and the data are the protocols/ codecs the device side decodes and encodes.
import { InTurn } from '../../runtime/in-turn.js';
import { encodeBlockTransfer, encodeSynchronizeCache10 } from '../../protocols/scsi/block-io.js';
import { ScsiOpcode } from '../../protocols/scsi/cdb.js';
import {
  CAPACITY_10_OVERFLOW, READ_CAPACITY_10_LENGTH, READ_CAPACITY_16_LENGTH, decodeReadCapacity10Data, decodeReadCapacity16Data, encodeReadCapacity10,
  encodeReadCapacity16,
} from '../../protocols/scsi/capacity.js';
import { STANDARD_INQUIRY_LENGTH, decodeStandardInquiryData, encodeInquiry, type StandardInquiry } from '../../protocols/scsi/inquiry.js';
import {
  FIXED_SENSE_LENGTH, SenseKey, decodeFixedSense, describeSense, encodeRequestSense, type SenseCondition,
} from '../../protocols/scsi/sense.js';
import { encodeTestUnitReady } from '../../protocols/scsi/unit-control.js';
import { BotHostError, BulkOnlyError, DEFAULT_MAX_URB_BYTES, type BotResult, type BulkOnlyHost } from './bulk-only-host.js';

/** A command ended in CHECK CONDITION; REQUEST SENSE said why. */
export class SenseError extends Error {
  /** The command that failed, e.g. "READ(10)". */
  readonly command: string;
  readonly sense: SenseCondition;
  constructor(command: string, sense: SenseCondition) {
    super(`${command}: ${describeSense(sense)}`);
    this.name = 'SenseError';
    this.command = command;
    this.sense = sense;
  }

  get key(): number {
    return this.sense.key;
  }

  get asc(): number {
    return this.sense.asc;
  }

  get ascq(): number {
    return this.sense.ascq;
  }
}

/** Stable codes of ScsiHostError. */
export const ScsiHostErrorCode = {
  /** The command passed but moved fewer bytes than it needs (a residue on READ or READ CAPACITY). */
  shortData: 'ERR_SCSI_SHORT_DATA',
  /** REQUEST SENSE after a CHECK CONDITION failed too: nothing says why. */
  noSense: 'ERR_SCSI_NO_SENSE',
  /** READ CAPACITY gave a block length of 0: no block could be read. */
  badCapacity: 'ERR_SCSI_CAPACITY',
} as const;
export type ScsiHostErrorCode = (typeof ScsiHostErrorCode)[keyof typeof ScsiHostErrorCode];

/** The device's answer made no sense for the command (not a SCSI error it reported: that is a SenseError). */
export class ScsiHostError extends Error {
  readonly code: ScsiHostErrorCode;
  constructor(code: ScsiHostErrorCode, message: string) {
    super(message);
    this.name = 'ScsiHostError';
    this.code = code;
  }
}

export interface Capacity {
  blockSize: number;
  blockCount: number;
}

export interface ScsiHostOptions {
  /** Largest READ or WRITE in bytes (Linux max_sectors x 512). Default 120 KiB: max_sectors 240, usb-storage's default. */
  maxTransferBytes?: number;
}

export interface ScsiHostStats {
  commands: number;
  /** Commands that ended in CHECK CONDITION. */
  checkConditions: number;
  unitAttentions: number;
}

/** scsi_test_unit_ready's retries on UNIT ATTENTION. */
const TEST_UNIT_READY_ATTEMPTS = 3;

const isUnitAttention = (s: SenseCondition) => s.key === SenseKey.unitAttention;

export class ScsiHost {
  readonly bot: BulkOnlyHost;
  readonly maxTransferBytes: number;
  readonly stats: ScsiHostStats = { commands: 0, checkConditions: 0, unitAttentions: 0 };
  /** Each command with its REQUEST SENSE is one turn. */
  private readonly turns = new InTurn();
  /** Resolves once every command asked for so far has been sent: READs ahead when sent, others when their turn came. */
  private allSent: Promise<unknown> = Promise.resolve();

  constructor(bot: BulkOnlyHost, options: ScsiHostOptions = {}) {
    this.bot = bot;
    this.maxTransferBytes = options.maxTransferBytes ?? DEFAULT_MAX_URB_BYTES;
  }

  /** The standard INQUIRY data (36 bytes). INQUIRY is not failed by a pending UNIT ATTENTION (SPC-4). */
  async inquiry(): Promise<StandardInquiry> {
    const data = await this.dataIn('INQUIRY', encodeInquiry(STANDARD_INQUIRY_LENGTH), STANDARD_INQUIRY_LENGTH);
    return decodeStandardInquiryData(data);
  }

  /** Resolves when the unit is ready; a UNIT ATTENTION is tried again (up to 3 tries in all), any other sense thrown. */
  async testUnitReady(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.noData('TEST UNIT READY', encodeTestUnitReady());
        return;
      } catch (err) {
        if (!(err instanceof SenseError) || !isUnitAttention(err.sense) || attempt === TEST_UNIT_READY_ATTEMPTS) throw err;
      }
    }
  }

  /** REQUEST SENSE on its own: the sense the device holds now (a pending UNIT ATTENTION, or NO SENSE). */
  requestSense(): Promise<SenseCondition> {
    const sent = this.sentInTurn();
    return this.turns.run(() => {
      sent();
      return this.senseNow();
    });
  }

  /** READ CAPACITY(10), and (16) when the last LBA does not fit in 32 bits. */
  async readCapacity(): Promise<Capacity> {
    let c = decodeReadCapacity10Data(await this.dataIn('READ CAPACITY(10)', encodeReadCapacity10(), READ_CAPACITY_10_LENGTH));
    if (c.lastLba === CAPACITY_10_OVERFLOW) {
      c = decodeReadCapacity16Data(await this.dataIn('READ CAPACITY(16)', encodeReadCapacity16(), READ_CAPACITY_16_LENGTH));
    }
    if (c.blockSize === 0) throw new ScsiHostError(ScsiHostErrorCode.badCapacity, 'READ CAPACITY: a block length of 0');
    return { blockSize: c.blockSize, blockCount: c.lastLba + 1 };
  }

  /**
   * Reads `blocks` blocks of `blockSize` bytes from `lba`, in commands of at most maxTransferBytes; into `into` when
   * given (as pread does: the data lands there, and the result is a view of it), else into new memory.
   */
  async read(lba: number, blocks: number, blockSize: number, into?: Buffer): Promise<Buffer> {
    const bytes = blocks * blockSize;
    if (into !== undefined && into.length < bytes) throw new RangeError(`${into.length} bytes of room for ${blocks} blocks of ${blockSize}`);
    const per = this.blocksPerCommand(blockSize);
    if (blocks <= per) return this.readOnce(lba, blocks, blockSize, into);
    const out = into ?? Buffer.allocUnsafe(bytes);
    for (let done = 0; done < blocks; done += per) {
      const n = Math.min(per, blocks - done);
      await this.readOnce(lba + done, n, blockSize, out.subarray(done * blockSize, (done + n) * blockSize));
    }
    return out.subarray(0, bytes);
  }

  /**
   * One READ of `blocks` blocks (at most maxTransferBytes) sent ahead (BulkOnlyHost.sendAhead) as soon as every
   * command asked for before it has been sent, rather than when they are done; its answer is taken in turn. One taken
   * back (a command before it failed) is sent again in its turn. As read() where the transport cannot send ahead.
   */
  readAhead(lba: number, blocks: number, blockSize: number, into?: Buffer): Promise<Buffer> {
    const length = blocks * blockSize;
    if (blocks > this.blocksPerCommand(blockSize) || !this.bot.canSendAhead(length)) return this.read(lba, blocks, blockSize, into);
    const cdb = encodeBlockTransfer({ op: 'read', lba, blocks });
    this.stats.commands++;
    const sending = this.allSent.then(() => this.bot.sendAhead(cdb, length, into));
    this.allSent = sending.catch(() => undefined);
    const answer = async () => (await sending).answer.catch((err: unknown) => {
      if (!(err instanceof BulkOnlyError) || err.code !== BotHostError.takenBack) throw err;
      const again = this.send(cdb, length, into);
      this.bot.resumeAhead(); // sent again: READs asked for after it may go ahead once it is done
      return again;
    });
    return this.dataIn(commandName(cdb), cdb, length, answer, true);
  }

  /** Writes `data` (whole blocks of `blockSize`) from `lba`, in commands of at most maxTransferBytes. */
  async write(lba: number, data: Buffer, blockSize: number): Promise<void> {
    if (data.length % blockSize !== 0) throw new RangeError(`a write of ${data.length} bytes is not whole ${blockSize}-byte blocks`);
    const per = this.blocksPerCommand(blockSize);
    const blocks = data.length / blockSize;
    for (let done = 0; done < blocks; done += per) {
      const n = Math.min(per, blocks - done);
      const cdb = encodeBlockTransfer({ op: 'write', lba: lba + done, blocks: n });
      await this.check(commandName(cdb), () => this.sendOut(cdb, data.subarray(done * blockSize, (done + n) * blockSize)));
    }
  }

  /** SYNCHRONIZE CACHE(10) of the whole medium: resolves once earlier writes are where the medium keeps them. */
  async synchronizeCache(): Promise<void> {
    await this.noData('SYNCHRONIZE CACHE(10)', encodeSynchronizeCache10());
  }

  private blocksPerCommand(blockSize: number): number {
    return Math.max(1, Math.floor(this.maxTransferBytes / blockSize));
  }

  private readOnce(lba: number, blocks: number, blockSize: number, into?: Buffer): Promise<Buffer> {
    const cdb = encodeBlockTransfer({ op: 'read', lba, blocks });
    return this.dataIn(commandName(cdb), cdb, blocks * blockSize, () => this.send(cdb, blocks * blockSize, into));
  }

  private async noData(name: string, cdb: Buffer): Promise<void> {
    await this.check(name, () => this.send(cdb, 0));
  }

  /** A data-in command whose data must come whole. */
  private async dataIn(name: string, cdb: Buffer, length: number, command = () => this.send(cdb, length), sentAhead = false): Promise<Buffer> {
    const data = await this.check(name, command, sentAhead);
    if (data.length < length) throw new ScsiHostError(ScsiHostErrorCode.shortData, `${name}: ${data.length} of ${length} bytes`);
    return data;
  }

  private send(cdb: Buffer, length: number, into?: Buffer): Promise<BotResult> {
    this.stats.commands++;
    return this.bot.commandIn(cdb, length, into);
  }

  private sendOut(cdb: Buffer, data: Buffer): Promise<BotResult> {
    this.stats.commands++;
    return this.bot.commandOut(cdb, data);
  }

  private async senseNow(): Promise<SenseCondition> {
    const r = await this.send(encodeRequestSense(), FIXED_SENSE_LENGTH);
    if (!r.passed) {
      this.bot.resumeAhead(); // nothing more to ask
      throw new ScsiHostError(ScsiHostErrorCode.noSense, 'REQUEST SENSE failed');
    }
    return decodeFixedSense(r.data);
  }

  /** Runs the command; a CHECK CONDITION is asked about with REQUEST SENSE at once and thrown as a SenseError. */
  private check(name: string, command: () => Promise<BotResult>, sentAhead = false): Promise<Buffer> {
    const sent = sentAhead ? null : this.sentInTurn();
    return this.turns.run(async () => {
      sent?.();
      const r = await command();
      if (r.passed) return r.data;
      this.stats.checkConditions++;
      let sense: SenseCondition;
      try {
        sense = await this.senseNow();
      } finally {
        this.bot.resumeAhead(); // asked why: READs may go ahead again
      }
      if (isUnitAttention(sense)) this.stats.unitAttentions++;
      throw new SenseError(name, sense);
    });
  }

  /** A command sent when its turn comes: READs asked for after it go ahead only once it has gone. Call it then. */
  private sentInTurn(): () => void {
    let sent!: () => void;
    this.allSent = new Promise<void>((resolve) => { sent = resolve; });
    return sent;
  }
}

/** "READ(10)", "WRITE(16)": the name of a block transfer CDB, for messages. */
function commandName(cdb: Buffer): string {
  const read = cdb[0] === ScsiOpcode.read10 || cdb[0] === ScsiOpcode.read16;
  return `${read ? 'READ' : 'WRITE'}(${cdb.length})`;
}
