// bmcfleet slp: finding services by SLP (RFC 2608), multicast or through a Directory Agent, and a minimal
// Directory Agent to register with. `bmcfleet isns find --slp` is the iSNS case of `find`.
import { UsageError, integer, parse, str, type Values } from './args.js';
import { formatHostPort, parseHostPort } from '../runtime/host-port.js';
import { DEFAULT_FIND_OPTIONS, SlpErrorReply, SlpTimeoutError, findServices, type FindOptions } from '../clients/slp/slp-client.js';
import { DirectoryAgent } from '../emulator/slp/directory-agent.js';
import { stopSignal } from './stop-signal.js';

const HELP = `usage: bmcfleet slp <find|da> [options]   (bmcfleet slp <sub> --help)

SLP (RFC 2608) lets a client find a service by its type, such as service:iscsi:sms (an iSNS server, RFC 4018),
without knowing its address: it asks every agent on the link by multicast (239.255.255.253, UDP 427), or one
Directory Agent (DA) that agents register with. No SLP daemon is packaged in Debian 12; the fleet's iSNS server
answers for itself (isns.slp in the fleet file), and "slp da" runs a minimal DA.

  find   send a Service Request and print the service URLs that answer
  da     run a Directory Agent: agents register with it, clients ask it
`;

export const FIND_OPTIONS = {
  scope: { type: 'string', multiple: true }, da: { type: 'string' }, port: { type: 'string' }, interface: { type: 'string' },
  timeout: { type: 'string' }, json: { type: 'boolean' },
} as const;

export const FIND_OPTIONS_HELP = `  --scope S         a scope to search (repeatable; default DEFAULT)
  --da HOST:PORT    ask this Directory Agent (unicast) instead of multicast
  --port P          the agents' UDP port (default 427)
  --interface A     send from, and multicast out of, this local address (default 127.0.0.1)
  --timeout S       wait at most S seconds (default ${DEFAULT_FIND_OPTIONS.timeoutMs / 1000}; multicast stops earlier once a round brings no new answer)
  --json            machine-readable output (one JSON value)
`;

const FIND_HELP = `usage: bmcfleet slp find --type SERVICE-TYPE [--predicate FILTER] [--scope S]... [--da HOST:PORT] [--port P]
                        [--interface A] [--timeout S] [--json]

Sends a Service Request (SrvRqst) for SERVICE-TYPE and prints each service URL with its lifetime and the agent
that answered. Multicast search repeats the request, naming the agents that already answered, until a round
brings nothing new (RFC 2608 §6.3). Exits 1 when nothing is found.
  --type T          e.g. service:iscsi:sms
  --predicate F     an LDAPv3 filter over the service's attributes, e.g. "(protocols=isns)"
${FIND_OPTIONS_HELP}`;

const DA_HELP = `usage: bmcfleet slp da --listen HOST:PORT [--scope S]... [--multicast] [--max-registrations N]

Runs a minimal SLP Directory Agent on UDP HOST:PORT (427 is the SLP port: needs root). Service Agents register
with it (SrvReg, answered with SrvAck; each registration lasts its lifetime), clients ask it (SrvRqst, AttrRqst;
a SrvRqst for service:directory-agent gets its DAAdvert). Prints a line starting with "ready" once it serves;
stops on Ctrl-C or SIGTERM. It sends no unsolicited DAAdverts: give agents its address
(isns.slp.directoryAgent in a fleet file).
  --scope S               a scope it serves (repeatable; default DEFAULT)
  --multicast             also answer requests to 239.255.255.253, joined on 127.0.0.1
  --max-registrations N   registrations held at most (default 10000)
`;

const SLP_FIND_OPTIONS = { ...FIND_OPTIONS, type: { type: 'string' }, predicate: { type: 'string' } } as const;
const DA_OPTIONS = {
  listen: { type: 'string' }, scope: { type: 'string', multiple: true }, multicast: { type: 'boolean' }, 'max-registrations': { type: 'string' },
} as const;

