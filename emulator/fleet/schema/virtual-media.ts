// virtualMedia: every BMC's CD-ROM and disk over USB/IP (README "Virtual media"); left out, BMCs have none.
import { z } from 'zod';
import { USBIP_PORT } from '../../../protocols/usb-mass-storage/usbip-op.js';
import { text, wholeNumber } from './kinds.js';

export interface VirtualMediaConfig {
  /** The USB/IP TCP port at every BMC's address. */
  port: number;
  /** Where file names given over IPMI (Set Virtual Media) are looked for; null: over IPMI only http(s) URLs. */
  imageDir: string | null;
  /** Each fleet process's block cache, shared by every host reading one image. */
  cacheMiB: number;
}

export const virtualMediaSection = z.strictObject({
  port: wholeNumber(1, 65535).prefault(USBIP_PORT).describe('USB/IP TCP port at every BMC\'s address (3240, what `usbip` uses)'),
  imageDir: text().nullable().optional().describe('folder of images IPMI clients may insert by file name; left out: over IPMI only http(s) URLs'),
  cacheMiB: wholeNumber(1, 65_536).prefault(256).describe('block cache of each fleet process, shared by every host reading one image'),
}).transform(({ port, imageDir, cacheMiB }): VirtualMediaConfig => ({ port, imageDir: imageDir ?? null, cacheMiB }))
  .describe('every BMC\'s virtual media: a CD-ROM and a disk exported over USB/IP (README "Virtual media")');
