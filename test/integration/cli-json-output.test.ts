// Every bmcfleet command that takes --json (issue 18), run as a script runs it, with the diagnostics log at trace: its
// stdout is JSON and nothing else (each line parses: no ready line, no progress, no log line), and when it fails the
// reason is on stderr. One small fleet (2 BMCs with an RMC, an iSNS server with heartbeats, SLP and a target) and one
// manager serve every subtest. Addresses 127.121.x.y are this file's alone.
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startCli, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';

t.setTimeout(240_000);

const BMCS = ['127.121.1.1', '127.121.1.2'];
const RMC = '127.121.1.250';
const RMC_ID = 5;
const ISNS_HOST = '127.121.0.2';
const HEARTBEAT_HOST = '127.121.0.3';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-json-'));
const state = join(dir, 'manager');
const image = join(dir, 'bmc-1.02.hpm');
let ipmiPort = 0;
let rolloutPort = 0;
let isnsPort = 0;
let heartbeatPort = 0;
let slpPort = 0;
let fleet: EmulatorProcess;
let manager: EmulatorProcess;
let control = '';
let managerUrl = '';

interface Run { code: number; stdout: string; stderr: string }

/** `bmcfleet --log-level trace ARGS`, stdout and stderr pipes, the log in its default format for a pipe. */
function bmcfleet(args: string[]): Promise<Run> {
  const { BMCFLEET_LOG_LEVEL: _level, BMCFLEET_LOG_FORMAT: _format, ...env } = process.env;
  return new Promise((resolve) => execFile(process.execPath, [CLI, '--log-level', 'trace', ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
    resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
}

/**
 * Runs each command (side by side) and checks its stdout is JSON only, one value a line, with the exit status asked
 * for; a failure says why on stderr, unless `outcome`: the exit status is the command's finding, which its JSON
 * holds (a fleet file's mistakes, a rollout that ended aborted). The JSON values of each, in order.
 */
async function jsonOnly(t: Test, cases: { args: string[]; code?: number; outcome?: true }[]): Promise<unknown[][]> {
  const runs = await Promise.all(cases.map((c) => bmcfleet(c.args)));
  return runs.map((r, i) => {
    const { args, code = 0, outcome } = cases[i];
    const what = `bmcfleet ${args.join(' ')}`;
    t.equal(r.code, code, `${what}: exit ${code}${r.code === code ? '' : `\n${r.stdout}${r.stderr}`}`);
    const lines = r.stdout.split('\n');
    t.equal(lines.pop(), '', `${what}: stdout ends with a newline`);
    const values = lines.map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        t.fail(`${what}: a stdout line that is not JSON: ${line}`);
        return undefined;
      }
    });
    if (code === 0 || outcome) t.ok(values.length > 0, `${what}: a JSON answer`);
    else t.match(r.stderr, /\S/, `${what}: why it failed, on stderr`);
    return values;
  });
}

