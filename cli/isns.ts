// bmcfleet isns: an iSNS server (RFC 4171) for the fleet's iSCSI targets, and a client to look at and
// change any iSNS server (ours or open-isns isnsd): list, register, deregister, discovery domains.
import { UsageError, integer, parse, str, type Values } from './args.js';
import { IsnsServer } from '../emulator/isns/server.js';
import { REGISTRY_LIMITS, SERVER_LIMITS, type LimitSpec } from '../emulator/isns/limits.js';
import type { HeartbeatConfig } from '../emulator/isns/heartbeat-sender.js';
import { DEFAULT_ISNS_SLP, isnsServiceAgent, type IsnsSlpConfig } from '../emulator/isns/isns-slp.js';
import { formatHostPort, parseHostPort } from '../runtime/host-port.js';
import { HeartbeatTimeoutError, discoverIsnsServer, type HeartbeatSeen } from '../clients/isns/heartbeat-listener.js';
import { IsnsClient, IsnsConnectionError, IsnsStatusError, type DdInfo, type EntitySpec, type NodeInfo } from '../clients/isns/isns-client.js';
import { NodeType } from '../protocols/isns/attributes.js';
import { LunState, type LunInfo } from '../protocols/isns/vendor-lun.js';
import { findIsnsServers } from '../clients/slp/slp-client.js';
import { FIND_OPTIONS, FIND_OPTIONS_HELP, findOptions, runFind } from './slp.js';
import { plural } from '../runtime/plural.js';
import { stopSignal } from './stop-signal.js';

const DEFAULT_SOURCE = 'iqn.2026-11.org.bmcfleet:cli'; // the naming authority the emulated targets use
const DEFAULT_HEARTBEAT_INTERVAL = 5;
const DEFAULT_DISCOVER_TIMEOUT = 3 * DEFAULT_HEARTBEAT_INTERVAL;

/** The options every client subcommand takes (CLIENT_OPTIONS). */
const CLIENT_OPTIONS_HELP = `  --server HOST:PORT   the iSNS server (default 127.0.0.1:3205)
  --source IQN         the iSCSI Name the requests come from (default ${DEFAULT_SOURCE});
                       servers answer queries with what this node may see
  --udp                talk UDP instead of TCP
  --json               machine-readable output (one JSON value)
`;

const HELP = `usage: bmcfleet isns <serve|discover|find|list|register|deregister|dd|dds> [options]   (bmcfleet isns <sub> --help)

iSNS (RFC 4171) is the name service iSCSI targets and initiators use to find each other: targets
register their portals (IP:port) and nodes (iSCSI names), initiators ask which targets they may see.
Visibility is controlled by discovery domains (DDs): nodes see the nodes they share a DD with.

  serve       run an iSNS server on TCP and UDP (the emulated fleet's targets register here)
  discover    wait for an iSNS server's heartbeat and print where it serves
  find        find iSNS servers by SLP (multicast, or a Directory Agent)
  list        show the nodes a server knows, with portals and LUN attributes (or its DDs)
  register    register a target or initiator with its portals and LUNs
  deregister  remove a node or a whole entity
  dd          create, extend, shrink, delete and list discovery domains
  dds         group DDs in DD sets and switch them on and off (not isnsd: it answers 15)

Every client subcommand works against any iSNS server, including open-isns isnsd. Client options:
${CLIENT_OPTIONS_HELP}
examples:
  bmcfleet isns serve --listen 127.0.0.1:3205 --state-dir /var/lib/bmcfleet/isns
  bmcfleet isns register --server 127.0.0.1:3205 --name iqn.2024-01.lab:disk1 --type target \\
      --portal 127.1.0.7:3260 --lun 0:8GiB:online --alias disk1
  bmcfleet isns list --server 127.0.0.1:3205 --json
  bmcfleet isns dd create --server 127.0.0.1:3205 --name rack1 --member iqn.2024-01.lab:disk1 --member iqn.2024-01.lab:host1
`;

