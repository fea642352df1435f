// A fleet's state directory: one JSON file per BMC (named by its address), written atomically (temp file,
// then rename) so a crash leaves the previous state, never half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BmcState } from '../bmc/persistent-state.js';

export class StateStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  private file(ip: string): string {
    return join(this.dir, `bmc-${ip}.json`);
  }

  /** The saved state of `ip`, null if none; throws (with the file named) if the file is unreadable JSON. */
  load(ip: string): BmcState | null {
    let text: string;
    try {
      text = readFileSync(this.file(ip), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return JSON.parse(text) as BmcState;
    } catch (err) {
      throw new Error(`${this.file(ip)}: ${(err as Error).message}`);
    }
  }

  /** Writes `json` (a serialised BmcState) for `ip`. */
  save(ip: string, json: string): void {
    const target = this.file(ip);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, json);
    renameSync(tmp, target);
  }
}
