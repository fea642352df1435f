// One host's view of one drive: the SCSI device server of a CD-ROM (MMC-6) or a removable disk (SBC-3), as a pure
// machine. It keeps what a host sees between commands:
//   - the sense data of the last CHECK CONDITION, until the next command or REQUEST SENSE (SPC-4, REQUEST SENSE);
//   - the UNIT ATTENTION a medium insertion sets, 28h/00h, reported once to this host by the next command other
//     than INQUIRY, REQUEST SENSE (SPC-4, unit attention condition), GET CONFIGURATION and GET EVENT STATUS
//     NOTIFICATION (MMC-6: those two never fail for a pending UNIT ATTENTION; QEMU exempts them too);
//   - the media event GET EVENT STATUS NOTIFICATION reports once (new media, media removal);
//   - whether PREVENT ALLOW MEDIUM REMOVAL holds the medium.
// The medium's bytes never pass through here: a READ, WRITE, SYNCHRONIZE CACHE or eject comes back as an outcome
// for the transport to carry out.
import { DecodeError } from '../errors.js';
import { DriveKind } from './medium.js';
import { inRange } from './block-io.js';
import { READ_CAPACITY_10_LENGTH, readCapacity10Data, readCapacity16Data } from './capacity.js';
import { CdbError, truncateToAllocation } from './cdb.js';
import { decodeCommand, type ScsiCommand } from './commands.js';
import { formatCapacitiesData } from './format-capacities.js';
import { PeripheralDeviceType, standardInquiryData, vpdPageData, type InquiryIdentity } from './inquiry.js';
import { Profile, configurationData, discProfile } from './mmc-configuration.js';
import { discInformationData } from './mmc-disc-information.js';
import { MediaEvent, asksForMedia, eventStatusData } from './mmc-event-status.js';
import { readTocData } from './mmc-toc.js';
import { modeSenseData } from './mode-sense.js';
import { Sense, encodeFixedSense, type SenseCondition } from './sense.js';
import { isEject } from './unit-control.js';

/** What the logical unit needs to know of the medium in the drive. */
export interface MediumInfo {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly readOnly: boolean;
}

/** A decoded CDB, or the sense that refuses it. */
export type ScsiRequest = { command: ScsiCommand; refused?: undefined } | { command?: undefined; refused: SenseCondition };

/** What the device means to move in the data phase if the command succeeds (BOT 1.0 §6.7: Dn, Di, Do). */
export interface DataIntent {
  direction: 'none' | 'in' | 'out';
  length: number;
}

export type ScsiOutcome =
  /** GOOD, no data. */
  | { kind: 'good' }
  /** CHECK CONDITION; the sense is kept for REQUEST SENSE. */
  | { kind: 'check'; sense: SenseCondition }
  /** GOOD with these bytes (already cut to the allocation length). */
  | { kind: 'data'; data: Buffer }
  /** GOOD once the blocks are read from the medium and sent. */
  | { kind: 'read'; lba: number; blocks: number; blockSize: number }
  /** GOOD once the host's blocks are written to the medium. */
  | { kind: 'write'; lba: number; blocks: number; blockSize: number }
  /** GOOD once the medium has flushed (SYNCHRONIZE CACHE). */
  | { kind: 'flush' }
  /** GOOD once the drive's medium is ejected (START STOP UNIT, LOEJ = 1, START = 0). */
  | { kind: 'eject' };

const GOOD: ScsiOutcome = { kind: 'good' };

/** Commands a pending UNIT ATTENTION does not fail. REQUEST SENSE reports it instead. */
const UA_EXEMPT: ReadonlySet<ScsiCommand['op']> = new Set(['inquiry', 'request-sense', 'get-configuration', 'get-event-status'] as const);

/** The block size a command is sized with when the drive is empty (MMC-6: 2048 for a CD; a 512-byte disk). */
function defaultBlockSize(kind: DriveKind): number {
  return kind === DriveKind.cdrom ? 2048 : 512;
}

export class LogicalUnit {
  readonly kind: DriveKind;
  private readonly identity: InquiryIdentity;
  private readonly type: PeripheralDeviceType;
  private medium: MediumInfo | null;
  private sense: SenseCondition | null = null;
  private unitAttention = false;
  private mediaEvent: MediaEvent = MediaEvent.noChange;
  private prevented = false;

  constructor(kind: DriveKind, identity: InquiryIdentity, medium: MediumInfo | null) {
    this.kind = kind;
    this.identity = identity;
    this.type = kind === DriveKind.cdrom ? PeripheralDeviceType.cdDvd : PeripheralDeviceType.directAccess;
    this.medium = medium;
  }

  /**
   * The drive's medium changed since this host last looked. A new medium raises UNIT ATTENTION 28h (a not
   * ready to ready change) and a NewMedia event; an empty drive drops a UNIT ATTENTION not yet reported (the
   * host now gets NOT READY 3Ah instead) and raises a MediaRemoval event.
   */
  mediumChanged(medium: MediumInfo | null): void {
    this.medium = medium;
    this.unitAttention = medium !== null;
    this.mediaEvent = medium !== null ? MediaEvent.newMedia : MediaEvent.mediaRemoval;
  }

  /** Decodes a CDB; a refused one carries the ILLEGAL REQUEST sense its DecodeError code stands for. */
  decode(cdb: Uint8Array): ScsiRequest {
    try {
      return { command: decodeCommand(cdb, this.kind) };
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      switch (err.code) {
        case CdbError.opcode: return { refused: Sense.invalidOpcode };
        case CdbError.savedValues: return { refused: Sense.savingParametersNotSupported };
        default: return { refused: Sense.invalidFieldInCdb };
      }
    }
  }

