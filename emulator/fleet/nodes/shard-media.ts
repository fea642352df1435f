// The virtual media of one shard's BMCs (issue 13): one image library for all of them (one block cache, one read of
// an image however many hosts use it), a BmcMedia per BMC, and the control API's media requests.
//
//   GET    /bmcs/IP/media                 both drives (state, image, size, generation, host attached) and USB/IP counters
//   PUT    /bmcs/IP/media/cdrom|disk      {"image": "PATH or http(s) URL", "writeProtected": false}: insert, answered
//                                        once inserted (an HTTP image is asked for its size first)
//   DELETE /bmcs/IP/media/cdrom|disk      eject
import { dirname, join } from 'node:path';
import type { Clock } from '../../../runtime/clock.js';
import { DriveKind } from '../../../protocols/scsi/medium.js';
import { BmcMedia, InsertBusyError } from '../../media/bmc-media.js';
import { ImageLibrary } from '../../media/image-library.js';
import { parseImageLocation, type ImageLocation } from '../../media/image-location.js';
import { MediaDirs } from '../../media/media-dirs.js';
import { MediaError, MediaErrorCode } from '../../media/media-error.js';
import { UsbipCounters } from '../../media/usbip-counters.js';
import { ControlError } from '../control-error.js';
import type { VirtualMediaConfig } from '../fleet-config.js';
import type { MediaRequest, ShardMediaCounters } from './bmc-requests.js';

/**
 * The fleet's block cache chunk. A READ within one chunk is served as a view of it; one across chunks is joined into a
 * new buffer, a copy and an allocation per READ that took a quarter of the shard's time in a profile of one host
 * reading (64 KiB chunks: every 120 KiB READ crossed one). With 1 MiB chunks a 1 MiB READ never crosses and a 120 KiB
 * one does about once in nine; an HTTP image is read in 1 MiB Range requests.
 */
const CACHE_CHUNK_BYTES = 1024 * 1024;

/** A location the server could not read (or that is no image): the caller's mistake, 400; the rest came from afar, 502. */
const CALLER_MISTAKES: readonly string[] = [
  MediaErrorCode.BAD_LOCATION, MediaErrorCode.UNSUPPORTED_SCHEME, MediaErrorCode.NO_SUCH_FILE, MediaErrorCode.NO_ACCESS,
  MediaErrorCode.NOT_A_FILE, MediaErrorCode.EMPTY_IMAGE, MediaErrorCode.IMAGE_TOO_SMALL,
];

/**
 * The folders local images may come from: virtualMedia.mediaDirs when the fleet sets it, else the state directory's
 * media/ and the folders of the images the fleet file names (imageDir, and hostDisk when it is a file).
 */
export function mediaDirsOf(config: VirtualMediaConfig, stateDir: string | null): string[] {
  if (config.mediaDirs !== null) return config.mediaDirs;
  const dirs: string[] = [];
  if (stateDir !== null) dirs.push(join(stateDir, 'media'));
  if (config.imageDir !== null) dirs.push(config.imageDir);
  const disk = config.hostDisk === null ? null : locationOrNull(config.hostDisk);
  if (disk?.kind === 'file') dirs.push(dirname(disk.path));
  return dirs;
}

/** A location as parsed, or null when it is none (an insert of it reports why). */
function locationOrNull(text: string): ImageLocation | null {
  try {
    return parseImageLocation(text);
  } catch (err) {
    if (err instanceof MediaError) return null;
    throw err;
  }
}

export class ShardMedia {
  readonly library: ImageLibrary;
  readonly usbipTotals = new UsbipCounters(null);
  private readonly byIp = new Map<string, BmcMedia>();
  private readonly config: VirtualMediaConfig;
  private readonly clock: Clock;

  constructor(config: VirtualMediaConfig, clock: Clock, stateDir: string | null = null) {
    this.config = config;
    this.clock = clock;
    this.library = new ImageLibrary({
      cache: { maxBytes: config.cacheMiB * 1024 * 1024, chunkSize: CACHE_CHUNK_BYTES }, mediaDirs: new MediaDirs(mediaDirsOf(config, stateDir)),
    });
  }

  /** The BMC at `ip`'s media; `onChange` hears each insert and eject. */
  forBmc(ip: string, onChange: () => void): BmcMedia {
    const media = new BmcMedia({
      address: ip, clock: this.clock, library: this.library, usbipCounters: this.usbipTotals, imageDir: this.config.imageDir, onChange,
    });
    this.byIp.set(ip, media);
    return media;
  }

  /** Closes and forgets the media of the BMC at `ip` (removed at run time). */
  drop(ip: string): void {
    this.byIp.get(ip)?.close();
    this.byIp.delete(ip);
  }

  at(ip: string): BmcMedia | undefined {
    return this.byIp.get(ip);
  }

  async run(req: MediaRequest): Promise<unknown> {
    const media = this.byIp.get(req.ip);
    if (!media) throw new ControlError(404, `no BMC at ${req.ip}`);
    switch (req.op) {
      case 'media': return media.describe();
      case 'media-eject': return media.eject(req.drive);
      case 'media-insert':
        try {
          return await media.insert(req.drive, req.image, { writeProtected: req.writeProtected });
        } catch (err) {
          if (err instanceof InsertBusyError) throw new ControlError(409, err.message);
          if (err instanceof MediaError && err.code === MediaErrorCode.OUTSIDE_MEDIA_DIRS) throw new ControlError(403, `${err.message} (${err.code})`);
          if (err instanceof MediaError) throw new ControlError(CALLER_MISTAKES.includes(err.code) ? 400 : 502, `${err.message} (${err.code})`);
          throw err;
        }
    }
  }

  counters(): ShardMediaCounters {
    const { library } = this;
    return {
      usbip: this.usbipTotals.snapshot(), cache: { ...library.cache.counters, bytes: library.cache.bytes },
      openImages: library.openImages, overlayBytes: library.overlayBudget.usedBytes,
    };
  }

  close(): void {
    for (const media of this.byIp.values()) media.close();
  }
}
