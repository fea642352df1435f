// USB/IP operation messages (the phase before import) — Linux Documentation/usb/usbip_protocol.rst, "OP_REQ_DEVLIST"
// to "OP_REP_IMPORT", with the structs of tools/usb/usbip/libsrc/usbip_common.h. Every field is big-endian.
//
//   common header (8)   version u16 (0x0111), code u16, status u32
//   OP_REQ_DEVLIST      header only
//   OP_REP_DEVLIST      header, ndev u32, then per device a 312-byte usbip_usb_device + bNumInterfaces x 4 bytes
//   OP_REQ_IMPORT       header, busid[32]
//   OP_REP_IMPORT       header; when status = 0, the 312-byte usbip_usb_device (no interface records)
//
// usbip_usb_device: path[256], busid[32], busnum u32, devnum u32, speed u32, idVendor u16, idProduct u16,
// bcdDevice u16, bDeviceClass, bDeviceSubClass, bDeviceProtocol, bConfigurationValue, bNumConfigurations,
// bNumInterfaces (u8 each). usbip_usb_interface: bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol, padding.
import { DecodeError, requireBytes } from '../errors.js';

/** The USB/IP TCP port (tools/usb/usbip/src/usbip_network.c usbip_port). */
export const USBIP_PORT = 3240;

const P = 'usbip';

export const USBIP_VERSION = 0x0111;
export const OP_HEADER_LENGTH = 8;
export const PATH_LENGTH = 256;
export const BUSID_LENGTH = 32;
export const DEVICE_LENGTH = 312;
export const INTERFACE_LENGTH = 4;
export const IMPORT_REQUEST_LENGTH = OP_HEADER_LENGTH + BUSID_LENGTH;
export const IMPORT_REPLY_LENGTH = OP_HEADER_LENGTH + DEVICE_LENGTH;
/** Header and ndev: the part of OP_REP_DEVLIST before the first device. */
export const DEVLIST_REPLY_FIXED = OP_HEADER_LENGTH + 4;

/** The `code` field (usbip_protocol.rst): requests have bit 15 set. */
export const OpCode = {
  reqDevlist: 0x8005,
  repDevlist: 0x0005,
  reqImport: 0x8003,
  repImport: 0x0003,
} as const;

/** The `status` field of OP_REP_* (usbip_common.h ST_*); usbipd answers an import of an unknown busid ST_NODEV, of one in use ST_DEV_BUSY. */
export const OpStatus = {
  ok: 0x00,
  /** Device requested for import is not available. */
  na: 0x01,
  devBusy: 0x02,
  devErr: 0x03,
  noDev: 0x04,
  error: 0x05,
} as const;

/** enum usb_device_speed (include/uapi/linux/usb/ch9.h), the `speed` field. */
export const UsbSpeed = { unknown: 0, low: 1, full: 2, high: 3, wireless: 4, super: 5, superPlus: 6 } as const;

export interface UsbipDevice {
  /** sysfs path of the device on the exporting host. */
  path: string;
  busid: string;
  busnum: number;
  devnum: number;
  speed: number;
  idVendor: number;
  idProduct: number;
  bcdDevice: number;
  deviceClass: number;
  deviceSubClass: number;
  deviceProtocol: number;
  configurationValue: number;
  numConfigurations: number;
  numInterfaces: number;
}

export interface UsbipInterface {
  interfaceClass: number;
  interfaceSubClass: number;
  interfaceProtocol: number;
}

/** One entry of OP_REP_DEVLIST: the device and its numInterfaces interface records. */
export interface ExportedDevice {
  device: UsbipDevice;
  interfaces: UsbipInterface[];
}

export type OpRequest =
  | { kind: 'devlist-request'; status: number }
  | { kind: 'import-request'; status: number; busid: string };

export type OpReply =
  | { kind: 'devlist-reply'; status: number; devices: ExportedDevice[] }
  | { kind: 'import-reply'; status: number; device: UsbipDevice | null };

export interface OpHeader { version: number; code: number; status: number }

