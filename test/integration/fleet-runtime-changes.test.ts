// A fleet that changes while it runs, as a user drives it: BMCs added with POST /bmcs answer the real ipmitool at
// once, one removed with DELETE /bmcs/IP stops answering and its address can be added again; bad bodies are 400s
// naming the field, taken addresses and the fleet's limit 409s; GET /bmcs, /shards and /metrics follow; a rack comes
// and goes with its RMC; the state directory keeps the changes across a restart.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { CLI, startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { controlRequest } from '../helpers/control-request.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-runtime-'));
const stateDir = join(dir, 'state');
const fleetFile = join(dir, 'fleet.yaml');
let port: number;
let redfishPort: number;
let emu: EmulatorProcess | null = null;
let control: string;

async function start(): Promise<void> {
  emu = await startEmulator(['--config', fleetFile, '--state-dir', stateDir]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
}

const api = (method: string, path: string, body?: unknown) => controlRequest(control, method, path, body);

const mcInfo = (host: string, quick = false) => ipmitool({ host, port }, quick ? ['-N', '1', '-R', '1', 'mc', 'info'] : ['mc', 'info'], { timeoutMs: 20_000 });
function ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'ctl', '--control', control, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const redfish = (ip: string) => fetch(`http://${ip}:${redfishPort}/redfish/v1/`).then((r) => r.status, () => 'no answer');

const listed = async () => ((await api('GET', '/bmcs')).json.bmcs as { ip: string; rack: string }[]).map((b) => `${b.ip} ${b.rack}`);

t.before(async () => {
  port = await freeUdpPort();
  redfishPort = await freeTcpPort();
  writeFileSync(fleetFile, [
    `ipmiPort: ${port}`, 'control: 127.0.0.1:0', 'security: { maxBmcs: 8 }',
    `redfish: { port: ${redfishPort}, tls: false }`, `virtualMedia: { port: ${await freeTcpPort()} }`,
    'racks:', '  - { name: file-rack, bmcs: 2, firstIp: 127.93.0.1 }', '',
  ].join('\n'));
  await start();
});
t.teardown(() => emu?.stop());

t.test('added BMCs answer ipmitool at once and show in the list, the shards and the metrics', async (t) => {
  const added = await api('POST', '/bmcs', { name: 'extra', firstIp: '127.93.1.1', bmcs: 3 });
  t.equal(added.status, 200, added.text);
  t.same(added.json, { rack: 'extra', bmcs: ['127.93.1.1', '127.93.1.2', '127.93.1.3'], rmc: null, shard: 0, positions: [2, 5] }, 'into the one shard, which has room');
  const one = await api('POST', '/bmcs', { address: '127.93.1.9' });
  t.equal(one.status, 200, one.text);
  t.equal(one.json.rack, 'rack-3', 'named as the fleet file names a rack without a name');
  const mc = await mcInfo('127.93.1.2');
  t.equal(mc.code, 0, mc.stderr);
  t.match(mc.stdout, /Firmware Revision\s+:\s+1\.00/);
  t.same(await listed(), ['127.93.0.1 file-rack', '127.93.0.2 file-rack', '127.93.1.1 extra', '127.93.1.2 extra', '127.93.1.3 extra', '127.93.1.9 rack-3']);
  t.equal((await api('GET', '/bmcs')).json.total, 6);
  t.match((await api('GET', '/shards')).json, [{ shard: 0, from: 0, to: 6, state: 'ready' }]);
  t.match((await api('GET', '/metrics')).text, /bmcfleet_bmcs\{shard="0"\} 6/);
  t.equal(await redfish('127.93.1.9'), 200, 'Redfish answers at the added BMC');
  t.match((await api('GET', '/bmcs/127.93.1.9/media')).json, { drives: [{ kind: 'cdrom', state: 'empty' }, { kind: 'disk', state: 'empty' }] }, 'so does its virtual media');
  const sol = await ipmitool({ host: '127.93.1.9', port }, ['sol', 'info', '1']);
  t.match(sol.stdout, /Enabled\s+:\s+true/, 'and Serial over LAN');
});

t.test('bad bodies are 400s naming the field; taken addresses and the limit are 409s', async (t) => {
  const zero = await api('POST', '/bmcs', { firstIp: '127.93.2.1', bmcs: 0, colour: 'red' });
  t.equal(zero.status, 400);
  t.match(zero.json.error, /body\.bmcs: expected a whole number from 1/);
  t.match(zero.json.error, /body\.colour: unknown key/);
  t.match((await api('POST', '/bmcs', { firstIp: '10.0.0.1', bmcs: 1 })).json.error, /body\.firstIp: 10\.0\.0\.1 is not in 127\.0\.0\.0\/8/);
  t.match((await api('POST', '/bmcs', { address: '127.93.2.1', template: 'huge' })).json.error, /body\.template: no template named "huge"/);
  t.match(await api('POST', '/bmcs', { address: '127.93.2.1', firstIp: '127.93.2.1' }), { status: 400, json: { error: /body\.address: give "address"/ } });
  t.match(await api('POST', '/bmcs', { address: '127.93.2.1', rmc: { ip: '127.93.2.100' } }), { status: 400, json: { error: /POST \/racks/ } });
  t.match(await api('POST', '/bmcs', { firstIp: '127.93.1.3', bmcs: 2 }), { status: 409, json: { error: /127\.93\.1\.3 is in use: BMC number 4, rack extra/ } });
  t.match(await api('POST', '/bmcs', { name: 'extra', address: '127.93.2.1' }), { status: 409, json: { error: /a rack named "extra"/ } });
  t.match(await api('POST', '/bmcs', { firstIp: '127.93.2.1', bmcs: 3 }), { status: 409, json: { error: /serves 6 BMCs: 3 more would pass its limit of 8 \(security\.maxBmcs/ } });
  t.equal((await api('GET', '/bmcs')).json.total, 6, 'nothing added by a refused request');
});

t.test('an address another program holds is a 409 naming it, and the BMCs of the request bound before it are undone', async (t) => {
  const squatter = createSocket('udp4');
  await new Promise<void>((r) => squatter.bind(port, '127.93.5.2', r));
  t.teardown(() => squatter.close());
  const taken = await api('POST', '/bmcs', { firstIp: '127.93.5.1', bmcs: 2 });
  t.equal(taken.status, 409);
  t.match(taken.json.error, /cannot bind 127\.93\.5\.2:\d+: EADDRINUSE/);
  t.equal((await api('GET', '/bmcs')).json.total, 6);
  t.equal((await api('GET', '/bmcs/127.93.5.1')).status, 404);
  t.not((await mcInfo('127.93.5.1', true)).code, 0, 'the first of the two does not answer');
  t.match((await api('GET', '/metrics')).text, /bmcfleet_bmcs\{shard="0"\} 6/);
});

t.test('a removed BMC stops answering, frees its address and its saved state; the address can be added again', async (t) => {
  t.equal((await mcInfo('127.93.1.1')).code, 0);
  const stateFile = join(stateDir, 'bmc-127.93.1.1.json');
  for (let i = 0; i < 40 && !existsSync(stateFile); i++) await new Promise((r) => setTimeout(r, 100));
  t.ok(existsSync(stateFile), 'the BMC saved its state once it saw traffic');
  t.same((await api('DELETE', '/bmcs/127.93.1.1')).json, { removed: '127.93.1.1' });
  t.notOk(existsSync(stateFile), 'its state file is gone');
  const silent = await mcInfo('127.93.1.1', true);
  t.not(silent.code, 0, 'ipmitool gets no answer');
  t.match(silent.stderr, /Unable to establish|no response|timeout/i);
  t.equal((await mcInfo('127.93.1.2')).code, 0, 'its neighbours answer');
  t.equal(await redfish('127.93.1.1'), 'no answer', 'nor does its Redfish service');
  t.equal((await api('DELETE', '/bmcs/127.93.1.1')).status, 404, 'removed once');
  t.notOk((await listed()).some((b) => b.startsWith('127.93.1.1 ')));
  t.match((await api('GET', '/bmcs')).json, { total: 5, numbers: 6 }, 'its number is a gap: pages run to numbers, not total');
  t.same((await api('GET', '/bmcs?offset=4&limit=2')).json.bmcs.map((b: { ip: string }) => b.ip), ['127.93.1.3', '127.93.1.9'], 'offset counts BMC numbers');
  t.match((await api('GET', '/metrics')).text, /bmcfleet_bmcs\{shard="0"\} 5/);
  const again = await api('POST', '/bmcs', { name: 'again', address: '127.93.1.1' });
  t.equal(again.status, 200, again.text);
  t.equal((await mcInfo('127.93.1.1')).code, 0, 'the address answers again');
  t.equal((await api('GET', '/bmcs/127.93.1.1')).json.rack, 'again');
});

t.test('a rack comes and goes with its RMC', async (t) => {
  const rack = await api('POST', '/racks', { name: 'rk', firstIp: '127.93.3.1', bmcs: 2, rmc: { ip: '127.93.3.100' } });
  t.equal(rack.status, 200, rack.text);
  t.match(rack.json, { rack: 'rk', bmcs: ['127.93.3.1', '127.93.3.2'], rmc: '127.93.3.100', shard: 0 });
  t.equal((await mcInfo('127.93.3.2')).code, 0);
  t.match((await api('GET', '/rmcs')).json, { rmcs: [{ ip: '127.93.3.100', rack: 'rk', bmcs: 2, shard: 0 }], listeners: [{ shard: 0 }] });
  const rmcDir = join(stateDir, 'rmcs', '127.93.3.100');
  t.ok(existsSync(rmcDir), 'the RMC keeps its state in the state directory');
  t.match(await api('DELETE', '/bmcs/127.93.3.1'), { status: 409, json: { error: /DELETE \/racks\/rk/ } });
  t.match(await api('DELETE', '/racks/file-rack'), { status: 200, json: { bmcs: ['127.93.0.1', '127.93.0.2'], rmc: null } });
  t.match(await api('POST', '/racks', { name: 'rk2', address: '127.93.3.50', rmc: { ip: '127.93.3.100' } }), { status: 409, json: { error: /127\.93\.3\.100 is in use: RMC/ } });
  t.match(await api('DELETE', '/racks/rk'), { status: 200, json: { removed: 'rk', rmc: '127.93.3.100' } });
  t.same((await api('GET', '/rmcs')).json.rmcs, []);
  t.notOk(existsSync(rmcDir), 'and it is deleted with the rack');
  t.not((await mcInfo('127.93.3.2', true)).code, 0);
  t.equal((await api('DELETE', '/racks/rk')).status, 404);
  const back = await api('POST', '/racks', { name: 'rk', firstIp: '127.93.3.1', bmcs: 2, rmc: { ip: '127.93.3.100', id: 40 } });
  t.equal(back.status, 200, `its addresses and name are free again: ${back.text}`);
  t.match((await api('GET', '/rmcs')).json.rmcs, [{ ip: '127.93.3.100', id: 40, rack: 'rk' }]);
  t.equal((await api('DELETE', '/racks/rk')).status, 200);
  t.equal((await api('GET', '/shards')).json.length, 1, 'all in the one shard process');
});

t.test('bmcfleet ctl add and remove: a table for people, pure JSON with --json', async (t) => {
  const table = await ctl('add', '127.93.4.1', '--count', '2', '--name', 'from-ctl');
  t.equal(table.code, 0, table.stderr);
  t.equal(table.stdout, 'ip          rack      shard\n127.93.4.1  from-ctl  0\n127.93.4.2  from-ctl  0\n');
  t.equal((await mcInfo('127.93.4.2')).code, 0);
  const refused = await ctl('add', '127.93.4.2');
  t.equal(refused.code, 1);
  t.match(refused.stderr, /127\.93\.4\.2 is in use.*\(HTTP 409\)/);
  const removed = await ctl('remove', '127.93.4.2', '--json');
  t.same(JSON.parse(removed.stdout), { removed: '127.93.4.2' });
  t.match((await ctl('remove-rack', 'from-ctl')).stdout, /removed: from-ctl\nbmcs: 127\.93\.4\.1\nrmc: \n/);
  t.equal((await ctl('add', '127.93.4.1', '--rmc-id', '3')).code, 2, '--rmc-id without --rmc is a usage mistake');
});

t.test('a shard process that dies comes back with what was added and without what was removed', async (t) => {
  const [{ pid }] = (await api('GET', '/shards')).json;
  process.kill(pid, 'SIGKILL');
  let shards: { state: string; restarts: number }[] = [];
  for (let i = 0; i < 100; i++) {
    shards = (await api('GET', '/shards')).json;
    if (shards[0].restarts === 1 && shards[0].state === 'ready') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.match(shards, [{ state: 'ready', restarts: 1 }]);
  t.match(emu!.output(), /restarting its 4 BMCs/, 'the BMCs it serves, not the numbers it spans');
  t.equal((await mcInfo('127.93.1.9')).code, 0, 'an added BMC');
  t.not((await mcInfo('127.93.0.1', true)).code, 0, 'a removed one');
});

t.test('the state directory keeps the changes: a restart makes them again', async (t) => {
  const before = await listed();
  t.same(before, ['127.93.1.2 extra', '127.93.1.3 extra', '127.93.1.9 rack-3', '127.93.1.1 again']);
  t.equal(JSON.parse(readFileSync(join(stateDir, 'fleet-changes.json'), 'utf8')).length, 12);
  await emu!.stop();
  await start();
  t.same(await listed(), before);
  t.match(emu!.output(), /fleet-changes\.json: making again the 12 changes/);
  t.equal((await mcInfo('127.93.1.9')).code, 0);
  t.not((await mcInfo('127.93.0.1', true)).code, 0, 'a removed file rack stays removed');
});
