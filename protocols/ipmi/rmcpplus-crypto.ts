// RMCP+ key exchange and per-packet crypto — IPMI 2.0 §13.31 (RAKP, SIK), §13.32 (K1, K2),
// §13.28.4 (integrity AuthCode), §13.29 (AES-CBC-128). Byte orders follow ipmitool's lanplus_crypt.c.
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { DecodeError } from '../errors.js';
import { AuthAlgorithm, IntegrityAlgorithm } from './cipher-suites.js';

type Hash = 'sha1' | 'md5' | 'sha256';

function authHash(auth: number): Hash {
  switch (auth) {
    case AuthAlgorithm.RAKP_HMAC_SHA1: return 'sha1';
    case AuthAlgorithm.RAKP_HMAC_MD5: return 'md5';
    case AuthAlgorithm.RAKP_HMAC_SHA256: return 'sha256';
    default: throw new RangeError(`no HMAC for authentication algorithm ${auth}`);
  }
}

export function hmac(hash: Hash, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

function u32le(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

function roleAndName(role: number, username: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([role, username.length]), username]);
}

export interface RakpValues {
  consoleSessionId: number;
  bmcSessionId: number;
  consoleRandom: Uint8Array; // Rm, 16 bytes
  bmcRandom: Uint8Array; // Rc, 16 bytes
  bmcGuid: Uint8Array; // 16 bytes
  /** The whole requested-role byte from RAKP 1, including the name-only lookup bit. */
  role: number;
  username: Uint8Array;
}

/** RAKP 2 key exchange AuthCode: HMAC_Kuid(SIDm, SIDc, Rm, Rc, GUIDc, ROLEm, ULENGTHm, UNAMEm) (§13.31). */
export function rakp2AuthCode(auth: number, kuid: Uint8Array, v: RakpValues): Buffer {
  if (auth === AuthAlgorithm.RAKP_NONE) return Buffer.alloc(0);
  return hmac(authHash(auth), kuid, u32le(v.consoleSessionId), u32le(v.bmcSessionId), v.consoleRandom, v.bmcRandom,
    v.bmcGuid, roleAndName(v.role, v.username));
}

/** RAKP 3 key exchange AuthCode: HMAC_Kuid(Rc, SIDm, ROLEm, ULENGTHm, UNAMEm) (§13.31). */
export function rakp3AuthCode(auth: number, kuid: Uint8Array, v: RakpValues): Buffer {
  if (auth === AuthAlgorithm.RAKP_NONE) return Buffer.alloc(0);
  return hmac(authHash(auth), kuid, v.bmcRandom, u32le(v.consoleSessionId), roleAndName(v.role, v.username));
}

/** Session Integrity Key: HMAC_KG(Rm, Rc, ROLEm, ULENGTHm, UNAMEm); KG is Kuid when no BMC key is set (§13.31). */
export function sessionIntegrityKey(auth: number, kgOrKuid: Uint8Array, v: RakpValues): Buffer {
  if (auth === AuthAlgorithm.RAKP_NONE) return Buffer.alloc(0);
  return hmac(authHash(auth), kgOrKuid, v.consoleRandom, v.bmcRandom, roleAndName(v.role, v.username));
}

/** RAKP 4 integrity check value: HMAC_SIK(Rm, SIDc, GUIDc), truncated to 12 (SHA1) or 16 (MD5, SHA256) bytes. */
export function rakp4Icv(auth: number, sik: Uint8Array, v: RakpValues): Buffer {
  if (auth === AuthAlgorithm.RAKP_NONE) return Buffer.alloc(0);
  const full = hmac(authHash(auth), sik, v.consoleRandom, u32le(v.bmcSessionId), v.bmcGuid);
  return full.subarray(0, rakp4IcvLength(auth));
}

export function rakp4IcvLength(auth: number): number {
  return auth === AuthAlgorithm.RAKP_HMAC_SHA1 ? 12 : auth === AuthAlgorithm.RAKP_NONE ? 0 : 16;
}

export function rakp2AuthCodeLength(auth: number): number {
  return auth === AuthAlgorithm.RAKP_HMAC_SHA1 ? 20 : auth === AuthAlgorithm.RAKP_HMAC_MD5 ? 16 : auth === AuthAlgorithm.RAKP_HMAC_SHA256 ? 32 : 0;
}

const CONST_1 = Buffer.alloc(20, 0x01);
const CONST_2 = Buffer.alloc(20, 0x02);

