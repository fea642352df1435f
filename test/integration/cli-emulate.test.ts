// The `bmcfleet emulate` command as a user runs it: ready line, help, bind errors, clean stop.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startEmulator } from '../helpers/emulator-process.js';
import { ctlLine, tryLine } from '../../cli/emulate.js';
import { freeTcpPort } from '../helpers/free-port.js';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.test('ready line names the addresses, SIGTERM stops cleanly', async (t) => {
  const emu = await startEmulator(['--bmcs', '3', '--first-ip', '127.23.0.1', '--ipmi-port', '9823']);
  t.match(emu.readyLine, /^ready: 3 BMCs on 127\.23\.0\.1-127\.23\.0\.3 udp\/9823/);
  t.equal(await emu.stop('SIGTERM'), 0, 'exit code 0 on SIGTERM');
});

t.test('the "try:" line pastes into a shell as it is, and the real ipmitool it runs answers', async (t) => {
  const emu = await startEmulator(['--bmcs', '1', '--first-ip', '127.23.1.1', '--ipmi-port', '9825']);
  t.teardown(() => emu.stop());
  for (let i = 0; i < 100 && !/try: .*\n/.test(emu.output()); i++) await new Promise((r) => setTimeout(r, 20));
  const line = /try: (.*)\n/.exec(emu.output())?.[1];
  t.equal(line, 'ipmitool -I lanplus -H 127.23.1.1 -p 9825 -U admin -P password chassis status');
  const ran = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile('sh', ['-c', line!], { timeout: 30_000 }, (err, stdout) => resolve({ code: err ? 1 : 0, stdout }));
  });
  t.equal(ran.code, 0);
  t.match(ran.stdout, /System Power\s+: on/);
});

t.test('the "ctl:" line names the free port the quick form picked, and bmcfleet ctl run as it says lists the fleet', async (t) => {
  const emu = await startEmulator(['--bmcs', '2', '--first-ip', '127.23.2.1', '--ipmi-port', '9826']);
  t.teardown(() => emu.stop());
  for (let i = 0; i < 100 && !/ctl: .*\n/.test(emu.output()); i++) await new Promise((r) => setTimeout(r, 20));
  const url = /control (http:\/\/127\.0\.0\.1:\d+)$/m.exec(emu.readyLine)![1];
  const line = /ctl: (.*)\n/.exec(emu.output())?.[1];
  t.equal(line, `bmcfleet ctl --control ${url} list`);
  const listed = await run(line!.split(' ').slice(1)); // "bmcfleet" is the CLI
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /^127\.23\.2\.1\s+rack-1\s+on\b/m);
  t.match(listed.stdout, /^127\.23\.2\.2\s/m);
});

t.test('the "ctl:" line: no --control for the default API; the token file, quoted for a shell, when one is asked for', (t) => {
  t.equal(ctlLine('http://127.0.0.1:8623', null), '  ctl: bmcfleet ctl list');
  t.equal(ctlLine('http://0.0.0.0:8623', "/var/lib/it's here/control-token"),
    `  ctl: bmcfleet ctl --control http://0.0.0.0:8623 --token-file '/var/lib/it'\\''s here/control-token' list`);
  t.equal(ctlLine('http://[::1]:8700', null), "  ctl: bmcfleet ctl --control 'http://[::1]:8700' list");
  t.end();
});

t.test('a password from the fleet file is not printed: the line asks for it and hands it to ipmitool -E', (t) => {
  const line = tryLine('127.1.0.1', 623, { name: 'ops', password: 's3cret' });
  t.notMatch(line, /s3cret/);
  t.match(line, /read -rsp 'password of ops: ' IPMI_PASSWORD && export IPMI_PASSWORD && ipmitool -I lanplus -H 127\.1\.0\.1 -U ops -E chassis status$/);
  t.end();
});

t.test('an IPv6 control address is bracketed in the ready line, and that URL works', async (t) => {
  const emu = await startEmulator(['--bmcs', '1', '--first-ip', '127.37.1.1', '--ipmi-port', '18050', '--control', '[::1]:0']);
  const url = /control (http:\/\/\[::1\]:\d+)$/m.exec(emu.readyLine)?.[1];
  t.ok(url, emu.readyLine);
  t.equal((await fetch(`${url}/shards`)).status, 200);
  t.equal(await emu.stop(), 0);
});

t.test('--allow-cipher-0 warns on stderr; without it, no warning', async (t) => {
  const open = await startEmulator(['--bmcs', '1', '--first-ip', '127.23.3.1', '--ipmi-port', '9823', '--allow-cipher-0']);
  t.match(open.output(), /warning: cipher suite 0 is on: any client logs in with any password/);
  t.equal(await open.stop(), 0);
  const closed = await startEmulator(['--bmcs', '1', '--first-ip', '127.23.3.1', '--ipmi-port', '9823']);
  t.notMatch(closed.output(), /cipher suite 0/);
  t.equal(await closed.stop(), 0);
});

