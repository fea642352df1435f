// The folders local images may come from. Whoever reaches the control API, Redfish or the OEM command can insert an
// image, and a host then reads it block by block: without this rule a path like /etc/shadow would be read out through
// a USB disk. A file is allowed when its path lies inside one of the folders, and still does once every symbolic link
// in it is followed (a link inside pointing out is refused). URLs and blank media are not files and are not affected.
import { promises as fs } from 'node:fs';
import { resolve, sep } from 'node:path';
import { MediaError, MediaErrorCode } from './media-error.js';

export class MediaDirs {
  /** Absolute, as given (made absolute against the working directory). */
  readonly dirs: readonly string[];

  constructor(dirs: readonly string[]) {
    this.dirs = [...new Set(dirs.map((d) => resolve(d)))];
  }

  /** The rule, for messages: which folders images may come from. */
  describe(): string {
    return this.dirs.length === 0
      ? 'no folder is allowed for local images (set virtualMedia.mediaDirs or --media-dir): only http(s) URLs and blank: media'
      : `local images must be inside ${this.dirs.join(', ')} (virtualMedia.mediaDirs, --media-dir)`;
  }

  /** `path` (absolute) lies inside one of the folders as written, before any link is followed. */
  holds(path: string): boolean {
    return this.dirs.some((d) => inside(resolve(path), d));
  }

  /**
   * Throws MEDIA_OUTSIDE_MEDIA_DIRS unless `path` lies inside a folder, both as written and with its links followed.
   * A path that does not exist is left for opening to report (it is inside as written, so nothing leaks).
   */
  async check(path: string): Promise<void> {
    if (!this.holds(path)) throw this.refusal(path);
    let real: string;
    try {
      real = await fs.realpath(path);
    } catch {
      return; // missing or unreadable: FileSource.open says which
    }
    if (!(await this.holdsReal(real))) throw this.refusal(path);
  }

  /**
   * Throws MEDIA_OUTSIDE_MEDIA_DIRS unless the file descriptor `fd` (of `path`, just opened) reads a file inside a
   * folder: the check on what was opened, so a link swapped in between check() and the open is caught too. Where
   * /proc/self/fd cannot say (not Linux), check() is all there is.
   */
  async checkOpened(path: string, fd: number): Promise<void> {
    let real: string;
    try {
      real = await fs.readlink(`/proc/self/fd/${fd}`);
    } catch {
      return;
    }
    if (!(await this.holdsReal(real))) throw this.refusal(path);
  }

  /** `real` (a path with every link followed) lies inside one of the folders, their links followed too. */
  private async holdsReal(real: string): Promise<boolean> {
    const realDirs = await Promise.all(this.dirs.map((d) => fs.realpath(d).catch(() => null)));
    return realDirs.some((d) => d !== null && inside(real, d));
  }

  private refusal(path: string): MediaError {
    return new MediaError(MediaErrorCode.OUTSIDE_MEDIA_DIRS, resolve(path), `refused: ${this.describe()}`);
  }
}

function inside(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}
