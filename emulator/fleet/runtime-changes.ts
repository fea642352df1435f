// The fleet's run-time changes (the control API's POST /bmcs, POST /racks, DELETE /bmcs/IP, DELETE /racks/NAME):
// each body checked as a fleet file's rack entry is, then made by the supervisor. With a state directory they are
// written, in order, to STATE_DIR/fleet-changes.json, and the next start of the fleet makes them again (a change that
// no longer fits, e.g. the fleet file now has a rack on its addresses, is logged and dropped from the file).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consecutiveAddresses } from '../../runtime/ipv4.js';
import type { LogSink } from '../../runtime/log.js';
import { ControlError } from './control-error.js';
import { FleetFileError, rackEntry } from './fleet-config.js';
import type { FleetChanges } from './control/route.js';
import type { Supervisor } from './supervisor.js';
import { CHANGES_FILE, COMPACT_AFTER, compactChanges, type FleetChange, type MadeChange } from './fleet-changes-file.js';
import { plural } from '../../runtime/plural.js';

export { CHANGES_FILE, type FleetChange } from './fleet-changes-file.js';

/** What POST /bmcs and POST /racks answer. */
export interface Added { rack: string; bmcs: string[]; rmc: string | null; shard: number; positions: [number, number] }

export class RuntimeChanges implements FleetChanges {
  private readonly supervisor: Supervisor;
  /** STATE_DIR/fleet-changes.json, or null without a state directory. */
  readonly file: string | null;
  private made: MadeChange[] = [];

  constructor(supervisor: Supervisor) {
    this.supervisor = supervisor;
    const { stateDir } = supervisor.config;
    this.file = stateDir ? join(stateDir, CHANGES_FILE) : null;
  }

  /** BMCs on consecutive addresses, a rack entry without `rmc` (or {"address": IP} for one): 400 naming the field. */
  addBmcs(body: Record<string, unknown>): Promise<Added> {
    return this.make({ op: 'add-bmcs', body });
  }

  /** A rack entry as the fleet file has it, its RMC included. */
  addRack(body: Record<string, unknown>): Promise<Added> {
    return this.make({ op: 'add-rack', body });
  }

  async removeBmc(ip: string): Promise<{ removed: string }> {
    await this.make({ op: 'remove-bmc', ip });
    return { removed: ip };
  }

  removeRack(name: string): Promise<{ removed: string; bmcs: string[]; rmc: string | null }> {
    return this.make({ op: 'remove-rack', name });
  }

  /** Makes the changes the state directory kept from the fleet's last run; `log` names each that no longer fits. */
  async restore(log: LogSink): Promise<void> {
    if (!this.file) return;
    let kept: FleetChange[];
    try {
      kept = JSON.parse(readFileSync(this.file, 'utf8')) as FleetChange[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`${this.file}: ${(err as Error).message}`);
    }
    if (kept.length > 0) log(`${this.file}: making again the ${plural(kept.length, 'change')} made at run time before (BMCs and racks added or removed with the control API)`);
    for (const change of kept) {
      try {
        await this.make(change);
      } catch (err) {
        if (!(err instanceof ControlError)) throw err;
        log(`${this.file}: ${describe(change)} not made again (${err.message}): dropped`, 'warn');
      }
    }
    this.save(); // without those dropped
  }

  private async make(change: FleetChange & { op: 'add-bmcs' | 'add-rack' }): Promise<Added>;
  private async make(change: FleetChange & { op: 'remove-bmc' }): Promise<void>;
  private async make(change: FleetChange & { op: 'remove-rack' }): Promise<{ removed: string; bmcs: string[]; rmc: string | null }>;
  private async make(change: FleetChange): Promise<unknown>;
  private async make(change: FleetChange): Promise<unknown> {
    let answer: unknown;
    let added: MadeChange['added'];
    switch (change.op) {
      case 'add-bmcs': case 'add-rack': {
        const where = change.op === 'add-bmcs' ? 'POST /bmcs' : 'POST /racks';
        const rack = checked(() => rackEntry(entryOf(change.body, change.op === 'add-rack'), where, this.supervisor.config));
        added = { rack: rack.name, bmcs: consecutiveAddresses(rack.firstIp, rack.count), rmc: rack.rmc?.ip ?? null };
        if (change.removed) {
          await this.supervisor.reserve(rack);
          break;
        }
        const placed = await this.supervisor.add(rack);
        answer = { ...added, shard: placed.shard, positions: [placed.from, placed.to] } satisfies Added;
        break;
      }
      case 'remove-bmc':
        await this.supervisor.removeBmc(change.ip);
        break;
      case 'remove-rack':
        answer = { removed: change.name, ...await this.supervisor.removeRack(change.name) };
        break;
    }
    this.made.push({ change, added });
    this.save();
    return answer;
  }

  /**
   * Writes the changes made so far, whole (temp file, then rename: never half a file); past COMPACT_AFTER of them,
   * compacted first (fleet-changes-file.ts), so a fleet whose BMCs come and go keeps a file the size of what it runs.
   */
  private save(): void {
    if (!this.file) return;
    if (this.made.length > COMPACT_AFTER) this.made = compactChanges(this.made);
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.made.map((m) => m.change), null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** `read()`, the fleet file's mistakes in it a 400 naming each field. */
function checked<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FleetFileError) throw new ControlError(400, err.message);
    throw err;
  }
}

/** The rack entry of a POST /bmcs or POST /racks body: {"address": IP} is one BMC; POST /bmcs takes no `rmc`. */
function entryOf(body: Record<string, unknown>, rack: boolean): Record<string, unknown> {
  if (!rack && body.rmc !== undefined) throw new ControlError(400, 'body.rmc: a rack with an RMC is added with POST /racks');
  if (body.address === undefined) return body;
  const { address, ...rest } = body;
  if (rest.firstIp !== undefined || rest.bmcs !== undefined) throw new ControlError(400, 'body.address: give "address" (one BMC) or "firstIp" and "bmcs", not both');
  return { ...rest, firstIp: address, bmcs: 1 };
}

function describe(change: FleetChange): string {
  switch (change.op) {
    case 'add-bmcs': case 'add-rack': return `${change.op === 'add-bmcs' ? 'POST /bmcs' : 'POST /racks'} ${JSON.stringify(change.body)}`;
    case 'remove-bmc': return `DELETE /bmcs/${change.ip}`;
    case 'remove-rack': return `DELETE /racks/${change.name}`;
  }
}
