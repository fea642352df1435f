// bmcfleet emulate: run a fleet of emulated BMCs (from a fleet file, or N on consecutive addresses) until
// SIGINT/SIGTERM, spread over shard processes, with a control API and Prometheus metrics.
import { USBIP_PORT } from '../protocols/usb-mass-storage/usbip-op.js';
import { SingleBar } from 'cli-progress';
import { LOG_OPTIONS_HELP, UsageError, integer, login, parse, str } from './args.js';
import { checkFleetDocument, loadFleetFile, type FleetConfig } from '../emulator/fleet/fleet-file.js';
import { redfishSection, type RedfishConfig } from '../emulator/fleet/schema/redfish.js';
import { Fleet } from '../emulator/fleet/fleet.js';
import { isLoopbackHost } from '../runtime/http/loopback.js';
import { fleetEnds, liveRackCount } from '../emulator/fleet/plan.js';
import { formatPath } from '../emulator/fleet/fleet-issues.js';
import { formatHostPort, parseHostPort } from '../runtime/host-port.js';
import { systemClock } from '../runtime/clock.js';
import { logSink, processLogger } from '../runtime/log.js';
import { fleetFileArg } from './package-info.js';
import { stopSignal } from './stop-signal.js';
import { DEFAULT_CONTROL_URL } from './ctl.js';
import { plural } from '../runtime/plural.js';

const HELP = `usage: bmcfleet emulate --config FLEET.yaml [--ipmi-port P] [--redfish-port P|none] [--shards N] [--control HOST:PORT]
                        [--state-dir DIR] [--control-token-file FILE] [--slp-port P] [--media-dir DIR]...
       bmcfleet emulate [--bmcs N] [--first-ip A] [--ipmi-port P] [--redfish-port P] [--user U] [--password W]

Runs emulated BMCs, each on its own IPv4 address and UDP port P, speaking RMCP, IPMI 1.5 and RMCP+
(IPMI 2.0) to real clients such as ipmitool. Prints one line starting with "ready" once every BMC
is serving; stops cleanly on Ctrl-C (SIGINT) or SIGTERM.

The fleet is either described by a fleet file (racks, address plan, credentials, hardware templates,
firmware, faults: see fleets/default.yaml, which \`npm start\` runs; \`bmcfleet fleet init\` writes a
starter, \`bmcfleet fleet validate FILE\` checks one) or, in the quick form, N BMCs on consecutive
addresses from A. Addresses ending in .0 or .255 are skipped (a real network's subnet and broadcast
addresses), so 300 BMCs from 127.1.0.1 end at 127.1.1.46. Large fleets are spread over several
processes (shards) to stay under the per-process file limit (one socket per BMC) and to use every
core; a shard that dies is restarted while the others keep serving.

options:
  --config FILE      the fleet file (YAML); "default" is the one shipped with bmcfleet, fleets/default.yaml
  --bmcs N           quick form: how many BMCs (default 4)
  --first-ip A       quick form: address of the first BMC (default 127.1.0.1; any 127.x.y.z works on
                     Linux without configuration)
  --user U           quick form: administrator user name on every BMC (default admin)
  --password W       quick form: its password (default "password"; or set BMCFLEET_PASSWORD)
  --allow-cipher-0   quick form: also offer cipher suite 0 (no authentication at all); off by default
  --max-sessions N   quick form: session table size per BMC (default 32)
  --ipmi-port P      UDP port of every BMC (default 623, the IPMI port: binding it needs root; use e.g.
                     9623 otherwise); overrides the fleet file
  --slp-port P       UDP port the fleet's iSNS server answers SLP on (isns.slp; default 427, the SLP
                     port: binding it needs root; use e.g. 10427 otherwise); overrides the fleet file
  --redfish-port P   TCP port of every BMC's Redfish service (HTTPS; 443 in fleets/default.yaml, which needs
                     root; use e.g. 8443 otherwise); overrides the fleet file, "none" turns Redfish off. In the
                     quick form it turns Redfish on, with the fleet file's defaults (README "Redfish")
  --shards N         processes to spread the BMCs over (default: 1 up to 1,000 BMCs, then one per
                     12,500 and at least 2); overrides the fleet file
  --control H:P      control API and /metrics address (default 127.0.0.1 on a free port, shown in the
                     ready line; "none" turns it off); overrides the fleet file. Beyond loopback
                     (e.g. 0.0.0.0:8623) it warns, and asks every request for a token
  --control-token-file FILE
                     the control API asks every request for the token in FILE (Authorization:
                     Bearer TOKEN); FILE is made with a new token (mode 0600) when missing. Without
                     it, a control API beyond loopback keeps its token in DIR/control-token
                     (--state-dir), and one on loopback asks for none
  --state-dir DIR    keep each BMC's users, SEL, boot options and firmware version in DIR (one JSON
                     file per BMC, mode 0600, written within a second of a change and on stop) and
                     load them at start (a file that cannot be read back is renamed *.bad-TIME and its
                     BMC starts from its defaults); overrides the fleet file
  --media-dir DIR    a folder local virtual media images may come from (repeat it for more); overrides
                     virtualMedia.mediaDirs. Default: DIR/media of --state-dir, the fleet file's
                     imageDir and the folder of its hostDisk. Any other file is refused (403)
${LOG_OPTIONS_HELP}
  -h, --help         this help

control API (HTTP + JSON):
  GET /bmcs, GET /bmcs/IP, PUT /bmcs/IP/faults, PUT /faults, POST /bmcs/IP/stall|reboot|power,
  GET /shards, GET /counters, GET /metrics (Prometheus). Bodies are sent as application/json;
  requests from web pages (an Origin other than the API's own, a Host naming another site) are refused.

examples:
  bmcfleet emulate --bmcs 100 --first-ip 127.1.0.1
  ipmitool -I lanplus -H 127.1.0.7 -U admin -P password chassis power status
  bmcfleet emulate --config fleets/default.yaml --ipmi-port 9623 --control 127.0.0.1:8623
  curl -X PUT -H 'content-type: application/json' -d '{"lossPercent": 5}' http://127.0.0.1:8623/bmcs/127.1.0.7/faults
`;