const SERVE_HELP = `usage: bmcfleet isns serve --listen HOST:PORT [--state-dir DIR] [--no-udp] [--registration-period S] [--default-dd]
                          [--heartbeat HOST:PORT [--heartbeat-interval S]]
                          [--slp [--slp-scope S]... [--slp-port P] [--slp-da HOST:PORT]] [--LIMIT N]...

Serves iSNS on TCP and UDP at HOST:PORT (3205 is the iSNS port). Prints one line starting with "ready"
once it serves; stops cleanly on Ctrl-C (SIGINT) or SIGTERM, saving the state directory.

Registrations expire when their entity is not refreshed within its registration period (a client
re-registers or sends any request); portals that register an ESI port and interval are polled and
dropped after 3 unanswered inquiries. Nodes that register for State Change Notifications (SCNReg, with
an SCN port on a portal of their entity) are told about nodes added, updated or removed and DD
membership changes. DD sets (DDSReg/DDSDereg) switch DDs on and off: a DD in sets shows its members to
each other only while one of its sets is enabled (a DD in no set is always on; a new set is disabled
unless registered with DD_Set Status enabled).

Heartbeats (RFC 4171 §5.6.5.14, off by default, as in open-isns isnsd): with --heartbeat the server
sends a small UDP message every interval to HOST:PORT (one client, a broadcast address such as
255.255.255.255, or a multicast group such as 239.1.1.1, sent with TTL 1) that says "an iSNS server
serves at this IP, TCP port, UDP port". Clients that were given no server address find it that way
(bmcfleet isns discover), and notice it is gone when the heartbeats stop. Each carries a counter, so
a listener also sees heartbeats that were lost. Send errors are counted, never fatal.

SLP (RFC 2608, off by default, as in Debian's isnsd): with --slp the server answers Service Requests for
service:iscsi:sms with the predicate (protocols=isns), as open-isns clients ask ("ServerAddress = SLP:"),
on UDP 427 and on the multicast group 239.255.255.253 joined on 127.0.0.1; with --slp-da it also registers
with that SLP Directory Agent. bmcfleet isns find --slp finds it.

options:
  --listen HOST:PORT       address to serve on (required)
  --state-dir DIR          keep the database in DIR/isns-registry.json (written within a second of a
                           change and on stop) and load it at start; registration periods restart at load
  --no-udp                 TCP only
  --registration-period S  period granted when a client asks for none (default 7200 s; 0: the longest allowed,
                           --max-registration-period)
  --default-dd             nodes in no DD see each other (open-isns isnsd's DefaultDiscoveryDomain = 1)
  --heartbeat HOST:PORT    send heartbeats there (unicast, broadcast or multicast address)
  --heartbeat-interval S   seconds between heartbeats (default ${DEFAULT_HEARTBEAT_INTERVAL}; a whole number, 1 to 86400)
  --slp                    answer SLP (scope DEFAULT unless --slp-scope is given)
  --slp-scope S            an SLP scope to be found in (repeatable)
  --slp-port P             UDP port of the SLP agent (default 427, the SLP port: needs root)
  --slp-da HOST:PORT       register with this SLP Directory Agent (bmcfleet slp da runs one)

limits, so that no single client can exhaust the server (a source is a client's address; an IPv6 one counts
by its /64). Sizes in bytes, times in ms, periods in seconds:
${limitHelp(SERVER_LIMITS)}${limitHelp(REGISTRY_LIMITS)}
example:
  bmcfleet isns serve --listen 127.0.0.1:3205 --state-dir ./isns-state &
  isnsadm -c isnsadm.conf --list nodes      # isnsadm.conf: ServerAddress = 127.0.0.1:3205, Security = 0
  bmcfleet isns serve --listen 0.0.0.0:3205 --heartbeat 239.1.1.1:3205   # then, on a client:
  bmcfleet isns discover --listen 239.1.1.1:3205
`;

