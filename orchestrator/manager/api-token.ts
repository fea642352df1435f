// The manager API's bearer token (made and read by runtime/http/token-file.ts). Given with --token-file it always
// applies; without one the API asks for a token only beyond loopback, and keeps it in the state directory.
import { join } from 'node:path';
import { isLoopbackHost } from '../../runtime/http/loopback.js';
import { readOrMakeToken } from '../../runtime/http/token-file.js';

export const TOKEN_FILE_NAME = 'api-token';

/** The token the API on `host` asks for and its file, or null (loopback, no file given). */
export function apiToken(host: string, tokenFile: string | null, stateDir: string): { token: string; file: string } | null {
  const file = tokenFile ?? (isLoopbackHost(host) ? null : join(stateDir, TOKEN_FILE_NAME));
  return file === null ? null : { token: readOrMakeToken(file), file };
}
