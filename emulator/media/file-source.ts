// An image in a local file, read with positional reads on one read-only handle (the file is opened O_RDONLY, so
// nothing here can modify it).
import { constants, promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { MediaError, MediaErrorCode } from './media-error.js';
import { checkReadRange, type ImageSource } from './image-source.js';

export class FileSource implements ImageSource {
  readonly key: string;
  readonly location: string;
  readonly size: number;
  private readonly handle: fs.FileHandle;
  private readonly identity: string;
  private closed = false;

  private constructor(path: string, handle: fs.FileHandle, stat: FileIdentity) {
    this.location = path;
    this.handle = handle;
    this.size = stat.size;
    this.identity = identityOf(stat);
    this.key = `file:${path}|${this.identity}`;
  }

  /**
   * Opens `path` (made absolute against the working directory); refuses what is not a non-empty regular file, and
   * what `opened` refuses, told the descriptor of the file actually opened (media-dirs.ts checkOpened).
   */
  static async open(path: string, opened?: (fd: number) => Promise<void>): Promise<FileSource> {
    const absolute = resolve(path);
    let handle: fs.FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO must not wait for a writer; it is then refused as not a regular file
      handle = await fs.open(absolute, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      throw openError(absolute, err as NodeJS.ErrnoException);
    }
    try {
      await opened?.(handle.fd);
      const stat = await handle.stat();
      if (!stat.isFile()) throw new MediaError(MediaErrorCode.NOT_A_FILE, absolute, `not a regular file (${fileType(stat)})`);
      if (stat.size === 0) throw new MediaError(MediaErrorCode.EMPTY_IMAGE, absolute, 'the file is empty (0 bytes)');
      return new FileSource(absolute, handle, stat);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async readAt(offset: number, length: number): Promise<Buffer> {
    checkReadRange(this, offset, length);
    if (this.closed) throw new MediaError(MediaErrorCode.CLOSED, this.location, 'read after the image was closed (ejected)');
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    // a positional read may return fewer bytes than asked (pread(2)): go on until all are in or the file ends
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new MediaError(MediaErrorCode.IMAGE_CHANGED, this.location, `the file ended at ${offset + done} bytes, it had ${this.size} when inserted`);
      }
      done += bytesRead;
    }
    return out;
  }

  /** The path still names the same file, unchanged: same device, inode, size and mtime. */
  async isCurrent(): Promise<boolean> {
    try {
      return identityOf(await fs.stat(this.location)) === this.identity;
    } catch {
      return false; // gone or unreadable now: a new insert reports why
    }
  }

  /** Waits for reads under way (FileHandle.close does), then closes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.handle.close();
  }
}

interface FileIdentity { dev: number; ino: number; size: number; mtimeMs: number }

/** Device and inode besides size and mtime: a file replaced by another of the same size within mtime's granularity is another image. */
function identityOf(stat: FileIdentity): string {
  return `${stat.dev}:${stat.ino}|${stat.size}|${stat.mtimeMs}`;
}

/** The MediaError for what the user got wrong; anything else (EMFILE, EIO) as it is. */
function openError(path: string, err: NodeJS.ErrnoException): Error {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
      return new MediaError(MediaErrorCode.NO_SUCH_FILE, path, 'no such file', { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new MediaError(MediaErrorCode.NO_ACCESS, path, 'permission denied', { cause: err });
    case 'ENXIO': // a FIFO with no writer, or a socket, opened O_NONBLOCK (open(2))
      return new MediaError(MediaErrorCode.NOT_A_FILE, path, 'not a regular file', { cause: err });
    default:
      return err;
  }
}

function fileType(stat: { isDirectory(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isFIFO()) return 'a FIFO';
  return stat.isSocket() ? 'a socket' : 'not a file';
}
