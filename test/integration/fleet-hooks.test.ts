// Hooks (issue 18) driving real processes, as VirtualBMC drives libvirt: a command hook starts a process when the
// host powers on and stops it when it powers off (the test checks its PID file and the process); a webhook hears
// the boot device set; a gating hook that fails refuses ipmitool's command with its completion code and changes
// nothing; one that hangs is timed out, killed, and meanwhile the other BMCs answer.
import t from 'tap';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { ipmitool, type Target } from '../helpers/ipmitool.js';

const PORT = 9689;
const BMC: Target = { host: '127.188.0.1', port: PORT };
const OTHER: Target = { host: '127.188.0.2', port: PORT };
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-hooks-'));
let emu: EmulatorProcess;
let control: string;
const posts: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
const webhook = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    posts.push({ headers: req.headers, body: JSON.parse(body) });
    res.writeHead(204).end();
  });
});

// The "hypervisor": on power on it starts a VM (a sleep) and writes its PID file; on power off it stops it. Every
// event it is given is appended to events.jsonl, with whether BMCFLEET_EVENT held the same JSON as stdin.
const POWER_HOOK = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const dir = process.argv[2];
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const event = JSON.parse(input);
  fs.appendFileSync(dir + '/events.jsonl', JSON.stringify({ event, sameAsEnv: process.env.BMCFLEET_EVENT === input }) + '\\n');
  const pidFile = dir + '/vm-' + event.bmc + '.pid';
  if (event.new.power === 'on' && !fs.existsSync(pidFile)) {
    const vm = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    vm.unref();
    fs.writeFileSync(pidFile, String(vm.pid));
  } else if (event.new.power === 'off' && fs.existsSync(pidFile)) {
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM');
    fs.unlinkSync(pidFile);
  }
});
`;
// Refuses a host reset, as a hypervisor that lost the domain would.
const FAILING_HOOK = 'process.stderr.write("domain not found\\n"); process.exit(3);';
// Hangs on an NMI (writing its PID first), answers anything else at once.
const HANGING_HOOK = `
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  if (JSON.parse(input).action !== 'diag') process.exit(0);
  require('node:fs').writeFileSync(process.argv[2] + '/hang.pid', String(process.pid));
  setInterval(() => {}, 1000);
});
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pidFile = join(dir, `vm-${BMC.host}.pid`);
const events = () => existsSync(join(dir, 'events.jsonl'))
  ? readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: Record<string, unknown>; sameAsEnv: boolean })
  : [];

t.before(async () => {
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  for (const [name, text] of [['power-hook.cjs', POWER_HOOK], ['failing-hook.cjs', FAILING_HOOK], ['hanging-hook.cjs', HANGING_HOOK]]) writeFileSync(join(dir, name), text);
  const node = JSON.stringify(process.execPath);
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, [
    `ipmiPort: ${PORT}`, 'control: 127.0.0.1:0',
    'racks:', `  - { name: lab, bmcs: 2, firstIp: ${BMC.host} }`,
    'hooks:',
    '  maxRunning: 4',
    '  run:',
    `    - { on: [power], command: [${node}, ${JSON.stringify(join(dir, 'power-hook.cjs'))}, ${JSON.stringify(dir)}] }`,
    `    - { on: [boot-device], webhook: "http://127.0.0.1:${(webhook.address() as AddressInfo).port}/bmc-events" }`,
    `    - { on: [reset], command: [${node}, ${JSON.stringify(join(dir, 'failing-hook.cjs'))}], onFailure: fail, completionCode: 0xd5 }`,
    `    - { on: [power], command: [${node}, ${JSON.stringify(join(dir, 'hanging-hook.cjs'))}, ${JSON.stringify(dir)}], onFailure: fail, timeoutMs: 2000, completionCode: 0xff }`,
    '',
  ].join('\n'));
  emu = await startEmulator(['--config', fleet]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
});
t.teardown(async () => {
  await emu?.stop();
  webhook.close();
  if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
});