const DISCOVER_HELP = `usage: bmcfleet isns discover --listen HOST:PORT [--timeout S] [--json]

Waits for one iSNS heartbeat (RFC 4171 §5.6.5.14) on HOST:PORT and prints the server it announces:
its IP address, TCP and UDP ports (UDP 0: TCP only), heartbeat interval and counter, and where the
heartbeat came from. The server must send them (bmcfleet isns serve --heartbeat HOST:PORT). HOST is
an address of this machine, 0.0.0.0 to hear broadcasts, or a multicast group to join.
Exits 1 when none arrives within the timeout.

options:
  --listen HOST:PORT   where to listen (required)
  --timeout S          give up after S seconds (default ${DEFAULT_DISCOVER_TIMEOUT}: three heartbeats at serve's default interval)
  --json               machine-readable output (one JSON value)
`;

const FIND_HELP = `usage: bmcfleet isns find --slp [--scope S]... [--da HOST:PORT] [--port P] [--interface A] [--timeout S] [--json]

Finds iSNS servers by SLP (RFC 2608, RFC 4018), as open-isns clients do with "ServerAddress = SLP:": a Service
Request for service:iscsi:sms with the predicate (protocols=isns), multicast to 239.255.255.253 (or unicast to a
Directory Agent), and prints each server's address and port. The fleet's iSNS server answers when its fleet
file has isns.slp. Exits 1 when none answers.
  --slp             find by SLP (the only way for now; heartbeats: bmcfleet isns discover)
${FIND_OPTIONS_HELP}`;

const LIST_HELP = `usage: bmcfleet isns list --server HOST:PORT [--source IQN] [--dds] [--json]

Lists the nodes the server lets --source see (DevGetNext over iSCSI names, then one DevAttrQry per
node): name, type, alias, entity, portals, and the LUN attributes (vendor tags 641-643 carrying
bmcfleet's OUI prefix 42-4D-46) that emulated targets publish. With --dds, the discovery domains and
their members instead.
Note: servers show a node only what it shares a DD with; register --source as a control node
(bmcfleet isns register --name IQN --type control) to see everything on our server.

options:
${CLIENT_OPTIONS_HELP}`;

const REGISTER_HELP = `usage: bmcfleet isns register --server HOST:PORT --name IQN --type target|initiator|control
                             [--alias A] [--portal IP:PORT]... [--lun N[:SIZE[:STATE]]]...
                             [--eid EID] [--period S] [--replace] [--json]

Registers a storage node (DevAttrReg) in an entity with the given portals. The node itself is the
source of the request. Without --eid the server picks the entity ID (or reuses the node's).
  --portal IP:PORT   a portal (repeatable; add /udp for UDP)
  --lun N:SIZE:STATE a LUN attribute group (repeatable): SIZE in bytes or with KiB/MiB/GiB/TiB,
                     STATE online|offline|busy|unknown (vendor tags 641-643 with bmcfleet's OUI prefix;
                     isnsd refuses attributes it does not define, so leave --lun out there)
  --period S         registration period asked for (the server may shorten it)
  --replace          replace the entity's objects instead of adding (the Replace flag)
${CLIENT_OPTIONS_HELP}`;

const DEREGISTER_HELP = `usage: bmcfleet isns deregister --server HOST:PORT (--name IQN | --eid EID) [--source IQN]

Removes one node (DevDereg with its iSCSI Name) or a whole entity and everything in it. The source must
belong to the entity (default: the node named by --name).

options:
${CLIENT_OPTIONS_HELP}`;

const DD_HELP = `usage: bmcfleet isns dd create --server HOST:PORT [--name X] --member IQN...
       bmcfleet isns dd add    --server HOST:PORT --id N --member IQN...
       bmcfleet isns dd remove --server HOST:PORT --id N --member IQN...
       bmcfleet isns dd delete --server HOST:PORT --id N
       bmcfleet isns dd list   --server HOST:PORT [--json]

Discovery domains (DDReg / DDDereg): nodes that share a DD can see each other.

options:
${CLIENT_OPTIONS_HELP}`;

