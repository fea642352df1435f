// The console watcher (`bmcfleet sol watch`) against emulated BMCs over real UDP: consoles with packet loss and
// busy stalls lose no line and end no session; a BMC that reboots mid-run makes the watcher reconnect and fetch
// what it missed from history. Checked against the host's own line numbers, in the log files themselves.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startEmulator } from '../helpers/emulator-process.js';

const PORT = 9628;
const CLEAN = ['127.28.0.1', '127.28.0.2', '127.28.0.3'];
const FAULTY = ['127.28.1.1', '127.28.1.2', '127.28.1.3'];
const REBOOTED = '127.28.2.1';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-solwatch-'));
const fleet = join(dir, 'fleet.yaml');
writeFileSync(fleet, `ipmiPort: ${PORT}\ncontrol: 127.0.0.1:0\nconsole: { lineIntervalMs: 100 }\nracks:\n` +
  `  - { name: clean, bmcs: 3, firstIp: ${CLEAN[0]} }\n` +
  `  - { name: faulty, bmcs: 3, firstIp: ${FAULTY[0]}, faults: { lossPercent: 5, busyStallMs: 1500, busyEveryMs: 4000 } }\n` +
  `  - { name: rebooted, bmcs: 1, firstIp: ${REBOOTED} }\n`);

/** The host's line numbers in a captured log, in order. */
function sequence(file: string): number[] {
  return [...readFileSync(file, 'utf8').matchAll(/heartbeat seq=(\d+)\n/g)].map((m) => Number(m[1]));
}

t.test('every line captured once and in order under loss, stalls and a BMC reboot', async (t) => {
  const emu = await startEmulator(['--config', fleet]);
  const control = /control (http:\S+)/.exec(emu.readyLine)![1];
  const logs = join(dir, 'logs');
  const child = spawn(process.execPath, [CLI, 'sol', 'watch', '--targets', [...CLEAN, ...FAULTY, REBOOTED].join(','), '--port', String(PORT),
    '--log-dir', logs, '--duration', '24', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sawReady: () => void = () => {};
  const ready = new Promise<void>((r) => { sawReady = r; });
  child.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
  // With --json the ready line goes to stderr: stdout is the JSON summary alone.
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); if (stderr.includes('ready')) sawReady(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const watch = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code) => { clearTimeout(killer); sawReady(); resolve({ code: code ?? 1, stdout, stderr }); });
  });
  await ready; // every console tried, the rebooted one among them
  // Silent longer than the default 8 missed heartbeats: the watcher must give the session up and reconnect.
  const reboot = await fetch(`${control}/bmcs/${REBOOTED}/reboot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 11_000 }) });
  t.equal(reboot.status, 200, 'one BMC rebooted mid-run (silent 11 s, sessions lost)');
  const r = await watch;
  await emu.stop();
  t.equal(r.code, 0, `the watcher exits 0${r.code ? `\n${r.stderr}` : ''}`);
  t.match(r.stderr, /^ready: watching \d of 7 consoles/m);
  const summary = JSON.parse(r.stdout);
  const byHost = new Map<string, any>(summary.perConsole.map((s: { host: string }) => [s.host, s]));

  for (const host of [...CLEAN, ...FAULTY, REBOOTED]) {
    const s = byHost.get(host);
    const seq = sequence(join(logs, `${host}.log`));
    t.ok(seq.length >= 50, `${host}: ${seq.length} numbered lines captured`);
    const steps = seq.slice(1).map((n, i) => n - seq[i]);
    t.same(steps.filter((d) => d !== 1), [], `${host}: every line once, in order (no gap, no repeat)`);
    t.equal(s.capture.bytesLost, 0, `${host}: nothing reported lost`);
    t.equal(s.capture.sequenceGaps, 0, `${host}: the capture saw no sequence gap`);
    t.ok(s.connects >= 1, `${host}: connected (a handshake lost to the faults is retried)`);
  }
  for (const host of FAULTY) {
    const s = byHost.get(host);
    t.equal(s.heartbeat.sessionsEnded, 0, `${host}: loss and stalls ended no session`);
    t.ok(s.capture.maxQueueDelayMs >= 1000, `${host}: heartbeats waited out a stall in the BMC's queue`);
  }
  const rebooted = byHost.get(REBOOTED);
  t.ok(rebooted.heartbeat.sessionsEnded >= 1 && rebooted.connects >= 2, 'the reboot ended the session and the watcher reconnected');
  t.ok(rebooted.capture.fetchesIssued >= 1, 'what was printed meanwhile came from the BMC\'s history');
});
