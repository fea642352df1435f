// bmcfleet manager: the firmware manager (README "The rollout protocol"): `serve` runs its HTTP API over the rollout
// service until SIGINT/SIGTERM; `key` prints the public key RMCs must trust.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LOG_OPTIONS_HELP, UsageError, bmcLogin, integer, parse, str, type Values } from './args.js';
import { IpmiInstallBmc } from '../orchestrator/provisioning/ipmi-install-bmc.js';
import { InstallRunner } from '../orchestrator/provisioning/install-runner.js';
import { loadPolicyFile } from '../orchestrator/provisioning/policy.js';
import { poolHandOver } from '../orchestrator/provisioning/pool-hand-over.js';
import { ProvisionService } from '../orchestrator/provisioning/provision-service.js';
import { SqliteProvisioningStore } from '../orchestrator/store/sqlite-provisioning-store.js';
import { ClusterUpdates } from '../orchestrator/cluster-update/cluster-updates.js';
import { SqliteClusterUpdateStore } from '../orchestrator/store/cluster-update-store.js';
import { loadClusterFile, type ClusterFile } from '../orchestrator/cluster-update/cluster-file.js';
import { UpdateArrivals } from '../orchestrator/cluster-update/update-arrivals.js';
import { FeedWatcher } from '../orchestrator/cluster-update/update-feed.js';
import { DocumentError } from '../runtime/document/issues.js';
import { loadChapFile, type ChapAccounts } from '../orchestrator/bootcfg/chap-file.js';
import { readdirSync } from 'node:fs';
import { tokenFromFile } from './api-client.js';
import { KEY_FILE_NAME, loadOrCreateManagerKey } from '../orchestrator/manager/manager-key.js';
import { apiToken } from '../orchestrator/manager/api-token.js';
import { isLoopbackHost } from '../runtime/http/loopback.js';
import { startManagerApi } from '../orchestrator/manager/manager-api.js';
import { fetchFleetRmcs, loadRmcFile } from '../orchestrator/manager/rmc-inventory.js';
import type { RolloutRmc } from '../orchestrator/rollout/rollout-plan.js';
import { RolloutManager } from '../orchestrator/rollout/rollout-manager.js';
import { SqliteRolloutStore } from '../orchestrator/store/sqlite-rollout-store.js';
import { LOOPBACK_BROADCAST } from '../orchestrator/rollout/manager-socket.js';
import { DEFAULT_ROLLOUT_PORT } from '../protocols/rollout/header.js';
import { parseIpv4 } from '../protocols/ipv4.js';
import { parseHostPort } from '../runtime/host-port.js';
import { systemClock } from '../runtime/clock.js';
import { processLogger } from '../runtime/log.js';
import { startBootcfg, type Bootcfg } from '../orchestrator/bootcfg/start-bootcfg.js';
import { findIsnsServers } from '../clients/slp/slp-client.js';
import { plural } from '../runtime/plural.js';
import { stopSignal } from './stop-signal.js';

export const DEFAULT_LISTEN = '127.0.0.1:4680';
/** The manager's database in its state directory (bmcfleet rmc upload opens the same one). */
export const DB_FILE_NAME = 'rollouts.db';
/** The provisioning policy and pool file in the state directory, unless named. */
export const POLICY_FILE_NAME = 'policy.yaml';
export const POOL_FILE_NAME = 'pool.json';
const DEFAULT_INSTALL_CONCURRENCY = 20;
const DEFAULT_FEED_INTERVAL_S = 60;

/** $XDG_STATE_HOME/bmcfleet/manager, or ~/.local/state/bmcfleet/manager. */
export function defaultStateDir(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'bmcfleet', 'manager');
}

