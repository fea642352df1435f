// Cryptographically random bytes drawn from a pooled buffer: the same CSPRNG as crypto.randomBytes, refilled
// 64 KiB at a time, because one call per AES IV and RAKP random showed in RMCP+ profiles (about 1 µs a call).
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 64 * 1024;

export function pooledRandom(): (bytes: number) => Buffer {
  const pool = Buffer.allocUnsafe(POOL_BYTES);
  let used = POOL_BYTES;
  return (bytes: number) => {
    if (bytes > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(bytes));
    if (used + bytes > POOL_BYTES) {
      randomFillSync(pool);
      used = 0;
    }
    // A copy: callers keep these (session keys' inputs, IVs) and the pool is refilled in place.
    const out = Buffer.from(pool.subarray(used, used + bytes));
    used += bytes;
    return out;
  };
}

/** One pool for the process. */
export const randomBytesPooled = pooledRandom();
