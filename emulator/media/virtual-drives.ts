// What one BMC owns for virtual media: a CD-ROM drive and a removable disk drive (issue 13), each a MediaSlot.
import { DriveKind } from '../../protocols/scsi/medium.js';
import { MediaSlot, type DriveDescription } from './media-slot.js';

export class VirtualDrives {
  readonly cdrom = new MediaSlot(DriveKind.cdrom);
  readonly disk = new MediaSlot(DriveKind.disk);

  slot(kind: DriveKind): MediaSlot {
    return kind === DriveKind.cdrom ? this.cdrom : this.disk;
  }

  describe(): DriveDescription[] {
    return [this.cdrom.describe(), this.disk.describe()];
  }

  /** The BMC stops: both drives let go of their images. */
  ejectAll(): void {
    this.cdrom.eject();
    this.disk.eject();
  }
}
