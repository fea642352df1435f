// bmcfleet ctl: a running fleet's control API (README "The control API") from the command line, so no one needs
// curl: list and show BMCs, power, faults, stalls, reboots, virtual media, sensors and the SEL, add and remove BMCs and
// racks. Tables for people,
// --json for scripts.
import { UsageError, parse, str, type Values } from './args.js';
import { ApiClient } from './api-client.js';
import { MAX_FAULT_MS } from '../emulator/bmc/faults.js';
import { POWER_ACTIONS } from '../emulator/bmc/power.js';
import { MAX_BMC_LIST } from '../emulator/fleet/control/bmcs.js';
import { ALL_RMCS } from '../protocols/rollout/header.js';
import { DriveKind } from '../protocols/scsi/medium.js';
import { SEL_OEM_NON_TIMESTAMPED_FIRST, SEL_OEM_TIMESTAMPED_FIRST } from '../protocols/ipmi/sel-record.js';
import { isIpv4 } from '../runtime/ipv4.js';

export const DEFAULT_CONTROL_URL = 'http://127.0.0.1:8623';

const HELP = `usage: bmcfleet ctl [--control URL] [--token-file F] [--json] COMMAND ...

A running fleet's control API (what "bmcfleet emulate" printed as "control http://..."):

  list [--offset N] [--limit N]          BMCs in fleet order: address, rack, power, sessions, faults
  show IP                                one BMC: identity, state, counters
  power IP on|off|cycle|reset|soft|diag  the host's power, as Chassis Control does
  reboot IP [--ms N]                     the BMC controller reboots: silent N ms (default 5000), sessions lost
  stall IP|all --ms N                    busy for N ms: requests queue, then are answered in order
  fault IP|all [--loss P] [--latency MS] set faults (merged with those set before); --clear sets both to 0
  media IP                               the BMC's virtual CD-ROM and disk
  insert IP cdrom|disk IMAGE [--write-protected]   insert a file or an http(s) URL (answered once inserted)
  eject IP cdrom|disk
  sensors IP                             every sensor: reading, unit, status (thresholds crossed), whether it was set
  sensor IP NAME VALUE|auto              set a sensor's reading (engineering units; threshold events go to the SEL), or
                                         return it to the simulation; NAME as ipmitool sdr shows it ("CPU1 Temp")
  sel IP                                 the System Event Log
  sel IP add (--sensor NAME | --sensor-type T --sensor-number N) --event-type E --data B1[,B2,B3] [--deassert]
  sel IP add --oem TYPE --data B1,... [--manufacturer N]   add an entry (numbers may be 0x..), print its record ID
  shards                                 the fleet's processes
  add IP [--count N] [--name RACK] [--template T]   add BMCs on N consecutive addresses from IP (default 1), as a
                                         fleet file rack; they answer at once (with --state-dir: kept across restarts)
  add IP --count N --name RACK --rmc RMC_IP [--rmc-id ID]   add a rack with its RMC
  remove IP                              the BMC stops answering and frees its address (its saved state deleted)
  remove-rack NAME                       a rack's BMCs and its RMC

options:
  --control URL      the control API (default ${DEFAULT_CONTROL_URL}, fleets/default.yaml's)
  --token-file F     its token, needed beyond loopback (the fleet keeps it in STATE_DIR/control-token)
  --json             print the API's answer as it is: pure JSON on stdout

examples:
  bmcfleet ctl list
  bmcfleet ctl power 127.1.0.1 off
  bmcfleet ctl fault all --loss 5
  bmcfleet ctl insert 127.1.0.1 cdrom /srv/debian-12.iso
  bmcfleet ctl sensor 127.1.0.1 "CPU1 Temp" 97
  bmcfleet ctl sel 127.1.0.1 add --sensor "CPU1 Temp" --event-type 1 --data 0x59,97,95
  bmcfleet ctl add 127.1.2.1 --count 4 --name spare
  bmcfleet ctl remove 127.1.2.4
`;

