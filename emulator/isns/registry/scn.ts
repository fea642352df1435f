// State Change Notification — RFC 4171 §5.6.5.5 (SCNReg), §5.6.5.6 (SCNDereg), §5.6.5.7 (SCNEvent) and
// §5.6.5.8 (SCN), with the bitmap of §6.4.4. Pure: turns the store's recorded changes into SCN messages
// and says where each goes (the server does the sending).
//
// As open-isns isnsd does it (scn.c):
//   SCNReg   key: exactly one iSCSI Name; operating: exactly one iSCSI SCN Bitmap; the node's entity must
//            have a portal with an SCN Port, else 17 (SCN Registration Rejected); unknown node: 6.
//   SCNDereg key: one iSCSI Name; an unknown node is already deregistered (success); no delimiter back.
//   SCN      no Source attribute and no delimiter: Destination iSCSI Name, Timestamp, then per event the
//            SCN Bitmap and the iSCSI Name of the changed node (a management SCN adds the DD_ID).
//   Delivery to every portal of the recipient's entity that has an SCN Port (UDP or TCP per its bit, §6.3.6).
//   Regular SCNs only reach nodes that may see the changed node (§2.2.3); management registrations
//   (Control nodes) see everything. DD membership changes go to the members of that DD unmasked.
import { NodeType, ScnBitmap, Tag } from '../../../protocols/isns/attributes.js';
import { FunctionId } from '../../../protocols/isns/functions.js';
import { Flag } from '../../../protocols/isns/header.js';
import type { IsnsRequest } from '../../../protocols/isns/codec.js';
import { Status } from '../../../protocols/isns/status.js';
import { attr, type IsnsAttribute, type PortValue } from '../../../protocols/isns/tlv.js';
import type { NodeObj, RegistryStore, StoreEvent } from './model.js';

export interface ScnResult { status: number; key: IsnsAttribute[]; operating: IsnsAttribute[]; noDelimiter?: boolean }

const answer = (status: number, noDelimiter = false): ScnResult => ({ status, key: [], operating: [], ...(noDelimiter ? { noDelimiter } : {}) });
const isControl = (n: NodeObj) => (n.nodeType & NodeType.CONTROL) !== 0;

/** Where SCNs for a node can go: its entity's portals that registered an SCN Port. */
function scnPorts(n: NodeObj): Array<{ ip: string; port: PortValue }> {
  const out: Array<{ ip: string; port: PortValue }> = [];
  for (const p of n.entity.portals) {
    const sp = p.attrs.get(Tag.SCN_PORT) as PortValue | undefined;
    if (sp && typeof sp === 'object' && 'udp' in sp) out.push({ ip: p.ip, port: sp });
  }
  return out;
}

export function scnRegister(store: RegistryStore, source: NodeObj, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[]): ScnResult {
  if (key.length !== 1 || key[0].tag !== Tag.ISCSI_NAME || typeof key[0].value !== 'string' || operating.length !== 1) {
    return answer(Status.SCN_REGISTRATION_REJECTED);
  }
  const node = store.nodes.get(key[0].value);
  if (!node) return answer(Status.SOURCE_UNKNOWN);
  if (node !== source && !isControl(source)) return answer(Status.SOURCE_UNAUTHORIZED);
  const bitmap = operating[0];
  if (bitmap.tag !== Tag.ISCSI_SCN_BITMAP || typeof bitmap.value !== 'number') return answer(Status.SCN_REGISTRATION_REJECTED);
  // §6.4.4: only Control nodes may ask for management SCNs
  if ((bitmap.value & ScnBitmap.MANAGEMENT_REGISTRATION) !== 0 && !isControl(node)) return answer(Status.SCN_REGISTRATION_REJECTED);
  if (scnPorts(node).length === 0) return answer(Status.SCN_REGISTRATION_REJECTED);
  node.attrs.set(Tag.ISCSI_SCN_BITMAP, bitmap.value);
  store.noteScn(node);
  return answer(Status.SUCCESSFUL);
}

export function scnDeregister(store: RegistryStore, source: NodeObj, key: readonly IsnsAttribute[]): ScnResult {
  if (key.length !== 1 || key[0].tag !== Tag.ISCSI_NAME || typeof key[0].value !== 'string') return answer(Status.SCN_REGISTRATION_REJECTED, true);
  const node = store.nodes.get(key[0].value);
  if (!node) return answer(Status.SUCCESSFUL, true);
  if (node !== source && !isControl(source)) return answer(Status.SOURCE_UNAUTHORIZED, true);
  node.attrs.delete(Tag.ISCSI_SCN_BITMAP);
  store.noteScn(node);
  return answer(Status.SUCCESSFUL, true);
}

/**
 * SCNEvent (§5.6.5.7): a Control node asks the server to notify about an object. Key: the iSCSI Name
 * of the node the event is about; operating: the SCN Bitmap of the event. Other sources: 8.
 */
