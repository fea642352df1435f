// DER (ITU-T X.690 §8 and §10, the distinguished encoding): the few types an X.509 certificate is made of, each
// encoded as a whole tag-length-value, and just enough reading to find a certificate's subject (node:crypto's
// X509Certificate reads the rest).
import { DecodeError, requireBytes } from '../errors.js';

/** Universal tags (X.680 §8.4), and the class and form bits of an identifier octet (X.690 §8.1.2). */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OBJECT_IDENTIFIER: 0x06,
  UTF8_STRING: 0x0c,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT: 0x80,
  CONSTRUCTED: 0x20,
} as const;

/** One TLV: the length in the short form below 128, else the long form (X.690 §8.1.3, §10.1: the fewest octets). */
export function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  let length: number[];
  if (n < 0x80) {
    length = [n];
  } else {
    const octets: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
    length = [0x80 | octets.length, ...octets];
  }
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

export function sequence(...items: Uint8Array[]): Buffer {
  return tlv(Tag.SEQUENCE, Buffer.concat(items));
}

/** SET OF, its elements in ascending order of their encodings (X.690 §11.6). */
export function setOf(...items: Uint8Array[]): Buffer {
  return tlv(Tag.SET, Buffer.concat([...items].sort(Buffer.compare)));
}

export function boolean(value: boolean): Buffer {
  return tlv(Tag.BOOLEAN, Buffer.from([value ? 0xff : 0x00])); // X.690 §11.1: TRUE is FFh
}

/** A non-negative INTEGER from a number or big-endian bytes: no redundant leading zeros, one 00h before a set top bit (§8.3.2). */
export function unsignedInteger(value: number | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative whole number: ${value}`);
    const octets: number[] = [];
    for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
    bytes = Buffer.from(octets);
  } else {
    bytes = Buffer.from(value);
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(Tag.INTEGER, bytes);
}

/** An OBJECT IDENTIFIER from its dotted form: the first two arcs in one subidentifier, each in base 128 (§8.19). */
export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new RangeError(`not an object identifier: ${dotted}`);
  const out: number[] = [];
  for (const sub of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
    const septets = [sub & 0x7f];
    for (let rest = Math.floor(sub / 128); rest > 0; rest = Math.floor(rest / 128)) septets.unshift(0x80 | (rest & 0x7f));
    out.push(...septets);
  }
  return tlv(Tag.OBJECT_IDENTIFIER, Buffer.from(out));
}

/** A BIT STRING: its first content octet counts the unused bits of the last (§8.6.2). */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(Tag.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

export function utf8String(text: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/**
 * A certificate time as RFC 5280 §4.1.2.5 asks: UTCTime YYMMDDHHMMSSZ through 2049, GeneralizedTime YYYYMMDDHHMMSSZ
 * from 2050, both in UTC with seconds and no fractions.
 */
export function certificateTime(at: Date): Buffer {
  const iso = at.toISOString(); // 2026-12-06T12:00:00.000Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = at.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`a certificate time must be within 1950-9999, got ${iso}`);
  return year < 2050 ? tlv(Tag.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'latin1')) : tlv(Tag.GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'latin1'));
}

/** [n] EXPLICIT: the whole encoding of `inner` inside a constructed context-specific tag. */
export function explicit(n: number, inner: Uint8Array): Buffer {
  return tlv(Tag.CONTEXT | Tag.CONSTRUCTED | n, inner);
}

/** [n] IMPLICIT over a primitive type: its content octets under a context-specific tag. */
export function implicitPrimitive(n: number, content: Uint8Array): Buffer {
  return tlv(Tag.CONTEXT | n, content);
}

/** One TLV read at `offset`: its tag, and where its content starts and ends (X.690 §8.1; definite lengths only). */
export interface TlvAt { tag: number; contentStart: number; end: number }

export function readTlv(der: Uint8Array, offset: number, field: string): TlvAt {
  requireBytes(der, offset, 2, 'der', field);
  const tag = der[offset];
  let length = der[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new DecodeError('der', field, offset + 1, `a length of ${octets} octets`, 'ERR_DER_LENGTH');
    requireBytes(der, contentStart, octets, 'der', field);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[contentStart + i];
    contentStart += octets;
  }
  requireBytes(der, contentStart, length, 'der', field);
  return { tag, contentStart, end: contentStart + length };
}

/** The subject Name of a DER certificate, its encoding as it is there (RFC 5280 §4.1: the TBSCertificate's sixth field). */
export function certificateSubject(der: Uint8Array): Buffer {
  const certificate = readTlv(der, 0, 'Certificate');
  const tbs = readTlv(der, certificate.contentStart, 'tbsCertificate');
  let at = tbs.contentStart;
  const version = readTlv(der, at, 'version');
  if (version.tag === (Tag.CONTEXT | Tag.CONSTRUCTED | 0)) at = version.end; // [0] version; left out in a v1 certificate
  for (const field of ['serialNumber', 'signature', 'issuer', 'validity']) at = readTlv(der, at, field).end;
  const subject = readTlv(der, at, 'subject');
  return Buffer.from(der.subarray(at, subject.end));
}
