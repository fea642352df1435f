// The manager's Ed25519 key (protocols/rollout/keys.ts): it signs every command and manifest the manager sends.
// Made on first use in the manager's state directory (PKCS#8 PEM, file 0600, directory 0700) and read back on every
// start after, so the RMCs that trust its public key keep trusting the manager across restarts.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { generateManagerKey, rawPublicKey, signingKeyFrom, type SigningKey } from '../../protocols/rollout/keys.js';

export const KEY_FILE_NAME = 'manager-key.pem';

export interface ManagerKey {
  signing: SigningKey;
  /** The 32 raw bytes RMCs trust; base64 is what a fleet file's rollout.managerKey takes. */
  rawPublicKey: Buffer;
  file: string;
  /** True when this call made the key. */
  created: boolean;
}

/** The key in `stateDir`, made (with the directory) when missing. A key file others may read is made private again. */
export function loadOrCreateManagerKey(stateDir: string): ManagerKey {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, KEY_FILE_NAME);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const { signing, rawPublicKey: raw } = generateManagerKey();
    const text = signing.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    return { signing, rawPublicKey: raw, file, created: true };
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  let signing: SigningKey;
  try {
    signing = signingKeyFrom(pem);
  } catch (err) {
    throw new Error(`${file} is not the manager's Ed25519 key (PKCS#8 PEM): ${(err as Error).message}`);
  }
  return { signing, rawPublicKey: rawPublicKey(createPublicKey(signing.privateKey)), file, created: false };
}