/** K1 = HMAC_SIK(20 × 01h), K2 = HMAC_SIK(20 × 02h) (§13.32; 20-byte constants as ipmitool uses for every algorithm). */
export function deriveK1(auth: number, sik: Uint8Array): Buffer {
  return auth === AuthAlgorithm.RAKP_NONE ? Buffer.from(CONST_1) : hmac(authHash(auth), sik, CONST_1);
}

export function deriveK2(auth: number, sik: Uint8Array): Buffer {
  return auth === AuthAlgorithm.RAKP_NONE ? Buffer.from(CONST_2) : hmac(authHash(auth), sik, CONST_2);
}

export function integrityAuthCodeLength(integrity: number): number {
  switch (integrity) {
    case IntegrityAlgorithm.NONE: return 0;
    case IntegrityAlgorithm.HMAC_SHA1_96: return 12;
    default: return 16;
  }
}

/** IPMI 2.0 passwords (Kuid) are 20-byte fields, zero-padded (§13.31, Set User Password §22.30). */
const KUID_LENGTH = 20;
/** The zero-padded Kuid of the packet being signed or checked: one buffer, filled per call, never kept. */
const kuidField = Buffer.alloc(KUID_LENGTH);

/**
 * Integrity AuthCode over auth type .. next header (§13.28.4): HMAC-SHA1-96, HMAC-MD5-128 and HMAC-SHA256-128
 * keyed with K1; MD5-128 is MD5(Kuid, data, Kuid) with the user's 20-byte zero-padded password field (as FreeIPMI
 * and OpenIPMI compute it, test/vectors/ipmi/freeipmi-vs-ipmi_sim.json), not the 16-byte one of IPMI 1.5.
 */
export function integrityAuthCode(integrity: number, k1: Uint8Array, kuid: Uint8Array, data: Uint8Array): Buffer {
  switch (integrity) {
    case IntegrityAlgorithm.HMAC_SHA1_96: return hmac('sha1', k1, data).subarray(0, 12);
    case IntegrityAlgorithm.HMAC_MD5_128: return hmac('md5', k1, data);
    case IntegrityAlgorithm.HMAC_SHA256_128: return hmac('sha256', k1, data).subarray(0, 16);
    case IntegrityAlgorithm.MD5_128: {
      if (kuid.length > KUID_LENGTH) throw new RangeError(`password of ${kuid.length} bytes; IPMI 2.0 allows ${KUID_LENGTH}`);
      kuidField.fill(0).set(kuid);
      return createHash('md5').update(kuidField).update(data).update(kuidField).digest();
    }
    default: throw new RangeError(`unsupported integrity algorithm ${integrity}`);
  }
}

/** Constant-time comparison of two AuthCodes. */
export function authCodesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const AES_BLOCK = 16;

/** AES-CBC-128 payload (§13.29): IV, then E(K2[0..16], data ‖ 01 02 .. n ‖ n). */
export function aesEncryptPayload(k2: Uint8Array, iv: Uint8Array, plain: Uint8Array): Buffer {
  const padLen = (AES_BLOCK - ((plain.length + 1) % AES_BLOCK)) % AES_BLOCK;
  const padded = Buffer.allocUnsafe(plain.length + padLen + 1);
  padded.set(plain, 0);
  for (let i = 0; i < padLen; i++) padded[plain.length + i] = i + 1;
  padded[padded.length - 1] = padLen;
  const c = createCipheriv('aes-128-cbc', k2.subarray(0, 16), iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(padded), c.final()]);
}

export function aesDecryptPayload(k2: Uint8Array, payload: Uint8Array): Buffer {
  if (payload.length < 2 * AES_BLOCK || payload.length % AES_BLOCK !== 0) {
    throw new DecodeError('rmcp+', 'confidentialityPayload', 0, `length ${payload.length} is not IV plus whole AES blocks`, 'ERR_CRYPT');
  }
  const d = createDecipheriv('aes-128-cbc', k2.subarray(0, 16), payload.subarray(0, AES_BLOCK));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(payload.subarray(AES_BLOCK)), d.final()]);
  const padLen = plain[plain.length - 1];
  if (padLen >= AES_BLOCK) throw new DecodeError('rmcp+', 'confidentialityPadLength', plain.length - 1, `pad length ${padLen}`, 'ERR_CRYPT');
  const end = plain.length - 1 - padLen;
  for (let i = 0; i < padLen; i++) {
    if (plain[end + i] !== i + 1) throw new DecodeError('rmcp+', 'confidentialityPad', end + i, 'pad bytes are not 01h, 02h, ...', 'ERR_CRYPT');
  }
  return plain.subarray(0, end);
}
