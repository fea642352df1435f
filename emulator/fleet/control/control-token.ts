// The control API's bearer token (made and read by runtime/http/token-file.ts). A token file given
// (--control-token-file) always applies; without one, the API asks for a token only when it listens beyond loopback,
// and keeps it in the state directory.
import { join } from 'node:path';
import { formatHostPort } from '../../../runtime/host-port.js';
import { isLoopbackHost } from '../../../runtime/http/loopback.js';
import { readOrMakeToken } from '../../../runtime/http/token-file.js';
import type { FleetConfig } from '../fleet-config.js';

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
  return { token: readOrMakeToken(file, 'control token'), file };
}
