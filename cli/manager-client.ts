// The `bmcfleet rollout` commands' side of the manager's HTTP API (orchestrator/manager/manager-api.ts): where it is
// (--manager URL, default http://127.0.0.1:4680) and its token (--token-file).
import { str, type Values } from './args.js';
import { ApiClient } from './api-client.js';

export const DEFAULT_MANAGER_URL = 'http://127.0.0.1:4680';

/** The options every command talking to the manager takes, for parseArgs and for --help. */
export const MANAGER_OPTIONS = { manager: { type: 'string' }, 'token-file': { type: 'string' } } as const;
export const MANAGER_OPTIONS_HELP = `  --manager URL       the manager's API (default ${DEFAULT_MANAGER_URL}; what "bmcfleet manager serve" printed)
  --token-file F      the API's token, needed beyond loopback (the manager keeps it in STATE/api-token)`;

export class ManagerClient extends ApiClient {
  constructor(values: Values) {
    super(str(values, 'manager') ?? DEFAULT_MANAGER_URL, str(values, 'token-file'), {
      what: 'the manager', flag: '--manager', example: DEFAULT_MANAGER_URL, hint: 'is "bmcfleet manager serve" running? --manager URL names another',
    });
  }
}