t.test('power on starts the VM process, power off stops it; the hook gets the event on stdin and in BMCFLEET_EVENT', async (t) => {
  const off = await ipmitool(BMC, ['chassis', 'power', 'off']);
  t.equal(off.code, 0, off.stderr);
  await until('the power off event', () => events().length === 1);
  t.notOk(existsSync(pidFile), 'no VM while the host is off');
  const on = await ipmitool(BMC, ['chassis', 'power', 'on']);
  t.equal(on.code, 0, on.stderr);
  await until('the VM\'s PID file', () => existsSync(pidFile));
  const vm = Number(readFileSync(pidFile, 'utf8'));
  t.ok(alive(vm), `the VM (PID ${vm}) runs`);
  const [first, second] = events();
  t.match(first.event, { event: 'power', action: 'off', old: { power: 'on' }, new: { power: 'off' }, source: 'ipmi', bmc: BMC.host, rack: 'lab' });
  t.match(second.event, { event: 'power', action: 'on', old: { power: 'off' }, new: { power: 'on' } });
  t.match(second.event.host, { hostname: 'node-127-188-000-001', serial: /^BF/, systemGuid: /^[0-9a-f-]{36}$/, macs: [/^06:/, /^06:/] });
  t.ok(first.sameAsEnv && second.sameAsEnv, 'stdin and BMCFLEET_EVENT hold the same JSON');
  const offAgain = await ipmitool(BMC, ['chassis', 'power', 'off']);
  t.equal(offAgain.code, 0, offAgain.stderr);
  await until('the VM to stop', () => !alive(vm) && !existsSync(pidFile));
  t.pass('the VM stopped and its PID file is gone');
});

t.test('the control API\'s power action runs the same hooks', async (t) => {
  const res = await fetch(`${control}/bmcs/${BMC.host}/power`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action": "on"}' });
  t.equal(res.status, 200);
  await until('the VM\'s PID file', () => existsSync(pidFile));
  t.match(events().at(-1)!.event, { event: 'power', action: 'on', source: 'control-api' });
});

t.test('a webhook hears the boot device set: old and new device, the BMC and its host', async (t) => {
  const r = await ipmitool(BMC, ['chassis', 'bootdev', 'pxe']);
  t.equal(r.code, 0, r.stderr);
  await until('the webhook\'s POST', () => posts.length === 1);
  t.equal(posts[0].headers['content-type'], 'application/json');
  t.match(posts[0].body, {
    event: 'boot-device', action: 'set', old: { device: 'none' }, new: { device: 'pxe', persistent: false }, bmc: BMC.host,
    host: { hostname: 'node-127-188-000-001' }, at: /^\d{4}-\d\d-\d\dT/,
  });
});

async function restartEntries(): Promise<number> {
  const sel = await (await fetch(`${control}/bmcs/${BMC.host}/sel`)).json() as { records: { sensorType?: number }[] };
  return sel.records.filter((r) => r.sensorType === 0x1d).length; // System Boot / Restart Initiated
}

t.test('a failing gating hook fails ipmitool\'s command with D5h, and the host is not reset', async (t) => {
  const before = await restartEntries();
  const r = await ipmitool(BMC, ['chassis', 'power', 'reset']);
  t.not(r.code, 0, 'ipmitool fails');
  t.match(r.stderr, /Set Chassis Power Control to Reset failed: Command not supported in present state/);
  t.equal(await restartEntries(), before, 'no restart logged: the model did not change');
  const refusal = /reset at 127\.188\.0\.1 refused: hook .*failing-hook\.cjs.* failed: .* exited with code 3: domain not found/;
  await until('the refusal in the log', () => refusal.test(emu.output())); // the shard's log line comes through its parent
  t.match(emu.output(), refusal);
  const api = await fetch(`${control}/bmcs/${BMC.host}/power`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action": "reset"}' });
  t.equal(api.status, 502, 'the control API answers 502');
  t.match(((await api.json()) as { error: string }).error, /a reset hook refused reset: .*domain not found/);
});

t.test('a hanging hook is timed out and killed: FFh to ipmitool, and the other BMC answers meanwhile', async (t) => {
  const diag = ipmitool(BMC, ['-N', '3', '-R', '2', 'chassis', 'power', 'diag']);
  await until('the hanging hook', () => existsSync(join(dir, 'hang.pid')));
  const hung = Number(readFileSync(join(dir, 'hang.pid'), 'utf8'));
  t.ok(alive(hung), 'the hook hangs');
  const other = await ipmitool(OTHER, ['chassis', 'status']);
  t.equal(other.code, 0, 'the other BMC answers');
  t.ok(alive(hung), 'while the hook still hangs');
  const r = await diag;
  t.not(r.code, 0);
  t.match(r.stderr, /Set Chassis Power Control to Diag failed: Unspecified error/);
  await until('the hook to be killed', () => !alive(hung));
  // the shard's log line reaches the fleet's stderr through its parent, after the answer may have
  const refusal = /power diag at 127\.188\.0\.1 refused: hook .*hanging-hook\.cjs.* failed: timed out after 2000 ms/;
  await until('the refusal in the log', () => refusal.test(emu.output()));
  t.match(emu.output(), refusal);
});