const DDS_HELP = `usage: bmcfleet isns dds create  --server HOST:PORT [--name X] --dd N... [--enabled]
       bmcfleet isns dds enable  --server HOST:PORT --id N
       bmcfleet isns dds disable --server HOST:PORT --id N
       bmcfleet isns dds delete  --server HOST:PORT --id N

Discovery domain sets (DDSReg / DDSDereg, RFC 4171 §5.6.5.11-12): a DD that is in one or more sets shows
its members to each other only while one of those sets is enabled; a DD in no set is always on. A new set
is disabled unless created with --enabled, so creating one switches its DDs off. When a DD goes on or off,
each member registered for SCNs is told. open-isns isnsd does not support sets (status 15).

options:
${CLIENT_OPTIONS_HELP}`;

/** maxConnectionsPerSource -> max-connections-per-source: each limit of limits.ts is an option of serve. */
function optionName(limit: string): string {
  return limit.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function limitHelp(table: Record<string, LimitSpec>): string {
  return Object.entries(table).map(([name, spec]) => {
    const words = [...spec.about.split(' '), `(default ${spec.default})`];
    const lines = [`  --${optionName(name)} N`.padEnd(37)];
    for (const w of words) {
      if (lines[lines.length - 1].length + w.length + 1 > 118) lines.push(' '.repeat(37));
      lines[lines.length - 1] += `${lines[lines.length - 1].endsWith(' ') ? '' : ' '}${w}`;
    }
    return `${lines.join('\n')}\n`;
  }).join('');
}

const limitOptions = (table: Record<string, LimitSpec>) => Object.fromEntries(Object.keys(table).map((k) => [optionName(k), { type: 'string' as const }]));

/** The limits of `table` from the command line, each within its range, the default when not given. */
function limits<T extends Record<string, LimitSpec>>(table: T, values: Values): { [K in keyof T]: number } {
  return Object.fromEntries(Object.entries(table).map(([k, spec]) =>
    [k, integer(str(values, optionName(k)), optionName(k), spec.default, spec.min, spec.max)])) as { [K in keyof T]: number };
}

function hostPort(spec: string | undefined, what: string, fallback?: string): { host: string; port: number } {
  const s = spec ?? fallback;
  if (!s) throw new UsageError(`--${what} HOST:PORT is required`);
  const hp = parseHostPort(s);
  if (!hp) throw new UsageError(`--${what} must be HOST:PORT (an IPv6 address in brackets), got "${s}"`);
  if (hp.port < 1) throw new UsageError(`--${what} needs a port from 1 to 65535, got "${s}"`);
  return hp;
}

const list = (values: Values, name: string): string[] => {
  const v = (values as Record<string, unknown>)[name];
  return Array.isArray(v) ? v as string[] : typeof v === 'string' ? [v] : [];
};

const UNITS: Record<string, bigint> = { '': 1n, b: 1n, kib: 1n << 10n, mib: 1n << 20n, gib: 1n << 30n, tib: 1n << 40n };
const STATES: Record<string, number> = { unknown: LunState.UNKNOWN, online: LunState.ONLINE, offline: LunState.OFFLINE, busy: LunState.BUSY };

export function parseLun(spec: string): LunInfo {
  const [n, size, state] = spec.split(':');
  const lun = integer(n, 'lun', -1, 0, 16383);
  const out: LunInfo = { lun };
  if (size) {
    const m = /^(\d+)\s*([a-z]*)$/i.exec(size);
    const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
    if (!m || unit === undefined) throw new UsageError(`--lun size "${size}" must be bytes or a number with KiB/MiB/GiB/TiB`);
    out.sizeBytes = BigInt(m[1]) * unit;
  }
  if (state) {
    if (!(state.toLowerCase() in STATES)) throw new UsageError(`--lun state "${state}" must be one of ${Object.keys(STATES).join(', ')}`);
    out.state = STATES[state.toLowerCase()];
  }
  return out;
}

const TYPES: Record<string, number> = { target: NodeType.TARGET, initiator: NodeType.INITIATOR, control: NodeType.CONTROL };
const typeName = (t: number) => Object.entries(TYPES).filter(([, b]) => t & b).map(([n]) => n).join('+') || String(t);
const stateName = (s: number | undefined) => s === undefined ? undefined : Object.entries(STATES).find(([, v]) => v === s)?.[0] ?? String(s);

const CLIENT_OPTIONS = { server: { type: 'string' }, source: { type: 'string' }, udp: { type: 'boolean' }, json: { type: 'boolean' } } as const;

/** Each subcommand's options. */
const OPTIONS = {
  serve: {
    listen: { type: 'string' }, 'state-dir': { type: 'string' }, 'no-udp': { type: 'boolean' }, 'registration-period': { type: 'string' },
    'default-dd': { type: 'boolean' }, heartbeat: { type: 'string' }, 'heartbeat-interval': { type: 'string' },
    slp: { type: 'boolean' }, 'slp-scope': { type: 'string', multiple: true }, 'slp-port': { type: 'string' }, 'slp-da': { type: 'string' },
    ...limitOptions(SERVER_LIMITS), ...limitOptions(REGISTRY_LIMITS),
  },
  discover: { listen: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' } },
  find: { ...FIND_OPTIONS, slp: { type: 'boolean' } },
  list: { ...CLIENT_OPTIONS, dds: { type: 'boolean' } },
  register: {
    ...CLIENT_OPTIONS, name: { type: 'string' }, type: { type: 'string' }, alias: { type: 'string' }, portal: { type: 'string', multiple: true },
    lun: { type: 'string', multiple: true }, eid: { type: 'string' }, period: { type: 'string' }, replace: { type: 'boolean' },
  },
  deregister: { ...CLIENT_OPTIONS, name: { type: 'string' }, eid: { type: 'string' } },
  dd: { ...CLIENT_OPTIONS, name: { type: 'string' }, id: { type: 'string' }, member: { type: 'string', multiple: true } },
  dds: { ...CLIENT_OPTIONS, name: { type: 'string' }, id: { type: 'string' }, dd: { type: 'string', multiple: true }, enabled: { type: 'boolean' } },
} as const;

async function withClient<T>(values: Values, source: string | undefined, fn: (c: IsnsClient) => Promise<T>): Promise<T> {
  const { host, port } = hostPort(str(values, 'server'), 'server', '127.0.0.1:3205');
  const c = await IsnsClient.connect({ host, port, source: source ?? str(values, 'source') ?? DEFAULT_SOURCE, transport: values.udp ? 'udp' : 'tcp' });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

function print(values: Values, json: unknown, text: string): void {
  process.stdout.write(values.json ? `${JSON.stringify(json, (_k, v) => typeof v === 'bigint' ? v.toString() : v)}\n` : text);
}

function nodeJson(n: NodeInfo) {
  return {
    name: n.name, type: typeName(n.type), ...(n.alias !== undefined ? { alias: n.alias } : {}), ...(n.eid ? { entity: n.eid } : {}),
    portals: n.portals.map((p) => `${p.ip}:${p.port}${p.udp ? '/udp' : ''}`),
    luns: n.luns.map((l) => ({ lun: l.lun, ...(l.sizeBytes !== undefined ? { sizeBytes: l.sizeBytes } : {}), ...(l.state !== undefined ? { state: stateName(l.state) } : {}) })),
  };
}

function nodeText(n: NodeInfo): string {
  const j = nodeJson(n);
  const luns = j.luns.map((l) => `lun ${l.lun}${l.sizeBytes !== undefined ? ` ${l.sizeBytes} B` : ''}${l.state ? ` ${l.state}` : ''}`).join(', ');
  return `${n.name}  ${j.type}${n.alias ? `  alias ${n.alias}` : ''}${n.eid ? `  entity ${n.eid}` : ''}\n` +
    `${j.portals.length ? `  portals ${j.portals.join(' ')}\n` : ''}${luns ? `  ${luns}\n` : ''}`;
}

const ddText = (d: DdInfo) => `DD ${d.id}${d.name ? ` "${d.name}"` : ''}: ${d.members.join(' ') || '(no members)'}\n`;

async function serve(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS.serve);
  if (values.help) { process.stdout.write(SERVE_HELP); return 0; }
  const { host, port } = hostPort(str(values, 'listen'), 'listen');
  const heartbeat = heartbeatOption(values);
  const server = new IsnsServer({
    host, port, udp: !values['no-udp'], stateDir: str(values, 'state-dir') ?? null, heartbeat, ...limits(SERVER_LIMITS, values),
    registry: {
      ...limits(REGISTRY_LIMITS, values),
      defaultRegistrationPeriod: integer(str(values, 'registration-period'), 'registration-period', 7200, 0, 86_400 * 365),
      defaultDiscoveryDomain: values['default-dd'] === true,
    },
  });
  const slpConfig = slpOption(values);
  await server.start();
  const agent = slpConfig && isnsServiceAgent(host, server.port, slpConfig, server.options.clock);
  try {
    await agent?.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
  const n = server.registry.store.nodes.size;
  const beats = heartbeat ? `, heartbeat to ${formatHostPort(heartbeat.address, heartbeat.port)} every ${heartbeat.intervalSeconds} s` : '';
  const slp = agent ? `, SLP udp/${agent.options.port} scope ${agent.options.scopes.join(',')} multicast ${agent.multicast}` : '';
  const stopAsked = stopSignal(); // before the ready line: see stop-signal.ts
  process.stdout.write(`ready: iSNS on ${formatHostPort(host, server.port)} tcp${values['no-udp'] ? '' : '+udp'}${n ? `, ${plural(n, 'node')} loaded` : ''}${beats}${slp}\n`);
  await stopAsked;
  await agent?.stop();
  await server.stop();
  return 0;
}

function slpOption(values: Values): IsnsSlpConfig | null {
  const scopes = list(values, 'slp-scope');
  const port = str(values, 'slp-port');
  const da = str(values, 'slp-da');
  if (!values.slp) {
    if (scopes.length || port !== undefined || da !== undefined) throw new UsageError('--slp-scope, --slp-port and --slp-da need --slp');
    return null;
  }
  return {
    ...DEFAULT_ISNS_SLP, ...(scopes.length ? { scopes } : {}), port: integer(port, 'slp-port', DEFAULT_ISNS_SLP.port, 1, 65535),
    directoryAgent: da ? hostPort(da, 'slp-da') : null,
  };
}

function heartbeatOption(values: Values): HeartbeatConfig | null {
  const interval = str(values, 'heartbeat-interval');
  if (!str(values, 'heartbeat')) {
    if (interval !== undefined) throw new UsageError('--heartbeat-interval needs --heartbeat HOST:PORT (where to send them)');
    return null;
  }
  const { host, port } = hostPort(str(values, 'heartbeat'), 'heartbeat');
  return { address: host, port, intervalSeconds: integer(interval, 'heartbeat-interval', DEFAULT_HEARTBEAT_INTERVAL, 1, 86_400) };
}

async function discover(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS.discover);
  if (values.help) { process.stdout.write(DISCOVER_HELP); return 0; }
  const { host, port } = hostPort(str(values, 'listen'), 'listen');
  const timeout = integer(str(values, 'timeout'), 'timeout', DEFAULT_DISCOVER_TIMEOUT, 1, 86_400);
  let seen: HeartbeatSeen;
  try {
    seen = await discoverIsnsServer(host, port, timeout);
  } catch (err) {
    if (!(err instanceof HeartbeatTimeoutError)) throw err;
    process.stderr.write(`bmcfleet isns discover: ${err.message} (does the server send them here? bmcfleet isns serve --heartbeat ${formatHostPort(host, port)})\n`);
    return 1;
  }
  const { address, tcpPort, udpPort, intervalSeconds, counter } = seen;
  print(values, { address, tcpPort, udpPort, intervalSeconds, counter, from: `${seen.from.address}:${seen.from.port}` },
    `iSNS server ${address} tcp ${tcpPort} udp ${udpPort || 'off'}, heartbeat every ${intervalSeconds} s, counter ${counter} (from ${seen.from.address}:${seen.from.port})\n`);
  return 0;
}

async function find(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS.find);
  if (values.help) { process.stdout.write(FIND_HELP); return 0; }
  if (!values.slp) throw new UsageError('isns find needs --slp (find by SLP); to wait for heartbeats, use bmcfleet isns discover');
  const list = await runFind('isns find', () => findIsnsServers(findOptions(values)));
  if (typeof list === 'number') return list;
  print(values, list, list.map((s) => `iSNS server ${formatHostPort(s.host, s.port)}  (${s.url}, from ${s.from})\n`).join('') || 'no iSNS server answered\n');
  return list.length > 0 ? 0 : 1;
}

async function listCmd(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS.list);
  if (values.help) { process.stdout.write(LIST_HELP); return 0; }
  return withClient(values, undefined, async (c) => {
    if (values.dds) {
      const dds = await c.listDds();
      print(values, dds, dds.map(ddText).join('') || '(no discovery domains visible)\n');
    } else {
      const nodes = await c.listNodes();
      print(values, nodes.map(nodeJson), nodes.map(nodeText).join('') || '(no nodes visible)\n');
    }
    return 0;
  });
}

