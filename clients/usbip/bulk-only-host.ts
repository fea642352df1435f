// The host side of USB Mass Storage Class Bulk-Only Transport 1.0, as Linux usb-storage runs it
// (drivers/usb/storage/transport.c usb_stor_Bulk_transport, usb_stor_Bulk_reset):
//   - a command is the CBW on bulk OUT (§5.1), the data phase in URBs of at most `maxUrbBytes` (a short one ends it;
//     a STALL is cleared with CLEAR_FEATURE(HALT) and ends it), then the CSW on bulk IN (§5.2), read once more
//     after a STALL (§6.7.2, §6.7.3);
//   - a phase error, or a CSW that is not valid or meaningful (§6.3: 13 bytes, the signature, the CBW's tag, a
//     defined status), ends in a reset recovery (§5.3.4): Bulk-Only Mass Storage Reset, then CLEAR_FEATURE(HALT)
//     on bulk IN and on bulk OUT.
// It drives anything shaped like a UsbFunction: the device's own function in memory, or RemoteFunction over USB/IP.
// Over a transport that can take URBs back (QueueingTransport: USB/IP's CMD_UNLINK), a data-in command may be sent
// ahead (sendAhead): its CBW, data and CSW URBs go out at once, behind the commands still in progress, as a
// kernel's read-ahead keeps requests queued; the device takes them one command at a time (it NAKs the rest). Any
// command that does not end cleanly first takes back every command sent behind it, then is handled as above.
import { InTurn } from '../../runtime/in-turn.js';
import { DecodeError } from '../../protocols/errors.js';
import { CSW_LENGTH, CswStatus, decodeCsw, encodeCbw, type CommandStatusWrapper } from '../../protocols/usb-mass-storage/bot.js';
import { BULK_IN_ENDPOINT, BULK_OUT_ENDPOINT } from '../../protocols/usb-mass-storage/usb-descriptors.js';
import { UrbStatus, type UrbOutcome } from '../../protocols/usb-mass-storage/usb-function.js';