const listOf = (values: Values, name: string): string[] => {
  const v = (values as Record<string, unknown>)[name];
  return Array.isArray(v) ? v as string[] : typeof v === 'string' ? [v] : [];
};

function hostPort(s: string, what: string): { host: string; port: number } {
  const hp = parseHostPort(s);
  if (!hp || hp.port < 1) throw new UsageError(`--${what} must be HOST:PORT with a port from 1 to 65535, got "${s}"`);
  return hp;
}

/** The search options of FIND_OPTIONS. */
export function findOptions(values: Values): Partial<FindOptions> {
  const scopes = listOf(values, 'scope');
  const da = str(values, 'da');
  return {
    ...(scopes.length ? { scopes } : {}),
    directoryAgent: da ? hostPort(da, 'da') : null,
    port: integer(str(values, 'port'), 'port', DEFAULT_FIND_OPTIONS.port, 1, 65535),
    interface: str(values, 'interface') ?? DEFAULT_FIND_OPTIONS.interface,
    timeoutMs: integer(str(values, 'timeout'), 'timeout', DEFAULT_FIND_OPTIONS.timeoutMs / 1000, 1, 3600) * 1000,
  };
}

/** Runs a search; a DA's error or silence is printed (exit 1) instead of thrown. */
export async function runFind<T>(command: string, search: () => Promise<T>): Promise<T | number> {
  try {
    return await search();
  } catch (err) {
    if (!(err instanceof SlpErrorReply) && !(err instanceof SlpTimeoutError)) throw err;
    process.stderr.write(`bmcfleet ${command}: ${err.message}\n`);
    return 1;
  }
}

async function find(argv: string[]): Promise<number> {
  const { values } = parse(argv, SLP_FIND_OPTIONS);
  if (values.help) { process.stdout.write(FIND_HELP); return 0; }
  const serviceType = str(values, 'type');
  if (!serviceType) throw new UsageError('--type SERVICE-TYPE is required (e.g. service:iscsi:sms)');
  const r = await runFind('slp find', () => findServices({ serviceType, predicate: str(values, 'predicate') ?? '', ...findOptions(values) }));
  if (typeof r === 'number') return r;
  process.stdout.write(values.json ? `${JSON.stringify(r)}\n`
    : r.services.map((s) => `${s.url}  lifetime ${s.lifetime} s  (from ${s.from})\n`).join('') || `no ${serviceType} found\n`);
  return r.services.length > 0 ? 0 : 1;
}

async function da(argv: string[]): Promise<number> {
  const { values } = parse(argv, DA_OPTIONS);
  if (values.help) { process.stdout.write(DA_HELP); return 0; }
  const listen = str(values, 'listen');
  if (!listen) throw new UsageError('--listen HOST:PORT is required');
  const { host, port } = hostPort(listen, 'listen');
  const scopes = listOf(values, 'scope');
  const agent = new DirectoryAgent({
    host, port, scopes: scopes.length ? scopes : ['DEFAULT'], multicastInterface: values.multicast ? '127.0.0.1' : null,
    maxRegistrations: integer(str(values, 'max-registrations'), 'max-registrations', 10_000, 1, 1_000_000),
  });
  await agent.start();
  const mc = values.multicast ? `, multicast ${agent.endpoint.multicast}` : '';
  const stopAsked = stopSignal(); // before the ready line: see stop-signal.ts
  process.stdout.write(`ready: SLP directory agent on udp ${formatHostPort(host, agent.endpoint.port)}, scopes ${agent.state.options.scopes.join(',')}${mc}\n`);
  await stopAsked;
  await agent.stop();
  return 0;
}

export const slpCommand = {
  options: { find: SLP_FIND_OPTIONS, da: DA_OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h') { process.stdout.write(HELP); return sub ? 0 : 2; }
    switch (sub) {
      case 'find': return find(rest);
      case 'da': return da(rest);
      default: throw new UsageError(`unknown slp subcommand "${sub}" (find, da)`);
    }
  },
};
