// The hooks of one BMC (its HookPort): which rules of the fleet file's hooks: section an event runs, the event JSON
// they are given, and what their failures do: a gating rule's refuses the change (the first one that fails names
// the completion code), any other is logged.
import type { Clock } from '../../runtime/clock.js';
import type { LogSink } from '../../runtime/log.js';
import type { HookChange, HookEvent, HookPort, HookVerdict } from '../bmc/hook-port.js';
import type { HookRule, HooksConfig } from '../fleet/schema/hooks.js';
import type { HookRunner } from './hook-runner.js';

/** Who the BMC and its host are, as an event names them. */
export interface HookIdentity {
  bmc: string;
  rack: string;
  host: { hostname: string; serial: string; systemGuid: string; macs: string[] };
}

/** What a hook is given (stdin and BMCFLEET_EVENT, or the webhook's body). */
export interface HookEventJson extends HookIdentity {
  event: HookEvent;
  action: string;
  old: Record<string, unknown>;
  new: Record<string, unknown>;
  source: HookChange['source'];
  /** When it happened (ISO 8601, the fleet's clock). */
  at: string;
}

export class BmcHooks implements HookPort {
  private readonly rules: readonly HookRule[];
  private readonly gated: ReadonlySet<HookEvent>;
  private readonly runner: HookRunner;
  private readonly clock: Clock;
  private readonly identity: () => HookIdentity;
  private readonly log: LogSink;

  /** `identity` is asked when an event is told (the BMC is built after its hooks). */
  constructor(config: HooksConfig, runner: HookRunner, clock: Clock, identity: () => HookIdentity, log: LogSink) {
    this.rules = config.rules;
    this.gated = new Set(config.rules.filter((r) => r.onFailure === 'fail').flatMap((r) => r.on));
    this.runner = runner;
    this.clock = clock;
    this.identity = identity;
    this.log = log;
  }

  gates(event: HookEvent): boolean {
    return this.gated.has(event);
  }

  async before(change: HookChange): Promise<HookVerdict> {
    const rules = this.rules.filter((r) => r.onFailure === 'fail' && r.on.includes(change.event));
    const event = this.json(change);
    const results = await Promise.all(rules.map((rule) => this.runner.run(rule, event)));
    const failed = results.findIndex((r) => !r.ok);
    if (failed < 0) return { ok: true };
    const reason = (results[failed] as { reason: string }).reason;
    this.log(`${describe(change, this.identity().bmc)} refused: hook ${hookName(rules[failed])} failed: ${reason}`, 'warn');
    return { ok: false, completionCode: rules[failed].completionCode, reason };
  }

  after(change: HookChange): void {
    const rules = this.rules.filter((r) => r.onFailure === 'log' && r.on.includes(change.event));
    if (rules.length === 0) return;
    const event = this.json(change);
    for (const rule of rules) {
      void this.runner.run(rule, event).then((result) => {
        if (!result.ok) this.log(`${describe(change, this.identity().bmc)}: hook ${hookName(rule)} failed: ${result.reason}`, 'warn');
      });
    }
  }

  private json(change: HookChange): string {
    const event: HookEventJson = { ...change, ...this.identity(), at: new Date(this.clock.now()).toISOString() };
    return JSON.stringify(event);
  }
}

function describe(change: HookChange, bmc: string): string {
  return `${change.event === change.action ? change.event : `${change.event} ${change.action}`} at ${bmc}`;
}

function hookName(rule: HookRule): string {
  return rule.command ? JSON.stringify(rule.command) : rule.webhook!;
}
