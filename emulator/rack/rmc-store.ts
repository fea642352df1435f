// Where an RMC keeps what must outlive it (README "Rack controllers in the emulator"): the image's bytes as they
// arrive, its signed manifest, and a small JSON state (rmc-state.ts). Under the fleet's stateDir, in rmcs/<ip>/
// (made 0700): image.bin, manifest.bin, state.json, each 0600, the JSON written atomically (temp file, then rename)
// so a crash leaves the previous state, never half a file. Without a stateDir the same lives in memory, which
// outlives a crash of the RMC (POST /rmcs/IP/crash) but not its process.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LogSink } from '../../runtime/log.js';
import { SAVED_RMC_VERSION, type RestoredRmc, type SavedRmc } from './rmc-state.js';

export interface RmcStore {
  /** What was kept, or null on a first start. */
  load(): RestoredRmc | null;
  /** A new image begins: keep its manifest, drop the bytes held. */
  beginImage(manifest: Uint8Array): void;
  /** Bytes at `offset`, which is always the end of those held. */
  append(offset: number, data: Uint8Array): void;
  discardImage(): void;
  save(state: SavedRmc): void;
  /** Deletes all that was kept (the RMC's rack was removed at run time). */
  remove(): void;
}

export class MemoryRmcStore implements RmcStore {
  private state: SavedRmc | null = null;
  private manifest: Uint8Array | null = null;
  private parts: Buffer[] = [];

  load(): RestoredRmc | null {
    if (!this.state) return null;
    const image = Buffer.concat(this.parts);
    this.parts = [image];
    return { state: structuredClone(this.state), manifest: this.manifest, image };
  }

  beginImage(manifest: Uint8Array): void {
    this.manifest = Buffer.from(manifest);
    this.parts = [];
  }

  append(_offset: number, data: Uint8Array): void {
    this.parts.push(Buffer.from(data));
  }

  discardImage(): void {
    this.manifest = null;
    this.parts = [];
  }

  /** Keeps `state` as it is: RackController.saved builds a snapshot of fresh objects that nothing changes later. */
  save(state: SavedRmc): void {
    this.state = state;
  }

  remove(): void {
    this.state = null;
    this.discardImage();
  }
}

const FILE_MODE = 0o600;

export class FileRmcStore implements RmcStore {
  readonly dir: string;
  /** Called with one line when a state file cannot be read back (it is moved aside, and the RMC starts afresh). */
  private readonly log: LogSink;

  /** `stateDir`: the fleet's; the RMC's files go in stateDir/rmcs/<ip>. */
  constructor(stateDir: string, ip: string, log: LogSink = () => {}) {
    this.dir = join(stateDir, 'rmcs', ip);
    this.log = log;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  load(): RestoredRmc | null {
    const text = readIfThere(this.path('state.json'));
    if (text === null) return null;
    let state: SavedRmc;
    try {
      state = JSON.parse(text.toString('utf8')) as SavedRmc;
    } catch {
      return this.moveAside('not JSON');
    }
    // another version's state (its saved Prepare in another layout) is not read as this one's
    if (state.version !== SAVED_RMC_VERSION) return this.moveAside(`version ${String(state.version)}, this bmcfleet keeps ${SAVED_RMC_VERSION}`);
    return { state, manifest: readIfThere(this.path('manifest.bin')), image: readIfThere(this.path('image.bin')) ?? Buffer.alloc(0) };
  }

  private moveAside(why: string): null {
    const moved = `${this.path('state.json')}.bad-${Date.now()}`;
    renameSync(this.path('state.json'), moved);
    this.log(`RMC state ${moved}: ${why}; moved aside, the RMC starts afresh`, 'warn');
    return null;
  }

  beginImage(manifest: Uint8Array): void {
    writeFileSync(this.path('manifest.bin'), manifest, { mode: FILE_MODE });
    writeFileSync(this.path('image.bin'), new Uint8Array(0), { mode: FILE_MODE });
  }

  append(offset: number, data: Uint8Array): void {
    const fd = openSync(this.path('image.bin'), 'r+');
    try {
      writeSync(fd, data, 0, data.length, offset);
    } finally {
      closeSync(fd);
    }
  }

  discardImage(): void {
    rmSync(this.path('image.bin'), { force: true });
    rmSync(this.path('manifest.bin'), { force: true });
  }

  save(state: SavedRmc): void {
    const target = this.path('state.json');
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state), { mode: FILE_MODE });
    renameSync(tmp, target);
  }
}

function readIfThere(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