const OPTIONS = {
  config: { type: 'string' },
  bmcs: { type: 'string' },
  'first-ip': { type: 'string' },
  'ipmi-port': { type: 'string' },
  'slp-port': { type: 'string' },
  'redfish-port': { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  'allow-cipher-0': { type: 'boolean' },
  'max-sessions': { type: 'string' },
  shards: { type: 'string' },
  control: { type: 'string' },
  'state-dir': { type: 'string' },
  'control-token-file': { type: 'string' },
  'media-dir': { type: 'string', multiple: true },
} as const;

export const emulateCommand = {
  options: { '': OPTIONS },
  async run(argv: string[]): Promise<number> {
    const { values } = parse(argv, OPTIONS);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const config = configFrom(values);
    const log = processLogger();
    if (config.allowCipherSuite0) log.warn(SUITE_0_WARNING);
    const fleet = await Fleet.start(config, systemClock, { progress: progressReporter(), log: logSink(log) });
    // Fleet.start refuses a control API beyond loopback that has no token.
    if (fleet.control && !isLoopbackHost(config.control!.host)) {
      log.warn(`warning: the control API on ${fleet.control.url} is reachable beyond this machine; every request needs "Authorization: Bearer TOKEN", TOKEN in ${fleet.controlToken!.file}`);
    }
    const stopAsked = stopSignal(); // before the ready lines: with no handler, a SIGTERM would leave the shards behind
    process.stdout.write(`${readyLine(fleet)}\n`);
    const user = config.users[0];
    // the fleet as it runs: the changes the state directory kept were made again (a BMC removed then is not tried)
    const first = fleetEnds(fleet.config)?.first;
    if (first) {
      process.stdout.write(`${tryLine(first, config.ipmiPort, user)}\n`);
      if (config.redfish) process.stdout.write(`${redfishTryLine(first, config.redfish, user, fleet.redfishCaFile)}\n`);
      if (config.virtualMedia) process.stdout.write(`  virtual media: usbip${config.virtualMedia.port === USBIP_PORT ? '' : ` --tcp-port ${config.virtualMedia.port}`} list -r ${first}\n`);
    }
    if (fleet.control) process.stdout.write(`${ctlLine(fleet.control.url, fleet.controlToken?.file ?? null)}\n`);
    await stopAsked;
    await fleet.stop();
    process.stdout.write('stopped\n');
    return 0;
  },
};

/**
 * A line to paste into a shell. The built-in user's password is printed (it is in the README); a password from the
 * fleet file is not: the line asks for it, and ipmitool -E reads it from IPMI_PASSWORD.
 */
export function tryLine(ip: string, port: number, user: { name: string; password: string }): string {
  const target = `ipmitool -I lanplus -H ${ip}${port === 623 ? '' : ` -p ${port}`} -U ${user.name}`;
  return user.name === 'admin' && user.password === 'password'
    ? `  try: ${target} -P password chassis status`
    : `  try: read -rsp 'password of ${user.name}: ' IPMI_PASSWORD && export IPMI_PASSWORD && ${target} -E chassis status`;
}

/**
 * The bmcfleet ctl line for this fleet's control API: its URL unless it is ctl's default (a quick-form fleet or a
 * fleet file with `control: 127.0.0.1:0` gets a free port), and its token file when the API asks for a token.
 */
export function ctlLine(url: string, tokenFile: string | null): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
  return `  ctl: bmcfleet ctl${url === DEFAULT_CONTROL_URL ? '' : ` --control ${quote(url)}`}${tokenFile ? ` --token-file ${quote(tokenFile)}` : ''} list`;
}

