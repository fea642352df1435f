// A hook that is a command: argv run with no shell, the event JSON on its stdin and in BMCFLEET_EVENT, exit status 0
// when it worked. It runs in a process group of its own, so a timeout kills it and whatever it started meanwhile; a
// process it started and left running (a VM, a daemon) outlives it when it exits in time.
import { spawn } from 'node:child_process';
import type { Clock } from '../../runtime/clock.js';
import type { HookResult, RunningHook } from './running-hook.js';

/** The environment variable holding the event JSON. */
export const EVENT_ENV = 'BMCFLEET_EVENT';
/** What of a failing command's stderr its reason quotes. */
const STDERR_KEPT = 400;
/** After the command exits, how long its stderr may take to drain (a process it left running may hold it open). */
const STDERR_DRAIN_MS = 100;

export function startCommand(argv: readonly string[], event: string, clock: Clock): RunningHook {
  const [program, ...args] = argv;
  const child = spawn(program, args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, [EVENT_ENV]: event }, detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-STDERR_KEPT); });
  child.stdin!.on('error', () => {}); // a command that does not read its stdin
  child.stdin!.end(event);
  const done = new Promise<HookResult>((resolve) => {
    child.once('error', (err) => resolve({ ok: false, reason: `${program} could not start: ${err.message}` }));
    child.once('exit', (code, signal) => {
      const finish = () => {
        const said = stderr.trim().split('\n').at(-1);
        resolve(code === 0 ? { ok: true } : { ok: false, reason: `${program} ${signal ? `ended by ${signal}` : `exited with code ${code}`}${said ? `: ${said}` : ''}` });
      };
      if (code === 0 || child.stderr!.readableEnded) {
        finish();
        return;
      }
      const timer = clock.setTimeout(finish, STDERR_DRAIN_MS);
      child.stderr!.once('end', () => { timer.cancel(); finish(); });
    });
  });
  return {
    done,
    cancel() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL'); // its process group
      } catch {
        child.kill('SIGKILL');
      }
    },
  };
}
