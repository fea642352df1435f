// X.509 v3 certificates (RFC 5280 §4.1) signed with ECDSA P-256 and SHA-256 (RFC 5758 §3.2): what a fleet's own CA
// and the server certificates it issues for BMC addresses need, and nothing more. The CA has basicConstraints cA and
// keyCertSign; a server certificate names its IP addresses in subjectAltName (§4.2.1.6) for serverAuth (§4.2.1.12).
import { createHash, sign, type KeyObject } from 'node:crypto';
import {
  bitString, boolean, certificateTime, explicit, implicitPrimitive, objectIdentifier, octetString, sequence, setOf,
  unsignedInteger, utf8String,
} from '../asn1/der.js';
import { parseIpv4 } from '../ipv4.js';

/** Object identifiers used here. */
const Oid = {
  ECDSA_WITH_SHA256: '1.2.840.10045.4.3.2', // RFC 5758 §3.2
  COMMON_NAME: '2.5.4.3',
  ORGANIZATION: '2.5.4.10',
  SUBJECT_KEY_IDENTIFIER: '2.5.29.14',
  KEY_USAGE: '2.5.29.15',
  SUBJECT_ALT_NAME: '2.5.29.17',
  BASIC_CONSTRAINTS: '2.5.29.19',
  AUTHORITY_KEY_IDENTIFIER: '2.5.29.35',
  EXT_KEY_USAGE: '2.5.29.37',
  SERVER_AUTH: '1.3.6.1.5.5.7.3.1',
} as const;

/** GeneralName's iPAddress choice, [7] (RFC 5280 §4.2.1.6). */
const GENERAL_NAME_IP_ADDRESS = 7;
/** AuthorityKeyIdentifier's keyIdentifier, [0] (§4.2.1.1). */
const AUTHORITY_KEY_ID = 0;
/** KeyUsage bits (§4.2.1.3), as the first octet of the BIT STRING, and how many of its bits are unused. */
const KEY_USAGE_DIGITAL_SIGNATURE = { octet: 0x80, unused: 7 };
const KEY_USAGE_CERT_AND_CRL_SIGN = { octet: 0x06, unused: 1 };

export interface Issuer {
  /** The issuer's subject, encoded as it is in its own certificate (name() below). */
  name: Buffer;
  privateKey: KeyObject;
  /** The issuer's subjectKeyIdentifier (keyIdentifier() of its public key). */
  keyId: Buffer;
}

export interface CertificateRequest {
  subject: Buffer;
  /** Positive, at most 20 octets (§4.1.2.2). */
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** An EC P-256 public key. */
  publicKey: KeyObject;
  /** A CA certificate (it signs others) or a TLS server's. */
  role: 'ca' | 'server';
  /** The server's addresses (subjectAltName); none for a CA. */
  ipAddresses?: readonly string[];
  /** Who signs it; a self-signed CA passes its own name, key and key ID. */
  issuer: Issuer;
}

/** A Name of one organization and one common name (§4.1.2.4). */
export function name(commonName: string, organization?: string): Buffer {
  const rdn = (oid: string, value: string) => setOf(sequence(objectIdentifier(oid), utf8String(value)));
  return sequence(...(organization === undefined ? [] : [rdn(Oid.ORGANIZATION, organization)]), rdn(Oid.COMMON_NAME, commonName));
}

/** The key identifier of a public key: SHA-1 of its SubjectPublicKeyInfo (one of the methods §4.2.1.2 allows). */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

/** The certificate, DER-encoded and signed by the issuer's key. */
export function makeCertificate(r: CertificateRequest): Buffer {
  if (r.serial.length === 0 || r.serial.length > 20) throw new RangeError(`a serial number is 1-20 octets, got ${r.serial.length}`);
  const algorithm = sequence(objectIdentifier(Oid.ECDSA_WITH_SHA256)); // no parameters (RFC 5758 §3.2)
  const tbs = sequence(
    explicit(0, unsignedInteger(2)), // version: v3
    unsignedInteger(r.serial),
    algorithm,
    r.issuer.name,
    sequence(certificateTime(r.notBefore), certificateTime(r.notAfter)),
    r.subject,
    r.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions(r))),
  );
  const signature = sign('sha256', tbs, { key: r.issuer.privateKey, dsaEncoding: 'der' });
  return sequence(tbs, algorithm, bitString(signature));
}

/** PEM text of DER bytes (RFC 7468 §2): base64 in lines of 64. */
export function pem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function extensions(r: CertificateRequest): Buffer[] {
  const extension = (oid: string, critical: boolean, value: Buffer) =>
    sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value)); // critical DEFAULT FALSE
  const usage = r.role === 'ca' ? KEY_USAGE_CERT_AND_CRL_SIGN : KEY_USAGE_DIGITAL_SIGNATURE;
  const out = [
    extension(Oid.BASIC_CONSTRAINTS, true, r.role === 'ca' ? sequence(boolean(true)) : sequence()),
    extension(Oid.KEY_USAGE, true, bitString(Buffer.from([usage.octet]), usage.unused)),
    extension(Oid.SUBJECT_KEY_IDENTIFIER, false, octetString(keyIdentifier(r.publicKey))),
    extension(Oid.AUTHORITY_KEY_IDENTIFIER, false, sequence(implicitPrimitive(AUTHORITY_KEY_ID, r.issuer.keyId))),
  ];
  if (r.role === 'server') {
    out.push(extension(Oid.EXT_KEY_USAGE, false, sequence(objectIdentifier(Oid.SERVER_AUTH))));
    const addresses = r.ipAddresses ?? [];
    if (addresses.length > 0) out.push(extension(Oid.SUBJECT_ALT_NAME, false, sequence(...addresses.map(ipAddressName))));
  }
  return out;
}

/** An iPAddress GeneralName: the four octets in network order. */
function ipAddressName(ip: string): Buffer {
  const address = Buffer.alloc(4);
  address.writeUInt32BE(parseIpv4(ip)); // RangeError for anything but an IPv4 address
  return implicitPrimitive(GENERAL_NAME_IP_ADDRESS, address);
}
