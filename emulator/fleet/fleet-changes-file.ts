// What STATE_DIR/fleet-changes.json holds, the fleet's run-time changes in order, and its compaction: an addition
// whose BMCs (and RMC) were all removed since leaves only its numbers, and the removals that emptied it go. The numbers
// stay given out (the addition is kept, marked `removed`, and made again as positions already removed), so every
// later BMC keeps its number, and with it its MAC, GUID, serials and state file, as the README promises.

/** The file in the state directory. */
export const CHANGES_FILE = 'fleet-changes.json';

/** Past this many changes, the file is compacted before it is written. */
export const COMPACT_AFTER = 256;

/**
 * One change as the file keeps it: a body as it was given (checked again when made again), or what was removed. An
 * addition marked `removed` was compacted: its BMCs were all removed since, so it is made again as numbers only.
 */
export type FleetChange =
  | { op: 'add-bmcs' | 'add-rack'; body: Record<string, unknown>; removed?: true }
  | { op: 'remove-bmc'; ip: string }
  | { op: 'remove-rack'; name: string };

/** A change as it was made: for an addition, the rack it became (its name may have been a default) and its addresses. */
export interface MadeChange {
  change: FleetChange;
  added?: { rack: string; bmcs: string[]; rmc: string | null };
}

/** `made` without the removals of additions that are empty now, and those additions marked `removed`; order kept. */
export function compactChanges(made: readonly MadeChange[]): MadeChange[] {
  /** Per addition (by index in `made`): its BMCs still served, whether its RMC is, and the removals made to it. */
  const additions = new Map<number, { live: Set<string>; rmc: boolean; removals: number[] }>();
  const bmcOwner = new Map<string, number>();
  const rackOwner = new Map<string, number>();
  const emptied = new Set<number>();
  const dropped = new Set<number>();
  const release = (i: number) => {
    const a = additions.get(i)!;
    if (a.live.size > 0 || a.rmc) return;
    emptied.add(i);
    for (const r of a.removals) dropped.add(r);
    rackOwner.delete(made[i].added!.rack);
  };
  made.forEach(({ change, added }, i) => {
    switch (change.op) {
      case 'add-bmcs': case 'add-rack':
        if (change.removed || !added) return; // compacted before: nothing of it runs
        additions.set(i, { live: new Set(added.bmcs), rmc: added.rmc !== null, removals: [] });
        for (const ip of added.bmcs) bmcOwner.set(ip, i);
        rackOwner.set(added.rack, i);
        return;
      case 'remove-bmc': {
        const owner = bmcOwner.get(change.ip);
        if (owner === undefined) return; // a BMC of the fleet file: kept
        bmcOwner.delete(change.ip);
        const a = additions.get(owner)!;
        a.live.delete(change.ip);
        a.removals.push(i);
        release(owner);
        return;
      }
      case 'remove-rack': {
        const owner = rackOwner.get(change.name);
        if (owner === undefined) return;
        const a = additions.get(owner)!;
        for (const ip of a.live) bmcOwner.delete(ip);
        a.live.clear();
        a.rmc = false;
        a.removals.push(i);
        release(owner);
        return;
      }
    }
  });
  return made.flatMap((m, i) => {
    if (dropped.has(i)) return [];
    if (!emptied.has(i) || m.change.op === 'remove-bmc' || m.change.op === 'remove-rack') return [m];
    return [{ change: { ...m.change, removed: true as const }, added: m.added }];
  });
}