async function registerCmd(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS.register);
  if (values.help) { process.stdout.write(REGISTER_HELP); return 0; }
  const name = str(values, 'name');
  if (!name) throw new UsageError('--name IQN is required');
  const type = TYPES[str(values, 'type') ?? 'target'];
  if (type === undefined) throw new UsageError('--type must be target, initiator or control');
  const spec: EntitySpec = {
    ...(str(values, 'eid') ? { eid: str(values, 'eid') } : {}),
    ...(str(values, 'period') ? { registrationPeriod: integer(str(values, 'period'), 'period', 0, 0, 0xffffffff) } : {}),
    replace: values.replace === true,
    portals: list(values, 'portal').map((p) => {
      const udp = p.endsWith('/udp');
      const hp = hostPort(udp ? p.slice(0, -4) : p, 'portal');
      return { ip: hp.host, port: hp.port, udp };
    }),
    nodes: [{ name, type, ...(str(values, 'alias') ? { alias: str(values, 'alias') } : {}), ...(list(values, 'lun').length ? { luns: list(values, 'lun').map(parseLun) } : {}) }],
  };
  return withClient(values, name, async (c) => {
    const r = await c.register(spec);
    print(values, { eid: r.eid, registrationPeriod: r.registrationPeriod }, `registered ${name} in entity ${r.eid} (registration period ${r.registrationPeriod} s)\n`);
    return 0;
  });
}

