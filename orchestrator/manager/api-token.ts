// The manager API's bearer token (RFC 6750): one word in a file, made (32 random bytes, base64url, mode 0600) when
// the file is missing. Given with --token-file it always applies; without one the API asks for a token only beyond
// loopback, and keeps it in the state directory.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopbackHost } from './http-guard.js';

export const TOKEN_FILE_NAME = 'api-token';

/** The token in `file`, made when missing. */
export function readOrMakeToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const token = randomBytes(32).toString('base64url');
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  }
  const token = text.trim();
  if (!/^\S+$/.test(token)) throw new Error(`${file}: a token is one word (no spaces), and this file holds ${token === '' ? 'nothing' : 'more'}`);
  return token;
}

/** The token the API on `host` asks for and its file, or null (loopback, no file given). */
export function apiToken(host: string, tokenFile: string | null, stateDir: string): { token: string; file: string } | null {
  const file = tokenFile ?? (isLoopbackHost(host) ? null : join(stateDir, TOKEN_FILE_NAME));
  return file === null ? null : { token: readOrMakeToken(file), file };
}
