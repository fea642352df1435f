// This project's vendor-specific iSCSI Node attributes — RFC 4171 §6.1 reserves tags 641-768 for
// vendor-specific iSCSI Node attributes; bmcfleet's emulated targets use three of them to publish
// their LUNs, so a provisioning client can see what a target holds without an iSCSI login.
//
// Any vendor may use tag 641, so every value opens with the project's OUI prefix, and a reader takes
// a tag 641-643 as a LUN attribute only when the prefix is bmcfleet's (another vendor's is left alone):
//   bytes 0-3  vendor word: 0x00, then the OUI 42-4D-46 ("BMF")
//   bytes 4-   the value, big-endian:
//     tag 641  LUN Number  u32  (value length 8)   the LUN, 0-16383 (SAM flat/peripheral addressing)
//     tag 642  LUN Size    u64  (value length 12)  capacity in bytes
//     tag 643  LUN State   u32  (value length 8)   LunState below
// 42-4D-46 is not an IEEE-assigned OUI: the U/L bit (0x02) of its first octet marks it locally
// administered, so it cannot collide with a vendor's registered OUI.
//
// They follow the iSCSI Name of their node in a registration or a query response, one group per LUN,
// each group opened by LUN Number (the same ordering rule §5.6.5.1 uses for Portal Group attributes):
//   iSCSI Name, ..., LUN Number 0, LUN Size, LUN State, LUN Number 1, LUN Size, LUN State, ...
// A group may omit Size or State (unknown); attributes before the first LUN Number are an error.
// In a query, a zero-length tag 641, 642 or 643 asks for the LUN groups.
import { DecodeError } from '../errors.js';
import { attr, type IsnsAttribute } from './tlv.js';

/** bmcfleet's OUI prefix (locally administered; see above). */
export const BMCFLEET_OUI = 0x424d46;

export const LunTag = {
  NUMBER: 641,
  SIZE: 642,
  STATE: 643,
} as const;

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

/** A tag this project uses for LUN attributes (whoever's OUI the value carries). */
export function isLunTag(tag: number): boolean {
  return tag === LunTag.NUMBER || tag === LunTag.SIZE || tag === LunTag.STATE;
}

/** Is `a` one of bmcfleet's LUN attributes: a LUN tag whose value opens with bmcfleet's OUI prefix? */
export function isBmcfleetLun(a: IsnsAttribute): boolean {
  const v = a.value;
  return isLunTag(a.tag) && v instanceof Uint8Array && v.length >= 4 && v[0] === 0 &&
    ((v[1] << 16) | (v[2] << 8) | v[3]) === BMCFLEET_OUI;
}

function prefixed(tag: number, payloadBytes: number, write: (b: Buffer) => void): IsnsAttribute {
  const b = Buffer.alloc(4 + payloadBytes);
  b.writeUInt32BE(BMCFLEET_OUI, 0);
  write(b);
  return attr(tag, b);
}

/** The attribute groups for `luns`, in order. */
export function lunAttributes(luns: readonly LunInfo[]): IsnsAttribute[] {
  const out: IsnsAttribute[] = [];
  for (const l of luns) {
    out.push(prefixed(LunTag.NUMBER, 4, (b) => b.writeUInt32BE(l.lun, 4)));
    const size = l.sizeBytes;
    if (size !== undefined) out.push(prefixed(LunTag.SIZE, 8, (b) => b.writeBigUInt64BE(size, 4)));
    const state = l.state;
    if (state !== undefined) out.push(prefixed(LunTag.STATE, 4, (b) => b.writeUInt32BE(state, 4)));
  }
  return out;
}

/**
 * bmcfleet's LUN groups among `attrs` (other tags, other vendors' values and zero-length attributes are
 * skipped). Throws ERR_LUN_ORDER for a Size/State before any LUN Number, ERR_LUN_LENGTH for a value of
 * the wrong length.
 */
export function parseLuns(attrs: readonly IsnsAttribute[]): LunInfo[] {
  const out: LunInfo[] = [];
  let current: LunInfo | null = null;
  attrs.forEach((a, i) => {
    if (!isBmcfleetLun(a)) return;
    const v = a.value as Uint8Array;
    const want = a.tag === LunTag.SIZE ? 12 : 8;
    if (v.length !== want) throw new DecodeError('isns', `attribute ${i}`, i, `tag ${a.tag} value is ${v.length} bytes, expected ${want}`, 'ERR_LUN_LENGTH');
    const view = new DataView(v.buffer, v.byteOffset, v.length);
    if (a.tag === LunTag.NUMBER) {
      current = { lun: view.getUint32(4) };
      out.push(current);
      return;
    }
    if (current === null) throw new DecodeError('isns', `attribute ${i}`, i, `tag ${a.tag} before any LUN Number`, 'ERR_LUN_ORDER');
    const c: LunInfo = current;
    if (a.tag === LunTag.SIZE) c.sizeBytes = view.getBigUint64(4);
    else c.state = view.getUint32(4);
  });
  return out;
}
