// How `bmcfleet rollout` prints the manager's views (orchestrator/rollout/rollout-views.ts) for people: one line per
// rollout in a list, a rollout with a line per rack, and a report with a line per BMC (--json prints the API's
// answers as they are).
import { rackPhaseName } from '../protocols/rollout/rack-status.js';
import type { RmcStatus, RolloutReport, RolloutStatusView, RolloutSummary } from '../orchestrator/rollout/rollout-views.js';
import { ENDED_STATUSES, RolloutStatus } from '../orchestrator/store/run-records.js';
import { plural } from '../runtime/plural.js';

export function hasEnded(s: { status: RolloutStatus }): boolean {
  return ENDED_STATUSES.includes(s.status);
}

/** The rollout's step while it runs (preparing, transferring, flashing, finished), else its status (paused, done...). */
export function stateOf(s: RolloutStatusView): string {
  return s.status === RolloutStatus.RUNNING ? s.phase : s.status;
}

/** The manager's stage of one RMC, with its rack's own phase when the RMC reported one. */
export function rackStateOf(m: RmcStatus): string {
  const phase = m.rackPhase === null ? null : rackPhaseName(m.rackPhase);
  return `${m.stage}${phase !== null && phase !== m.stage ? ` (${phase})` : ''}${m.failure ? `: ${m.failure}` : ''}`;
}

/** BMCs with a result (flashed, skipped or failed). */
export function doneOf(c: { flashed: number; skipped: number; failed: number }): number {
  return c.flashed + c.skipped + c.failed;
}

/** "in 4m 12s" or "4m 12s ago". */
export function fromNow(atMs: number, nowMs: number): string {
  const s = Math.round(Math.abs(atMs - nowMs) / 1000);
  const text = [[Math.floor(s / 86400), 'd'], [Math.floor(s / 3600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']]
    .filter(([n], i, all) => n !== 0 || (i === all.length - 1)).slice(0, 2).map(([n, u]) => `${n}${u}`).join(' ');
  return atMs >= nowMs ? `in ${text}` : `${text} ago`;
}

function flashAt(flashTimeMs: number, nowMs: number | null): string {
  return `flash at ${new Date(flashTimeMs).toISOString()}${nowMs === null ? '' : ` (${fromNow(flashTimeMs, nowMs)})`}`;
}

const racks = (n: number) => plural(n, 'rack');

/** A list's line: ID, status, racks and flash time. */
export function summaryLine(s: RolloutSummary, nowMs: number): string {
  return `rollout ${s.rolloutId}: ${s.status}, ${racks(s.rmcCount)}, ${flashAt(s.flashTimeMs, nowMs)}`;
}

/** One line: its ID, state, racks, BMCs done and flash time (and how far off it is, unless nowMs is null). */
export function rolloutLine(s: RolloutStatusView, nowMs: number | null): string {
  const total = doneOf(s.bmcs) + s.bmcs.pending;
  // an RMC tells its BMC count in its Prepare Reply: none known before the first reply
  const bmcs = total === 0 && s.phase === 'preparing' ? 'BMCs not counted yet'
    : `${doneOf(s.bmcs)}/${plural(total, 'BMC')} done (${s.bmcs.flashed} flashed, ${s.bmcs.skipped} skipped, ${s.bmcs.failed} failed)`;
  return `rollout ${s.rolloutId}: ${stateOf(s)}, ${racks(s.rmcs.length)}, ${bmcs}, ${flashAt(s.flashTimeMs, nowMs)}`;
}

/** The rollout's line, then one per rack. */
export function statusText(s: RolloutStatusView, nowMs: number): string {
  const rows = s.rmcs.map((m) => [m.rackName, `RMC ${m.rmcId}`, m.address, rackStateOf(m),
    `${doneOf(m)}/${m.bmcCount} (${m.flashed} flashed, ${m.skipped} skipped, ${m.failed} failed)`]);
  return `${rolloutLine(s, nowMs)}\n${table(rows, '  ')}`;
}

/** Its line, then one per BMC; a rack whose RMC took no part or failed, with why (its BMCs were never learnt). */
export function reportText(r: RolloutReport): string {
  const bmcs = r.racks.flatMap((rack) => rack.bmcs);
  const count = (o: string) => bmcs.filter((b) => b.result === o).length;
  const pending = bmcs.length - count('flashed') - count('skipped') - count('failed');
  const head = `rollout ${r.rolloutId} (${r.status}): ${plural(bmcs.length, 'BMC')}: ${count('flashed')} flashed, ${count('skipped')} skipped, ${count('failed')} failed` +
    `${pending ? `, ${pending} not done` : ''}\n`;
  const rows = r.racks.flatMap((rack) => [
    ...rack.bmcs.map((b) => [rack.rackName, String(rack.rmcId), b.address, b.reason ? `${b.result}: ${b.reason}` : b.result, b.firmware]),
    ...(rack.failure ? [[rack.rackName, String(rack.rmcId), '-', `${rack.stage}: ${rack.failure}`, '-']] : []),
  ]);
  return head + table([['rack', 'RMC', 'BMC', 'result', 'firmware'], ...rows], '');
}

/** Rows in columns padded to their widest cell, each line after `indent`. */
function table(rows: string[][], indent: string): string {
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  return rows.map((row) => `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')}\n`).join('');
}
