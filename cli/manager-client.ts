// The `bmcfleet rollout` commands' side of the manager's HTTP API (orchestrator/manager/manager-api.ts): where it is
// (--manager URL, default http://127.0.0.1:4680), its token (--token-file), and one call that either answers or
// throws an error saying what the manager said, or that it could not be reached.
import { readFileSync } from 'node:fs';
import { UsageError, str, type Values } from './args.js';
import { errorOf, requestJson, UnreachableError } from '../orchestrator/manager/http-json.js';
import { systemClock } from '../runtime/clock.js';

export const DEFAULT_MANAGER_URL = 'http://127.0.0.1:4680';

/** The options every command talking to the manager takes, for parseArgs and for --help. */
export const MANAGER_OPTIONS = { manager: { type: 'string' }, 'token-file': { type: 'string' } } as const;
export const MANAGER_OPTIONS_HELP = `  --manager URL       the manager's API (default ${DEFAULT_MANAGER_URL}; what "bmcfleet manager serve" printed)
  --token-file F      the API's token, needed beyond loopback (the manager keeps it in STATE/api-token)`;

export class ManagerClient {
  readonly url: string;
  private readonly token: string | null;

  constructor(values: Values) {
    const url = str(values, 'manager') ?? DEFAULT_MANAGER_URL;
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) throw new UsageError(`--manager must be a URL such as ${DEFAULT_MANAGER_URL}, got "${url}"`);
    this.url = url.replace(/\/$/, '');
    this.token = tokenFromFile(str(values, 'token-file'));
  }

  /** The answer's body; throws naming the manager's error, or that it could not be reached. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let answer;
    try {
      answer = await requestJson(`${this.url}${path}`, { method, body, token: this.token, clock: systemClock });
    } catch (err) {
      if (err instanceof UnreachableError) throw new Error(`cannot reach the manager: ${err.message} (is "bmcfleet manager serve" running? --manager URL names another)`);
      throw err;
    }
    if (answer.status >= 400) throw new Error(errorOf(answer));
    return answer.body as T;
  }
}

/** The one word in a token file (an API's bearer token), null when no file is given. */
export function tokenFromFile(file: string | undefined): string | null {
  if (file === undefined) return null;
  const token = readFileSync(file, 'utf8').trim();
  if (!/^\S+$/.test(token)) throw new UsageError(`${file}: a token file holds one word`);
  return token;
}