async function deregisterCmd(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS.deregister);
  if (values.help) { process.stdout.write(DEREGISTER_HELP); return 0; }
  const name = str(values, 'name');
  const eid = str(values, 'eid');
  if (!name === !eid) throw new UsageError('give exactly one of --name IQN or --eid EID');
  return withClient(values, str(values, 'source') ?? name, async (c) => {
    if (eid) await c.deregisterEntity(eid);
    else await c.deregisterNode(name!);
    print(values, { deregistered: eid ?? name }, `deregistered ${eid ?? name}\n`);
    return 0;
  });
}

async function ddCmd(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') { process.stdout.write(DD_HELP); return action ? 0 : 2; }
  const { values } = parse(rest, OPTIONS.dd);
  if (values.help) { process.stdout.write(DD_HELP); return 0; }
  const members = list(values, 'member');
  const id = () => integer(str(values, 'id'), 'id', -1, 1, 0xffffffff);
  return withClient(values, undefined, async (c) => {
    switch (action) {
      case 'create': {
        const dd = await c.ddRegister({ ...(str(values, 'name') ? { name: str(values, 'name') } : {}), members });
        print(values, dd, ddText(dd));
        return 0;
      }
      case 'add': {
        const dd = await c.ddRegister({ id: id(), members });
        print(values, dd, ddText(dd));
        return 0;
      }
      case 'remove':
        if (members.length === 0) throw new UsageError('dd remove needs --member IQN (use dd delete to remove the DD)');
        await c.ddDeregister(id(), members);
        print(values, { id: id(), removed: members }, `removed ${plural(members.length, 'member')} from DD ${id()}\n`);
        return 0;
      case 'delete':
        await c.ddDeregister(id());
        print(values, { id: id(), deleted: true }, `deleted DD ${id()}\n`);
        return 0;
      case 'list': {
        const dds = await c.listDds();
        print(values, dds, dds.map(ddText).join('') || '(no discovery domains visible)\n');
        return 0;
      }
      default:
        throw new UsageError(`unknown dd action "${action}" (create, add, remove, delete, list)`);
    }
  });
}

