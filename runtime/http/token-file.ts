// An HTTP API's bearer token (RFC 6750) kept in a file: one word, or made (32 random bytes, base64url) into the file
// when it is missing, readable by its owner only (mode 0600). Which file, and whether a token is asked for at all, is
// each API's choice.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

/** The token in `file`, made when missing; `name` ("control token") names it when the file holds no single word. */
export function readOrMakeToken(file: string, name = 'token'): string {
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
  if (!/^\S+$/.test(token)) throw new Error(`${file}: a ${name} is one word (no spaces), and this file holds ${token === '' ? 'nothing' : 'more'}`);
  return token;
}