export function decodeOpHeader(buf: Uint8Array, offset = 0): OpHeader {
  requireBytes(buf, offset, OP_HEADER_LENGTH, P, 'op header');
  const v = new DataView(buf.buffer, buf.byteOffset + offset, OP_HEADER_LENGTH);
  const version = v.getUint16(0);
  // usbip_net_recv_op_common: "USBIP Kernel and tool version mismatch"; the other side closes
  if (version !== USBIP_VERSION) throw new DecodeError(P, 'version', offset, `0x${version.toString(16)}, not 0x0111`, 'ERR_VERSION');
  return { version, code: v.getUint16(2), status: v.getUint32(4) };
}

function writeOpHeader(out: Buffer, code: number, status: number): void {
  out.writeUInt16BE(USBIP_VERSION, 0);
  out.writeUInt16BE(code, 2);
  out.writeUInt32BE(status, 4);
}

/** A NUL-padded char[] field: the bytes before the first NUL (all of them when there is none), one character per byte. */
function readCString(buf: Uint8Array, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return Buffer.from(field.buffer, field.byteOffset, end === -1 ? length : end).toString('latin1');
}

function writeCString(out: Buffer, offset: number, length: number, text: string, field: string): void {
  const n = Buffer.byteLength(text, 'latin1');
  if (n > length || /[^\x01-\xff]/.test(text)) throw new RangeError(`usbip: ${field} ${JSON.stringify(text)} does not fit char[${length}]`);
  out.fill(0, offset, offset + length);
  out.write(text, offset, 'latin1');
}

export function decodeDevice(buf: Uint8Array, offset = 0): UsbipDevice {
  requireBytes(buf, offset, DEVICE_LENGTH, P, 'usbip_usb_device');
  const v = new DataView(buf.buffer, buf.byteOffset + offset, DEVICE_LENGTH);
  return {
    path: readCString(buf, offset, PATH_LENGTH),
    busid: readCString(buf, offset + 0x100, BUSID_LENGTH),
    busnum: v.getUint32(0x120),
    devnum: v.getUint32(0x124),
    speed: v.getUint32(0x128),
    idVendor: v.getUint16(0x12c),
    idProduct: v.getUint16(0x12e),
    bcdDevice: v.getUint16(0x130),
    deviceClass: v.getUint8(0x132),
    deviceSubClass: v.getUint8(0x133),
    deviceProtocol: v.getUint8(0x134),
    configurationValue: v.getUint8(0x135),
    numConfigurations: v.getUint8(0x136),
    numInterfaces: v.getUint8(0x137),
  };
}

export function writeDevice(d: UsbipDevice, out: Buffer, offset: number): void {
  writeCString(out, offset, PATH_LENGTH, d.path, 'path');
  writeCString(out, offset + 0x100, BUSID_LENGTH, d.busid, 'busid');
  out.writeUInt32BE(d.busnum, offset + 0x120);
  out.writeUInt32BE(d.devnum, offset + 0x124);
  out.writeUInt32BE(d.speed, offset + 0x128);
  out.writeUInt16BE(d.idVendor, offset + 0x12c);
  out.writeUInt16BE(d.idProduct, offset + 0x12e);
  out.writeUInt16BE(d.bcdDevice, offset + 0x130);
  out.writeUInt8(d.deviceClass, offset + 0x132);
  out.writeUInt8(d.deviceSubClass, offset + 0x133);
  out.writeUInt8(d.deviceProtocol, offset + 0x134);
  out.writeUInt8(d.configurationValue, offset + 0x135);
  out.writeUInt8(d.numConfigurations, offset + 0x136);
  out.writeUInt8(d.numInterfaces, offset + 0x137);
}

// ---------------------------------------------------------------- requests (client -> server)

export function encodeDevlistRequest(): Buffer {
  const out = Buffer.alloc(OP_HEADER_LENGTH);
  writeOpHeader(out, OpCode.reqDevlist, 0);
  return out;
}

export function encodeImportRequest(busid: string): Buffer {
  const out = Buffer.alloc(IMPORT_REQUEST_LENGTH);
  writeOpHeader(out, OpCode.reqImport, 0);
  writeCString(out, OP_HEADER_LENGTH, BUSID_LENGTH, busid, 'busid');
  return out;
}

