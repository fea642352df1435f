// \`ipmitool sol activate\` under a pseudo-terminal (util-linux \`script\`: ipmitool's SOL console needs a tty):
// what it printed, a way to type, and its exit code. Used by the SOL conformance test and the console benchmark.
import { spawn } from 'node:child_process';
import type { Target } from './ipmitool.js';

/** Generous bound for a wait that should take seconds (the boot log takes about 10 s): a hang fails, not a slow run. */
export const WAIT_MS = 60_000;

/** `ipmitool ... sol activate` on a pseudo-terminal: what it printed, a way to type, and its exit code. */
export interface SolConsole {
  output(): string;
  type(text: string): void;
  /** Resolves with the output once it matches `pattern` (searching from `from`); rejects if ipmitool exits first. */
  waitFor(pattern: RegExp, from?: number): Promise<string>;
  exit: Promise<number | null>;
  kill(): void;
}

export function solActivate(target: Target, options: string[] = []): SolConsole {
  const args = ['-I', 'lanplus', '-H', target.host, '-p', String(target.port), '-U', 'admin', '-P', 'password', ...options, 'sol', 'activate'];
  // script -q (quiet) -f (flush) -e (its exit code is ipmitool's) -c (command); the typescript goes to /dev/null.
  const child = spawn('script', ['-qfec', `ipmitool ${args.join(' ')}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString('latin1');
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = false;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    exited = true;
    for (const w of [...waiters]) w();
    resolve(code);
  }));
  return {
    output: () => out,
    type: (text) => { child.stdin.write(text); },
    waitFor: (pattern, from = 0) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no ${pattern} in ipmitool's output:\n${out}`)); }, WAIT_MS);
      const check = () => {
        if (pattern.test(out.slice(from))) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(out);
        } else if (exited) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`ipmitool exited before ${pattern}:\n${out}`));
        }
      };
      waiters.add(check);
      check();
    }),
    exit,
    kill: () => { if (!exited) child.kill('SIGKILL'); },
  };
}
