// The host side of USB Mass Storage Class Bulk-Only Transport 1.0, as Linux usb-storage runs it
// (drivers/usb/storage/transport.c usb_stor_Bulk_transport, usb_stor_Bulk_reset):
//   - a command is the CBW on bulk OUT (§5.1), the data phase in URBs of at most `maxUrbBytes` (a short one ends it;
//     a STALL is cleared with CLEAR_FEATURE(HALT) and ends it), then the CSW on bulk IN (§5.2), read once more
//     after a STALL (§6.7.2, §6.7.3);
//   - a phase error, or a CSW that is not valid or meaningful (§6.3: 13 bytes, the signature, the CBW's tag, a
//     defined status), ends in a reset recovery (§5.3.4): Bulk-Only Mass Storage Reset, then CLEAR_FEATURE(HALT)
//     on bulk IN and on bulk OUT.
// It drives anything shaped like a UsbFunction: the device's own function in memory, or RemoteFunction over USB/IP.
import { InTurn } from '../../runtime/in-turn.js';
import { DecodeError } from '../../protocols/errors.js';
import { CSW_LENGTH, CswStatus, decodeCsw, encodeCbw, type CommandStatusWrapper } from '../../protocols/usb-mass-storage/bot.js';
import { BULK_IN_ENDPOINT, BULK_OUT_ENDPOINT } from '../../protocols/usb-mass-storage/usb-descriptors.js';
import { UrbStatus, type UrbOutcome } from '../../protocols/usb-mass-storage/usb-function.js';

/** The bulk endpoints and the two requests of a reset recovery; over USB/IP the requests take a round trip. */
export interface BulkOnlyTransport {
  bulkOut(data: Buffer): Promise<UrbOutcome>;
  bulkIn(maxLength: number): Promise<UrbOutcome>;
  /** CLEAR_FEATURE(ENDPOINT_HALT) on `endpointAddress` (bit 7 set for IN). */
  clearHalt(endpointAddress: number): void | Promise<void>;
  /** Bulk-Only Mass Storage Reset (§3.1). */
  reset(): void | Promise<void>;
}

/** One command as the host sends it. */
export interface BotCommand {
  /** The command block (1..16 bytes). */
  cb: Uint8Array;
  /** dCBWDataTransferLength; defaults to `out`'s length, else 0. Data-in unless `out` is given. */
  length?: number;
  /** Data-out: the bytes sent in the data phase (all of them, whatever `length` says). */
  out?: Buffer;
  /** dCBWTag. */
  tag: number;
  lun?: number;
}

export interface BotTransferResult {
  /** Data-in received (a view of the one URB's data when a single URB carried it). */
  data: Buffer;
  /** Sizes of the data-phase URBs that completed with data. */
  pieces: number[];
  /** A STALL ended the data phase. */
  dataStalled: boolean;
  /** The CSW's URB stalled once before the CSW came. */
  cswStalled: boolean;
  csw: CommandStatusWrapper;
}

/** Stable codes of BulkOnlyError. */
export const BotHostError = {
  /** The CSW said phase error (02h): host and device disagree; a reset recovery followed. */
  phaseError: 'ERR_BOT_PHASE',
  /** The CSW was not valid or not meaningful (length, signature, status) or carried another tag. */
  invalidCsw: 'ERR_BOT_CSW',
  /** A URB ended with a status other than success or a STALL where one is handled (e.g. -EOVERFLOW), or brought more than asked. */
  urbStatus: 'ERR_BOT_URB',
} as const;
export type BotHostError = (typeof BotHostError)[keyof typeof BotHostError];

/** The transport failed a command (not the device's SCSI answer: that is a CSW status 01h, and sense data). */
export class BulkOnlyError extends Error {
  readonly code: BotHostError;
  constructor(code: BotHostError, message: string) {
    super(message);
    this.name = 'BulkOnlyError';
    this.code = code;
  }
}

export interface EndpointAddresses {
  /** Default 81h and 02h, the endpoints of the emulated drives. */
  bulkIn?: number;
  bulkOut?: number;
}

function urbFailed(what: string, status: number): BulkOnlyError {
  return new BulkOnlyError(BotHostError.urbStatus, `${what} URB ended with status ${status}`);
}

export interface TransferOptions extends EndpointAddresses {
  /** Largest data URB. */
  maxUrbBytes: number;
  /**
   * Submit the data-in URB (when one carries all the data) and the CSW's URB together with the CBW, instead of each
   * after the one before (as Linux does): the device takes a bulk endpoint's URBs in order, so over USB/IP a command
   * costs one round trip instead of three. Data-out commands are not queued (the CSW's URB on bulk IN would reach the
   * device before the data on bulk OUT).
   */
  queued?: boolean;
}

