// INQUIRY — SPC-4, INQUIRY command: the CDB, the 36-byte standard INQUIRY data, and the vital product data
// pages 00h (Supported VPD Pages), 80h (Unit Serial Number) and 83h (Device Identification) of SPC-4 §7.8.
import { requireBytes } from '../errors.js';
import { PROTO, ScsiOpcode, checkCdbField, invalidField, readCdb, writeAsciiField } from './cdb.js';

/** PERIPHERAL DEVICE TYPE (SPC-4, standard INQUIRY data byte 0). */
export const PeripheralDeviceType = { directAccess: 0x00, cdDvd: 0x05 } as const;
export type PeripheralDeviceType = (typeof PeripheralDeviceType)[keyof typeof PeripheralDeviceType];

export const VpdPage = { supportedPages: 0x00, unitSerialNumber: 0x80, deviceIdentification: 0x83 } as const;
const SUPPORTED_VPD_PAGES: readonly number[] = [VpdPage.supportedPages, VpdPage.unitSerialNumber, VpdPage.deviceIdentification];

/** What the logical unit says about itself. Strings are printable ASCII; longer ones are cut to their field. */
export interface InquiryIdentity {
  /** T10 VENDOR IDENTIFICATION, 8 bytes. */
  vendor: string;
  /** PRODUCT IDENTIFICATION, 16 bytes. */
  product: string;
  /** PRODUCT REVISION LEVEL, 4 bytes. */
  revision: string;
  /** PRODUCT SERIAL NUMBER of VPD page 80h, and the vendor specific part of the designator in page 83h (at most 64 bytes here). */
  serial: string;
}

export interface InquiryCommand {
  op: 'inquiry';
  /** EVPD: return the vital product data page `pageCode` instead of the standard data. */
  evpd: boolean;
  pageCode: number;
  allocationLength: number;
}

/** The INQUIRY CDB for the standard data (no `pageCode`) or a VPD page. */
export function encodeInquiry(allocationLength: number, pageCode?: number): Buffer {
  checkCdbField('INQUIRY', 'ALLOCATION LENGTH', allocationLength, 0xffff);
  const cdb = Buffer.alloc(6);
  cdb[0] = ScsiOpcode.inquiry;
  if (pageCode !== undefined) {
    checkCdbField('INQUIRY', 'PAGE CODE', pageCode, 0xff);
    cdb[1] = 0x01; // EVPD
    cdb[2] = pageCode;
  }
  cdb.writeUInt16BE(allocationLength, 3);
  return cdb;
}

/** INQUIRY CDB: byte 1 bit 0 EVPD (bit 1 the obsolete CMDDT), byte 2 PAGE CODE, bytes 3-4 ALLOCATION LENGTH. */
export function decodeInquiry(input: Uint8Array): InquiryCommand {
  const cdb = readCdb(input, 6, 'INQUIRY');
  const evpd = (cdb[1] & 0x01) !== 0;
  if ((cdb[1] & 0x02) !== 0) throw invalidField('INQUIRY', 'CMDDT', 1, 'CMDDT is obsolete');
  const pageCode = cdb[2];
  if (!evpd && pageCode !== 0) throw invalidField('INQUIRY', 'PAGE CODE', 2, 'a page code without EVPD');
  if (evpd && !SUPPORTED_VPD_PAGES.includes(pageCode)) throw invalidField('INQUIRY', 'PAGE CODE', 2, `VPD page 0x${pageCode.toString(16)} is not supported`);
  return { op: 'inquiry', evpd, pageCode, allocationLength: cdb.readUInt16BE(3) };
}

export const STANDARD_INQUIRY_LENGTH = 36;
/** VERSION 06h: the device claims SPC-4. */
const SPC4_VERSION = 0x06;

