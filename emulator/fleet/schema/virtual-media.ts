// virtualMedia: every BMC's CD-ROM and disk over USB/IP (README "Virtual media"); left out, BMCs have none.
import { z } from 'zod';
import { USBIP_PORT } from '../../../protocols/usb-mass-storage/usbip-op.js';
import { text, wholeNumber } from './kinds.js';

export interface VirtualMediaConfig {
  /** The USB/IP TCP port at every BMC's address. */
  port: number;
  /** Where file names given over IPMI (Set Virtual Media) are looked for; null: over IPMI only http(s) URLs. */
  imageDir: string | null;
  /**
   * The folders local images may come from, however they are asked for (control API, Redfish, IPMI, the fleet file);
   * null: the default, the state directory's media/ and the folders of the images the fleet file names (imageDir, hostDisk).
   */
  mediaDirs: string[] | null;
  /** Each fleet process's block cache, shared by every host reading one image. */
  cacheMiB: number;
  /** What a host's install agent puts into an empty disk drive to install to (`blank:64MiB`, a path or a URL); null: nothing. */
  hostDisk: string | null;
  /** Between two package install steps (README "Installing a host"). */
  installStepMs: number;
}

export const virtualMediaSection = z.strictObject({
  port: wholeNumber(1, 65535).prefault(USBIP_PORT).describe('USB/IP TCP port at every BMC\'s address (3240, what `usbip` uses)'),
  imageDir: text().nullable().optional().describe('folder of images IPMI clients may insert by file name; left out: over IPMI only http(s) URLs'),
  mediaDirs: z.array(text()).nullable().optional().describe('folders local images may come from (control API, Redfish, IPMI); left out: the state directory\'s media/ plus imageDir and the folder of hostDisk; [] : URLs and blank: media only'),
  cacheMiB: wholeNumber(1, 65_536).prefault(256).describe('block cache of each fleet process, shared by every host reading one image'),
  hostDisk: text().nullable().prefault('blank:64MiB').describe('what a host\'s install agent inserts into an empty disk drive to install to: blank:SIZE (KiB, MiB or GiB of zeros), a path or an http(s) URL; null: nothing (an install then fails, no-disk)'),
  installStepMs: wholeNumber(0, 60_000).prefault(100).describe('ms between two package install steps of a host\'s install agent'),
}).transform(({ port, imageDir, mediaDirs, cacheMiB, hostDisk, installStepMs }): VirtualMediaConfig => ({
    port, imageDir: imageDir ?? null, mediaDirs: mediaDirs ?? null, cacheMiB, hostDisk, installStepMs,
  }))
  .describe('every BMC\'s virtual media: a CD-ROM and a disk exported over USB/IP (README "Virtual media")');
