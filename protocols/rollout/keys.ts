// The manager's Ed25519 key (RFC 8032, through node:crypto): it signs the manager's commands (auth.ts) and the
// image manifest (manifest.ts). RMCs trust its public key, given as the 32 raw bytes (the fleet file or
// `bmcfleet rmc trust` carry it in base64). A key ID, the first 8 bytes of SHA-256 over the raw public key,
// travels with each signature so an RMC trusting several keys (a rotation) knows which to check.
import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

export const PUBLIC_KEY_LENGTH = 32;
export const KEY_ID_LENGTH = 8;
export const SIGNATURE_LENGTH = 64;

export interface SigningKey { privateKey: KeyObject; keyId: Uint8Array }
export interface TrustedKey { publicKey: KeyObject; keyId: Uint8Array }

export function keyIdOf(rawPublicKey: Uint8Array): Buffer {
  return createHash('sha256').update(rawPublicKey).digest().subarray(0, KEY_ID_LENGTH);
}

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new RangeError('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** An RMC's view of the manager's key, from its 32 raw bytes. */
export function trustedKeyFromRaw(raw: Uint8Array): TrustedKey {
  if (raw.length !== PUBLIC_KEY_LENGTH) throw new RangeError(`an Ed25519 public key is ${PUBLIC_KEY_LENGTH} bytes, got ${raw.length}`);
  const x = Buffer.from(raw).toString('base64url');
  return { publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }), keyId: keyIdOf(raw) };
}

/** The manager's key from a private KeyObject, or PEM / DER (PKCS#8) text or bytes. */
export function signingKeyFrom(privateKey: KeyObject | string | Buffer): SigningKey {
  const key = privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey);
  if (key.asymmetricKeyType !== 'ed25519') throw new RangeError(`the manager's key must be Ed25519, got ${key.asymmetricKeyType}`);
  return { privateKey: key, keyId: keyIdOf(rawPublicKey(createPublicKey(key))) };
}

/** A fresh key pair: the manager's signing key and the raw public key its RMCs trust. */
export function generateManagerKey(): { signing: SigningKey; rawPublicKey: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  return { signing: { privateKey, keyId: keyIdOf(raw) }, rawPublicKey: raw };
}

export function signBytes(key: SigningKey, bytes: Uint8Array): Buffer {
  return sign(null, bytes, key.privateKey);
}

/** The trusted key with this ID, or null. */
export function findKey(keys: readonly TrustedKey[], keyId: Uint8Array): TrustedKey | null {
  return keys.find((k) => Buffer.compare(k.keyId, keyId) === 0) ?? null;
}

export function signatureValid(key: TrustedKey, bytes: Uint8Array, signature: Uint8Array): boolean {
  return signature.length === SIGNATURE_LENGTH && verify(null, bytes, key.publicKey, signature);
}
