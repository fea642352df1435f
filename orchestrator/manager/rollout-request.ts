// POST /rollouts: the JSON body an operator sends, checked field by field into what RolloutManager.start takes.
//   image          the HPM.1 file, base64
//   flashTime      when to flash: ISO 8601 with a zone ("2026-12-06T07:00:00Z") or ms since the Unix epoch
//   racks          a selector (rack-selector.ts): a string or a list; every governed RMC when left out
//   replyScheme    immediate | octet-sum | window | rank-slots (protocols/rollout/prepare.ts)
//   concurrency    BMCs flashed at once per rack, 1 to 65535 (the Flash's 2 bytes)
//   bmcTimeoutMs   one BMC's upgrade, 1 to 2^32 - 1 ms (the Flash's 4 bytes)
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import type { RolloutRmc, StartRequest } from '../rollout/rollout-plan.js';
import { selectRmcs, selectorItems } from './rack-selector.js';

/** Reply schemes by the names the API and the CLI take. */
export const REPLY_SCHEME_NAMES = {
  immediate: ReplyScheme.IMMEDIATE,
  'octet-sum': ReplyScheme.OCTET_SUM,
  window: ReplyScheme.WINDOW,
  'rank-slots': ReplyScheme.RANK_SLOTS,
} as const;
export type ReplySchemeName = keyof typeof REPLY_SCHEME_NAMES;

const FIELDS = ['image', 'flashTime', 'racks', 'replyScheme', 'concurrency', 'bmcTimeoutMs'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A body field that is wrong, named. */
export class RequestFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestFieldError';
  }
}

/** The rollout a body asks for; RequestFieldError or SelectorError (unknown racks) when it cannot be. */
export function startRequestFrom(body: Record<string, unknown>, inventory: readonly RolloutRmc[]): StartRequest {
  const unknown = Object.keys(body).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) throw new RequestFieldError(`unknown field ${unknown} (known: ${FIELDS.join(', ')})`);
  const request: StartRequest = {
    image: imageOf(body.image),
    flashTimeMs: timeOf(body.flashTime),
    rmcs: selectRmcs(inventory, racksOf(body.racks)),
  };
  if (body.replyScheme !== undefined) {
    const names = Object.keys(REPLY_SCHEME_NAMES);
    if (typeof body.replyScheme !== 'string' || !names.includes(body.replyScheme)) throw new RequestFieldError(`replyScheme must be one of ${names.join(', ')}`);
    request.replyScheme = REPLY_SCHEME_NAMES[body.replyScheme as ReplySchemeName];
  }
  if (body.concurrency !== undefined) request.concurrency = wholeNumber(body.concurrency, 'concurrency', 1, 0xffff);
  if (body.bmcTimeoutMs !== undefined) request.bmcTimeoutMs = wholeNumber(body.bmcTimeoutMs, 'bmcTimeoutMs', 1, 0xffff_ffff);
  if (request.rmcs.length === 0) throw new RequestFieldError('no RMCs to roll out to: the manager governs none');
  return request;
}

/**
 * POST /rollouts/ID/resume: the new flash time `{"flashTime": TIME}` gives (as start's), or undefined for an empty
 * body: the rollout goes on with the one it has.
 */
export function resumeFlashTimeFrom(body: Record<string, unknown>): number | undefined {
  const unknown = Object.keys(body).find((k) => k !== 'flashTime');
  if (unknown !== undefined) throw new RequestFieldError(`unknown field ${unknown} (known: flashTime)`);
  return body.flashTime === undefined ? undefined : timeOf(body.flashTime);
}

function imageOf(v: unknown): Buffer {
  if (typeof v !== 'string' || v === '') throw new RequestFieldError('image is required: the HPM.1 file in base64');
  if (!BASE64.test(v)) throw new RequestFieldError('image is not base64');
  return Buffer.from(v, 'base64');
}

function timeOf(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const ms = parseIsoTime(v);
    if (ms !== null) return ms;
  }
  throw new RequestFieldError('flashTime is required: ISO 8601 with a zone (2026-12-06T07:00:00Z) or ms since the Unix epoch');
}

function racksOf(v: unknown): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return selectorItems(v);
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return selectorItems(v as string[]);
  throw new RequestFieldError('racks must be a selector: a string or a list of strings (rack names, globs, RMC IDs)');
}

function wholeNumber(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RequestFieldError(`${name} must be a whole number from ${min} to ${max}`);
  return v;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** ms since the Unix epoch of an ISO 8601 date and time with its zone (Z or ±hh:mm), or null: no zone, or no such day. */
export function parseIsoTime(text: string): number | null {
  const m = ISO_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