/** A URB submitted ahead: awaited later, and meanwhile never an unhandled rejection. */
function ahead(p: Promise<UrbOutcome>): Promise<UrbOutcome> {
  p.catch(() => undefined);
  return p;
}

/**
 * One command, CBW to CSW, with no recovery: what a test needs to see every case of §6.7. Throws BulkOnlyError for a
 * URB status it cannot handle or a CSW of another tag, and the DecodeError of a CSW that is not valid.
 */
export async function bulkOnlyTransfer(t: BulkOnlyTransport, c: BotCommand, o: TransferOptions): Promise<BotTransferResult> {
  const dataIn = c.out === undefined;
  const length = c.length ?? c.out?.length ?? 0;
  const cbwSent = t.bulkOut(encodeCbw({ tag: c.tag, dataTransferLength: length, dataIn: dataIn && length > 0, lun: c.lun ?? 0, cb: Buffer.from(c.cb.buffer, c.cb.byteOffset, c.cb.byteLength) }));
  const queue = o.queued === true && dataIn && length <= o.maxUrbBytes;
  const dataAhead = queue && length > 0 ? ahead(t.bulkIn(length)) : null;
  const cswAhead = queue ? ahead(t.bulkIn(CSW_LENGTH)) : null;
  try {
    return await phases(t, c, o, length, cbwSent, dataAhead, cswAhead);
  } catch (err) {
    // URBs queued ahead are let finish before anyone (a reset recovery) touches the device again
    if (queue) await Promise.allSettled([dataAhead, cswAhead]);
    throw err;
  }
}

/** The CBW's outcome, the data phase and the CSW, URBs queued ahead taken in their turn. */
async function phases(t: BulkOnlyTransport, c: BotCommand, o: TransferOptions, length: number, cbwSent: Promise<UrbOutcome>,
  dataAhead: Promise<UrbOutcome> | null, cswAhead: Promise<UrbOutcome> | null): Promise<BotTransferResult> {
  const bulkIn = o.bulkIn ?? BULK_IN_ENDPOINT;
  const bulkOut = o.bulkOut ?? BULK_OUT_ENDPOINT;
  const cbw = await cbwSent;
  if (cbw.status !== UrbStatus.ok) throw urbFailed('CBW', cbw.status);
  const pieces: number[] = [];
  const chunks: Buffer[] = [];
  let dataStalled = false;
  if (length > 0 && c.out === undefined) {
    for (let got = 0; got < length;) {
      const ask = Math.min(o.maxUrbBytes, length - got);
      const d = got === 0 && dataAhead ? await dataAhead : await t.bulkIn(ask);
      if (d.status === UrbStatus.stall) {
        dataStalled = true;
        if (!cswAhead) await t.clearHalt(bulkIn); // a CSW URB already queued meets the halt too: cleared after it
        break;
      }
      if (d.status !== UrbStatus.ok || d.data === undefined) throw urbFailed('data-in', d.status);
      if (d.data.length > ask) throw new BulkOnlyError(BotHostError.urbStatus, `data-in URB brought ${d.data.length} bytes for ${ask} asked (babble)`);
      chunks.push(d.data);
      pieces.push(d.data.length);
      got += d.data.length;
      if (d.data.length < ask) break; // a short packet ends the data phase
    }
  } else if (length > 0 && c.out !== undefined) {
    for (let sent = 0; sent < c.out.length;) {
      const piece = c.out.subarray(sent, sent + o.maxUrbBytes);
      const d = await t.bulkOut(piece);
      if (d.status === UrbStatus.stall) {
        dataStalled = true;
        await t.clearHalt(bulkOut);
        break;
      }
      if (d.status !== UrbStatus.ok) throw urbFailed('data-out', d.status);
      // a bulk OUT URB that completes is taken whole (only a STALL ends one early)
      if (d.actualLength !== piece.length) throw new BulkOnlyError(BotHostError.urbStatus, `data-out URB took ${d.actualLength} of ${piece.length} bytes`);
      sent += piece.length;
    }
  }
  let cswStalled = false;
  let s = cswAhead ? await cswAhead : await t.bulkIn(CSW_LENGTH);
  if (s.status === UrbStatus.stall) {
    cswStalled = true;
    await t.clearHalt(bulkIn);
    s = await t.bulkIn(CSW_LENGTH);
  }
  if (s.status !== UrbStatus.ok || s.data === undefined) throw urbFailed('CSW', s.status);
  const csw = decodeCsw(s.data);
  if (csw.tag !== c.tag) throw new BulkOnlyError(BotHostError.invalidCsw, `CSW tag ${csw.tag} is not the CBW's ${c.tag}`);
  const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  return { data, pieces, dataStalled, cswStalled, csw };
}