async function ddsCmd(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') { process.stdout.write(DDS_HELP); return action ? 0 : 2; }
  const { values } = parse(rest, OPTIONS.dds);
  if (values.help) { process.stdout.write(DDS_HELP); return 0; }
  const id = () => integer(str(values, 'id'), 'id', -1, 1, 0xffffffff);
  return withClient(values, undefined, async (c) => {
    switch (action) {
      case 'create': {
        const dds = list(values, 'dd').map((d) => integer(d, 'dd', 0, 1, 0xffffffff));
        if (dds.length === 0) throw new UsageError('dds create needs --dd N (the DDs the set holds)');
        const setId = await c.ddsRegister({ ...(str(values, 'name') ? { name: str(values, 'name') } : {}), dds, enabled: values.enabled === true });
        const state = values.enabled ? 'enabled' : 'disabled';
        print(values, { id: setId, dds, enabled: values.enabled === true }, `DD set ${setId} (${state}): DDs ${dds.join(', ')}\n`);
        return 0;
      }
      case 'enable': case 'disable': {
        await c.ddsRegister({ id: id(), enabled: action === 'enable' });
        print(values, { id: id(), enabled: action === 'enable' }, `DD set ${id()} ${action}d\n`);
        return 0;
      }
      case 'delete':
        await c.ddsDeregister(id());
        print(values, { id: id(), deleted: true }, `deleted DD set ${id()}\n`);
        return 0;
      default:
        throw new UsageError(`unknown dds action "${action}" (create, enable, disable, delete)`);
    }
  });
}

