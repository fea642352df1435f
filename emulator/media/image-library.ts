// Turns what a user names (a path or an http(s) URL) into a medium for a drive, for every BMC of the process: one
// block cache and one overlay budget for all of them, and one open source per image while any drive uses it (one
// file handle, one HTTP probe and one bounded pool of connections, however many hosts read it).
import { DriveKind } from '../../protocols/scsi/medium.js';
import { BlockCache, type BlockCacheOptions } from './block-cache.js';
import { CowOverlay } from './cow-overlay.js';
import { BlankSource } from './blank-source.js';
import { FileSource } from './file-source.js';
import { HttpRangeSource, type HttpSourceOptions } from './http-range-source.js';
import { ImageMedium } from './image-medium.js';
import { parseImageLocation, type ImageLocation } from './image-location.js';
import type { ImageSource } from './image-source.js';
import type { MediaDirs } from './media-dirs.js';
import type { LoadedMedium } from './media-slot.js';
import { OverlayBudget } from './overlay-budget.js';

export interface ImageLibraryOptions {
  cache?: BlockCacheOptions;
  overlays?: { hostLimitBytes?: number; totalLimitBytes?: number };
  http?: HttpSourceOptions;
  /** The folders local images may come from; left out: any file the process can read (code that names its own files). */
  mediaDirs?: MediaDirs | null;
}

/** An image open for one or more drives. */
interface SharedSource {
  readonly opening: Promise<ImageSource>;
  /** Once open. */
  source?: ImageSource;
  users: number;
}

export class ImageLibrary {
  readonly cache: BlockCache;
  readonly overlayBudget: OverlayBudget;
  readonly mediaDirs: MediaDirs | null;
  private readonly httpOptions: HttpSourceOptions;
  /** By absolute path or full URL. An entry is here while opening or in use; a changed image's old entry leaves early. */
  private readonly open = new Map<string, SharedSource>();

  constructor(options: ImageLibraryOptions = {}) {
    this.cache = new BlockCache(options.cache);
    this.overlayBudget = new OverlayBudget(options.overlays);
    this.httpOptions = options.http ?? {};
    this.mediaDirs = options.mediaDirs ?? null;
  }

  /** Images open now. */
  get openImages(): number {
    return this.open.size;
  }

  /**
   * A medium for a `kind` drive from `location`: a CD-ROM reads the image; a disk writes to its own overlay over it,
   * or is read-only with `writeProtected`. Rejects with a MediaError naming what is wrong (a file outside the media
   * folders: MEDIA_OUTSIDE_MEDIA_DIRS, before it is opened).
   */
  async load(location: string, kind: DriveKind, options: { writeProtected?: boolean } = {}): Promise<LoadedMedium> {
    const where = parseImageLocation(location);
    if (where.kind === 'file') await this.mediaDirs?.check(where.path);
    const { source, release } = await this.acquire(where);
    try {
      const base = new ImageMedium(source, this.cache, kind);
      const common = { kind, image: source.location, size: source.size };
      if (kind === DriveKind.cdrom || options.writeProtected) return { ...common, medium: base, overlayBytes: () => 0, release };
      const overlay = new CowOverlay(base, this.overlayBudget);
      return { ...common, medium: overlay, overlayBytes: () => overlay.overlayBytes, release: () => { overlay.discard(); release(); } };
    } catch (err) {
      release();
      throw err;
    }
  }

  private async acquire(where: ImageLocation): Promise<{ source: ImageSource; release: () => void }> {
    const id = where.kind === 'file' ? where.path : where.kind === 'blank' ? `blank:${where.bytes}` : where.url.href;
    const known = this.open.get(id);
    // one still opening is joined as it is: it was just asked for
    if (known?.source && !(await known.source.isCurrent())) {
      // its users keep reading the old source until they let go; new inserts get the image as it is now
      if (this.open.get(id) === known) this.open.delete(id);
    }
    // synchronous from here until users++, so an entry seen is never one whose last user just let go
    let entry = this.open.get(id);
    if (!entry) {
      const created: SharedSource = { opening: this.openSource(where), users: 0 };
      created.opening.then((s) => { created.source = s; }, () => { if (this.open.get(id) === created) this.open.delete(id); });
      this.open.set(id, (entry = created));
    }
    const shared = entry;
    shared.users++;
    let source: ImageSource;
    try {
      source = await shared.opening;
    } catch (err) {
      shared.users--;
      throw err;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--shared.users > 0) return;
      if (this.open.get(id) === shared) this.open.delete(id);
      // a read-only handle or a connection pool: closing loses nothing, and a failure to close changes nothing for the hosts
      source.close().catch(() => {});
    };
    return { source, release };
  }

  private openSource(where: ImageLocation): Promise<ImageSource> {
    if (where.kind === 'blank') return Promise.resolve(new BlankSource(where.bytes));
    const dirs = this.mediaDirs;
    return where.kind === 'file'
      ? FileSource.open(where.path, dirs ? (fd) => dirs.checkOpened(where.path, fd) : undefined)
      : HttpRangeSource.open(where.url, this.httpOptions);
  }
}
