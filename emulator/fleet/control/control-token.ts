// The control API's bearer token: read from a file, or made (32 random bytes, base64url) into it when it is missing,
// readable by its owner only. A token file given (--control-token-file) always applies; without one, the API asks for
// a token only when it listens beyond loopback, and keeps it in the state directory.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatHostPort } from '../../../runtime/host-port.js';
import type { FleetConfig } from '../fleet-config.js';
import { isLoopbackHost } from './loopback.js';

/** Where the token is kept in a state directory. */
export const TOKEN_FILE_NAME = 'control-token';

export interface ControlToken { token: string; file: string }

/** The token the control API asks for, null when it asks for none; throws when one is needed and has no place. */
export function controlToken(config: FleetConfig): ControlToken | null {
  const control = config.control;
  if (!control) return null;
  let file = config.controlTokenFile;
  if (file === null) {
    if (isLoopbackHost(control.host)) return null;
    if (config.stateDir === null) {
      throw new Error(`the control API on ${formatHostPort(control.host, control.port)} is reachable beyond this machine and needs a token: give --control-token-file FILE (or --state-dir DIR, to keep it in DIR/${TOKEN_FILE_NAME})`);
    }
    file = join(config.stateDir, TOKEN_FILE_NAME);
  }
  return { token: readOrMake(file), file };
}

function readOrMake(file: string): string {
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
  if (!/^\S+$/.test(token)) throw new Error(`${file}: a control token is one word (no spaces), and this file holds ${token === '' ? 'nothing' : 'more'}`);
  return token;
}