const HELP = `usage: bmcfleet manager serve [--state DIR] [--listen HOST:PORT] (--rmcs FILE | --fleet URL) [--broadcast A]
                              [--rmc-port P] [--token-file F] [--fleet-token-file F]
                              [--user U] [--password-file F] [--policy FILE] [--pool-file F] [--pool-webhook URL]
                              [--install-concurrency N] [--clusters DIR] [--update-feed DIR|URL] [--feed-interval S]
                              [--isns HOST:PORT | --isns-slp [--slp-scope S] [--slp-port P]] [--isns-listen A] [--bmc-port P]
                              [--chap-file F]
       bmcfleet manager key [--state DIR] [--json]

The firmware manager hands an HPM.1 image to the rack controllers (RMCs) it governs; each RMC flashes the
BMCs of its own rack at the flash time and reports every BMC's result (README "The rollout protocol").
"bmcfleet rollout" drives it.

  serve   runs the manager's HTTP API (JSON) until Ctrl-C (SIGINT) or SIGTERM; prints one line starting
          with "ready" once it serves. A rollout under way when it stops goes on when it starts again.
  key     prints the manager's public key in base64: what a fleet file's rollout.managerKey takes, and
          what "bmcfleet rmc trust" sends. Made (with the state directory) when missing.

options:
  --state DIR          the manager's state: its Ed25519 key (${KEY_FILE_NAME}, mode 0600), the rollouts
                       database (${DB_FILE_NAME}) and, beyond loopback, the API token (default ${defaultStateDir()})
  --listen HOST:PORT   where the API listens (default ${DEFAULT_LISTEN}). Beyond loopback (0.0.0.0:4680) every
                       request needs "Authorization: Bearer TOKEN", TOKEN in STATE/api-token (or --token-file)
  --rmcs FILE          the RMCs it governs: a YAML list of {id, ip, rack}, e.g.
                         - { id: 1, ip: 10.0.1.250, rack: rack-1 }
  --fleet URL          or those of an emulated fleet, read from its control API (GET URL/rmcs) at start
  --fleet-token-file F that control API's token, when it asks for one
  --broadcast A        where the Prepare is broadcast (default ${LOOPBACK_BROADCAST}: every emulated RMC on loopback)
  --rmc-port P         the RMCs' UDP port (default ${DEFAULT_ROLLOUT_PORT})
  --token-file F       ask every request for the token in F, on loopback too (made, mode 0600, when missing)
provisioning (bmcfleet provision run):
  --user U             the BMCs' user for installs (default admin)
  --password-file F    a file holding the BMCs' password (its first line); default: $BMCFLEET_PASSWORD, or
                       "password", the emulated fleets' default
  --policy FILE        the roles and what they install (default STATE/${POLICY_FILE_NAME}); read for each run
  --pool-file F        installed hosts are added to this JSON file (default STATE/${POOL_FILE_NAME})
  --pool-webhook URL   and POSTed here as JSON ({"event": "host-installed", "host": ...}, with an
                       Idempotency-Key header), tried again until it answers 2xx
  --install-concurrency N  hosts installing at once (default ${DEFAULT_INSTALL_CONCURRENCY}, Metal3's)
cluster updates (bmcfleet cluster-update):
  --clusters DIR       the clusters it knows: one cluster file (*.yaml) each, read when an update arrives
  --update-feed F      a folder of update descriptors, or an http(s) URL answering one (or {"updates": [URL...]}),
                       looked at every --feed-interval seconds (default ${DEFAULT_FEED_INTERVAL_S}); each new update is recorded with what
                       was decided for each cluster, and starts at once on a cluster with autoUpdate: true.
                       Alerts (POST /cluster-updates/alerts) arrive the same way.
iSCSI boot configuration (bmcfleet bootcfg):
  --isns HOST:PORT     the iSNS server whose targets hosts boot from: the manager registers with it as a control
                       node, follows its SCNs and keeps the targets in its database
  --isns-slp           or find it by SLP (service:iscsi:sms, as bmcfleet isns find --slp), at each connection
  --slp-scope S        the SLP scope (default DEFAULT); --slp-port P the SLP agents' UDP port (default 427)
  --isns-listen A      the address of the manager's SCN listener (default: --listen's host, 127.0.0.1 for 0.0.0.0)
  --bmc-port P         the BMCs' IPMI port for boot requests (default 623); --user and --password-file as above
  --chap-file F        the targets' CHAP accounts (YAML: IQN or IQN-prefix* -> { name, secret }): a host booting
                       from such a target gets its account as boot parameters 108/109, never saved or shown
  --json               key: print {publicKey, keyId, file}
${LOG_OPTIONS_HELP}

API: POST /rollouts, GET /rollouts, GET /rollouts/ID, POST /rollouts/ID/pause|resume|abort,
GET /rollouts/ID/report, GET /rmcs, POST /provision/runs, GET /provision/hosts, POST /cluster-updates, GET /cluster-updates,
GET /cluster-updates/ID, POST /cluster-updates/ID/pause|resume|abort, POST /cluster-updates/alerts,
GET /cluster-updates/arrivals, POST /bootcfg/requests, GET /bootcfg/requests[/HOST], DELETE /bootcfg/requests/HOST,
GET /bootcfg/targets. Errors are {"error": "...", "code": "ERR_..."}: 400 bad input (ERR_IMAGE,
ERR_FLASH_TIME, ERR_PLAN, an unknown rack or field), 404 unknown rollout (ERR_NO_ROLLOUT), 409 racks already in a
running rollout (ERR_RMCS_BUSY) or a rollout whose status forbids the action (ERR_STATE). Bodies are
application/json; requests from web pages are refused.

examples:
  bmcfleet manager key                                  # put it in the fleet file: rollout: { managerKey: ... }
  bmcfleet manager serve --fleet http://127.0.0.1:8623
  bmcfleet rollout start --image bmc-1.02.hpm --at +5m --racks 'rack-*'
`;

