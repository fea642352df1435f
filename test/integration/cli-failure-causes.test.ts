// `bmcfleet bench ipmi` and `bmcfleet sol watch` against emulated BMCs with a wrong password, an unknown user and
// nothing listening: each names the cause and exits 1 when nothing worked (issue 18, "errors that say why"), and
// --json output stays pure JSON. A wrong password must not leave the BMC's session table full for the next client.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { CLI, startEmulator } from '../helpers/emulator-process.js';
import { ipmitool } from '../helpers/ipmitool.js';

const PORT = 9691;
const BMCS = ['127.91.0.1', '127.91.0.2'];
const NOBODY_THERE = '127.91.9.9';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-causes-'));
const fleet = join(dir, 'fleet.yaml');
// A small session table, so that half-open sessions left by failed logins would show.
writeFileSync(fleet, `ipmiPort: ${PORT}\ncontrol: none\nsecurity: { maxSessions: 4 }\n` +
  `racks:\n  - { name: r, bmcs: 2, firstIp: ${BMCS[0]} }\n`);

interface Run { code: number; stdout: string; stderr: string }

function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

const bench = (targets: string, extra: string[]) =>
  cli(['bench', 'ipmi', '--targets', targets, '--port', String(PORT), '--duration', '1', '--concurrency', '8', '--timeout', '200', ...extra]);

t.test('failures are named by cause and nothing succeeding exits 1', async (t) => {
  const emu = await startEmulator(['--config', fleet]);
  t.teardown(() => emu.stop());

  const wrongPassword = await bench(BMCS.join(','), ['--password', 'not-the-password', '--json']);
  t.equal(wrongPassword.code, 1, 'bench ipmi with a wrong password exits 1');
  const report = JSON.parse(wrongPassword.stdout);
  t.same(Object.keys(report.errors), ['wrong-password'], 'its only cause is wrong-password');
  t.equal(report.workersStopped, 8, 'every worker stopped at its first refusal instead of retrying');
  t.match(wrongPassword.stderr, /nothing succeeded: wrong-password x8 \(127\.91\.0\.\d: session setup: RAKP 2 HMAC is invalid/);

  const unknownUser = await bench(BMCS[0], ['--user', 'nobody']);
  t.equal(unknownUser.code, 1, 'an unknown user exits 1');
  // Eight logins at once into a table of four: the BMC may drop some half-open ones (then counted as other causes
  // and retried), but every worker ends on unknown-user.
  t.match(unknownUser.stdout, /unknown-user x8 \(127\.91\.0\.1: session setup: .*unauthorized name\)/);
  t.match(unknownUser.stdout, / over [\d.]+ s, 8 workers on 1 target, suite /, 'one target, not "1 targets"');

  const unreachable = await bench(NOBODY_THERE, []);
  t.equal(unreachable.code, 1, 'nothing listening exits 1');
  t.match(unreachable.stdout, /errors: no-answer x\d+ \(127\.91\.9\.9: no answer to .*is a BMC listening there/);

  // Right after the refused logins, the BMC still has room: the failed workers left no pile of half-open sessions.
  const good = await bench(BMCS[0], ['--concurrency', '4', '--json']);
  t.equal(good.code, 0, 'a correct login right after them works and exits 0');
  const ok = JSON.parse(good.stdout);
  t.ok(ok.requests > 0, `${ok.requests} requests answered`);
  // an answer late past the load generator's timeout on a loaded machine is counted no-answer; any refusal is a failure
  t.same(Object.keys(ok.errors).filter((cause) => cause !== 'no-answer'), [], 'no session refused, none left over from the failed logins');

  const watch = await cli(['sol', 'watch', '--targets', BMCS.join(','), '--port', String(PORT), '--log-dir', join(dir, 'logs'),
    '--password', 'not-the-password', '--duration', '2', '--json']);
  t.equal(watch.code, 1, 'sol watch that never watched a console exits 1');
  const summary = JSON.parse(watch.stdout);
  t.equal(summary.consoles, 2, 'stdout is the JSON summary alone');
  t.match(watch.stderr, /ready: watching 0 of 2 consoles .*not yet: wrong-password: 127\.91\.0\.1, 127\.91\.0\.2/);
  t.match(watch.stderr, /no console was ever watched: wrong-password/);
});

t.test('a session table held full: bench ipmi backs off until the end, then names the cause and exits 1', async (t) => {
  const emu = await startEmulator(['--config', fleet]);
  t.teardown(() => emu.stop());
  // four sessions held open fill the BMC's table of four: every login of the benchmark is refused for lack of room
  const held = await Promise.all([0, 1, 2, 3].map(() => IpmiLanClient.connect({ host: BMCS[1], port: PORT, username: 'admin', password: 'password' })));
  t.teardown(() => Promise.all(held.map((c) => c.close())));
  // Every worker waits out its back-off with no socket open: the run once ended there, silently and with exit 0.
  const full = await bench(BMCS[1], ['--concurrency', '2', '--json']);
  t.equal(full.code, 1, 'nothing succeeded: exit 1');
  t.same(Object.keys(JSON.parse(full.stdout).errors), ['session-table-full'], 'the JSON report, its only cause session-table-full');
  t.match(full.stderr, /nothing succeeded: session-table-full x\d+ \(127\.91\.0\.2: session setup: open session response: insufficient resources/);
});

t.test('a wrong password sets no session aside: the real ipmitool logs in from the same machine right after', async (t) => {
  // The default table (32 sessions), where what fills up is the 8 half-open sessions one source address may hold:
  // 16 wrong logins at once used to leave 8 of them, and ipmitool was refused (insufficient resources) for 10 s.
  const roomy = join(dir, 'roomy.yaml');
  writeFileSync(roomy, `ipmiPort: ${PORT}\ncontrol: none\nracks:\n  - { name: r, bmcs: 1, firstIp: 127.91.1.1 }\n`);
  const emu = await startEmulator(['--config', roomy]);
  t.teardown(() => emu.stop());
  const wrong = await bench('127.91.1.1', ['--password', 'not-the-password', '--concurrency', '16']);
  t.equal(wrong.code, 1, 'nothing succeeded');
  t.match(wrong.stdout, /wrong-password x\d+/);
  const after = await ipmitool({ host: '127.91.1.1', port: PORT }, ['mc', 'info']);
  t.equal(after.code, 0, `ipmitool mc info at once: ${after.stderr}`);
  t.match(after.stdout, /Firmware Revision/);
  const watch = await cli(['sol', 'watch', '--targets', '127.91.1.1', '--port', String(PORT), '--log-dir', join(dir, 'logs'), '--duration', '1']);
  t.equal(watch.code, 0, watch.stderr);
  t.match(watch.stdout, /^ready: watching 1 of 1 console, logs in /m, 'every console watched: no "the rest keep retrying"');
  t.match(watch.stdout, /^1 console: \d+ lines?, \d+ bytes? lost, /m, 'not "1 consoles"');
});