/** A curl line reading the first BMC's system over Redfish; like tryLine, the password only when it is the built-in one. */
function redfishTryLine(ip: string, redfish: RedfishConfig, user: { name: string; password: string }, caFile: string | null): string {
  const builtIn = user.name === 'admin' && user.password === 'password';
  const defaultPort = redfish.tls ? 443 : 80;
  const url = `${redfish.tls ? 'https' : 'http'}://${ip}${redfish.port === defaultPort ? '' : `:${redfish.port}`}/redfish/v1/Systems/1`;
  return `  redfish: curl${caFile ? ` --cacert ${caFile}` : ''} -u ${user.name}${builtIn ? ':password' : ''} ${url}`;
}

const SUITE_0_WARNING = 'warning: cipher suite 0 is on: any client logs in with any password, and no packet is signed or encrypted';

type Values = Parameters<typeof str>[0];

function configFrom(values: Values): FleetConfig {
  const file = str(values, 'config');
  const quick = ['bmcs', 'first-ip', 'user', 'password', 'allow-cipher-0', 'max-sessions'].filter((k) => values[k] !== undefined);
  if (file && quick.length > 0) throw new UsageError(`--${quick[0]} is for the quick form; with --config, put it in the fleet file`);
  const config = file ? loadFleetFile(fleetFileArg(file)) : quickConfig(values);
  const port = str(values, 'ipmi-port');
  if (port !== undefined) config.ipmiPort = integer(port, 'ipmi-port', 623, 1, 65535);
  const slpPort = str(values, 'slp-port');
  if (slpPort !== undefined) {
    if (!config.isns?.slp) throw new UsageError('--slp-port needs a fleet file whose isns: section has slp:');
    config.isns.slp.port = integer(slpPort, 'slp-port', 427, 1, 65535);
  }
  const redfishPort = str(values, 'redfish-port');
  if (redfishPort === 'none') config.redfish = null;
  else if (redfishPort !== undefined) config.redfish = { ...(config.redfish ?? redfishSection.parse({})), port: integer(redfishPort, 'redfish-port', 443, 1, 65535) };
  const shards = str(values, 'shards');
  if (shards !== undefined) config.shards = integer(shards, 'shards', 0, 1, 64);
  const stateDir = str(values, 'state-dir');
  if (stateDir !== undefined) config.stateDir = stateDir;
  const mediaDirs = values['media-dir'];
  if (Array.isArray(mediaDirs)) {
    if (!config.virtualMedia) throw new UsageError('--media-dir needs a fleet file with a virtualMedia: section');
    config.virtualMedia.mediaDirs = mediaDirs.map(String);
  }
  const tokenFile = str(values, 'control-token-file');
  if (tokenFile !== undefined) config.controlTokenFile = tokenFile;
  const control = str(values, 'control');
  if (control === 'none') config.control = null;
  else if (control !== undefined) config.control = hostPort(control);
  return config;
}