export function encodeOpRequest(r: OpRequest): Buffer {
  const out = r.kind === 'devlist-request' ? encodeDevlistRequest() : encodeImportRequest(r.busid);
  out.writeUInt32BE(r.status, 4);
  return out;
}

/**
 * Bytes of the request at `offset`, from its header: null while the header is incomplete. Throws ERR_VERSION, or
 * ERR_OP_CODE for a code that is no request (usbipd's recv_pdu: "received an unknown opcode", and it closes).
 */
export function opRequestLengthAt(buf: Uint8Array, offset = 0): number | null {
  if (buf.length - offset < OP_HEADER_LENGTH) return null;
  const { code } = decodeOpHeader(buf, offset);
  if (code === OpCode.reqDevlist) return OP_HEADER_LENGTH;
  if (code === OpCode.reqImport) return IMPORT_REQUEST_LENGTH;
  throw new DecodeError(P, 'code', offset + 2, `0x${code.toString(16).padStart(4, '0')} is not OP_REQ_DEVLIST or OP_REQ_IMPORT`, 'ERR_OP_CODE');
}

/** Exactly one request; trailing bytes are ERR_TRAILING. */
export function decodeOpRequest(buf: Uint8Array): OpRequest {
  const length = opRequestLengthAt(buf);
  if (length === null) throw new DecodeError(P, 'op header', 0, `needs ${OP_HEADER_LENGTH} bytes, ${buf.length} left`, 'ERR_TRUNCATED');
  requireBytes(buf, 0, length, P, 'busid');
  trailing(buf, length);
  const { code, status } = decodeOpHeader(buf);
  return code === OpCode.reqDevlist
    ? { kind: 'devlist-request', status }
    : { kind: 'import-request', status, busid: readCString(buf, OP_HEADER_LENGTH, BUSID_LENGTH) };
}

// ---------------------------------------------------------------- replies (server -> client)

/** Status ok with every device, or an error status alone (then the usbip tool reads no further). */
export function encodeDevlistReply(devices: readonly ExportedDevice[], status: number = OpStatus.ok): Buffer {
  if (status !== OpStatus.ok && devices.length > 0) throw new RangeError('usbip: a device list with an error status carries no devices');
  const out = Buffer.alloc(status === OpStatus.ok ? encodingLengthDevlistReply(devices) : OP_HEADER_LENGTH);
  writeOpHeader(out, OpCode.repDevlist, status);
  if (status !== OpStatus.ok) return out;
  out.writeUInt32BE(devices.length, OP_HEADER_LENGTH);
  let at = DEVLIST_REPLY_FIXED;
  for (const { device, interfaces } of devices) {
    if (interfaces.length !== device.numInterfaces) {
      throw new RangeError(`usbip: ${device.busid} has ${interfaces.length} interface records, bNumInterfaces ${device.numInterfaces}`);
    }
    writeDevice(device, out, at);
    at += DEVICE_LENGTH;
    for (const i of interfaces) {
      out.writeUInt8(i.interfaceClass, at);
      out.writeUInt8(i.interfaceSubClass, at + 1);
      out.writeUInt8(i.interfaceProtocol, at + 2);
      at += INTERFACE_LENGTH; // the padding byte stays 0
    }
  }
  return out;
}

export function encodingLengthDevlistReply(devices: readonly ExportedDevice[]): number {
  return devices.reduce((n, d) => n + DEVICE_LENGTH + INTERFACE_LENGTH * d.interfaces.length, DEVLIST_REPLY_FIXED);
}

/** Status ok with the device, or an error status alone (usbipd sends the 8-byte header only then). */
export function encodeImportReply(status: number, device: UsbipDevice | null): Buffer {
  if ((status === OpStatus.ok) !== (device !== null)) throw new RangeError('usbip: an import reply carries a device exactly when its status is 0');
  const out = Buffer.alloc(device ? IMPORT_REPLY_LENGTH : OP_HEADER_LENGTH);
  writeOpHeader(out, OpCode.repImport, status);
  if (device) writeDevice(device, out, OP_HEADER_LENGTH);
  return out;
}