const OPTIONS = {
  control: { type: 'string' }, 'token-file': { type: 'string' }, json: { type: 'boolean' },
  offset: { type: 'string' }, limit: { type: 'string' }, ms: { type: 'string' }, loss: { type: 'string' }, latency: { type: 'string' },
  clear: { type: 'boolean' }, 'write-protected': { type: 'boolean' },
  sensor: { type: 'string' }, 'sensor-type': { type: 'string' }, 'sensor-number': { type: 'string' }, 'event-type': { type: 'string' },
  data: { type: 'string' }, deassert: { type: 'boolean' }, oem: { type: 'string' }, manufacturer: { type: 'string' },
  count: { type: 'string' }, name: { type: 'string' }, template: { type: 'string' }, rmc: { type: 'string' }, 'rmc-id': { type: 'string' },
} as const;

const SEL_ADD_OPTIONS = ['sensor', 'sensor-type', 'sensor-number', 'event-type', 'data', 'deassert', 'oem', 'manufacturer'];

/** Each command's arguments (`optional` ones may follow) and the options it takes beside --control, --token-file and --json. */
const COMMANDS: Record<string, { args: string[]; optional?: string[]; options: string[] }> = {
  list: { args: [], options: ['offset', 'limit'] },
  show: { args: ['IP'], options: [] },
  power: { args: ['IP', 'ACTION'], options: [] },
  reboot: { args: ['IP'], options: ['ms'] },
  stall: { args: ['IP|all'], options: ['ms'] },
  fault: { args: ['IP|all'], options: ['loss', 'latency', 'clear'] },
  media: { args: ['IP'], options: [] },
  insert: { args: ['IP', 'DRIVE', 'IMAGE'], options: ['write-protected'] },
  eject: { args: ['IP', 'DRIVE'], options: [] },
  sensors: { args: ['IP'], options: [] },
  sensor: { args: ['IP', 'NAME', 'VALUE|auto'], options: [] },
  sel: { args: ['IP'], optional: ['add'], options: SEL_ADD_OPTIONS },
  shards: { args: [], options: [] },
  add: { args: ['IP'], options: ['count', 'name', 'template', 'rmc', 'rmc-id'] },
  remove: { args: ['IP'], options: [] },
  'remove-rack': { args: ['NAME'], options: [] },
};
const COMMON = ['control', 'token-file', 'json', 'help'];

type Row = Record<string, unknown>;

export const ctlCommand = {
  options: { '': OPTIONS },
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parse(argv, OPTIONS, true);
    const [what, ...args] = positionals;
    if (values.help || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined && !values.help ? 2 : 0;
    }
    const command = COMMANDS[what];
    if (!command) throw new UsageError(`unknown ctl command "${what}" (known: ${Object.keys(COMMANDS).join(', ')})`);
    const foreign = Object.keys(values).find((k) => !COMMON.includes(k) && !command.options.includes(k));
    if (foreign !== undefined) throw new UsageError(`--${foreign} is not an option of ctl ${what}`);
    const optional = command.optional ?? [];
    if (args.length < command.args.length || args.length > command.args.length + optional.length) {
      throw new UsageError(`ctl ${what} takes ${[...command.args, ...optional.map((a) => `[${a}]`)].join(' ') || 'no arguments'}`);
    }
    // every mistake ctl can see for itself (an unknown choice, a number out of range) is a usage error before any request
    const [method, path, body] = request(what, args, values);
    const api = new ApiClient(str(values, 'control') ?? DEFAULT_CONTROL_URL, str(values, 'token-file'), {
      what: 'the fleet\'s control API', flag: '--control', example: DEFAULT_CONTROL_URL, hint: 'is "bmcfleet emulate" running? --control URL names another',
    });
    // an insert is answered once the image is open: an HTTP image may take a while
    const answer = await api.call(method, path, body, 120_000);
    process.stdout.write(values.json ? `${JSON.stringify(answer)}\n` : print(what, answer));
    return 0;
  },
};

/** `v`, when it is one of `choices`; a usage error naming them otherwise. */
function choice<T extends string>(what: string, v: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`${what} must be one of ${choices.join(', ')}, got "${v}"`);
  return v as T;
}

