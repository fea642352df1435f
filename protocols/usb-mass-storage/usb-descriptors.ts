// USB standard descriptors — USB 2.0 §9.6 (device Table 9-8, device qualifier 9-9, configuration 9-10, other speed
// configuration 9-11, interface 9-12, endpoint 9-13, string 9-15/9-16; every field little-endian) — and the virtual
// drives' own: a mass-storage device per USB MSC Overview 1.4 §2 (class 08h, subclass 06h SCSI transparent command
// set) and BOT 1.0 §4.1-§4.3 (protocol 50h Bulk-Only, one bulk IN and one bulk OUT endpoint, a serial number string).
import { DecodeError, requireBytes } from '../errors.js';
import { DriveKind } from '../scsi/medium.js';
import { DescriptorType } from './usb-setup.js';

const P = 'usb';

export const DEVICE_DESCRIPTOR_LENGTH = 18;
export const CONFIGURATION_DESCRIPTOR_LENGTH = 9;
export const INTERFACE_DESCRIPTOR_LENGTH = 9;
export const ENDPOINT_DESCRIPTOR_LENGTH = 7;
export const DEVICE_QUALIFIER_LENGTH = 10;
/** A string descriptor's bLength is one byte: 2 + 2 x 126 UTF-16 code units at most. */
export const MAX_STRING_UNITS = 126;
export const LANGUAGE_ID_ENGLISH_US = 0x0409;

/** bmAttributes bits 1-0 of an endpoint (Table 9-13). */
export const TransferType = { control: 0, isochronous: 1, bulk: 2, interrupt: 3 } as const;
/** bEndpointAddress bit 7. */
export const ENDPOINT_IN = 0x80;

export interface DeviceDescriptor {
  bcdUsb: number;
  deviceClass: number;
  deviceSubClass: number;
  deviceProtocol: number;
  maxPacketSize0: number;
  idVendor: number;
  idProduct: number;
  bcdDevice: number;
  iManufacturer: number;
  iProduct: number;
  iSerialNumber: number;
  numConfigurations: number;
}

export interface EndpointDescriptor {
  endpointAddress: number;
  attributes: number;
  maxPacketSize: number;
  interval: number;
}

export interface InterfaceDescriptor {
  interfaceNumber: number;
  alternateSetting: number;
  interfaceClass: number;
  interfaceSubClass: number;
  interfaceProtocol: number;
  iInterface: number;
  endpoints: EndpointDescriptor[];
}

/** A configuration with its interfaces and endpoints; wTotalLength, bNumInterfaces and bNumEndpoints follow from the lists. */
export interface ConfigurationDescriptor {
  configurationValue: number;
  iConfiguration: number;
  attributes: number;
  /** In 2 mA units. */
  maxPower: number;
  interfaces: InterfaceDescriptor[];
}

function header(buf: Uint8Array, offset: number, type: number, minLength: number, name: string): DataView {
  requireBytes(buf, offset, 2, P, `${name} descriptor`);
  const length = buf[offset];
  if (buf[offset + 1] !== type) throw new DecodeError(P, 'bDescriptorType', offset + 1, `${buf[offset + 1]}, not ${type} (${name})`, 'ERR_DESCRIPTOR_TYPE');
  if (length < minLength) throw new DecodeError(P, 'bLength', offset, `${length} is below the ${minLength} bytes of a ${name} descriptor`, 'ERR_DESCRIPTOR_LENGTH');
  requireBytes(buf, offset, length, P, `${name} descriptor`);
  return new DataView(buf.buffer, buf.byteOffset + offset, length);
}

// ---------------------------------------------------------------- device (Table 9-8) and device qualifier (Table 9-9)

export function encodeDeviceDescriptor(d: DeviceDescriptor): Buffer {
  const out = Buffer.alloc(DEVICE_DESCRIPTOR_LENGTH);
  out.writeUInt8(DEVICE_DESCRIPTOR_LENGTH, 0);
  out.writeUInt8(DescriptorType.device, 1);
  out.writeUInt16LE(d.bcdUsb, 2);
  out.writeUInt8(d.deviceClass, 4);
  out.writeUInt8(d.deviceSubClass, 5);
  out.writeUInt8(d.deviceProtocol, 6);
  out.writeUInt8(d.maxPacketSize0, 7);
  out.writeUInt16LE(d.idVendor, 8);
  out.writeUInt16LE(d.idProduct, 10);
  out.writeUInt16LE(d.bcdDevice, 12);
  out.writeUInt8(d.iManufacturer, 14);
  out.writeUInt8(d.iProduct, 15);
  out.writeUInt8(d.iSerialNumber, 16);
  out.writeUInt8(d.numConfigurations, 17);
  return out;
}

