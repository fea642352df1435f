// A BMC's virtual media (issue 13; emulator/fleet/nodes/shard-media.ts runs them):
//
//   GET    /bmcs/IP/media                 both drives and the USB/IP counters
//   PUT    /bmcs/IP/media/cdrom|disk      {"image": "PATH or http(s) URL", "writeProtected": false}: answered once inserted
//   DELETE /bmcs/IP/media/cdrom|disk      eject
import { DriveKind } from '../../../protocols/scsi/medium.js';
import { ControlError } from '../control-error.js';
import { askBmc } from './bmcs.js';
import type { Route } from './route.js';

function drive(name: string): DriveKind {
  if (name !== DriveKind.cdrom && name !== DriveKind.disk) throw new ControlError(404, `no drive "${name}": a BMC has cdrom and disk`);
  return name;
}

export const mediaRoutes: readonly Route[] = [
  { method: 'GET', path: '/bmcs/:ip/media', answer: (req, fleet) => askBmc(fleet, req.params.ip, { op: 'media', ip: req.params.ip }) },
  {
    method: 'PUT', path: '/bmcs/:ip/media/:drive',
    async answer(req, fleet) {
      const kind = drive(req.params.drive);
      const b = await req.body();
      if (typeof b.image !== 'string' || b.image === '') throw new ControlError(400, 'body must be {"image": "PATH or http(s) URL", "writeProtected": false}');
      if (b.writeProtected !== undefined && typeof b.writeProtected !== 'boolean') throw new ControlError(400, 'writeProtected must be true or false');
      return askBmc(fleet, req.params.ip, { op: 'media-insert', ip: req.params.ip, drive: kind, image: b.image, writeProtected: b.writeProtected === true });
    },
  },
  {
    method: 'DELETE', path: '/bmcs/:ip/media/:drive',
    answer: (req, fleet) => askBmc(fleet, req.params.ip, { op: 'media-eject', ip: req.params.ip, drive: drive(req.params.drive) }),
  },
];