export function scnEvent(store: RegistryStore, source: NodeObj, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[]): ScnResult {
  if (!isControl(source)) return answer(Status.SOURCE_UNAUTHORIZED);
  const name = key.find((a) => a.tag === Tag.ISCSI_NAME)?.value;
  const bits = operating.find((a) => a.tag === Tag.ISCSI_SCN_BITMAP)?.value;
  if (typeof name !== 'string' || typeof bits !== 'number' || bits === 0) return answer(Status.SCN_EVENT_REJECTED);
  const node = store.nodes.get(name);
  if (!node) return answer(Status.SCN_EVENT_REJECTED);
  store.record({ bits, name, nodeType: node.nodeType });
  return answer(Status.SUCCESSFUL);
}

export interface ScnDelivery {
  /** The recipient node. */
  destination: string;
  /** Where to send it (every SCN port of the recipient's entity). */
  ports: Array<{ ip: string; port: PortValue }>;
  message: IsnsRequest;
}

/**
 * What one buildScns call looks up again and again, computed once: DD member sets, and per recipient the
 * names it shares an active DD with. Keeps a drain linear in recipients x events, whatever the DD sizes.
 */
class ScnLookups {
  private readonly members = new Map<number, Set<string>>();
  private readonly sees = new Map<NodeObj, (name: string) => boolean>();
  private readonly store: RegistryStore;

  constructor(store: RegistryStore) {
    this.store = store;
  }

  isMember(ddId: number, name: string): boolean {
    let m = this.members.get(ddId);
    if (!m) this.members.set(ddId, (m = new Set(this.store.dds.get(ddId)?.members ?? [])));
    return m.has(name);
  }

  sharesDd(recipient: NodeObj, name: string): boolean {
    let sees = this.sees.get(recipient);
    if (!sees) this.sees.set(recipient, (sees = this.store.seenBy(recipient)));
    return sees(name);
  }
}

/** The bits `recipient` gets for `ev`, 0 for none. */
function bitsFor(look: ScnLookups, recipient: NodeObj, mask: number, ev: StoreEvent): number {
  const management = (mask & ScnBitmap.MANAGEMENT_REGISTRATION) !== 0;
  const self = recipient.name === ev.name;
  if (ev.selfOnly && !self && !management) return 0;
  const membership = ev.ddId !== undefined;
  let bits: number;
  if (membership) {
    // membership events go to the DD's members unmasked (as isnsd does)
    bits = self || management || look.isMember(ev.ddId!, recipient.name) ? ev.bits : 0;
  } else {
    bits = ev.bits & mask;
  }
  if (bits === 0) return 0;
  if (management) return bits | ScnBitmap.MANAGEMENT_REGISTRATION;
  if (!self) {
    if ((mask & ScnBitmap.TARGET_AND_SELF_ONLY) && !(ev.nodeType & NodeType.TARGET)) return 0;
    if ((mask & ScnBitmap.INITIATOR_AND_SELF_ONLY) && !(ev.nodeType & NodeType.INITIATOR)) return 0;
    if (!membership && !look.sharesDd(recipient, ev.name)) return 0;
  }
  return bits;
}

/**
 * One SCN per recipient listing all of `events` it should hear about (§5.6.5.8 allows several events in
 * one message). `nowMs` becomes the Timestamp (seconds). Transaction IDs come from `nextTransaction`.
 */
export function buildScns(store: RegistryStore, events: readonly StoreEvent[], nowMs: number, nextTransaction: () => number): ScnDelivery[] {
  if (events.length === 0) return [];
  const look = new ScnLookups(store);
  const out: ScnDelivery[] = [];
  for (const recipient of store.scnNodes) {
    const mask = recipient.attrs.get(Tag.ISCSI_SCN_BITMAP);
    if (typeof mask !== 'number' || mask === 0) continue;
    const body: IsnsAttribute[] = [];
    for (const ev of events) {
      const bits = bitsFor(look, recipient, mask, ev);
      if (bits === 0) continue;
      body.push(attr(Tag.ISCSI_SCN_BITMAP, bits), attr(Tag.ISCSI_NAME, ev.name));
      if (ev.ddId !== undefined && (mask & ScnBitmap.MANAGEMENT_REGISTRATION)) body.push(attr(Tag.DD_ID, ev.ddId));
    }
    if (body.length === 0) continue;
    const ports = scnPorts(recipient);
    if (ports.length === 0) continue;
    out.push({
      destination: recipient.name,
      ports,
      message: {
        kind: 'request', functionId: FunctionId.SCN, transactionId: nextTransaction(), flags: Flag.SERVER,
        source: null, noDelimiter: true,
        key: [attr(Tag.ISCSI_NAME, recipient.name), attr(Tag.TIMESTAMP, BigInt(Math.floor(nowMs / 1000))), ...body],
        operating: [],
      },
    });
  }
  return out;
}
