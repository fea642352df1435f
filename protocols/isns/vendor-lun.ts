// This project's vendor-specific iSCSI Node attributes — RFC 4171 §6.1 reserves tags 641-768 for
// vendor-specific iSCSI Node attributes; bmcfleet's emulated targets use three of them to publish
// their LUNs, so a provisioning client can see what a target holds without an iSCSI login.
//
//   tag 641  LUN Number  u32  (4 bytes)  the LUN, 0-16383 (SAM flat/peripheral addressing)
//   tag 642  LUN Size    u64  (8 bytes)  capacity in bytes
//   tag 643  LUN State   u32  (4 bytes)  LunState below
//
// They follow the iSCSI Name of their node in a registration or a query response, one group per LUN,
// each group opened by LUN Number (the same ordering rule §5.6.5.1 uses for Portal Group attributes):
//   iSCSI Name, ..., LUN Number 0, LUN Size, LUN State, LUN Number 1, LUN Size, LUN State, ...
// A group may omit Size or State (unknown); attributes before the first LUN Number are an error.
// Other servers (isnsd) treat them as unknown vendor tags.
import { DecodeError } from '../errors.js';
import { Tag } from './attributes.js';
import { attr, type IsnsAttribute } from './tlv.js';

export const LunState = {
  UNKNOWN: 0,
  ONLINE: 1,
  OFFLINE: 2,
  /** Media present but changing (being written by a provisioning flow). */
  BUSY: 3,
} as const;

export interface LunInfo {
  lun: number;
  /** Bytes; undefined when the group omits LUN Size. */
  sizeBytes?: bigint;
  state?: number;
}

export function isLunTag(tag: number): boolean {
  return tag === Tag.LUN_NUMBER || tag === Tag.LUN_SIZE || tag === Tag.LUN_STATE;
}

/** The attribute groups for `luns`, in order. */
export function lunAttributes(luns: readonly LunInfo[]): IsnsAttribute[] {
  const out: IsnsAttribute[] = [];
  for (const l of luns) {
    out.push(attr(Tag.LUN_NUMBER, l.lun));
    if (l.sizeBytes !== undefined) out.push(attr(Tag.LUN_SIZE, l.sizeBytes));
    if (l.state !== undefined) out.push(attr(Tag.LUN_STATE, l.state));
  }
  return out;
}

/**
 * The LUN groups among `attrs` (other tags are skipped; zero-length LUN attributes, as in a query's
 * operating attributes, are skipped too). Throws ERR_LUN_ORDER for a Size/State before any LUN Number.
 */
export function parseLuns(attrs: readonly IsnsAttribute[]): LunInfo[] {
  const out: LunInfo[] = [];
  let current: LunInfo | null = null;
  attrs.forEach((a, i) => {
    if (!isLunTag(a.tag) || a.value === null) return;
    if (a.tag === Tag.LUN_NUMBER) {
      current = { lun: a.value as number };
      out.push(current);
      return;
    }
    if (current === null) throw new DecodeError('isns', `attribute ${i}`, i, `tag ${a.tag} before any LUN Number`, 'ERR_LUN_ORDER');
    const c: LunInfo = current;
    if (a.tag === Tag.LUN_SIZE) c.sizeBytes = a.value as bigint;
    else c.state = a.value as number;
  });
  return out;
}
