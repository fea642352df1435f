// The flash time on the command line: an ISO 8601 date and time with its zone ("2026-12-06T07:00:00Z",
// "2026-12-06T08:00+01:00"), or a time from now: "+30s", "+5m", "+2h", "+1h30m".
import { UsageError } from './args.js';
import { parseIsoTime } from '../orchestrator/manager/rollout-request.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** ms since the Unix epoch; UsageError saying what is accepted. */
export function parseFlashTime(text: string, nowMs: number): number {
  if (text.startsWith('+')) {
    if (/^\+(?:\d+[hms])+$/.test(text)) {
      let ms = 0;
      for (const [, n, unit] of text.matchAll(/(\d+)([hms])/g)) ms += Number(n) * UNIT_MS[unit];
      if (ms <= 366 * 24 * 3_600_000) return nowMs + ms;
    }
  } else {
    const ms = parseIsoTime(text);
    if (ms !== null) return ms;
    if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(text)) throw new UsageError(`--at ${text}: add the zone, Z for UTC or +hh:mm (${text}Z)`);
  }
  throw new UsageError(`--at must be an ISO 8601 time with its zone (2026-12-06T07:00:00Z) or a time from now (+30s, +5m, +2h, +1h30m; at most a year), got "${text}"`);
}
