// The SETUP packet of a control transfer and the request codes it carries — USB 2.0 §9.3 (Table 9-2, little-endian),
// §9.4 (Tables 9-4 standard request codes, 9-5 descriptor types, 9-6 feature selectors), and the two Bulk-Only
// class requests of USB Mass Storage Class Bulk-Only Transport 1.0 §3.1-§3.2.
//
//   bmRequestType u8   bit 7 direction (1 device-to-host), bits 6-5 type, bits 4-0 recipient
//   bRequest      u8
//   wValue        u16
//   wIndex        u16
//   wLength       u16  bytes of the data stage
import { requireBytes } from '../errors.js';

export const SETUP_PACKET_LENGTH = 8;

export const RequestDirection = { hostToDevice: 0x00, deviceToHost: 0x80 } as const;
export const RequestType = { standard: 0x00, class: 0x20, vendor: 0x40 } as const;
export const Recipient = { device: 0x00, interface: 0x01, endpoint: 0x02, other: 0x03 } as const;
/** bmRequestType masks. */
export const TYPE_MASK = 0x60;
export const RECIPIENT_MASK = 0x1f;

/** Table 9-4. */
export const StandardRequest = {
  getStatus: 0,
  clearFeature: 1,
  setFeature: 3,
  setAddress: 5,
  getDescriptor: 6,
  setDescriptor: 7,
  getConfiguration: 8,
  setConfiguration: 9,
  getInterface: 10,
  setInterface: 11,
  synchFrame: 12,
} as const;

/** Table 9-5. */
export const DescriptorType = {
  device: 1,
  configuration: 2,
  string: 3,
  interface: 4,
  endpoint: 5,
  deviceQualifier: 6,
  otherSpeedConfiguration: 7,
  interfacePower: 8,
} as const;

/** Table 9-6. */
export const Feature = { endpointHalt: 0, deviceRemoteWakeup: 1, testMode: 2 } as const;

/** BOT 1.0 §3.1 Bulk-Only Mass Storage Reset (bmRequestType 21h) and §3.2 Get Max LUN (A1h). */
export const BulkOnlyRequest = { reset: 0xff, getMaxLun: 0xfe } as const;

/** Hub class SET_FEATURE(PORT_RESET) (USB 2.0 §11.24.2.13, bmRequestType 23h): the usbip stub passes it on as a device reset. */
export const PORT_RESET_REQUEST_TYPE = 0x23;
export const PORT_FEATURE_RESET = 4;

export interface SetupPacket {
  requestType: number;
  request: number;
  value: number;
  index: number;
  length: number;
}

export function decodeSetup(buf: Uint8Array, offset = 0): SetupPacket {
  requireBytes(buf, offset, SETUP_PACKET_LENGTH, 'usb', 'setup packet');
  const v = new DataView(buf.buffer, buf.byteOffset + offset, SETUP_PACKET_LENGTH);
  return { requestType: v.getUint8(0), request: v.getUint8(1), value: v.getUint16(2, true), index: v.getUint16(4, true), length: v.getUint16(6, true) };
}

export function encodeSetup(s: SetupPacket): Buffer {
  const out = Buffer.alloc(SETUP_PACKET_LENGTH);
  out.writeUInt8(s.requestType, 0);
  out.writeUInt8(s.request, 1);
  out.writeUInt16LE(s.value, 2);
  out.writeUInt16LE(s.index, 4);
  out.writeUInt16LE(s.length, 6);
  return out;
}

/** True for a device-to-host request: its data stage comes back to the host. */
export function isDeviceToHost(s: SetupPacket): boolean {
  return (s.requestType & RequestDirection.deviceToHost) !== 0;
}

/** GET_DESCRIPTOR of `type`/`index` (§9.4.3): wValue is type << 8 | index; wIndex a language ID for strings, else 0. */
export function getDescriptorSetup(type: number, index: number, length: number, languageId = 0): SetupPacket {
  return { requestType: RequestDirection.deviceToHost, request: StandardRequest.getDescriptor, value: (type << 8) | index, index: languageId, length };
}

