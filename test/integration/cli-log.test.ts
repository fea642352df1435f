// The diagnostics log of a real `bmcfleet emulate` (issue 18): JSON lines on stderr when it is a pipe, pretty when
// asked for, the level from --log-level (before or after the command) or BMCFLEET_LOG_LEVEL, followed by the shard
// processes; stdout keeps what a user reads.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/emulator-process.js';

interface Run { code: number | null; stdout: string; stderr: string }

/** `bmcfleet ARGS` until its ready line (and the try line after it), then one SIGTERM; stdout and stderr as written. */
function runUntilReady(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { BMCFLEET_LOG_LEVEL: _level, BMCFLEET_LOG_FORMAT: _format, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...inherited, ...env } });
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  let stopped = false;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (stopped || !/^ready.*\n.*try: .*\n/m.test(stdout)) return;
    stopped = true; // once: a second SIGTERM while it stops kills it, as a second Ctrl-C would
    child.kill('SIGTERM');
  });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolve) => child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); }));
}

function entries(stderr: string): { level: string; msg: string; time: string; pid: number }[] {
  return stderr.trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

const quick = (n: number) => ['--bmcs', '2', '--first-ip', `127.118.${n}.1`, '--ipmi-port', '19131', '--allow-cipher-0'];

t.test('on a pipe: every stderr line is a JSON object; --log-level debug (before the command) reaches the shard processes', async (t) => {
  const r = await runUntilReady(['--log-level', 'debug', 'emulate', ...quick(0)]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^ready: 2 BMCs on 127\.118\.0\.1-127\.118\.0\.2 udp\/19131/);
  t.notMatch(r.stdout, /"level"/, 'no log line on stdout');
  const logged = entries(r.stderr);
  t.match(logged, [{ level: 'warn', msg: /^warning: cipher suite 0 is on/ }]);
  t.ok(logged.some((e) => e.level === 'debug' && /^shard 0 \(pid \d+\) bound 2 node sockets$/.test(e.msg)), 'a shard\'s debug line');
});

t.test('--log-level after the command wins over BMCFLEET_LOG_LEVEL; at info no debug line; --log-format pretty: lines for people', async (t) => {
  const r = await runUntilReady(['emulate', ...quick(1), '--log-level=info', '--log-format', 'pretty'], { BMCFLEET_LOG_LEVEL: 'debug' });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN \(\d+\): warning: cipher suite 0 is on/);
  t.notMatch(r.stderr, /DEBUG|bound 2 node sockets/);
  t.throws(() => entries(r.stderr));
});

t.test('a level or format that is none: a usage error, exit 2', async (t) => {
  const run = (args: string[], env: Record<string, string> = {}) => new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }));
  });
  t.match(await run(['--log-level', 'loud', 'emulate']), { code: 2, stderr: /--log-level must be one of fatal, error, warn, info, debug, trace, got "loud"/ });
  t.match(await run(['emulate', '--log-format']), { code: 2, stderr: /--log-format must be one of json, pretty, got nothing/ });
  t.match(await run(['fleet', '--help'], { BMCFLEET_LOG_LEVEL: 'verbose' }), { code: 2, stderr: /BMCFLEET_LOG_LEVEL must be one of/ });
});

t.test('--json stays pure JSON on stdout with the log at trace: what is logged goes to stderr', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-log-'));
  const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, '--log-level', 'trace', ...args], (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
  });
  const key = await run(['manager', 'key', '--state', join(dir, 'state'), '--json']);
  t.equal(key.code, 0, key.stderr);
  t.match(JSON.parse(key.stdout), { publicKey: String, keyId: /^[0-9a-f]{16}$/ });
  t.match(entries(key.stderr), [{ level: 'info', msg: /^made a new manager key in / }], 'the new key is logged, on stderr');
  const packed = await run(['firmware', 'pack', '--out', join(dir, 'fw.hpm'), '--version', '1.02', '--json']);
  t.equal(packed.code, 0, packed.stderr);
  t.match(JSON.parse(packed.stdout), { version: '1.02' });
  const validated = await run(['fleet', 'validate', 'fleets/default.yaml', '--json']);
  t.equal(validated.code, 0, validated.stderr);
  t.match(JSON.parse(validated.stdout), { valid: true });
});