/** Standard INQUIRY data (SPC-4, Table "Standard INQUIRY data format"): the 36 bytes every host asks for first. */
export function standardInquiryData(type: PeripheralDeviceType, id: InquiryIdentity): Buffer {
  const out = Buffer.alloc(STANDARD_INQUIRY_LENGTH);
  out[0] = type; // PERIPHERAL QUALIFIER (7-5) = 000b: connected; PERIPHERAL DEVICE TYPE (4-0)
  out[1] = 0x80; // RMB (7): removable medium, both drives
  out[2] = SPC4_VERSION;
  out[3] = 0x02; // NORMACA, HISUP = 0; RESPONSE DATA FORMAT (3-0) = 2
  out[4] = STANDARD_INQUIRY_LENGTH - 5; // ADDITIONAL LENGTH: bytes after byte 4
  // bytes 5-7: SCCS, ACC, TPGS, 3PC, PROTECT, ENCSERV, MULTIP, CMDQUE all 0
  writeAsciiField(out, 8, 8, id.vendor); // T10 VENDOR IDENTIFICATION
  writeAsciiField(out, 16, 16, id.product); // PRODUCT IDENTIFICATION
  writeAsciiField(out, 32, 4, id.revision); // PRODUCT REVISION LEVEL
  return out;
}

/** What a host reads from the standard INQUIRY data. */
export interface StandardInquiry {
  /** PERIPHERAL QUALIFIER, byte 0 [7:5]: 0 when a logical unit is connected. */
  peripheralQualifier: number;
  /** PERIPHERAL DEVICE TYPE, byte 0 [4:0]. */
  peripheralDeviceType: number;
  /** RMB, byte 1 bit 7. */
  removable: boolean;
  /** VERSION, byte 2. */
  version: number;
  /** The identification fields, trailing spaces removed. */
  vendor: string;
  product: string;
  revision: string;
}

function asciiField(buf: Buffer, offset: number, width: number): string {
  return buf.toString('latin1', offset, offset + width).replace(/ +$/, '');
}

/** The standard INQUIRY data as a host reads it: the first 36 bytes, which every device returns (SPC-4). */
export function decodeStandardInquiryData(input: Uint8Array): StandardInquiry {
  requireBytes(input, 0, STANDARD_INQUIRY_LENGTH, PROTO, 'standard INQUIRY data');
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return {
    peripheralQualifier: buf[0] >> 5,
    peripheralDeviceType: buf[0] & 0x1f,
    removable: (buf[1] & 0x80) !== 0,
    version: buf[2],
    vendor: asciiField(buf, 8, 8),
    product: asciiField(buf, 16, 16),
    revision: asciiField(buf, 32, 4),
  };
}

const MAX_SERIAL = 64;

function vpdHeader(type: PeripheralDeviceType, page: number, body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out[0] = type; // PERIPHERAL QUALIFIER, PERIPHERAL DEVICE TYPE
  out[1] = page; // PAGE CODE
  out.writeUInt16BE(body.length, 2); // PAGE LENGTH
  body.copy(out, 4);
  return out;
}

function serialBytes(id: InquiryIdentity): Buffer {
  const serial = id.serial.slice(0, MAX_SERIAL);
  const out = Buffer.alloc(serial.length);
  writeAsciiField(out, 0, serial.length, serial);
  return out;
}

/** One VPD page (SPC-4 §7.8); `pageCode` must be one decodeInquiry accepts. */
export function vpdPageData(pageCode: number, type: PeripheralDeviceType, id: InquiryIdentity): Buffer {
  switch (pageCode) {
    case VpdPage.supportedPages:
      // Supported VPD Pages: the page codes in ascending order
      return vpdHeader(type, pageCode, Buffer.from(SUPPORTED_VPD_PAGES));
    case VpdPage.unitSerialNumber:
      // Unit Serial Number: PRODUCT SERIAL NUMBER, ASCII
      return vpdHeader(type, pageCode, serialBytes(id));
    default: {
      // Device Identification: one designation descriptor, T10 vendor ID based, for the logical unit
      const serial = serialBytes(id);
      const designator = Buffer.alloc(8 + serial.length);
      writeAsciiField(designator, 0, 8, id.vendor); // T10 VENDOR IDENTIFICATION
      serial.copy(designator, 8); // VENDOR SPECIFIC IDENTIFIER
      const descriptor = Buffer.alloc(4 + designator.length);
      descriptor[0] = 0x02; // PROTOCOL IDENTIFIER (7-4) = 0, CODE SET (3-0) = 2: ASCII
      descriptor[1] = 0x01; // PIV = 0, ASSOCIATION (5-4) = 00b: logical unit, DESIGNATOR TYPE (3-0) = 1: T10 vendor ID
      descriptor[3] = designator.length; // DESIGNATOR LENGTH
      designator.copy(descriptor, 4);
      return vpdHeader(type, pageCode, descriptor);
    }
  }
}
