// The CDB dispatcher: the operation code picks the family decoder (a file per family in this folder). Which
// commands a logical unit accepts depends on its kind: the SBC-3 disk set, or the MMC-6 CD-ROM set (no writes
// to a CD get past DATA PROTECT, but WRITE is still decoded so the host learns why).
import { DecodeError } from '../errors.js';
import { DriveKind } from './medium.js';
import { decodeBlockTransfer, decodeSynchronizeCache10, type BlockTransferCommand, type SynchronizeCacheCommand } from './block-io.js';
import { decodeReadCapacity10, decodeServiceActionIn16, type ReadCapacity10Command, type ReadCapacity16Command } from './capacity.js';
import { CdbError, PROTO, ScsiOpcode } from './cdb.js';
import { decodeReadFormatCapacities, type ReadFormatCapacitiesCommand } from './format-capacities.js';
import { decodeInquiry, type InquiryCommand } from './inquiry.js';
import { decodeGetConfiguration, type GetConfigurationCommand } from './mmc-configuration.js';
import { decodeReadDiscInformation, type ReadDiscInformationCommand } from './mmc-disc-information.js';
import { decodeGetEventStatus, type GetEventStatusCommand } from './mmc-event-status.js';
import { decodeReadToc, type ReadTocCommand } from './mmc-toc.js';
import { decodeModeSense, type ModeSenseCommand } from './mode-sense.js';
import { decodeRequestSense, type RequestSenseCommand } from './sense.js';
import {
  decodePreventAllow, decodeStartStopUnit, decodeTestUnitReady, type PreventAllowCommand, type StartStopUnitCommand, type TestUnitReadyCommand,
} from './unit-control.js';

export type ScsiCommand =
  | TestUnitReadyCommand | RequestSenseCommand | InquiryCommand | ModeSenseCommand | PreventAllowCommand | StartStopUnitCommand
  | ReadCapacity10Command | ReadCapacity16Command | BlockTransferCommand | SynchronizeCacheCommand
  | ReadTocCommand | GetConfigurationCommand | GetEventStatusCommand | ReadDiscInformationCommand | ReadFormatCapacitiesCommand;

const MMC_ONLY: readonly number[] = [
  ScsiOpcode.readTocPmaAtip, ScsiOpcode.getConfiguration, ScsiOpcode.getEventStatusNotification, ScsiOpcode.readDiscInformation,
];

/** Decodes a CDB for a logical unit of `kind`; a DecodeError (CdbError code) says which sense refuses it. */
export function decodeCommand(cdb: Uint8Array, kind: DriveKind): ScsiCommand {
  if (cdb.length === 0) throw new DecodeError(PROTO, 'OPERATION CODE', 0, 'empty CDB', CdbError.length);
  const opcode = cdb[0];
  if (kind === DriveKind.disk && MMC_ONLY.includes(opcode)) {
    throw new DecodeError(PROTO, 'OPERATION CODE', 0, `0x${opcode.toString(16)} is an MMC command`, CdbError.opcode);
  }
  switch (opcode) {
    case ScsiOpcode.testUnitReady: return decodeTestUnitReady(cdb);
    case ScsiOpcode.requestSense: return decodeRequestSense(cdb);
    case ScsiOpcode.inquiry: return decodeInquiry(cdb);
    case ScsiOpcode.modeSense6:
    case ScsiOpcode.modeSense10: return decodeModeSense(cdb, kind);
    case ScsiOpcode.startStopUnit: return decodeStartStopUnit(cdb);
    case ScsiOpcode.preventAllowMediumRemoval: return decodePreventAllow(cdb);
    case ScsiOpcode.readCapacity10: return decodeReadCapacity10(cdb);
    case ScsiOpcode.readFormatCapacities: return decodeReadFormatCapacities(cdb);
    case ScsiOpcode.serviceActionIn16: return decodeServiceActionIn16(cdb);
    case ScsiOpcode.read6:
    case ScsiOpcode.write6:
    case ScsiOpcode.read10:
    case ScsiOpcode.read12:
    case ScsiOpcode.read16:
    case ScsiOpcode.write10:
    case ScsiOpcode.write16: return decodeBlockTransfer(cdb);
    case ScsiOpcode.synchronizeCache10: return decodeSynchronizeCache10(cdb);
    case ScsiOpcode.readTocPmaAtip: return decodeReadToc(cdb);
    case ScsiOpcode.getConfiguration: return decodeGetConfiguration(cdb);
    case ScsiOpcode.getEventStatusNotification: return decodeGetEventStatus(cdb);
    case ScsiOpcode.readDiscInformation: return decodeReadDiscInformation(cdb);
    default:
      throw new DecodeError(PROTO, 'OPERATION CODE', 0, `0x${opcode.toString(16)} is not supported`, CdbError.opcode);
  }
}
