// Cipher suites and their algorithms — IPMI 2.0 §13.28 and Table 22-20 (cipher suite IDs).
import { requireBytes } from '../errors.js';

export const AuthAlgorithm = { RAKP_NONE: 0x00, RAKP_HMAC_SHA1: 0x01, RAKP_HMAC_MD5: 0x02, RAKP_HMAC_SHA256: 0x03 } as const;
export const IntegrityAlgorithm = { NONE: 0x00, HMAC_SHA1_96: 0x01, HMAC_MD5_128: 0x02, MD5_128: 0x03, HMAC_SHA256_128: 0x04 } as const;
export const ConfidentialityAlgorithm = { NONE: 0x00, AES_CBC_128: 0x01, XRC4_128: 0x02, XRC4_40: 0x03 } as const;

export interface CipherSuite {
  id: number;
  auth: number;
  integrity: number;
  confidentiality: number;
}

const A = AuthAlgorithm;
const I = IntegrityAlgorithm;
const C = ConfidentialityAlgorithm;

/** The suites this project implements, by ID (Table 22-20). */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  { id: 0, auth: A.RAKP_NONE, integrity: I.NONE, confidentiality: C.NONE },
  { id: 1, auth: A.RAKP_HMAC_SHA1, integrity: I.NONE, confidentiality: C.NONE },
  { id: 2, auth: A.RAKP_HMAC_SHA1, integrity: I.HMAC_SHA1_96, confidentiality: C.NONE },
  { id: 3, auth: A.RAKP_HMAC_SHA1, integrity: I.HMAC_SHA1_96, confidentiality: C.AES_CBC_128 },
  { id: 6, auth: A.RAKP_HMAC_MD5, integrity: I.NONE, confidentiality: C.NONE },
  { id: 7, auth: A.RAKP_HMAC_MD5, integrity: I.HMAC_MD5_128, confidentiality: C.NONE },
  { id: 8, auth: A.RAKP_HMAC_MD5, integrity: I.HMAC_MD5_128, confidentiality: C.AES_CBC_128 },
  { id: 11, auth: A.RAKP_HMAC_MD5, integrity: I.MD5_128, confidentiality: C.NONE },
  { id: 12, auth: A.RAKP_HMAC_MD5, integrity: I.MD5_128, confidentiality: C.AES_CBC_128 },
  { id: 15, auth: A.RAKP_HMAC_SHA256, integrity: I.NONE, confidentiality: C.NONE },
  { id: 16, auth: A.RAKP_HMAC_SHA256, integrity: I.HMAC_SHA256_128, confidentiality: C.NONE },
  { id: 17, auth: A.RAKP_HMAC_SHA256, integrity: I.HMAC_SHA256_128, confidentiality: C.AES_CBC_128 },
];

/**
 * What a BMC offers by default: only suites whose packets carry an integrity AuthCode (§13.28.4), 17 and 3
 * first. Suites 1, 6 and 15 (authenticated handshake, then unsigned packets) and 0 (nothing) are left out.
 */
export const DEFAULT_BMC_SUITES: readonly number[] = [17, 3, 2, 7, 8, 11, 12, 16];

/** The suites a channel offers: `ids` with suite 0 last when it is allowed, and without it otherwise. */
export function offeredSuites(ids: readonly number[], allowCipherSuite0: boolean): number[] {
  const authenticated = ids.filter((id) => id !== 0);
  return allowCipherSuite0 ? [...authenticated, 0] : authenticated;
}

export function suiteById(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.id === id);
}

export function suiteByAlgorithms(auth: number, integrity: number, confidentiality: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.auth === auth && s.integrity === integrity && s.confidentiality === confidentiality);
}

/**
 * Get Channel Cipher Suites record data (§22.15, Table 22-19): per suite C0h, suite ID, then the
 * authentication (00h|alg), integrity (40h|alg) and confidentiality (80h|alg) algorithm bytes.
 */
export function cipherSuiteRecords(ids: readonly number[]): Buffer {
  const out: number[] = [];
  for (const id of ids) {
    const s = suiteById(id);
    if (!s) continue;
    out.push(0xc0, s.id, s.auth, 0x40 | s.integrity, 0x80 | s.confidentiality);
  }
  return Buffer.from(out);
}

/** Parses cipher suite record data back into suites (standard records only; OEM records are skipped). */
export function parseCipherSuiteRecords(data: Uint8Array): CipherSuite[] {
  const suites: CipherSuite[] = [];
  let i = 0;
  while (i < data.length) {
    const tag = data[i];
    if (tag === 0xc0 || tag === 0xc1) {
      const headerLength = tag === 0xc0 ? 2 : 5; // C1h: OEM suite ID followed by 3-byte OEM IANA
      requireBytes(data, i, headerLength, 'ipmi', 'cipherSuiteRecord');
      const id = data[i + 1];
      i += headerLength;
      const s: CipherSuite = { id, auth: -1, integrity: -1, confidentiality: -1 };
      while (i < data.length && (data[i] & 0xc0) !== 0xc0) {
        const b = data[i++];
        if ((b & 0xc0) === 0x00) s.auth = b & 0x3f;
        else if ((b & 0xc0) === 0x40) s.integrity = b & 0x3f;
        else s.confidentiality = b & 0x3f;
      }
      if (tag === 0xc0) suites.push(s);
    } else {
      i++;
    }
  }
  return suites;
}