/** serve's options and key's (--state, --json), in one table. */
const OPTIONS = {
  state: { type: 'string' }, listen: { type: 'string' }, rmcs: { type: 'string' }, fleet: { type: 'string' },
  'fleet-token-file': { type: 'string' }, broadcast: { type: 'string' }, 'rmc-port': { type: 'string' },
  'token-file': { type: 'string' }, json: { type: 'boolean' }, user: { type: 'string' }, 'password-file': { type: 'string' },
  policy: { type: 'string' }, 'pool-file': { type: 'string' }, 'pool-webhook': { type: 'string' }, 'install-concurrency': { type: 'string' },
  clusters: { type: 'string' }, 'update-feed': { type: 'string' }, 'feed-interval': { type: 'string' },
  isns: { type: 'string' }, 'isns-slp': { type: 'boolean' }, 'slp-scope': { type: 'string' }, 'slp-port': { type: 'string' },
  'isns-listen': { type: 'string' }, 'bmc-port': { type: 'string' }, 'chap-file': { type: 'string' },
} as const;

export const managerCommand = {
  options: { '': OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (what !== 'serve' && what !== 'key') throw new UsageError(`unknown manager command "${what}" (known: serve, key)`);
    const { values } = parse(rest, OPTIONS);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    return what === 'key' ? printKey(values) : serve(values);
  },
};

function printKey(values: Values): number {
  const key = loadOrCreateManagerKey(str(values, 'state') ?? defaultStateDir());
  if (key.created) processLogger().info(`made a new manager key in ${key.file}`);
  const publicKey = key.rawPublicKey.toString('base64');
  process.stdout.write(values.json ? `${JSON.stringify({ publicKey, keyId: Buffer.from(key.signing.keyId).toString('hex'), file: key.file })}\n` : `${publicKey}\n`);
  return 0;
}