  /** The data phase the command asks for, sized with the medium's block size (or the drive's usual one). */
  intent(request: ScsiRequest): DataIntent {
    const c = request.command;
    if (c === undefined) return { direction: 'none', length: 0 };
    switch (c.op) {
      case 'read':
      case 'write': {
        const length = c.blocks * (this.medium?.blockSize ?? defaultBlockSize(this.kind));
        return { direction: length === 0 ? 'none' : c.op === 'read' ? 'in' : 'out', length };
      }
      case 'read-capacity-10':
        return { direction: 'in', length: READ_CAPACITY_10_LENGTH };
      case 'request-sense':
      case 'inquiry':
      case 'mode-sense':
      case 'read-capacity-16':
      case 'read-toc':
      case 'get-configuration':
      case 'get-event-status':
      case 'read-disc-information':
      case 'read-format-capacities':
        // ALLOCATION LENGTH 0 asks for no data and is not an error (SPC-4, allocation length)
        return { direction: c.allocationLength === 0 ? 'none' : 'in', length: c.allocationLength };
      default:
        return { direction: 'none', length: 0 };
    }
  }

  /** Runs a command against the state; a CHECK CONDITION's sense is kept for REQUEST SENSE. */
  execute(request: ScsiRequest): ScsiOutcome {
    const c = request.command;
    if (c?.op !== 'request-sense') this.sense = null;
    if (this.unitAttention && !(c !== undefined && UA_EXEMPT.has(c.op))) {
      this.unitAttention = false;
      return this.check(Sense.mediumMayHaveChanged);
    }
    if (c === undefined) return this.check(request.refused);
    const medium = this.medium;
    switch (c.op) {
      case 'test-unit-ready':
        return medium ? GOOD : this.check(Sense.mediumNotPresent);
      case 'request-sense': {
        const sense = this.unitAttention ? Sense.mediumMayHaveChanged : this.sense ?? Sense.none;
        this.unitAttention = false;
        this.sense = null;
        return this.data(encodeFixedSense(sense), c.allocationLength);
      }
      case 'inquiry':
        return this.data(c.evpd ? vpdPageData(c.pageCode, this.type, this.identity) : standardInquiryData(this.type, this.identity), c.allocationLength);
      case 'mode-sense':
        return this.data(modeSenseData(c, this.kind, {
          writeProtected: medium?.readOnly ?? false, locked: this.prevented, dvd: this.profile(medium) === Profile.dvdRom,
        }), c.allocationLength);
      case 'prevent-allow':
        this.prevented = c.prevent;
        return GOOD;
      case 'start-stop':
        if (!isEject(c) || medium === null) return GOOD;
        return this.prevented ? this.check(Sense.mediumRemovalPrevented) : { kind: 'eject' };
      case 'get-configuration':
        return this.data(configurationData(c, this.profile(medium)), c.allocationLength);
      case 'get-event-status': {
        const event = asksForMedia(c) ? this.takeMediaEvent() : MediaEvent.noChange;
        return this.data(eventStatusData(c, event, medium !== null), c.allocationLength);
      }
      default:
        return medium ? this.executeMediumCommand(c, medium) : this.check(Sense.mediumNotPresent);
    }
  }

  /** A medium read, write or flush failed while carrying out a command: the host learns it from REQUEST SENSE. */
  mediumFailed(sense: SenseCondition): void {
    this.sense = sense;
  }

  private executeMediumCommand(c: ScsiCommand, medium: MediumInfo): ScsiOutcome {
    switch (c.op) {
      case 'read-capacity-10':
        return this.data(readCapacity10Data(medium.blockCount, medium.blockSize), READ_CAPACITY_10_LENGTH);
      case 'read-capacity-16':
        return this.data(readCapacity16Data(medium.blockCount, medium.blockSize), c.allocationLength);
      case 'read-format-capacities':
        return this.data(formatCapacitiesData(medium.blockCount, medium.blockSize), c.allocationLength);
      case 'read':
        if (!inRange(c.lba, c.blocks, medium.blockCount)) return this.check(Sense.lbaOutOfRange);
        return c.blocks === 0 ? GOOD : { kind: 'read', lba: c.lba, blocks: c.blocks, blockSize: medium.blockSize };
      case 'write':
        if (medium.readOnly || this.kind === DriveKind.cdrom) return this.check(Sense.writeProtected);
        if (!inRange(c.lba, c.blocks, medium.blockCount)) return this.check(Sense.lbaOutOfRange);
        return c.blocks === 0 ? GOOD : { kind: 'write', lba: c.lba, blocks: c.blocks, blockSize: medium.blockSize };
      case 'synchronize-cache':
        if (!inRange(c.lba, c.blocks, medium.blockCount)) return this.check(Sense.lbaOutOfRange);
        return { kind: 'flush' };
      case 'read-toc':
        return this.data(readTocData(c, medium.blockCount), c.allocationLength);
      case 'read-disc-information':
        return this.data(discInformationData(), c.allocationLength);
      default:
        return GOOD;
    }
  }

  /** The CD-ROM's current profile for what it holds (none when empty); a disk has none. */
  private profile(medium: MediumInfo | null): number {
    return this.kind === DriveKind.cdrom && medium !== null ? discProfile(medium.blockCount) : Profile.none;
  }

  private takeMediaEvent(): MediaEvent {
    const event = this.mediaEvent;
    this.mediaEvent = MediaEvent.noChange;
    return event;
  }

  private check(sense: SenseCondition): ScsiOutcome {
    this.sense = sense;
    return { kind: 'check', sense };
  }

  private data(data: Buffer, allocationLength: number): ScsiOutcome {
    return { kind: 'data', data: truncateToAllocation(data, allocationLength) };
  }
}