t.test('a control API beyond loopback warns, and asks every request for the token kept in the state directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-cli-'));
  const emu = await startEmulator(['--bmcs', '1', '--first-ip', '127.71.5.1', '--ipmi-port', '18713', '--control', '0.0.0.0:0', '--state-dir', dir]);
  t.teardown(() => emu.stop());
  const url = /control (http:\/\/0\.0\.0\.0:\d+)$/m.exec(emu.readyLine)![1];
  t.match(emu.output(), new RegExp(`warning: the control API on ${url} is reachable beyond this machine; every request needs "Authorization: Bearer TOKEN", TOKEN in ${dir}/control-token`));
  const token = readFileSync(join(dir, 'control-token'), 'utf8').trim();
  t.equal((await fetch(`${url}/shards`)).status, 401, 'no token');
  t.equal((await fetch(`${url}/shards`, { headers: { authorization: `Bearer ${token}` } })).status, 200, 'the token');
  t.equal(await emu.stop(), 0);
});

t.test('beyond loopback with nowhere to keep a token: it does not start, and says why', async (t) => {
  const r = await run(['emulate', '--bmcs', '1', '--first-ip', '127.71.5.2', '--ipmi-port', '18713', '--control', '0.0.0.0:0']);
  t.not(r.code, 0);
  t.match(r.stderr, /control API on 0\.0\.0\.0:0 is reachable beyond this machine and needs a token: give --control-token-file FILE/);
});

t.test('--control-token-file on loopback: the token is asked for there too; no warning', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-cli-')), 'token');
  const emu = await startEmulator(['--bmcs', '1', '--first-ip', '127.71.5.3', '--ipmi-port', '18713', '--control-token-file', file]);
  t.teardown(() => emu.stop());
  const url = /control (http:\S+)$/m.exec(emu.readyLine)![1];
  t.notMatch(emu.output(), /warning/);
  const token = readFileSync(file, 'utf8').trim();
  t.equal((await fetch(`${url}/bmcs`)).status, 401);
  t.equal((await fetch(`${url}/bmcs`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  t.equal(await emu.stop(), 0);
});

t.test('SIGINT stops cleanly too', async (t) => {
  const emu = await startEmulator(['--bmcs', '1', '--first-ip', '127.23.1.1', '--ipmi-port', '9823']);
  t.equal(await emu.stop('SIGINT'), 0);
});

t.test('an address already in use: non-zero exit and a clear message', async (t) => {
  const first = await startEmulator(['--bmcs', '1', '--first-ip', '127.23.2.1', '--ipmi-port', '9823']);
  const second = await run(['emulate', '--bmcs', '2', '--first-ip', '127.23.2.1', '--ipmi-port', '9823']);
  t.not(second.code, 0);
  t.match(second.stderr, /cannot bind 127\.23\.2\.1:9823: EADDRINUSE/);
  await first.stop();
});

t.test('--help teaches, bad options are usage errors', async (t) => {
  const help = await run(['emulate', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--first-ip A/);
  t.match(help.stdout, /examples:/);
  const top = await run(['--help']);
  t.match(top.stdout, /emulate\s+run a fleet/);
  const bad = await run(['emulate', '--bmcs', 'many']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--bmcs must be a whole number/);
  const unknown = await run(['emulate', '--frobnicate']);
  t.equal(unknown.code, 2);
});

t.test('--media-dir: local images only from the folders named; another file is 403; without virtualMedia a usage error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-media-dir-'));
  const allowed = join(dir, 'images');
  mkdirSync(allowed);
  writeFileSync(join(allowed, 'boot.iso'), Buffer.alloc(8 * 2048));
  writeFileSync(join(dir, 'other.iso'), Buffer.alloc(8 * 2048));
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, ['ipmiPort: 18714', 'control: 127.0.0.1:0', `virtualMedia: { port: ${await freeTcpPort()}, mediaDirs: [${dir}] }`,
    'racks:', '  - { name: r1, bmcs: 1, firstIp: 127.71.6.1 }', ''].join('\n'));
  const emu = await startEmulator(['--config', fleet, '--media-dir', allowed]);
  t.teardown(() => emu.stop());
  const control = /control (http:\S+)/.exec(emu.readyLine)![1];
  const put = (image: string) => fetch(`${control}/bmcs/127.71.6.1/media/cdrom`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image }) });
  t.equal((await put(join(allowed, 'boot.iso'))).status, 200);
  const refused = await put(join(dir, 'other.iso'));
  t.equal(refused.status, 403, 'the flag replaces the fleet file\'s folders');
  t.match((await refused.json()).error, /local images must be inside .*images \(virtualMedia\.mediaDirs, --media-dir\)/);
  const r = await run(['emulate', '--bmcs', '1', '--first-ip', '127.71.6.2', '--ipmi-port', '18714', '--media-dir', allowed]);
  t.not(r.code, 0);
  t.match(r.stderr, /--media-dir needs a fleet file with a virtualMedia: section/);
});