/** The quick form's fleet: one rack, one administrator. A value the fleet's checks refuse is reported as its flag. */
function quickConfig(values: Values): FleetConfig {
  const admin = login(values);
  const { config, issues } = checkFleetDocument({
    users: [{ name: admin.username, password: admin.password }],
    security: {
      allowCipherSuite0: values['allow-cipher-0'] === true,
      maxSessions: integer(str(values, 'max-sessions'), 'max-sessions', 32, 1, 255),
    },
    racks: [{ name: 'rack-1', bmcs: integer(str(values, 'bmcs'), 'bmcs', 4, 1, 1_000_000), firstIp: str(values, 'first-ip') ?? '127.1.0.1' }],
  });
  if (config) return config;
  const flags: Record<string, string> = {
    'racks[0].firstIp': '--first-ip', 'racks[0].bmcs': '--bmcs', 'users[0].name': '--user',
    'users[0].password': values.password === undefined ? 'BMCFLEET_PASSWORD' : '--password', 'security.maxSessions': '--max-sessions',
  };
  throw new UsageError(issues.map((issue) => {
    const path = formatPath(issue.path ?? []);
    return `${flags[path] ?? path}: ${issue.message}`;
  }).join('\n'));
}

function hostPort(s: string): { host: string; port: number } {
  const hp = parseHostPort(s);
  if (!hp) throw new UsageError(`--control must be HOST:PORT (e.g. 127.0.0.1:8623) or "none", got "${s}"`);
  return hp;
}

function readyLine({ config, shards, targets, control, redfishCaFile }: Fleet): string {
  const n = shards.total;
  const bmcs = plural(n, 'BMC');
  const shardCount = shards.status().length;
  // `config` is the fleet as it runs: its ends and racks are those it serves (GET /bmcs lists the same)
  const ends = fleetEnds(config);
  const racks = liveRackCount(config);
  const where = !ends ? 'served' : racks === 1 ? `on ${ends.first}${n > 1 ? `-${ends.last}` : ''}` : `in ${racks} racks from ${ends.first} to ${ends.last}`;
  const hb = config.isns?.heartbeat;
  const beats = hb ? `, heartbeat to ${formatHostPort(hb.address, hb.port)} every ${hb.intervalSeconds} s` : '';
  const slp = targets?.slp ? `, SLP udp/${targets.slp.options.port} scope ${targets.slp.options.scopes.join(',')} multicast ${targets.slp.multicast}` +
    `${targets.slp.options.directoryAgent ? `, DA ${formatHostPort(targets.slp.options.directoryAgent.host, targets.slp.options.directoryAgent.port)}` : ''}` : '';
  const isns = targets ? `, iSNS ${formatHostPort(targets.address.host, targets.address.port)} (${plural(config.targets.length, 'target')}${beats}${slp})` : '';
  const rmcCount = config.racks.filter((r) => r.rmc).length;
  const rmcs = rmcCount > 0 ? `, ${plural(rmcCount, 'RMC')} udp/${config.rollout.port}` : '';
  const media = config.virtualMedia ? `, virtual media tcp/${config.virtualMedia.port}` : '';
  const rf = config.redfish;
  const redfish = rf ? `, redfish ${rf.tls ? 'https' : 'http'} tcp/${rf.port}${redfishCaFile ? ` (CA ${redfishCaFile})` : ''}` : '';
  return `ready: ${bmcs} ${where} udp/${config.ipmiPort} (${plural(shardCount, 'shard')})${media}${redfish}${rmcs}${isns}${control ? `, control ${control.url}` : ''}`;
}

/** A progress bar on a terminal; nothing when output goes to a file or a pipe (CI). */
function progressReporter(): ((bound: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let bar: SingleBar | null = null;
  return (bound, total) => {
    if (!bar) {
      bar = new SingleBar({ format: 'binding BMCs [{bar}] {value}/{total} {percentage}%', stream: process.stderr, clearOnComplete: true, hideCursor: true });
      bar.start(total, 0);
    }
    bar.update(bound);
    if (bound >= total) bar.stop();
  };
}
