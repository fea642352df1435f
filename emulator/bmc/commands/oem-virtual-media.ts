// The bmcfleet OEM virtual-media commands (netFn 2Eh, cmds 20h/21h; definitions in protocols/ipmi/oem/virtual-media.ts):
// insert an image into, or eject it from, the BMC's CD-ROM or disk, and read a drive's state.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { GetVirtualMediaStatus, MediaAction, SetVirtualMedia, VirtualDrive } from '../../../protocols/ipmi/oem/virtual-media.js';
import { DriveKind } from '../../../protocols/scsi/medium.js';
import type { VirtualMediaPort } from '../virtual-media-port.js';
import { bmcfleetOnly, handler, refuse } from './define.js';
import type { CommandSpec } from './types.js';

function driveKind(drive: number): DriveKind | null {
  return drive === VirtualDrive.CDROM ? DriveKind.cdrom : drive === VirtualDrive.DISK ? DriveKind.disk : null;
}

export function oemVirtualMediaCommands(media: VirtualMediaPort): CommandSpec[] {
  return [
    bmcfleetOnly(handler(SetVirtualMedia, (r) => {
      const kind = driveKind(r.drive);
      if (kind === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
      if (r.action === MediaAction.EJECT) {
        if (r.source !== '') return refuse(CompletionCode.INVALID_DATA_FIELD);
        media.eject(kind);
      } else if (r.action === MediaAction.INSERT) {
        const started = r.source === '' ? 'refused' : media.startInsert(kind, r.source);
        if (started === 'refused') return refuse(CompletionCode.INVALID_DATA_FIELD);
        if (started === 'busy') return refuse(CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE); // an insert under way on that drive
      } else {
        return refuse(CompletionCode.INVALID_DATA_FIELD);
      }
      return { generation: media.status(kind).generation };
    })),
    bmcfleetOnly(handler(GetVirtualMediaStatus, (r) => {
      const kind = driveKind(r.drive);
      if (kind === null) return refuse(CompletionCode.INVALID_DATA_FIELD);
      return { drive: r.drive, ...media.status(kind) };
    })),
  ];
}