/** The bulk endpoints and the two requests of a reset recovery; over USB/IP the requests take a round trip. */
export interface BulkOnlyTransport {
  bulkOut(data: Buffer): Promise<UrbOutcome>;
  /** `into`: where the data may land (a transport over USB/IP reads it there); it may come in memory of its own instead. */
  bulkIn(maxLength: number, into?: Buffer): Promise<UrbOutcome>;
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
  /** Data-in: where the data goes (at least `length` bytes); the result's data is then a view of it. */
  into?: Buffer;
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
  /** A command sent ahead was taken back (unlinked) because one before it did not end cleanly: it was not run. */
  takenBack: 'ERR_BOT_TAKEN_BACK',
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

/** A URB submitted and not yet awaited. */
export interface UrbInFlight {
  readonly outcome: Promise<UrbOutcome>;
  /** Takes it back (CMD_UNLINK); resolves once its outcome has settled, whether it was taken back or had completed. */
  unlink(): Promise<void>;
}

/** A transport that keeps URBs in flight and can take them back: what sending commands ahead needs. */
export interface QueueingTransport extends BulkOnlyTransport {
  submitBulkOut(data: Buffer): UrbInFlight;
  submitBulkIn(maxLength: number, into?: Buffer): UrbInFlight;
}

function isQueueing(t: BulkOnlyTransport): t is QueueingTransport {
  return typeof (t as Partial<QueueingTransport>).submitBulkIn === 'function' && typeof (t as Partial<QueueingTransport>).submitBulkOut === 'function';
}

/** A data-in command whose three URBs are out. */
interface SentAhead {
  readonly command: BotCommand;
  readonly urbs: readonly [cbw: UrbInFlight, data: UrbInFlight, csw: UrbInFlight];
  /** Taken back before its turn: it was not run. */
  takenBack: boolean;
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

/** The CBW of `c` (§5.1). */
function cbwOf(c: BotCommand, dataIn: boolean): Buffer {
  const length = c.length ?? c.out?.length ?? 0;
  return encodeCbw({ tag: c.tag, dataTransferLength: length, dataIn: dataIn && length > 0, lun: c.lun ?? 0, cb: Buffer.from(c.cb.buffer, c.cb.byteOffset, c.cb.byteLength) });
}

/** A data-in command's result when its URBs ended cleanly: the CBW taken, all the data, a valid CSW of its tag, passed. */
function cleanEnd(c: BotCommand, cbw: UrbOutcome, data: UrbOutcome, csw: UrbOutcome): BotResult | null {
  const bytes = data.data;
  if (cbw.status !== UrbStatus.ok || data.status !== UrbStatus.ok || bytes === undefined || bytes.length !== c.length) return null;
  if (csw.status !== UrbStatus.ok || csw.data?.length !== CSW_LENGTH) return null;
  let s: CommandStatusWrapper;
  try {
    s = decodeCsw(csw.data);
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
  return s.tag === c.tag && s.status === CswStatus.passed ? { passed: true, data: bytes, residue: s.dataResidue } : null;
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
  const cbwSent = t.bulkOut(cbwOf(c, dataIn));
  const queue = o.queued === true && dataIn && length <= o.maxUrbBytes;
  const dataAhead = queue && length > 0 ? ahead(t.bulkIn(length, c.into)) : null;
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
      const d = got === 0 && dataAhead ? await dataAhead : await t.bulkIn(ask, c.into?.subarray(got, got + ask));
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
  return { data: joined(chunks, c.into), pieces, dataStalled, cswStalled, csw };
}

/** The data-in URBs' data as one buffer: in `into` when given (read there already, or copied), else joined if need be. */
function joined(chunks: Buffer[], into: Buffer | undefined): Buffer {
  if (into === undefined) return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  let at = 0;
  for (const c of chunks) {
    if (c.buffer !== into.buffer || c.byteOffset !== into.byteOffset + at) c.copy(into, at);
    at += c.length;
  }
  return into.subarray(0, at);
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
  /** Commands sent ahead whose turn has not come, in the order sent. */
  private readonly ahead: SentAhead[] = [];
  /** Turns asked for that send their URBs only when they run (plain commands, recoveries): nothing may go ahead of them. */
  private plainTurns = 0;
  /** Commands that failed (CSW status 01h) whose caller has not yet asked why (resumeAhead): nothing goes ahead meanwhile. */
  private holds = 0;
  private readonly aheadWaiters: (() => void)[] = [];

  constructor(transport: BulkOnlyTransport, options: BulkOnlyHostOptions = {}) {
    this.transport = transport;
    this.maxUrbBytes = options.maxUrbBytes ?? DEFAULT_MAX_URB_BYTES;
    this.options = { maxUrbBytes: this.maxUrbBytes, bulkIn: options.bulkIn, bulkOut: options.bulkOut, queued: options.queued };
    this.lun = options.lun ?? 0;
  }

  /** Data-in of `length` bytes (0: no data phase), into `into` when given. */
  commandIn(cb: Uint8Array, length: number, into?: Buffer): Promise<BotResult> {
    return this.plain(() => this.run({ cb, length, into, tag: this.tag(), lun: this.lun }));
  }

  /** Data-out of `data`. */
  commandOut(cb: Uint8Array, data: Buffer): Promise<BotResult> {
    return this.plain(() => this.run({ cb, out: data, tag: this.tag(), lun: this.lun }));
  }

  /** A reset recovery between commands (a host that gave up on one, or is starting afresh). */
  resetRecovery(): Promise<void> {
    return this.plain(() => resetRecovery(this.transport, this.options));
  }

  /** Whether a data-in command of `length` bytes can be sent ahead: a transport that takes URBs back, one data URB. */
  canSendAhead(length: number): boolean {
    return isQueueing(this.transport) && length >= 1 && length <= this.maxUrbBytes;
  }

  /**
   * Data-in of `length` bytes (canSendAhead) sent ahead: once no command waits to send its URBs in its turn and no
   * failed command is on hold, its CBW, data and CSW URBs go out at once, behind the commands in progress. Resolves
   * once they have gone, with the command's answer, taken in turn, which rejects with BulkOnlyError takenBack when a
   * command before it did not end cleanly (it was not run: ask again). Send ahead in order: the next sendAhead once
   * this one has resolved.
   */
  async sendAhead(cb: Uint8Array, length: number, into?: Buffer): Promise<{ answer: Promise<BotResult> }> {
    const t = this.transport;
    if (!isQueueing(t) || !this.canSendAhead(length)) throw new RangeError(`a command of ${length} bytes cannot be sent ahead on this transport`);
    while (this.plainTurns > 0 || this.holds > 0) await new Promise<void>((wake) => this.aheadWaiters.push(wake));
    const command: BotCommand = { cb, length, into, tag: this.tag(), lun: this.lun };
    const sent: SentAhead = { command, urbs: [t.submitBulkOut(cbwOf(command, true)), t.submitBulkIn(length, into), t.submitBulkIn(CSW_LENGTH)], takenBack: false };
    for (const u of sent.urbs) u.outcome.catch(() => undefined); // awaited in its turn
    this.ahead.push(sent);
    return { answer: this.turns.run(() => this.finishAhead(sent)) };
  }

  /**
   * A command that failed (passed false) holds back commands sent ahead, so that they cannot change the sense data
   * before the caller asks for it; so does one taken back, until it is sent again. The caller lets them go once it
   * has asked (or will not), or has sent it again.
   */
  resumeAhead(): void {
    if (this.holds > 0) this.holds--;
    this.wakeAhead();
  }

  private wakeAhead(): void {
    if (this.plainTurns === 0 && this.holds === 0) for (const wake of this.aheadWaiters.splice(0)) wake();
  }

  private plain<T>(op: () => Promise<T>): Promise<T> {
    this.plainTurns++;
    return this.turns.run(op).finally(() => {
      this.plainTurns--;
      this.wakeAhead();
    });
  }

  private tag(): number {
    const tag = this.nextTag;
    this.nextTag = (this.nextTag % 0xffffffff) + 1;
    return tag;
  }

  /** A command sent ahead, in its turn: done when its three URBs ended cleanly, else handled as a plain one. */
  private async finishAhead(sent: SentAhead): Promise<BotResult> {
    if (sent.takenBack) throw new BulkOnlyError(BotHostError.takenBack, `tag ${sent.command.tag} was taken back before it ran`);
    this.ahead.shift(); // this one: commands finish in the order sent
    const [cbw, data, csw] = await Promise.all(sent.urbs.map((u) => u.outcome));
    const clean = cleanEnd(sent.command, cbw, data, csw);
    if (clean) return clean;
    this.plainTurns++;
    try {
      // the CSW URB completed: the device may have taken the next CBW, and a reset recovery must undo it
      const next = await this.takeBackAhead();
      const resets = this.resets;
      const r = await this.run(sent.command, () => phases(this.transport, sent.command, this.options, sent.command.length!, Promise.resolve(cbw), Promise.resolve(data), Promise.resolve(csw)));
      if (next > 0 && csw.status === UrbStatus.ok && this.resets === resets) await this.recover();
      return r;
    } finally {
      this.plainTurns--;
      this.wakeAhead();
    }
  }

  /**
   * Takes back every command sent ahead (CMD_UNLINK of each URB, in the order sent); how many there were. Each holds
   * back the commands sent ahead after it until its caller has sent it again (resumeAhead), so they stay in order.
   */
  private async takeBackAhead(): Promise<number> {
    const later = this.ahead.splice(0);
    for (const a of later) a.takenBack = true;
    this.holds += later.length;
    await Promise.all(later.flatMap((a) => a.urbs.map((u) => u.unlink())));
    return later.length;
  }

  private async run(c: BotCommand, transfer = () => bulkOnlyTransfer(this.transport, c, this.options)): Promise<BotResult> {
    let r: BotTransferResult;
    try {
      r = await transfer();
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
    const passed = r.csw.status === CswStatus.passed;
    if (!passed) this.holds++; // until resumeAhead()
    return { passed, data: r.data, residue: r.csw.dataResidue };
  }

  private async recover(): Promise<void> {
    this.resets++;
    await resetRecovery(this.transport, this.options);
  }
}
