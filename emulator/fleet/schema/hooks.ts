// hooks: what runs when a BMC's host power, boot device or virtual media changes, or on a reset, as VirtualBMC drives
// libvirt: a command (argv, no shell; the event JSON on its stdin and in BMCFLEET_EVENT) or a webhook (the event
// POSTed as JSON), each bounded by its timeout; at most maxRunning at once per fleet process. A hook whose failure
// fails the command runs before the change, which waits for it: the IPMI client is answered its completion code
// and nothing changes (README "Hooks").
import { z } from 'zod';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { HookEvent } from '../../bmc/hook-port.js';
import { expected, oneOf, shown, text, wholeNumber } from './kinds.js';

export interface HookRule {
  on: HookEvent[];
  /** argv of the command to run, or null for a webhook. */
  command: string[] | null;
  /** http(s) URL the event is POSTed to, or null for a command. */
  webhook: string | null;
  timeoutMs: number;
  /** log: runs after the change, a failure is logged; fail: runs first, a failure refuses the change. */
  onFailure: 'log' | 'fail';
  /** The completion code a refused IPMI command is answered (onFailure: fail). */
  completionCode: number;
}

export interface HooksConfig {
  /** Hooks running at once in each fleet process; more wait their turn. */
  maxRunning: number;
  rules: HookRule[];
}

/**
 * Completion codes a refusal may carry: the generic error codes C0h-D6h and FFh, unspecified (IPMI 2.0 §5.2 Table 5-2).
 * D5h, "command not supported in present state", is the default: the BMC cannot do it now, as when a host is off.
 */
const ERROR_CODES = { min: CompletionCode.NODE_BUSY, max: 0xd6, unspecified: CompletionCode.UNSPECIFIED };

const completionCode = z.number({ error: expected('a completion code, C0h-D6h or FFh (IPMI 2.0 §5.2)') })
  .refine((cc) => Number.isInteger(cc) && ((cc >= ERROR_CODES.min && cc <= ERROR_CODES.max) || cc === ERROR_CODES.unspecified), {
    error: (issue) => `expected a completion code, C0h-D6h or FFh (IPMI 2.0 §5.2; 0xd5 in YAML), got ${shown(issue.input)}`,
  });

const webhookUrl = text().refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
  error: (issue) => `expected an http(s) URL, got ${shown(issue.input)}`,
});

const hookRule = z.strictObject({
  on: z.array(oneOf(Object.values(HookEvent) as [HookEvent, ...HookEvent[]]), { error: expected(`a list of events: ${Object.values(HookEvent).join(', ')}`) })
    .min(1, { error: 'name at least one event' }).describe('the changes that run it'),
  command: z.array(text(), { error: expected('a command as a list: [program, arg, ...] (no shell)') }).min(1, { error: 'expected [program, arg, ...]' })
    .optional().describe('program and arguments (no shell); the event JSON on its stdin and in BMCFLEET_EVENT; exit status 0: it worked'),
  webhook: webhookUrl.optional().describe('an http(s) URL the event JSON is POSTed to; a 2xx answer: it worked'),
  timeoutMs: wholeNumber(1, 600_000).prefault(10_000).describe('how long it may take: past it, a command is killed (its process group), a webhook aborted; a failure'),
  onFailure: oneOf(['log', 'fail']).prefault('log')
    .describe('log: runs after the change, failures are logged; fail: runs first, the command waits, and its failure refuses it (nothing changes)'),
  completionCode: completionCode.prefault(CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE)
    .describe('what a refused IPMI command is answered (onFailure: fail): C0h-D6h or FFh, default D5h (IPMI 2.0 §5.2)'),
}).superRefine((rule, ctx) => {
  if ((rule.command === undefined) === (rule.webhook === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'give a command or a webhook (one of them)', input: rule });
  }
}).transform((rule): HookRule => ({ ...rule, command: rule.command ?? null, webhook: rule.webhook ?? null }));

export const hooksSection = z.strictObject({
  maxRunning: wholeNumber(1, 1024).prefault(8).describe('hooks running at once in each fleet process; more wait their turn'),
  run: z.array(hookRule, { error: expected('a list of hooks') }).describe('each: on (events), command or webhook, timeoutMs, onFailure, completionCode'),
}).transform(({ maxRunning, run }): HooksConfig => ({ maxRunning, rules: run }))
  .describe('commands or webhooks run when a BMC\'s power, boot device or virtual media changes, or on resets (README "Hooks")');