/** Option `name` as a number from `min` to `max` (0x.. for hex), whole when `whole`; `fallback` when absent. */
function numberOption(values: Values, name: string, range: { min: number; max?: number; whole?: boolean }, fallback?: number): number | undefined {
  const v = str(values, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  const { min, max = Number.MAX_SAFE_INTEGER, whole = true } = range;
  if (v.trim() === '' || !Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min || n > max) {
    const span = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be ${whole ? 'a whole number' : 'a number'} ${span}, got "${v}"`);
  }
  return n;
}

/** The API request a command makes, once its arguments are checked: ctl refuses what it can tell is wrong. */
function request(what: string, args: string[], values: Values): [string, string, unknown?] {
  const [ip] = args;
  const all = ip === 'all';
  const takesAll = what === 'stall' || what === 'fault';
  if (ip !== undefined && what !== 'remove-rack' && !(takesAll && all) && !isIpv4(ip)) {
    throw new UsageError(`ctl ${what} takes a BMC's IPv4 address${takesAll ? ' or "all"' : ''}, got "${ip}"`);
  }
  const ms = (fallback?: number) => {
    const n = numberOption(values, 'ms', { min: 1, max: MAX_FAULT_MS }, fallback);
    if (n === undefined) throw new UsageError(`ctl ${what} needs --ms N`);
    return n;
  };
  switch (what) {
    case 'list': {
      const offset = numberOption(values, 'offset', { min: 0 }, 0);
      return ['GET', `/bmcs?offset=${offset}&limit=${numberOption(values, 'limit', { min: 1, max: MAX_BMC_LIST }, 100)}`];
    }
    case 'show': return ['GET', `/bmcs/${ip}`];
    case 'power': return ['POST', `/bmcs/${ip}/power`, { action: choice('ctl power ACTION', args[1], Object.keys(POWER_ACTIONS)) }];
    case 'reboot': return ['POST', `/bmcs/${ip}/reboot`, { ms: ms(5000) }];
    case 'stall': return ['POST', all ? '/stall' : `/bmcs/${ip}/stall`, { ms: ms() }];
    case 'fault': {
      const change: Row = values.clear ? { lossPercent: 0, latencyMs: 0 } : {};
      const loss = numberOption(values, 'loss', { min: 0, max: 100, whole: false });
      const latency = numberOption(values, 'latency', { min: 0, max: MAX_FAULT_MS, whole: false });
      if (loss !== undefined) change.lossPercent = loss;
      if (latency !== undefined) change.latencyMs = latency;
      if (Object.keys(change).length === 0) throw new UsageError('ctl fault needs --loss, --latency or --clear');
      return ['PUT', all ? '/faults' : `/bmcs/${ip}/faults`, change];
    }
    case 'media': return ['GET', `/bmcs/${ip}/media`];
    case 'insert': {
      const drive = choice('ctl insert DRIVE', args[1], Object.values(DriveKind));
      if (args[2].trim() === '') throw new UsageError('ctl insert takes an IMAGE: a file or an http(s) URL');
      return ['PUT', `/bmcs/${ip}/media/${drive}`, { image: args[2], writeProtected: values['write-protected'] === true }];
    }
    case 'eject': return ['DELETE', `/bmcs/${ip}/media/${choice('ctl eject DRIVE', args[1], Object.values(DriveKind))}`];
    case 'sensors': return ['GET', `/bmcs/${ip}/sensors`];
    case 'sensor': {
      if (args[1].trim() === '') throw new UsageError('ctl sensor takes the sensor\'s NAME as ipmitool sdr shows it ("CPU1 Temp"), or its number 0xNN');
      const path = `/bmcs/${ip}/sensors/${encodeURIComponent(args[1])}`;
      if (args[2] === 'auto') return ['DELETE', path];
      const reading = Number(args[2]);
      if (args[2].trim() === '' || !Number.isFinite(reading)) throw new UsageError(`ctl sensor takes a reading (a number) or "auto", got "${args[2]}"`);
      return ['PUT', path, { reading }];
    }
    case 'sel':
      if (args[1] === undefined) {
        const used = SEL_ADD_OPTIONS.find((o) => values[o] !== undefined);
        if (used !== undefined) throw new UsageError(`--${used} is an option of ctl sel IP add`);
        return ['GET', `/bmcs/${ip}/sel`];
      }
      if (args[1] !== 'add') throw new UsageError(`ctl sel IP takes "add" or nothing, got "${args[1]}"`);
      return ['POST', `/bmcs/${ip}/sel`, selEntry(values)];
    case 'add': return addBody(ip, values);
    case 'remove': return ['DELETE', `/bmcs/${ip}`];
    case 'remove-rack':
      if (args[0].trim() === '') throw new UsageError('ctl remove-rack takes a rack\'s NAME (ctl list shows them)');
      return ['DELETE', `/racks/${encodeURIComponent(args[0])}`];
    default: return ['GET', '/shards'];
  }
}

/** `ctl add`: POST /bmcs, or POST /racks with --rmc; the fleet file's field names, checked by the API. */
function addBody(ip: string, values: Values): [string, string, Row] {
  const body: Row = { firstIp: ip, bmcs: numberOption(values, 'count', { min: 1 }, 1), name: str(values, 'name'), template: str(values, 'template') };
  const rmc = str(values, 'rmc');
  if (rmc === undefined) {
    if (values['rmc-id'] !== undefined) throw new UsageError('--rmc-id goes with --rmc');
    return ['POST', '/bmcs', body];
  }
  if (!isIpv4(rmc)) throw new UsageError(`--rmc takes the RMC's IPv4 address, got "${rmc}"`);
  return ['POST', '/racks', { ...body, rmc: { ip: rmc, id: numberOption(values, 'rmc-id', { min: 0, max: ALL_RMCS - 1 }) } }];
}

/** The POST /bmcs/IP/sel body of `ctl sel IP add`, checked as the API checks it (control/sel.ts), in flags' words. */
function selEntry(values: Values): Row {
  const byte = (name: string, max = 0xff) => numberOption(values, name, { min: 0, max });
  const data = str(values, 'data');
  if (data === undefined) throw new UsageError('ctl sel IP add needs --data B1[,B2,...]');
  const bytes = data.split(',').map((b) => {
    const n = Number(b);
    if (b.trim() === '' || !Number.isInteger(n) || n < 0 || n > 0xff) throw new UsageError(`--data takes bytes (0 to 255, 0x.. for hex) separated by commas, got "${b}"`);
    return n;
  });
  const given = (names: string[]) => names.filter((n) => values[n] !== undefined).map((n) => `--${n}`);
  if (values.oem !== undefined) {
    const system = given(['sensor', 'sensor-type', 'sensor-number', 'event-type', 'deassert']);
    if (system.length > 0) throw new UsageError(`${system[0]} is for a system event, not an --oem record`);
    const recordType = numberOption(values, 'oem', { min: SEL_OEM_TIMESTAMPED_FIRST, max: 0xff })!;
    const timestamped = recordType < SEL_OEM_NON_TIMESTAMPED_FIRST;
    if (bytes.length > (timestamped ? 6 : 13)) throw new UsageError(`--data: an --oem 0x${recordType.toString(16)} record holds at most ${timestamped ? 6 : 13} bytes, got ${bytes.length}`);
    if (!timestamped && values.manufacturer !== undefined) throw new UsageError('--manufacturer goes with --oem 0xc0 to 0xdf (records E0h-FFh carry none)');
    return { recordType, oemData: bytes, manufacturerId: numberOption(values, 'manufacturer', { min: 0, max: 0xfffff }) };
  }
  if (values.manufacturer !== undefined) throw new UsageError('--manufacturer goes with --oem');
  const byNumber = given(['sensor-type', 'sensor-number']);
  if (values.sensor === '') throw new UsageError('--sensor takes a sensor\'s name, as ipmitool sdr shows it');
  if (values.sensor !== undefined ? byNumber.length > 0 : byNumber.length < 2) {
    throw new UsageError('ctl sel IP add names the sensor by --sensor NAME, or by both --sensor-type T and --sensor-number N');
  }
  if (values['event-type'] === undefined) throw new UsageError('ctl sel IP add needs --event-type E (1: threshold, 0x6f: sensor-specific)');
  if (bytes.length > 3) throw new UsageError(`--data: a system event carries 1 to 3 bytes, got ${bytes.length}`);
  return {
    sensor: str(values, 'sensor'), sensorType: byte('sensor-type'), sensorNumber: byte('sensor-number', 0xfe), eventType: byte('event-type', 0x7f),
    eventData: bytes, direction: values.deassert ? 'deassertion' : 'assertion',
  };
}

/** What people read: a table for lists, "key: value" lines for one thing. */
function print(what: string, answer: unknown): string {
  switch (what) {
    case 'list': return table((answer as { bmcs: Row[] }).bmcs.map((b) => ({
      ip: b.ip, rack: b.rack, power: b.power, sessions: b.sessions, faults: faultsText(b.faults as Row), busy: b.busy ? 'busy' : '',
    })));
    case 'shards': return table((answer as Row[]).map((s) => ({ shard: s.shard, pid: s.pid, state: s.state, restarts: s.restarts })));
    case 'media': case 'insert': case 'eject': {
      const drives = what === 'media' ? (answer as { drives: Row[] }).drives : [answer as Row];
      return table(drives.map((d) => ({
        drive: d.kind, state: d.state, image: d.image ?? d.pending ?? '', size: d.size ?? '', host: d.hostAttached ? 'attached' : '', error: d.error ?? '',
      })));
    }
    case 'sensors': return table((answer as Row[]).map((v) => ({
      number: `0x${(v.number as number).toString(16).padStart(2, '0')}`, sensor: v.name, reading: v.kind === 'threshold' ? v.reading : '',
      unit: v.unit ?? '', status: sensorStatus(v), set: v.overridden ? 'set' : '',
    })));
    case 'sensor': {
      const v = answer as Row;
      return lines({ sensor: v.name, reading: `${v.reading} ${v.unit}`, status: sensorStatus(v), set: v.overridden, selEntries: v.selEntries });
    }
    case 'sel': return 'records' in (answer as Row) ? table((answer as { records: Row[] }).records.map(selRow)) : lines(answer as Row);
    case 'add': {
      const a = answer as { rack: string; bmcs: string[]; rmc: string | null; shard: number };
      return table(a.bmcs.map((ip) => ({ ip, rack: a.rack, shard: a.shard }))) + (a.rmc ? `rmc: ${a.rmc}\n` : '');
    }
    case 'remove-rack': {
      const r = answer as { removed: string; bmcs: string[]; rmc: string | null };
      return lines({ removed: r.removed, bmcs: r.bmcs.join(' '), rmc: r.rmc ?? '' });
    }
    default: return lines(answer as Row);
  }
}

/** A sensor's state in a word: the thresholds it is at or beyond, "ok", "disarmed" (host off), or a discrete one's offsets. */
function sensorStatus(v: Row): string {
  if (v.kind === 'discrete') return (v.states as number[]).map((o) => `state ${o}`).join(' ');
  if (!v.armed) return 'disarmed';
  const asserted = v.asserted as string[];
  return asserted.length === 0 ? 'ok' : asserted.join(' ');
}

function selRow(r: Row): Row {
  const hex = (n: unknown) => `${(n as number).toString(16).padStart(2, '0')}h`;
  const time = typeof r.timestamp === 'number' ? new Date(r.timestamp * 1000).toISOString().replace('.000', '') : '';
  if ('sensorType' in r) {
    return {
      // the SDR's name where the BMC has the sensor (GET /bmcs/IP/sel's sensorName), with its type and number
      id: r.recordId, time, sensor: r.sensorName ? `${r.sensorName} (${hex(r.sensorType)} #${hex(r.sensorNumber)})` : `type ${hex(r.sensorType)} #${hex(r.sensorNumber)}`,
      event: `type ${hex(r.eventType)}`,
      direction: r.deassertion ? 'deasserted' : 'asserted', data: (r.eventData as number[]).map(hex).join(' '),
    };
  }
  return { id: r.recordId, time, sensor: `OEM ${hex(r.recordType)}`, event: '', direction: '', data: (r.oemData as number[]).map(hex).join(' ') };
}

function faultsText(f: Row): string {
  return Object.entries(f).filter(([, v]) => v !== 0 && v !== false && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
}

function table(rows: Row[]): string {
  if (rows.length === 0) return '(none)\n';
  const keys = Object.keys(rows[0]);
  const cells = [keys, ...rows.map((r) => keys.map((k) => String(r[k] ?? '')))];
  const widths = keys.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  return cells.map((c) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

function lines(o: Row): string {
  return Object.entries(o).map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`).join('\n') + '\n';
}
