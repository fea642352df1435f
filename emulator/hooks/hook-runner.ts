// A fleet process's hooks: at most maxRunning at once, the rest waiting in order (at most MAX_WAITING: past that a
// hook fails at once instead of waiting behind thousands), each bounded by its rule's timeout on the Clock. Nothing
// here blocks a BMC: a hook is a promise a BMC may wait on for its own answer, never the process.
import type { Clock } from '../../runtime/clock.js';
import type { HookRule } from '../fleet/schema/hooks.js';
import { startCommand } from './command-hook.js';
import type { HookResult, RunningHook } from './running-hook.js';
import { startWebhook } from './webhook-hook.js';

export const MAX_WAITING = 4096;

/** Starts a rule's command or webhook with the event JSON (replaceable in tests). */
export type StartHook = (rule: HookRule, event: string) => RunningHook;

export interface HookRunnerOptions {
  maxRunning: number;
  clock: Clock;
  start?: StartHook;
}

export class HookRunner {
  private readonly maxRunning: number;
  private readonly clock: Clock;
  private readonly start: StartHook;
  private readonly running = new Set<RunningHook>();
  private readonly waiting: (() => void)[] = [];

  constructor(options: HookRunnerOptions) {
    this.maxRunning = options.maxRunning;
    this.clock = options.clock;
    this.start = options.start ?? ((rule, event) => rule.command ? startCommand(rule.command, event, this.clock) : startWebhook(rule.webhook!, event));
  }

  /** Hooks running now, and waiting for their turn. */
  get counts(): { running: number; waiting: number } {
    return { running: this.running.size, waiting: this.waiting.length };
  }

  /** Runs `rule` with `event` when its turn comes; never rejects. */
  run(rule: HookRule, event: string): Promise<HookResult> {
    if (this.running.size < this.maxRunning) return this.execute(rule, event);
    if (this.waiting.length >= MAX_WAITING) return Promise.resolve({ ok: false, reason: `${MAX_WAITING} hooks already waiting` });
    return new Promise((resolve) => this.waiting.push(() => { void this.execute(rule, event).then(resolve); }));
  }

  /** Stops every running hook and drops those waiting (the fleet stops). */
  close(): void {
    this.waiting.length = 0;
    for (const hook of this.running) hook.cancel();
  }

  private execute(rule: HookRule, event: string): Promise<HookResult> {
    let hook: RunningHook;
    try {
      hook = this.start(rule, event);
    } catch (err) {
      return Promise.resolve({ ok: false, reason: (err as Error).message });
    }
    this.running.add(hook);
    return new Promise<HookResult>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        hook.cancel();
        resolve({ ok: false, reason: `timed out after ${rule.timeoutMs} ms` });
      }, rule.timeoutMs);
      void hook.done.then((result) => {
        timer.cancel();
        resolve(result);
      });
    }).finally(() => {
      this.running.delete(hook);
      this.waiting.shift()?.();
    });
  }
}