/** Reset recovery (§5.3.4): Bulk-Only Mass Storage Reset, then CLEAR_FEATURE(HALT) on bulk IN and bulk OUT. */
export async function resetRecovery(t: BulkOnlyTransport, endpoints: EndpointAddresses = {}): Promise<void> {
  await t.reset();
  await t.clearHalt(endpoints.bulkIn ?? BULK_IN_ENDPOINT);
  await t.clearHalt(endpoints.bulkOut ?? BULK_OUT_ENDPOINT);
}

export interface BulkOnlyHostOptions extends EndpointAddresses {
  /** Largest data URB. Default 120 KiB: Linux usb-storage's max_sectors of 240 for a high-speed device, one URB a command. */
  maxUrbBytes?: number;
  /** bCBWLUN. Default 0. */
  lun?: number;
  /** Queue each data-in command's URBs behind its CBW (TransferOptions.queued). Default false: one at a time, as Linux. */
  queued?: boolean;
}

/** What a command came to: the CSW said passed (00h) or failed (01h: the host asks REQUEST SENSE why). */
export interface BotResult {
  passed: boolean;
  data: Buffer;
  /** dCSWDataResidue. */
  residue: number;
}

export const DEFAULT_MAX_URB_BYTES = 120 * 1024;

/** A Bulk-Only host over one transport: one command at a time, in the order asked, with tags of its own. */
export class BulkOnlyHost {
  readonly transport: BulkOnlyTransport;
  readonly maxUrbBytes: number;
  /** Reset recoveries done after a phase error or a bad CSW. */
  resets = 0;
  private readonly options: TransferOptions;
  private readonly lun: number;
  private nextTag = 1;
  /** One command at a time, in the order asked; one that fails does not hold up the next. */
  private readonly turns = new InTurn();

  constructor(transport: BulkOnlyTransport, options: BulkOnlyHostOptions = {}) {
    this.transport = transport;
    this.maxUrbBytes = options.maxUrbBytes ?? DEFAULT_MAX_URB_BYTES;
    this.options = { maxUrbBytes: this.maxUrbBytes, bulkIn: options.bulkIn, bulkOut: options.bulkOut, queued: options.queued };
    this.lun = options.lun ?? 0;
  }

  /** Data-in of `length` bytes (0: no data phase). */
  commandIn(cb: Uint8Array, length: number): Promise<BotResult> {
    return this.turns.run(() => this.run({ cb, length, tag: this.tag(), lun: this.lun }));
  }

  /** Data-out of `data`. */
  commandOut(cb: Uint8Array, data: Buffer): Promise<BotResult> {
    return this.turns.run(() => this.run({ cb, out: data, tag: this.tag(), lun: this.lun }));
  }

  /** A reset recovery between commands (a host that gave up on one, or is starting afresh). */
  resetRecovery(): Promise<void> {
    return this.turns.run(() => resetRecovery(this.transport, this.options));
  }

  private tag(): number {
    const tag = this.nextTag;
    this.nextTag = (this.nextTag % 0xffffffff) + 1;
    return tag;
  }

  private async run(c: BotCommand): Promise<BotResult> {
    let r: BotTransferResult;
    try {
      r = await bulkOnlyTransfer(this.transport, c, this.options);
    } catch (err) {
      if (!(err instanceof BulkOnlyError) && !(err instanceof DecodeError)) throw err;
      await this.recover();
      if (err instanceof BulkOnlyError) throw err;
      throw new BulkOnlyError(BotHostError.invalidCsw, `the CSW is not valid: ${err.message}`);
    }
    if (r.csw.status === CswStatus.phaseError) {
      await this.recover();
      throw new BulkOnlyError(BotHostError.phaseError, `phase error on the command 0x${c.cb[0].toString(16).padStart(2, '0')} (tag ${c.tag})`);
    }
    return { passed: r.csw.status === CswStatus.passed, data: r.data, residue: r.csw.dataResidue };
  }

  private async recover(): Promise<void> {
    this.resets++;
    await resetRecovery(this.transport, this.options);
  }
}