t.before(async () => {
  [ipmiPort, rolloutPort, heartbeatPort, slpPort] = await Promise.all([freeUdpPort(), freeUdpPort(), freeUdpPort(HEARTBEAT_HOST), freeUdpPort()]);
  isnsPort = await freeTcpPort();
  const targetPort = await freeTcpPort();
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${ipmiPort}`, 'control: 127.121.0.1:0', 'firmware: "1.00"',
    'firmwareTimings: { backupMs: 0, prepareMs: 0, writeMs: 20, activateMs: 20, rebootMs: 300 }',
    `rollout: { port: ${rolloutPort} }`,
    `isns: { listen: ${ISNS_HOST}:${isnsPort}, heartbeat: { to: ${HEARTBEAT_HOST}:${heartbeatPort}, intervalSeconds: 1 }, slp: { port: ${slpPort} } }`,
    `targets:\n  - { name: json-disk, firstIp: 127.121.0.20, port: ${targetPort}, luns: [{ lun: 0, sizeGB: 20 }] }`,
    `racks:\n  - { name: rack-1, bmcs: ${BMCS.length}, firstIp: ${BMCS[0]}, rmc: { ip: ${RMC}, id: ${RMC_ID} } }`, '',
  ].join('\n'));
  fleet = await startCli(['emulate', '--config', join(dir, 'fleet.yaml')]);
  control = /control (http:\S+)/.exec(fleet.readyLine)![1];
  manager = await startCli(['manager', 'serve', '--fleet', control, '--state', state, '--listen', '127.121.0.250:0', '--rmc-port', String(rolloutPort),
    '--isns', `${ISNS_HOST}:${isnsPort}`, '--isns-listen', '127.121.0.250', '--bmc-port', String(ipmiPort)]);
  managerUrl = /manager API (http:\S+),/.exec(manager.readyLine)![1];
});

t.teardown(async () => {
  await manager?.stop();
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

t.test('commands that need nothing running: fleet validate, firmware pack, image build, manager key', async (t) => {
  writeFileSync(join(dir, 'bad-fleet.yaml'), 'racks:\n  - { name: a, bmcs: 2, firstIp: 127.1.0 }\n');
  const [valid, invalid] = await jsonOnly(t, [
    { args: ['fleet', 'validate', 'fleets/default.yaml', 'fleets/starter.yaml', '--json'] },
    { args: ['fleet', 'validate', join(dir, 'bad-fleet.yaml'), '--json'], code: 1, outcome: true },
    { args: ['firmware', 'pack', '--out', image, '--version', '1.02', '--size', '20000', '--json'] },
    { args: ['image', 'build', 'fleets/install-image', '--out', join(dir, 'install.iso'), '--json'] },
    { args: ['manager', 'key', '--state', join(dir, 'other-manager'), '--json'] },
    { args: ['firmware', 'pack', '--out', join(dir, 'x.hpm'), '--version', '1.2.3', '--json'], code: 2 },
  ]);
  t.equal(valid.length, 2, 'one line per file');
  t.match(invalid, [{ valid: false, errors: [{ path: 'racks[0].firstIp' }] }], 'the mistakes, as JSON on stdout');
});

t.test('against the fleet: ctl, bench ipmi, sol watch', async (t) => {
  const c = ['--control', control, '--json'];
  mkdirSync(join(dir, 'consoles'));
  const [list] = await jsonOnly(t, [
    { args: ['ctl', ...c, 'list'] },
    { args: ['ctl', ...c, 'show', BMCS[0]] },
    { args: ['ctl', ...c, 'shards'] },
    { args: ['ctl', ...c, 'sensors', BMCS[0]] },
    { args: ['ctl', ...c, 'sel', BMCS[0]] },
    { args: ['ctl', ...c, 'fault', BMCS[1], '--clear'] },
    { args: ['ctl', ...c, 'show', '127.121.9.9'], code: 1 },
    { args: ['bench', 'ipmi', '--targets', BMCS.join(','), '--port', String(ipmiPort), '--duration', '1', '--concurrency', '2', '--json'] },
    // one worker: each one with a wrong password leaves a half-open session until the BMC times it out, and 16 would
    // fill the table that the manager's discovery of this BMC needs a few seconds later
    { args: ['bench', 'ipmi', '--targets', BMCS[1], '--port', String(ipmiPort), '--duration', '1', '--concurrency', '1', '--password', 'wrong', '--json'], code: 1 },
    { args: ['sol', 'watch', '--targets', BMCS[0], '--port', String(ipmiPort), '--log-dir', join(dir, 'consoles'), '--duration', '1', '--json'] },
  ]);
  t.match(list, [{ bmcs: BMCS.map((ip) => ({ ip })) }]);
});

t.test('against the fleet\'s iSNS server: discover, find, list, register, dd, dds, deregister; slp find', async (t) => {
  const s = ['--server', `${ISNS_HOST}:${isnsPort}`, '--json'];
  const member = 'iqn.2026-12.org.bmcfleet:json-host';
  await jsonOnly(t, [
    { args: ['isns', 'discover', '--listen', `${HEARTBEAT_HOST}:${heartbeatPort}`, '--timeout', '10', '--json'] },
    { args: ['isns', 'find', '--slp', '--port', String(slpPort), '--json'] },
    { args: ['slp', 'find', '--type', 'service:iscsi:sms', '--port', String(slpPort), '--json'] },
    { args: ['isns', 'list', ...s] },
    { args: ['isns', 'register', ...s, '--name', member, '--type', 'initiator'] },
    { args: ['isns', 'list', '--server', `${ISNS_HOST}:1`, '--json'], code: 1 },
  ]);
  const [[dd]] = await jsonOnly(t, [{ args: ['isns', 'dd', 'create', ...s, '--name', 'json-dd', '--member', member] }]) as [[{ id: number }]];
  const id = String(dd.id);
  const [[set]] = await jsonOnly(t, [{ args: ['isns', 'dds', 'create', ...s, '--dd', id, '--enabled'] }]) as [[{ id: number }]];
  await jsonOnly(t, [
    { args: ['isns', 'dd', 'list', ...s] },
    { args: ['isns', 'list', ...s, '--dds'] },
    { args: ['isns', 'dds', 'disable', ...s, '--id', String(set.id)] },
  ]);
  await jsonOnly(t, [{ args: ['isns', 'dds', 'delete', ...s, '--id', String(set.id)] }]);
  await jsonOnly(t, [{ args: ['isns', 'dd', 'add', ...s, '--id', id, '--member', 'iqn.2026-12.org.bmcfleet:json-other'] }]);
  await jsonOnly(t, [{ args: ['isns', 'dd', 'remove', ...s, '--id', id, '--member', 'iqn.2026-12.org.bmcfleet:json-other'] }]);
  await jsonOnly(t, [{ args: ['isns', 'dd', 'delete', ...s, '--id', id] }]);
  await jsonOnly(t, [{ args: ['isns', 'deregister', ...s, '--name', member] }]);
});

t.test('against the manager: provision, rollout, cluster-update, bootcfg; rmc trust and upload', async (t) => {
  const m = ['--manager', managerUrl, '--json'];
  writeFileSync(join(dir, 'policy.yaml'), 'roles:\n  compute: { needs: { cores: 1 }, image: install.iso }\n');
  await jsonOnly(t, [
    { args: ['provision', 'discover', '--range', '127.121.1.0/29', '--port', String(ipmiPort), '--state', state, '--json'] },
    { args: ['rmc', 'trust', '--fleet', control, '--state', state, '--json'] },
  ]);
  await jsonOnly(t, [{ args: ['provision', 'inventory', '--state', state, '--json'] }]);
  writeFileSync(join(dir, 'cluster.yaml'), `cluster: lab\ngroups:\n  - { name: rack-1, hosts: ${BMCS[0]}-${BMCS[1]}, maxDown: 1 }\n`);
  writeFileSync(join(dir, 'update.yaml'), `name: other-os\nversion: "2.0"\nimage: other.iso\nsha256: "${'0'.repeat(64)}"\nappliesTo: [{ vendor: Nobody }]\nupdates: [os]\n`);
  const cluster = ['--cluster', join(dir, 'cluster.yaml'), '--update', join(dir, 'update.yaml')];
  const [, , , started] = await jsonOnly(t, [
    { args: ['provision', 'plan', '--role', 'compute', '--count', '1', '--policy', join(dir, 'policy.yaml'), '--state', state, '--json'] },
    { args: ['provision', 'run', '--role', 'compute', '--count', '5', ...m], code: 1 },
    { args: ['cluster-update', 'plan', ...cluster, '--state', state, '--json'] },
    { args: ['rollout', 'start', '--image', image, '--at', '+1h', ...m] },
    { args: ['bootcfg', 'targets', ...m] },
    { args: ['bootcfg', 'request', '--host', BMCS[0], '--size', '100T', ...m], code: 1 },
    { args: ['bootcfg', 'release', '--host', BMCS[1], ...m], code: 1 },
  ]) as unknown[][] as [unknown, unknown, unknown, [{ rolloutId: number }]];
  const id = String(started[0].rolloutId);
  await jsonOnly(t, [
    { args: ['provision', 'status', ...m] },
    { args: ['bootcfg', 'status', ...m] },
    { args: ['rollout', 'status', ...m] },
    { args: ['rollout', 'status', id, ...m] },
    { args: ['rollout', 'status', '--manager', 'http://127.121.0.250:1', '--json'], code: 1 },
  ]);
  await jsonOnly(t, [{ args: ['rollout', 'pause', id, ...m] }]);
  await jsonOnly(t, [{ args: ['rollout', 'resume', id, ...m] }]);
  await jsonOnly(t, [{ args: ['rollout', 'abort', id, ...m] }]);
  const [watched] = await jsonOnly(t, [{ args: ['rollout', 'status', id, '--watch', '--interval', '1', ...m], code: 1, outcome: true }]);
  t.match(watched[watched.length - 1], { status: 'aborted' }, 'watch --json: a line per change, the last one aborted');
  await jsonOnly(t, [{ args: ['rollout', 'report', id, ...m] }]);

  const [[update]] = await jsonOnly(t, [{ args: ['cluster-update', 'start', ...cluster, ...m] }]) as [[{ id: number }]];
  await jsonOnly(t, [
    { args: ['cluster-update', 'status', ...m] },
    { args: ['cluster-update', 'status', String(update.id), ...m] },
    { args: ['cluster-update', 'status', '99', ...m], code: 1 },
  ]);

  const [[report]] = await jsonOnly(t, [{
    args: ['rmc', 'upload', '--rmc', RMC, '--id', String(RMC_ID), '--image', image, '--at', '+2s', '--state', state, '--rmc-port', String(rolloutPort), '--json'],
  }]);
  t.match(report, { status: 'done', racks: [{ bmcs: BMCS.map((address) => ({ address, result: 'flashed' })) }] });
});