export function decodeDeviceDescriptor(buf: Uint8Array, offset = 0): DeviceDescriptor {
  const v = header(buf, offset, DescriptorType.device, DEVICE_DESCRIPTOR_LENGTH, 'device');
  return {
    bcdUsb: v.getUint16(2, true),
    deviceClass: v.getUint8(4),
    deviceSubClass: v.getUint8(5),
    deviceProtocol: v.getUint8(6),
    maxPacketSize0: v.getUint8(7),
    idVendor: v.getUint16(8, true),
    idProduct: v.getUint16(10, true),
    bcdDevice: v.getUint16(12, true),
    iManufacturer: v.getUint8(14),
    iProduct: v.getUint8(15),
    iSerialNumber: v.getUint8(16),
    numConfigurations: v.getUint8(17),
  };
}

/** How the device would look at its other speed (§9.6.2): for a high-speed device, full speed with `maxPacketSize0`. */
export function encodeDeviceQualifier(d: DeviceDescriptor, maxPacketSize0: number): Buffer {
  const out = Buffer.alloc(DEVICE_QUALIFIER_LENGTH);
  out.writeUInt8(DEVICE_QUALIFIER_LENGTH, 0);
  out.writeUInt8(DescriptorType.deviceQualifier, 1);
  out.writeUInt16LE(d.bcdUsb, 2);
  out.writeUInt8(d.deviceClass, 4);
  out.writeUInt8(d.deviceSubClass, 5);
  out.writeUInt8(d.deviceProtocol, 6);
  out.writeUInt8(maxPacketSize0, 7);
  out.writeUInt8(d.numConfigurations, 8);
  return out; // bReserved (9) is 0
}

// ---------------------------------------------------------------- configuration set (Tables 9-10, 9-12, 9-13)

export function encodingLengthConfiguration(c: ConfigurationDescriptor): number {
  return c.interfaces.reduce((n, i) => n + INTERFACE_DESCRIPTOR_LENGTH + ENDPOINT_DESCRIPTOR_LENGTH * i.endpoints.length, CONFIGURATION_DESCRIPTOR_LENGTH);
}

/**
 * The configuration descriptor followed by each interface and its endpoints, as GET_DESCRIPTOR(CONFIGURATION) returns
 * them (§9.4.3). `type` is otherSpeedConfiguration for the §9.6.4 variant.
 */
export function encodeConfiguration(c: ConfigurationDescriptor, type: number = DescriptorType.configuration): Buffer {
  const total = encodingLengthConfiguration(c);
  if (total > 0xffff) throw new RangeError(`usb: a configuration of ${total} bytes overflows wTotalLength`);
  const out = Buffer.alloc(total);
  out.writeUInt8(CONFIGURATION_DESCRIPTOR_LENGTH, 0);
  out.writeUInt8(type, 1);
  out.writeUInt16LE(total, 2);
  out.writeUInt8(c.interfaces.length, 4);
  out.writeUInt8(c.configurationValue, 5);
  out.writeUInt8(c.iConfiguration, 6);
  out.writeUInt8(c.attributes, 7);
  out.writeUInt8(c.maxPower, 8);
  let at = CONFIGURATION_DESCRIPTOR_LENGTH;
  for (const i of c.interfaces) {
    out.writeUInt8(INTERFACE_DESCRIPTOR_LENGTH, at);
    out.writeUInt8(DescriptorType.interface, at + 1);
    out.writeUInt8(i.interfaceNumber, at + 2);
    out.writeUInt8(i.alternateSetting, at + 3);
    out.writeUInt8(i.endpoints.length, at + 4);
    out.writeUInt8(i.interfaceClass, at + 5);
    out.writeUInt8(i.interfaceSubClass, at + 6);
    out.writeUInt8(i.interfaceProtocol, at + 7);
    out.writeUInt8(i.iInterface, at + 8);
    at += INTERFACE_DESCRIPTOR_LENGTH;
    for (const e of i.endpoints) {
      out.writeUInt8(ENDPOINT_DESCRIPTOR_LENGTH, at);
      out.writeUInt8(DescriptorType.endpoint, at + 1);
      out.writeUInt8(e.endpointAddress, at + 2);
      out.writeUInt8(e.attributes, at + 3);
      out.writeUInt16LE(e.maxPacketSize, at + 4);
      out.writeUInt8(e.interval, at + 6);
      at += ENDPOINT_DESCRIPTOR_LENGTH;
    }
  }
  return out;
}

/** wTotalLength of the configuration descriptor at the start of `buf` (the 9 bytes a host reads first). */
export function configurationTotalLength(buf: Uint8Array, type: number = DescriptorType.configuration): number {
  const v = header(buf, 0, type, CONFIGURATION_DESCRIPTOR_LENGTH, 'configuration');
  return v.getUint16(2, true);
}

