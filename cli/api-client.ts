// One bmcfleet HTTP API as a command talks to it (the manager's, a fleet's control API): its root URL checked, its
// token from a file, and one call that either answers or throws an error saying what the API said, or that it could
// not be reached and what to check.
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { errorOf, requestJson, UnreachableError } from '../orchestrator/manager/http-json.js';
import { systemClock } from '../runtime/clock.js';

export interface ApiName {
  /** As errors name it: "the manager", "the fleet's control API". */
  what: string;
  /** The option that gives its URL, e.g. "--manager", and an example URL. */
  flag: string;
  example: string;
  /** What to check when it cannot be reached, e.g. 'is "bmcfleet manager serve" running?'; empty for nothing. */
  hint: string;
}

/** The API answered with an error status; the message is its {"error"}, with the status and the whole answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(message: string, status: number, body: unknown = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

export class ApiClient {
  readonly url: string;
  private readonly token: string | null;
  private readonly name: ApiName;

  /** `url`: the API's root (no path); a UsageError names `name.flag` when it is not one. */
  constructor(url: string, tokenFile: string | undefined, name: ApiName) {
    if (!isApiRoot(url)) throw new UsageError(`${name.flag} must be a URL such as ${name.example}, got "${url}"`);
    this.url = url.replace(/\/$/, '');
    this.token = tokenFromFile(tokenFile);
    this.name = name;
  }

  /** The answer's body; throws naming the API's error, or that it could not be reached. */
  async call<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    let answer;
    try {
      answer = await requestJson(`${this.url}${path}`, { method, body, token: this.token, clock: systemClock, timeoutMs });
    } catch (err) {
      if (err instanceof UnreachableError) throw new Error(`cannot reach ${this.name.what}: ${err.message}${this.name.hint ? ` (${this.name.hint})` : ''}`);
      throw err;
    }
    if (answer.status >= 400) throw new ApiError(errorOf(answer), answer.status, answer.body);
    return answer.body as T;
  }
}

/** An http(s) URL with nothing after the host: an API's root. */
export function isApiRoot(url: string): boolean {
  return /^https?:\/\/[^/\s]+\/?$/.test(url);
}

/** The one word in a token file (an API's bearer token), null when no file is given. */
export function tokenFromFile(file: string | undefined): string | null {
  if (file === undefined) return null;
  const token = readFileSync(file, 'utf8').trim();
  if (!/^\S+$/.test(token)) throw new UsageError(`${file}: a token file holds one word`);
  return token;
}