export function encodeOpReply(r: OpReply): Buffer {
  return r.kind === 'devlist-reply' ? encodeDevlistReply(r.devices, r.status) : encodeImportReply(r.status, r.device);
}

export function encodingLengthOpReply(r: OpReply): number {
  if (r.kind === 'devlist-reply') return r.status === OpStatus.ok ? encodingLengthDevlistReply(r.devices) : OP_HEADER_LENGTH;
  return r.device ? IMPORT_REPLY_LENGTH : OP_HEADER_LENGTH;
}

/** Devices one OP_REP_DEVLIST may announce before the reader refuses it (a bound on what a server makes us hold). */
export const MAX_DEVLIST_DEVICES = 1024;

/**
 * Bytes of the reply at `offset`, or null until enough has arrived to tell. A reply with a non-zero status is the
 * header alone (the usbip tool stops reading there). Throws ERR_VERSION, ERR_OP_CODE (no reply code), or
 * ERR_DEVICE_COUNT for more than MAX_DEVLIST_DEVICES devices.
 */
export function opReplyLengthAt(buf: Uint8Array, offset = 0): number | null {
  if (buf.length - offset < OP_HEADER_LENGTH) return null;
  const { code, status } = decodeOpHeader(buf, offset);
  if (code !== OpCode.repDevlist && code !== OpCode.repImport) {
    throw new DecodeError(P, 'code', offset + 2, `0x${code.toString(16).padStart(4, '0')} is not OP_REP_DEVLIST or OP_REP_IMPORT`, 'ERR_OP_CODE');
  }
  if (status !== OpStatus.ok) return OP_HEADER_LENGTH;
  if (code === OpCode.repImport) return IMPORT_REPLY_LENGTH;
  if (buf.length - offset < DEVLIST_REPLY_FIXED) return null;
  const n = new DataView(buf.buffer, buf.byteOffset + offset + OP_HEADER_LENGTH, 4).getUint32(0);
  if (n > MAX_DEVLIST_DEVICES) throw new DecodeError(P, 'ndev', offset + OP_HEADER_LENGTH, `${n} devices, more than ${MAX_DEVLIST_DEVICES}`, 'ERR_DEVICE_COUNT');
  let at = offset + DEVLIST_REPLY_FIXED;
  for (let i = 0; i < n; i++) {
    if (buf.length < at + DEVICE_LENGTH) return null;
    at += DEVICE_LENGTH + INTERFACE_LENGTH * buf[at + DEVICE_LENGTH - 1]; // bNumInterfaces is the record's last byte
  }
  return at - offset;
}

/** Exactly one reply; trailing bytes are ERR_TRAILING. */
export function decodeOpReply(buf: Uint8Array): OpReply {
  const length = opReplyLengthAt(buf);
  if (length === null || length > buf.length) throw new DecodeError(P, 'op reply', buf.length, 'ends before its last device', 'ERR_TRUNCATED');
  trailing(buf, length);
  const { code, status } = decodeOpHeader(buf);
  if (code === OpCode.repImport) {
    return { kind: 'import-reply', status, device: status === OpStatus.ok ? decodeDevice(buf, OP_HEADER_LENGTH) : null };
  }
  const devices: ExportedDevice[] = [];
  if (status === OpStatus.ok) {
    const n = new DataView(buf.buffer, buf.byteOffset + OP_HEADER_LENGTH, 4).getUint32(0);
    let at = DEVLIST_REPLY_FIXED;
    for (let i = 0; i < n; i++) {
      const device = decodeDevice(buf, at);
      at += DEVICE_LENGTH;
      const interfaces: UsbipInterface[] = [];
      for (let k = 0; k < device.numInterfaces; k++, at += INTERFACE_LENGTH) {
        interfaces.push({ interfaceClass: buf[at], interfaceSubClass: buf[at + 1], interfaceProtocol: buf[at + 2] });
      }
      devices.push({ device, interfaces });
    }
  }
  return { kind: 'devlist-reply', status, devices };
}

function trailing(buf: Uint8Array, length: number): void {
  if (buf.length > length) throw new DecodeError(P, 'message', length, `${buf.length - length} byte(s) after the message`, 'ERR_TRAILING');
}