/**
 * A whole configuration set: `buf` must hold wTotalLength bytes (bytes past it are not read). Interfaces and endpoints
 * are taken as they come; other descriptors (class-specific ones) are skipped, as hosts do.
 */
export function decodeConfiguration(buf: Uint8Array, type: number = DescriptorType.configuration): ConfigurationDescriptor {
  const v = header(buf, 0, type, CONFIGURATION_DESCRIPTOR_LENGTH, 'configuration');
  const total = v.getUint16(2, true);
  if (total < CONFIGURATION_DESCRIPTOR_LENGTH) throw new DecodeError(P, 'wTotalLength', 2, `${total} is below ${CONFIGURATION_DESCRIPTOR_LENGTH}`, 'ERR_DESCRIPTOR_LENGTH');
  requireBytes(buf, 0, total, P, 'configuration set');
  const set = buf.subarray(0, total);
  const config: ConfigurationDescriptor = {
    configurationValue: v.getUint8(5), iConfiguration: v.getUint8(6), attributes: v.getUint8(7), maxPower: v.getUint8(8), interfaces: [],
  };
  let current: InterfaceDescriptor | null = null;
  for (let at = v.getUint8(0); at < total;) {
    requireBytes(set, at, 2, P, 'descriptor');
    const length = set[at];
    if (length < 2) throw new DecodeError(P, 'bLength', at, `${length} is below 2`, 'ERR_DESCRIPTOR_LENGTH');
    if (set[at + 1] === DescriptorType.interface) {
      const d = header(set, at, DescriptorType.interface, INTERFACE_DESCRIPTOR_LENGTH, 'interface');
      current = {
        interfaceNumber: d.getUint8(2), alternateSetting: d.getUint8(3), interfaceClass: d.getUint8(5), interfaceSubClass: d.getUint8(6),
        interfaceProtocol: d.getUint8(7), iInterface: d.getUint8(8), endpoints: [],
      };
      config.interfaces.push(current);
    } else if (set[at + 1] === DescriptorType.endpoint) {
      const d = header(set, at, DescriptorType.endpoint, ENDPOINT_DESCRIPTOR_LENGTH, 'endpoint');
      if (current === null) throw new DecodeError(P, 'endpoint descriptor', at, 'comes before any interface descriptor', 'ERR_DESCRIPTOR_ORDER');
      current.endpoints.push({ endpointAddress: d.getUint8(2), attributes: d.getUint8(3), maxPacketSize: d.getUint16(4, true), interval: d.getUint8(6) });
    } else {
      requireBytes(set, at, length, P, 'descriptor');
    }
    at += length;
  }
  return config;
}

// ---------------------------------------------------------------- strings (Tables 9-15, 9-16)

/** String descriptor 0: the language IDs the device's strings come in. */
export function encodeLanguageIds(ids: readonly number[]): Buffer {
  const out = Buffer.alloc(2 + 2 * ids.length);
  out.writeUInt8(out.length, 0);
  out.writeUInt8(DescriptorType.string, 1);
  ids.forEach((id, i) => out.writeUInt16LE(id, 2 + 2 * i));
  return out;
}

export function encodeString(text: string): Buffer {
  if (text.length > MAX_STRING_UNITS) throw new RangeError(`usb: a string descriptor holds ${MAX_STRING_UNITS} UTF-16 units, not ${text.length}`);
  const out = Buffer.alloc(2 + 2 * text.length);
  out.writeUInt8(out.length, 0);
  out.writeUInt8(DescriptorType.string, 1);
  out.write(text, 2, 'utf16le');
  return out;
}

function stringBody(buf: Uint8Array): Buffer {
  const v = header(buf, 0, DescriptorType.string, 2, 'string');
  if (v.byteLength % 2 !== 0) throw new DecodeError(P, 'bLength', 0, `${v.byteLength} is odd: UTF-16 units are 2 bytes`, 'ERR_DESCRIPTOR_LENGTH');
  return Buffer.from(buf.buffer, buf.byteOffset + 2, v.byteLength - 2);
}

export function decodeString(buf: Uint8Array): string {
  return stringBody(buf).toString('utf16le');
}

export function decodeLanguageIds(buf: Uint8Array): number[] {
  const body = stringBody(buf);
  const ids: number[] = [];
  for (let i = 0; i < body.length; i += 2) ids.push(body.readUInt16LE(i));
  return ids;
}

// ---------------------------------------------------------------- the virtual drives

/**
 * Vendor and product IDs: AMI MegaRAC's virtual media, which the hosts of many real BMCs enumerate (lsusb there shows
 * 046b:ff20 "Virtual CDROM" and 046b:ff31 for the virtual hard disk; usb.ids names 046b "American Megatrends, Inc."
 * and ff20). Host-side tools that recognise BMC virtual media by ID treat ours the same. The strings say it is bmcfleet.
 */
