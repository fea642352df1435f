// bmcfleet rmc trust: tells the RMCs of an emulated fleet to trust a manager's key, through the fleet's control API
// (POST /rmcs/trust), so signed commands from that manager are obeyed without editing the fleet file.
import { UsageError, parse, str } from './args.js';
import { defaultStateDir } from './manager.js';
import { ApiClient, ApiError, isApiRoot } from './api-client.js';
import { loadOrCreateManagerKey } from '../orchestrator/manager/manager-key.js';
import { PUBLIC_KEY_LENGTH, keyIdOf } from '../protocols/rollout/keys.js';
import { UPLOAD_OPTIONS, uploadCommand } from './rmc-upload.js';

const HELP = `usage: bmcfleet rmc trust --fleet URL [--key BASE64 | --state DIR] [--fleet-token-file F] [--json]
       bmcfleet rmc upload --rmc IP --id N --image FILE --at TIME ...   (bmcfleet rmc upload --help)

A rack controller (RMC) obeys only commands signed by a manager key it trusts; it ignores, and counts, every
other one (unsigned, unknown key, bad signature, replayed). The fleet file gives the keys each emulated RMC
trusts at start (rollout: { managerKey: BASE64 }); "rmc trust" adds one at run time, to every RMC of the fleet.

options:
  --fleet URL           the emulated fleet's control API (what "bmcfleet emulate" printed: control http://...)
  --key BASE64          the manager's raw Ed25519 public key, ${PUBLIC_KEY_LENGTH} bytes in base64 (bmcfleet manager key)
  --state DIR           or the key of the manager whose state is in DIR (default ${defaultStateDir()})
  --fleet-token-file F  the control API's token, when it asks for one
  --json                print the control API's answer as JSON

examples:
  bmcfleet rmc trust --fleet http://127.0.0.1:8623
  bmcfleet rmc trust --fleet http://127.0.0.1:8623 --key "$(bmcfleet manager key --state /var/lib/bmcfleet)"
`;

const TRUST_OPTIONS = {
  fleet: { type: 'string' }, key: { type: 'string' }, state: { type: 'string' }, 'fleet-token-file': { type: 'string' }, json: { type: 'boolean' },
} as const;

export const rmcCommand = {
  options: { trust: TRUST_OPTIONS, upload: UPLOAD_OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (what === 'upload') return uploadCommand(rest);
    if (what !== 'trust') throw new UsageError(`unknown rmc command "${what}" (known: trust, upload)`);
    const { values } = parse(rest, TRUST_OPTIONS);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const fleet = str(values, 'fleet');
    if (fleet === undefined || !isApiRoot(fleet)) throw new UsageError('--fleet URL is required: the fleet\'s control API, e.g. http://127.0.0.1:8623');
    const key = trustedKey(str(values, 'key'), str(values, 'state'));
    const api = new ApiClient(fleet, str(values, 'fleet-token-file'), { what: 'the fleet\'s control API', flag: '--fleet', example: 'http://127.0.0.1:8623', hint: '' });
    const path = '/rmcs/trust';
    const body = await api.call('POST', path, { key }).catch((err: unknown) => {
      throw err instanceof ApiError ? new Error(`${api.url}${path}: ${err.message}`) : err;
    });
    const keyId = keyIdOf(Buffer.from(key, 'base64')).toString('hex');
    process.stdout.write(values.json ? `${JSON.stringify(body)}\n` : `the fleet's RMCs trust key ID ${keyId} (${key})\n`);
    return 0;
  },
};

/** --key checked, or the manager's own public key (made when missing, as `manager key` does). */
function trustedKey(given: string | undefined, stateDir: string | undefined): string {
  if (given !== undefined) {
    if (stateDir !== undefined) throw new UsageError('give --key or --state, not both');
    const raw = Buffer.from(given, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(given) || raw.length !== PUBLIC_KEY_LENGTH) {
      throw new UsageError(`--key must be a raw Ed25519 public key: ${PUBLIC_KEY_LENGTH} bytes in base64 (bmcfleet manager key prints it)`);
    }
    return raw.toString('base64');
  }
  return loadOrCreateManagerKey(stateDir ?? defaultStateDir()).rawPublicKey.toString('base64');
}
