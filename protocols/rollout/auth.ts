// Signing the manager's commands: the auth trailer of README "The rollout protocol" (keyId, timestampMs, then an
// Ed25519 signature over every byte before the signature, the header with its SIGNED bit and full length included).
// Time is an argument: the caller passes its clock's wall time. command-verifier.ts is the RMC's side.
import { KEY_ID_LENGTH, SIGNATURE_LENGTH, signBytes, type SigningKey } from './keys.js';
import { encodeMessage, type RolloutMessage } from './message.js';

const NO_SIGNATURE = new Uint8Array(SIGNATURE_LENGTH);

/** Encodes `m` with an auth trailer signed by the manager's key at `timestampMs` (ms since the Unix epoch). */
export function signMessage(m: RolloutMessage, key: SigningKey, timestampMs: number): Buffer {
  if (key.keyId.length !== KEY_ID_LENGTH) throw new RangeError(`a key ID is ${KEY_ID_LENGTH} bytes`);
  const out = encodeMessage(m, { keyId: key.keyId, timestampMs, signature: NO_SIGNATURE });
  const signedLength = out.length - SIGNATURE_LENGTH;
  out.set(signBytes(key, out.subarray(0, signedLength)), signedLength);
  return out;
}