async function serve(values: Values): Promise<number> {
  const listen = parseHostPort(str(values, 'listen') ?? DEFAULT_LISTEN);
  if (!listen) throw new UsageError(`--listen must be HOST:PORT, e.g. ${DEFAULT_LISTEN}`);
  const broadcast = str(values, 'broadcast') ?? LOOPBACK_BROADCAST;
  try {
    parseIpv4(broadcast);
  } catch {
    throw new UsageError(`--broadcast must be an IPv4 address, got "${broadcast}"`);
  }
  const rmcPort = integer(str(values, 'rmc-port'), 'rmc-port', DEFAULT_ROLLOUT_PORT, 1, 65535);
  const chap = chapAccountsOf(values); // checked before anything starts: a mistake there must not leave sockets open
  const stateDir = str(values, 'state') ?? defaultStateDir();
  const key = loadOrCreateManagerKey(stateDir);
  const log = processLogger();
  if (key.created) log.info(`made a new manager key in ${key.file}: RMCs must trust ${key.rawPublicKey.toString('base64')}`);
  const token = apiToken(listen.host, str(values, 'token-file') ?? null, stateDir);
  const inventory = await governedRmcs(values);
  const store = new SqliteRolloutStore(join(stateDir, DB_FILE_NAME));
  const manager = await RolloutManager.open({ store, key: key.signing, clock: systemClock, broadcastAddress: broadcast, rmcPort });
  const resumed = manager.resumeAll();
  const provisioning = startProvisioning(values, stateDir);
  const bootcfg = await startBootcfgOf(values, stateDir, listen.host, chap);
  const api = await startManagerApi(manager, inventory, {
    host: listen.host, port: listen.port, token: token?.token ?? null, provision: provisioning.service, clusterUpdates: provisioning.updates,
    updateArrivals: provisioning.arrivals, ...(bootcfg ? { bootcfg: bootcfg.service } : {}),
  });
  if (!isLoopbackHost(listen.host)) {
    log.warn(`warning: the manager API on ${api.url} is reachable beyond this machine; every request needs "Authorization: Bearer TOKEN", TOKEN in ${token!.file}`);
  }
  if (resumed.length > 0) process.stdout.write(`resumed rollout${resumed.length === 1 ? '' : 's'} ${resumed.join(', ')}\n`);
  if (bootcfg && bootcfg.resumed > 0) process.stdout.write(`resumed the boot request${bootcfg.resumed === 1 ? '' : 's'} of ${plural(bootcfg.resumed, 'host')}\n`);
  if (provisioning.resumed > 0) process.stdout.write(`resumed the install${provisioning.resumed === 1 ? '' : 's'} of ${plural(provisioning.resumed, 'host')}\n`);
  const boot = bootcfg ? `, iSNS ${bootcfg.inventory.inventories > 0 ? plural(bootcfg.service.disks().length, 'boot disk') : 'not reached yet'}` : '';
  const stopAsked = stopSignal(); // before the ready line: see stop-signal.ts
  process.stdout.write(`ready: manager API ${api.url}, ${plural(inventory.length, 'RMC')}${boot}, key ID ${Buffer.from(key.signing.keyId).toString('hex')}, state ${stateDir}\n`);
  await stopAsked;
  await api.close();
  manager.close();
  provisioning.close();
  await bootcfg?.close();
  store.close();
  process.stdout.write('stopped\n');
  return 0;
}

/**
 * The installs (provision run) and cluster updates, on the manager's database: every install and update it holds
 * unfinished is taken up again at once.
 */
