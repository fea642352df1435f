// `bmcfleet ctl` as a user runs it against a running fleet: tables for people, pure JSON with --json, the API's
// errors named, usage mistakes exit 2.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';

const FIRST = '127.76.0.1';
let emu: EmulatorProcess;
let control: string;
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-ctl-'));
writeFileSync(join(dir, 'boot.iso'), Buffer.alloc(8 * 2048, 7));

function ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'ctl', '--control', control, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.before(async () => {
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, [
    `ipmiPort: ${await freeUdpPort()}`, 'control: 127.0.0.1:0', `virtualMedia: { port: ${await freeTcpPort()}, mediaDirs: [${dir}] }`,
    'racks:', `  - { name: r1, bmcs: 3, firstIp: ${FIRST} }`, '',
  ].join('\n'));
  emu = await startEmulator(['--config', fleet]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
});
t.teardown(() => emu?.stop());

t.test('list prints a table; --json prints the API\'s answer and nothing else', async (t) => {
  const table = await ctl('list');
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, /^ip\s+rack\s+power\s+sessions\s+faults\s+busy\n127\.76\.0\.1\s+r1\s+on\s+0\n/m);
  t.equal(table.stdout.trim().split('\n').length, 4, 'a header and three BMCs');
  const json = await ctl('list', '--json');
  t.same(JSON.parse(json.stdout).bmcs.map((b: { ip: string }) => b.ip), ['127.76.0.1', '127.76.0.2', '127.76.0.3']);
});

t.test('power, fault and show change and read the BMC', async (t) => {
  t.equal((await ctl('power', FIRST, 'off')).code, 0);
  t.equal((await ctl('fault', FIRST, '--loss', '0', '--latency', '25')).code, 0);
  const shown = await ctl('show', FIRST, '--json');
  t.match(JSON.parse(shown.stdout), { ip: FIRST, power: 'off', faults: { latencyMs: 25 } });
  t.match((await ctl('list')).stdout, /127\.76\.0\.1\s+r1\s+off\s+0\s+latencyMs=25/);
  t.equal((await ctl('fault', 'all', '--clear')).code, 0);
  t.match(JSON.parse((await ctl('show', FIRST, '--json')).stdout), { faults: { latencyMs: 0 } });
});

t.test('insert, media and eject drive the virtual media', async (t) => {
  const inserted = await ctl('insert', FIRST, 'cdrom', join(dir, 'boot.iso'));
  t.equal(inserted.code, 0, inserted.stderr);
  t.match(inserted.stdout, /cdrom\s+inserted\s+\S+boot\.iso\s+16384/);
  t.match((await ctl('media', FIRST)).stdout, /cdrom\s+inserted[\s\S]*disk\s+empty/);
  t.match((await ctl('eject', FIRST, 'cdrom')).stdout, /cdrom\s+empty/);
});

t.test('the API\'s refusals are named and exit 1; usage mistakes exit 2', async (t) => {
  const missing = await ctl('show', '127.76.9.9');
  t.equal(missing.code, 1);
  t.match(missing.stderr, /no BMC at 127\.76\.9\.9 \(HTTP 404\)/);
  const badFile = await ctl('insert', FIRST, 'cdrom', join(dir, 'nope.iso'));
  t.equal(badFile.code, 1);
  t.match(badFile.stderr, /nope\.iso.*\(HTTP 400\)/);
  t.equal((await ctl('power', FIRST)).code, 2, 'a missing argument');
  t.equal((await ctl('list', '--ms', '5')).code, 2, 'an option of another command');
  t.equal((await ctl('fault', FIRST)).code, 2, 'a fault with nothing to set');
  const unreachable = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'ctl', '--control', 'http://127.76.9.9:18623', 'list'], (err, _o, stderr) => resolve({ code: err ? 1 : 0, stderr }));
  });
  t.equal(unreachable.code, 1);
  t.match(unreachable.stderr, /cannot reach the fleet's control API: .*ECONNREFUSED/);
});