export const VIRTUAL_MEDIA_VENDOR_ID = 0x046b;
export const MANUFACTURER = 'bmcfleet';

export interface DriveProfile { idProduct: number; product: string }

export const DRIVE_PROFILES: Record<DriveKind, DriveProfile> = {
  [DriveKind.cdrom]: { idProduct: 0xff20, product: 'Virtual CDROM' },
  [DriveKind.disk]: { idProduct: 0xff31, product: 'Virtual HDisk' },
};

/** USB MSC Overview 1.4 §2 (class, SCSI transparent command set) and BOT 1.0 §4.3 (Bulk-Only Transport). */
export const MassStorage = { interfaceClass: 0x08, subClassScsi: 0x06, protocolBulkOnly: 0x50 } as const;
export const BULK_IN_ENDPOINT = 0x81;
export const BULK_OUT_ENDPOINT = 0x02;
/** §5.8.3: bulk wMaxPacketSize is 512 at high speed, 8-64 at full speed. */
export const HIGH_SPEED_BULK_PACKET = 512;
export const FULL_SPEED_BULK_PACKET = 64;
const STRING_MANUFACTURER = 1;
const STRING_PRODUCT = 2;
const STRING_SERIAL = 3;

/** Everything a host may read from a device's endpoint 0, encoded once (GET_DESCRIPTOR answers are slices of it). */
export interface DescriptorSet {
  readonly device: DeviceDescriptor;
  readonly configuration: ConfigurationDescriptor;
  readonly encodedDevice: Buffer;
  readonly encodedConfiguration: Buffer;
  readonly encodedOtherSpeedConfiguration: Buffer;
  readonly encodedDeviceQualifier: Buffer;
  /** Index 0: the language IDs; then each string by its index. */
  readonly encodedStrings: readonly Buffer[];
}

function bulkOnlyConfiguration(maxPacketSize: number): ConfigurationDescriptor {
  return {
    configurationValue: 1,
    iConfiguration: 0,
    attributes: 0xc0, // bit 7 reserved (1), bit 6 self-powered: the BMC powers its virtual hub, not the host's port
    maxPower: 0,
    interfaces: [{
      interfaceNumber: 0, alternateSetting: 0, iInterface: 0,
      interfaceClass: MassStorage.interfaceClass, interfaceSubClass: MassStorage.subClassScsi, interfaceProtocol: MassStorage.protocolBulkOnly,
      endpoints: [
        { endpointAddress: BULK_IN_ENDPOINT, attributes: TransferType.bulk, maxPacketSize, interval: 0 },
        { endpointAddress: BULK_OUT_ENDPOINT, attributes: TransferType.bulk, maxPacketSize, interval: 0 },
      ],
    }],
  };
}

/**
 * A high-speed mass-storage device for a drive of `kind`. `serial` is its iSerialNumber string: BOT 1.0 §4.1.1 asks for
 * at least 12 characters 0-9/A-F, unique per vendor and product ID (massStorageSerial makes one per BMC).
 */
export function massStorageDescriptors(kind: DriveKind, serial: string): DescriptorSet {
  const profile = DRIVE_PROFILES[kind];
  const device: DeviceDescriptor = {
    bcdUsb: 0x0200,
    deviceClass: 0, deviceSubClass: 0, deviceProtocol: 0, // class given per interface
    maxPacketSize0: 64,
    idVendor: VIRTUAL_MEDIA_VENDOR_ID,
    idProduct: profile.idProduct,
    bcdDevice: 0x0100,
    iManufacturer: STRING_MANUFACTURER, iProduct: STRING_PRODUCT, iSerialNumber: STRING_SERIAL,
    numConfigurations: 1,
  };
  const configuration = bulkOnlyConfiguration(HIGH_SPEED_BULK_PACKET);
  const strings = [MANUFACTURER, profile.product, serial];
  return {
    device,
    configuration,
    encodedDevice: encodeDeviceDescriptor(device),
    encodedConfiguration: encodeConfiguration(configuration),
    encodedOtherSpeedConfiguration: encodeConfiguration(bulkOnlyConfiguration(FULL_SPEED_BULK_PACKET), DescriptorType.otherSpeedConfiguration),
    encodedDeviceQualifier: encodeDeviceQualifier(device, 64),
    encodedStrings: [encodeLanguageIds([LANGUAGE_ID_ENGLISH_US]), ...strings.map(encodeString)],
  };
}

/** 12 hex digits (BOT 1.0 §4.1.1): the BMC's IPv4 address (8) and the drive (0001 CD-ROM, 0002 disk). */
export function massStorageSerial(ipv4: number, kind: DriveKind): string {
  const drive = kind === DriveKind.cdrom ? '0001' : '0002';
  return `${(ipv4 >>> 0).toString(16).toUpperCase().padStart(8, '0')}${drive}`;
}
