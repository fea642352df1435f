// Discovery Domain Sets — RFC 4171 §5.6.5.11 (DDSReg), §5.6.5.12 (DDSDereg), attributes §6.11.1.
// isnsd answers both with 15 (Message Not Supported); we keep them:
//   DDSReg   key: DD_Set ID (absent = a new set); operating: DD_Set Sym Name, DD_Set Status, DD_ID members.
//            Answer: the key, delimiter, the set as it now is (ID, name, status, member DD_IDs).
//   DDSDereg key: DD_Set ID; operating DD_IDs leave the set, none = the set goes. Unknown set: 9.
// DD_Set Status bit 31 (value 1) enables the set; a new set without it is disabled. A DD in sets is active
// only while one of them is enabled (§2.2.2; RegistryStore.activeDdIds); when a change here activates or
// deactivates a DD, each member is told about itself with an SCN (DD/DDS Member Added or Removed, with the
// DD_ID for management registrations) and can query again for what it now sees.
import { ScnBitmap, Tag } from '../../../protocols/isns/attributes.js';
import { Status } from '../../../protocols/isns/status.js';
import { attr, type IsnsAttribute } from '../../../protocols/isns/tlv.js';
import { memberEvent } from './dereg.js';
import type { DdsObj, RegistryStore } from './model.js';

export interface DdsResult { status: number; key: IsnsAttribute[]; operating: IsnsAttribute[] }

const done = (status: number, operating: IsnsAttribute[] = [], key: IsnsAttribute[] = []): DdsResult => ({ status, key, operating });

/**
 * Runs `change`, then tells each member of each DD in `ddIds` whose active state it flipped, about itself
 * (one event a member, not one per pair of members: a DD of N members costs N events, not N squared).
 */
function noticingActivation(store: RegistryStore, ddIds: readonly number[], change: () => void): void {
  const before = store.activeDdIds();
  change();
  const after = store.activeDdIds();
  for (const id of new Set(ddIds)) {
    const dd = store.dds.get(id);
    if (!dd || before.has(id) === after.has(id)) continue;
    const bits = after.has(id) ? ScnBitmap.DD_DDS_MEMBER_ADDED : ScnBitmap.DD_DDS_MEMBER_REMOVED;
    for (const m of dd.members) memberEvent(store, bits, m, id, true);
  }
}

function ddsAttrs(s: DdsObj): IsnsAttribute[] {
  const out: IsnsAttribute[] = [attr(Tag.DD_SET_ID, s.id)];
  if (s.name !== null) out.push(attr(Tag.DD_SET_SYMBOLIC_NAME, s.name));
  out.push(attr(Tag.DD_SET_STATUS, s.status));
  for (const id of s.ddIds) out.push(attr(Tag.DD_ID, id));
  return out;
}

export function registerDds(store: RegistryStore, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[], maxSets: number): DdsResult {
  const keyId = key.find((a) => a.tag === Tag.DD_SET_ID && a.value !== null)?.value as number | undefined;
  const set = keyId !== undefined ? store.ddsets.get(keyId) : undefined;
  let name: string | undefined;
  let status: number | undefined;
  const members: number[] = [];
  for (const a of operating) {
    if (a.value === null) continue;
    if (a.tag === Tag.DD_SET_SYMBOLIC_NAME && typeof a.value === 'string') name = a.value;
    else if (a.tag === Tag.DD_SET_STATUS && typeof a.value === 'number') status = a.value;
    else if (a.tag === Tag.DD_ID && typeof a.value === 'number') {
      if (!store.dds.has(a.value)) return done(Status.INVALID_REGISTRATION);
      members.push(a.value);
    } else if (a.tag !== Tag.DD_SET_ID) return done(Status.INVALID_REGISTRATION);
  }
  if (name !== undefined && [...store.ddsets.values()].some((s) => s.name === name && s !== set)) return done(Status.INVALID_REGISTRATION);
  if (!set && store.ddsets.size >= maxSets) return done(Status.INTERNAL_ERROR);
  let id = set?.id ?? keyId;
  if (id === undefined) for (id = 1; store.ddsets.has(id); id++);
  const s: DdsObj = set ?? { id, name: null, status: 0, ddIds: [] };
  noticingActivation(store, [...s.ddIds, ...members], () => {
    store.ddsets.set(s.id, s);
    if (name !== undefined) s.name = name;
    if (status !== undefined) s.status = status;
    for (const m of members) if (!s.ddIds.includes(m)) s.ddIds.push(m);
  });
  return done(Status.SUCCESSFUL, ddsAttrs(s), [attr(Tag.DD_SET_ID, s.id)]);
}

export function deregisterDds(store: RegistryStore, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[]): DdsResult {
  const id = key.find((a) => a.tag === Tag.DD_SET_ID && a.value !== null)?.value as number | undefined;
  if (id === undefined) return done(Status.INVALID_DEREGISTRATION);
  const set = store.ddsets.get(id);
  if (!set) return done(Status.NO_SUCH_ENTRY);
  const leaving: number[] = [];
  for (const a of operating) {
    if (a.value === null) continue;
    if (a.tag === Tag.DD_ID && typeof a.value === 'number') leaving.push(a.value);
    else return done(Status.INVALID_DEREGISTRATION);
  }
  noticingActivation(store, set.ddIds, () => {
    if (leaving.length === 0) store.ddsets.delete(id);
    else set.ddIds = set.ddIds.filter((d) => !leaving.includes(d));
  });
  return done(Status.SUCCESSFUL);
}
