// bmcfleet OEM command "Get Hardware Inventory": netFn 2Eh (OEM/Group, IPMI 2.0 §5.1: request and response
// data start with the 3-byte IANA enterprise number, least significant byte first), command 01h.
//
// Request:  IANA(3) selector(1) index(1)
// Response: IANA(3) count(1) record...      count = how many items of `selector` exist; the record is item
//           `index` (selector 0, the summary, has one item, index 0). Numbers little-endian; a string is a
//           length byte then UTF-8, cut to at most 48 bytes, so the longest response stays under 170 bytes.
//   selector 0 summary: cpus(1) memoryModules(1) disks(1) nics(1) memoryGiB(u16) vendor(s) product(s) serial(s)
//   selector 1 CPU:     cores(u16) threads(u16) mhz(u16) model(s)
//   selector 2 memory:  sizeGiB(u16) mhz(u16) slot(s) type(s)
//   selector 3 disk:    sizeGB(u32) slot(s) model(s) serial(s)
//   selector 4 NIC:     speedMbps(u32) mac(6) name(s) model(s)
// Completion codes: CCh bad selector or request length other than 5 (C7h), C9h index out of range,
// C1h another IANA (not our command).
import { DecodeError, requireBytes } from '../../errors.js';
import type { IpmiCommand } from '../commands/command.js';
import { formatMac, parseMac } from '../mac.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import { FieldReader, FieldWriter, OEM_PROTOCOL as PROTO, expectLength } from './fields.js';
import { BMCFLEET_IANA_BYTES, expectBmcfleetIana } from './iana.js';

export const BmcfleetOemCommand = { GET_HARDWARE_INVENTORY: 0x01 } as const;
export const InventorySelector = { SUMMARY: 0, CPU: 1, MEMORY: 2, DISK: 3, NIC: 4 } as const;

export const MAX_STRING_BYTES = 48;

export interface InventorySummary { cpus: number; memoryModules: number; disks: number; nics: number; memoryGiB: number; vendor: string; product: string; serial: string }
export interface InventoryCpu { cores: number; threads: number; mhz: number; model: string }
export interface InventoryMemory { sizeGiB: number; mhz: number; slot: string; type: string }
export interface InventoryDisk { sizeGB: number; slot: string; model: string; serial: string }
export interface InventoryNic { speedMbps: number; mac: string; name: string; model: string }

export type InventoryRecord =
  | { selector: 0; item: InventorySummary }
  | { selector: 1; item: InventoryCpu }
  | { selector: 2; item: InventoryMemory }
  | { selector: 3; item: InventoryDisk }
  | { selector: 4; item: InventoryNic };

export interface InventoryRequest { selector: number; index: number }
export interface InventoryResponse { count: number; record: InventoryRecord }

export function encodeInventoryRequest(r: InventoryRequest): Buffer {
  return new FieldWriter(5).raw(BMCFLEET_IANA_BYTES).u8(r.selector, 'selector').u8(r.index, 'index').done();
}

/** The request after the IANA has been checked by the caller. */
export function decodeInventoryRequest(data: Uint8Array): InventoryRequest {
  requireBytes(data, 3, 2, PROTO, 'selector/index');
  expectLength(data, 5);
  return { selector: data[3], index: data[4] };
}

/** Throws a RangeError naming the field when a number does not fit it: callers clamp, if they must, themselves. */
export function encodeInventoryResponse(r: InventoryResponse): Buffer {
  const w = new FieldWriter(170).raw(BMCFLEET_IANA_BYTES).u8(r.count, 'count');
  const str = (s: string) => w.str(s, MAX_STRING_BYTES);
  switch (r.record.selector) {
    case 0: {
      const s = r.record.item;
      w.u8(s.cpus, 'cpus').u8(s.memoryModules, 'memoryModules').u8(s.disks, 'disks').u8(s.nics, 'nics').u16(s.memoryGiB, 'memoryGiB');
      str(s.vendor); str(s.product); str(s.serial);
      break;
    }
    case 1: { const c = r.record.item; w.u16(c.cores, 'cores').u16(c.threads, 'threads').u16(c.mhz, 'mhz'); str(c.model); break; }
    case 2: { const m = r.record.item; w.u16(m.sizeGiB, 'sizeGiB').u16(m.mhz, 'mhz'); str(m.slot); str(m.type); break; }
    case 3: { const d = r.record.item; w.u32(d.sizeGB, 'sizeGB'); str(d.slot); str(d.model); str(d.serial); break; }
    case 4: { const n = r.record.item; w.u32(n.speedMbps, 'speedMbps').raw(parseMac(n.mac, 'mac')); str(n.name); str(n.model); break; }
  }
  return w.done();
}

/** Decodes a response to a request for `selector` (the response does not repeat it). */
export function decodeInventoryResponse(data: Uint8Array, selector: number): InventoryResponse {
  expectBmcfleetIana(data);
  const r = new FieldReader(data, 3);
  const count = r.u8('count');
  let record: InventoryRecord;
  switch (selector) {
    case 0: record = { selector, item: { cpus: r.u8('cpus'), memoryModules: r.u8('memoryModules'), disks: r.u8('disks'), nics: r.u8('nics'), memoryGiB: r.u16('memoryGiB'), vendor: r.str('vendor'), product: r.str('product'), serial: r.str('serial') } }; break;
    case 1: record = { selector, item: { cores: r.u16('cores'), threads: r.u16('threads'), mhz: r.u16('mhz'), model: r.str('model') } }; break;
    case 2: record = { selector, item: { sizeGiB: r.u16('sizeGiB'), mhz: r.u16('mhz'), slot: r.str('slot'), type: r.str('type') } }; break;
    case 3: record = { selector, item: { sizeGB: r.u32('sizeGB'), slot: r.str('slot'), model: r.str('model'), serial: r.str('serial') } }; break;
    case 4: record = { selector, item: { speedMbps: r.u32('speedMbps'), mac: formatMac(r.raw(6, 'mac')), name: r.str('name'), model: r.str('model') } }; break;
    default: throw new DecodeError(PROTO, 'selector', 0, `unknown selector ${selector}`, 'ERR_SELECTOR');
  }
  r.end('record');
  return { count, record };
}

/** The command as both sides use it; the response is read by the request's selector. */
export const GetHardwareInventory: IpmiCommand<InventoryRequest, InventoryResponse> = {
  name: 'bmcfleet Get Hardware Inventory', netFn: NetFn.OEM_GROUP, cmd: BmcfleetOemCommand.GET_HARDWARE_INVENTORY, privilege: Privilege.USER,
  encodeRequest: encodeInventoryRequest,
  decodeRequest(data) {
    expectBmcfleetIana(data);
    return decodeInventoryRequest(data);
  },
  encodeResponse: encodeInventoryResponse,
  decodeResponse: (data, req) => decodeInventoryResponse(data, req.selector),
};
