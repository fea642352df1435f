// Starts `bmcfleet emulate` (or any long-running bmcfleet command) as a child process and waits for its "ready" line.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'bmcfleet.js');

export interface EmulatorProcess {
  child: ChildProcess;
  readyLine: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startEmulator(args: string[], readyTimeoutMs = 60_000): Promise<EmulatorProcess> {
  return startCli(['emulate', ...args], readyTimeoutMs);
}

/** Every bmcfleet process a test started and that has not exited: killed when the test process ends, however it ends. */
const live = new Set<ChildProcess>();
let reaping = false;

/**
 * A test process ended by a signal (a runner's SIGTERM, Ctrl-C, tap's timeout) runs no teardowns: its fleets must not
 * outlive it.
 * (A SIGKILL cannot be caught: a fleet started then is left running.)
 */
function reapOnExit(): void {
  if (reaping) return;
  reaping = true;
  process.once('exit', () => { for (const child of live) child.kill('SIGKILL'); });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGKILL');
      process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
    });
  }
  // tap ends a test file that ran past its timeout with SIGALRM, then SIGKILL, and no 'exit' event runs: its fleets
  // went on holding their addresses, and the next test to use them failed with EADDRINUSE. tap's own handler still runs.
  process.on('SIGALRM', () => { for (const child of live) child.kill('SIGKILL'); });
}

/** A line of the diagnostics log (JSON on a pipe: runtime/log.ts) as its message alone, as a terminal shows it; other lines as they are. */
export function logMessage(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as { msg?: unknown };
    return typeof entry.msg === 'string' ? entry.msg : line;
  } catch {
    return line;
  }
}

/** `bmcfleet ARGS` (emulate, manager serve, ...) once it printed its ready line; output() has its stdout and stderr, log lines as their messages. */
export function startCli(args: string[], readyTimeoutMs = 60_000): Promise<EmulatorProcess> {
  reapOnExit();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`bmcfleet ${args[0]} not ready in time:\n${out}`)); }, readyTimeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('ready'));
      if (line) {
        clearTimeout(timer);
        resolve({
          child, readyLine: line, output: () => out,
          stop: async (signal = 'SIGTERM') => { child.kill(signal); return exited; },
        });
      }
    };
    child.stdout!.on('data', onData);
    let partial = '';
    child.stderr!.on('data', (c: Buffer) => {
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) out += `${logMessage(line)}\n`;
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`bmcfleet ${args[0]} exited with ${code} before ready:\n${out}`)); });
  });
}
