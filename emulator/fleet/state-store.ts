// A fleet's state directory: one JSON file per BMC (named by its address), written atomically (temp file, then
// rename) so a crash leaves the previous state, never half a file. The files hold the BMCs' passwords: they are
// readable by their owner only (0600), and so is a directory the fleet makes (0700). A file that cannot be read back
// is moved aside (quarantined) so that its BMC starts from its defaults and the rest of the fleet starts.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Makes `dir` (and its parents) readable by its owner only when it does not exist; leaves an existing one as it is. */
export function makeStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export class StateStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    makeStateDir(dir);
  }

  private file(ip: string): string {
    return join(this.dir, `bmc-${ip}.json`);
  }

  /** The saved JSON of `ip`, null if none; throws SyntaxError (with the file named) if it is not JSON. */
  load(ip: string): unknown {
    const file = this.file(ip);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    // Files an older version wrote readable by all (0644) are closed at once, not at their next change.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new SyntaxError(`${file}: ${(err as Error).message}`);
    }
  }

  /** Writes `json` (a serialised BmcState) for `ip`, readable by the owner only. */
  save(ip: string, json: string): void {
    const target = this.file(ip);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, json, { mode: 0o600 });
    renameSync(tmp, target);
  }

  /** Deletes the state file of `ip` (its BMC was removed), if there is one. */
  remove(ip: string): void {
    rmSync(this.file(ip), { force: true });
  }

  /** Moves the state file of `ip` aside, to bmc-IP.json.bad-TIME (`now` in ms), and returns that file's name. */
  quarantine(ip: string, now: number): string {
    const moved = `${this.file(ip)}.bad-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    renameSync(this.file(ip), moved);
    return basename(moved);
  }
}