function startProvisioning(values: Values, stateDir: string): { service: ProvisionService; updates: ClusterUpdates; arrivals: UpdateArrivals; resumed: number; close(): void } {
  const login = bmcLogin(values);
  const policyFile = str(values, 'policy') ?? join(stateDir, POLICY_FILE_NAME);
  const webhook = str(values, 'pool-webhook') ?? null;
  if (webhook !== null && !/^https?:\/\//.test(webhook)) throw new UsageError(`--pool-webhook must be an http(s) URL, got "${webhook}"`);
  const dbFile = join(stateDir, DB_FILE_NAME);
  const store = new SqliteProvisioningStore(dbFile);
  const updateStore = new SqliteClusterUpdateStore(dbFile);
  let updates: ClusterUpdates | null = null;
  const runner = new InstallRunner({
    store, clock: systemClock,
    bmcFor: (h) => new IpmiInstallBmc({ ...login, host: h.address, port: h.port, clock: systemClock }),
    handOver: poolHandOver({ file: str(values, 'pool-file') ?? join(stateDir, POOL_FILE_NAME), webhook }),
    concurrency: integer(str(values, 'install-concurrency'), 'install-concurrency', DEFAULT_INSTALL_CONCURRENCY, 1, 10_000),
    onChange: (host) => updates?.hostChanged(host),
  });
  updates = new ClusterUpdates({ store: updateStore, hosts: store, runner, clock: systemClock });
  const resumed = runner.resume();
  updates.resumeAll();
  const clustersDir = str(values, 'clusters') ?? null;
  const arrivals = new UpdateArrivals({ store: updateStore, updates, clock: systemClock, clusters: () => (clustersDir === null ? [] : readClusters(clustersDir)) });
  const feed = str(values, 'update-feed');
  const watcher = feed === undefined ? null : new FeedWatcher({
    feed, arrivals, clock: systemClock, intervalMs: integer(str(values, 'feed-interval'), 'feed-interval', DEFAULT_FEED_INTERVAL_S, 1, 86_400) * 1000,
    onProblem: (message) => processLogger().warn(message),
  });
  void watcher?.start();
  return {
    service: new ProvisionService({ store, runner, policy: () => loadPolicyFile(policyFile) }),
    updates,
    arrivals,
    resumed,
    close: () => { watcher?.stop(); runner.close(); store.close(); updateStore.close(); },
  };
}

/** --chap-file's accounts (none without it); its mistakes, with their lines and columns, are usage errors. */
function chapAccountsOf(values: Values): ChapAccounts | undefined {
  const file = str(values, 'chap-file');
  if (file === undefined) return undefined;
  if (str(values, 'isns') === undefined && !values['isns-slp']) throw new UsageError('--chap-file is for boot requests: give --isns or --isns-slp too');
  try {
    return loadChapFile(file);
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    throw new UsageError(`--chap-file: ${err.message}`);
  }
}

/** The boot-configuration flow when --isns or --isns-slp says where the iSNS server is; null otherwise. */
async function startBootcfgOf(values: Values, stateDir: string, apiHost: string, chap: ChapAccounts | undefined): Promise<Bootcfg | null> {
  const fixed = str(values, 'isns');
  if (fixed !== undefined && values['isns-slp']) throw new UsageError('--isns and --isns-slp: give one of them');
  if (fixed === undefined && !values['isns-slp']) return null;
  const at = fixed === undefined ? null : parseHostPort(fixed);
  if (fixed !== undefined && (at === null || at.port === 0)) throw new UsageError(`--isns must be HOST:PORT, e.g. 127.0.0.1:3205, got "${fixed}"`);
  const slpPort = integer(str(values, 'slp-port'), 'slp-port', 427, 1, 65535);
  const scopes = [str(values, 'slp-scope') ?? 'DEFAULT'];
  const server = at !== null ? async () => at : async () => {
    const found = await findIsnsServers({ scopes, port: slpPort });
    if (found.length === 0) throw new Error(`no iSNS server answered SLP (service:iscsi:sms, scope ${scopes[0]}, UDP ${slpPort})`);
    return { host: found[0].host, port: found[0].port };
  };
  const listenHost = str(values, 'isns-listen') ?? (apiHost === '0.0.0.0' || apiHost === '::' ? '127.0.0.1' : apiHost);
  return startBootcfg({
    dbFile: join(stateDir, DB_FILE_NAME), clock: systemClock, server, listenHost, login: bmcLogin(values),
    ipmiPort: integer(str(values, 'bmc-port'), 'bmc-port', 623, 1, 65535), ...(chap ? { chap } : {}),
    onProblem: (message) => processLogger().warn(`bootcfg: ${message}`),
  });
}

/** Every cluster file in `dir`; one with mistakes is left out, and said so in the log. */
function readClusters(dir: string): ClusterFile[] {
  const out: ClusterFile[] = [];
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    try {
      out.push(loadClusterFile(join(dir, f)));
    } catch (err) {
      if (!(err instanceof DocumentError)) throw err;
      processLogger().warn(err.message);
    }
  }
  return out;
}

async function governedRmcs(values: Values): Promise<RolloutRmc[]> {
  const file = str(values, 'rmcs');
  const fleet = str(values, 'fleet');
  if ((file === undefined) === (fleet === undefined)) throw new UsageError('give the RMCs the manager governs: --rmcs FILE or --fleet URL (one of them)');
  if (file !== undefined) return loadRmcFile(file);
  return fetchFleetRmcs(fleet!, systemClock, tokenFromFile(str(values, 'fleet-token-file')));
}