export const isnsCommand = {
  options: OPTIONS,
  async run(argv: string[]): Promise<number> {
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h') { process.stdout.write(HELP); return sub ? 0 : 2; }
    try {
      switch (sub) {
        case 'serve': return await serve(rest);
        case 'discover': return await discover(rest);
        case 'find': return await find(rest);
        case 'list': return await listCmd(rest);
        case 'register': return await registerCmd(rest);
        case 'deregister': return await deregisterCmd(rest);
        case 'dd': return await ddCmd(rest);
        case 'dds': return await ddsCmd(rest);
        default: throw new UsageError(`unknown isns subcommand "${sub}" (serve, discover, find, list, register, deregister, dd, dds)`);
      }
    } catch (err) {
      if (err instanceof IsnsStatusError) {
        process.stderr.write(`bmcfleet isns ${sub}: the server refused: ${err.message}\n`);
        if (sub === 'register' && err.status === 3 && rest.includes('--lun')) {
          process.stderr.write('(open-isns isnsd refuses vendor attributes it does not define, such as the LUN tags 641-643, with status 3: register without --lun there)\n');
        }
        return 1;
      }
      if (err instanceof IsnsConnectionError) {
        // e.g. the server dropped the connection: nothing was done, or nothing is known to be
        process.stderr.write(`bmcfleet isns ${sub}: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
