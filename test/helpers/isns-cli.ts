// Running `bmcfleet isns ...` as a user does, for the CLI tests: one-shot subcommands, and `serve` until
// its "ready" line.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../cli/bmcfleet.js', import.meta.url));

/** `bmcfleet isns ARGS...` to the end: exit code (-1 for a signal), stdout, stderr. */
export function runIsns(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('node', [CLI, 'isns', ...args], { timeout: 60_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out: stdout, err: stderr });
    });
  });
}

/** `bmcfleet isns serve --listen LISTEN ARGS...`, resolved at its "ready" line (rejected after 15 s without one). */
export function serveIsns(listen: string, ...args: string[]): Promise<{ child: ChildProcess; ready: string; exited: Promise<number | null> }> {
  const child = spawn('node', [CLI, 'isns', 'serve', '--listen', listen, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 15_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('ready'));
      if (line) { clearTimeout(timer); resolve({ child, ready: line, exited }); }
    });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  });
}
