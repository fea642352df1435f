// How `bmcfleet rollout` prints rollouts for people: one line per rollout in a list, a rollout with a line per rack,
// and a report with a line per BMC (--json prints the API's answers as they are).
import { RolloutState, type RolloutReport, type RolloutStatus } from '../orchestrator/rollout/rollout-service.js';

export interface Totals { bmcs: number; flashed: number; skipped: number; failed: number; done: number }

export function totalsOf(s: RolloutStatus): Totals {
  const t = { bmcs: 0, flashed: 0, skipped: 0, failed: 0, done: 0 };
  for (const r of s.racks) {
    t.bmcs += r.bmcs;
    t.flashed += r.flashed;
    t.skipped += r.skipped;
    t.failed += r.failed;
  }
  t.done = t.flashed + t.skipped + t.failed;
  return t;
}

export function hasEnded(s: RolloutStatus): boolean {
  return s.state === RolloutState.DONE || s.state === RolloutState.ABORTED;
}

/** "in 4m 12s" or "4m 12s ago". */
export function fromNow(atMs: number, nowMs: number): string {
  const s = Math.round(Math.abs(atMs - nowMs) / 1000);
  const text = [[Math.floor(s / 86400), 'd'], [Math.floor(s / 3600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']]
    .filter(([n], i, all) => n !== 0 || (i === all.length - 1)).slice(0, 2).map(([n, u]) => `${n}${u}`).join(' ');
  return atMs >= nowMs ? `in ${text}` : `${text} ago`;
}

function countsText(t: Totals): string {
  return `${t.done}/${t.bmcs} BMCs done (${t.flashed} flashed, ${t.skipped} skipped, ${t.failed} failed)`;
}

/** One line: its ID, state, racks, BMCs done and flash time (and how far off it is, unless nowMs is null). */
export function rolloutLine(s: RolloutStatus, nowMs: number | null): string {
  return `rollout ${s.id}: ${s.state}, ${s.racks.length} rack${s.racks.length === 1 ? '' : 's'}, ${countsText(totalsOf(s))}, ` +
    `flash at ${new Date(s.flashTimeMs).toISOString()}${nowMs === null ? '' : ` (${fromNow(s.flashTimeMs, nowMs)})`}`;
}

/** The rollout's line, then one per rack. */
export function statusText(s: RolloutStatus, nowMs: number): string {
  const rows = s.racks.map((r) => [r.rackName, `RMC ${r.rmcId}`, r.address, r.phase,
    `${r.flashed + r.skipped + r.failed}/${r.bmcs} (${r.flashed} flashed, ${r.skipped} skipped, ${r.failed} failed)${r.error ? `: ${r.error}` : ''}`]);
  return `${rolloutLine(s, nowMs)}\n${table(rows, '  ')}`;
}

export function reportText(r: RolloutReport): string {
  const count = (o: string) => r.bmcs.filter((b) => b.outcome === o).length;
  const pending = r.bmcs.length - count('flashed') - count('skipped') - count('failed');
  const head = `rollout ${r.id} (${r.state}): ${r.bmcs.length} BMCs: ${count('flashed')} flashed, ${count('skipped')} skipped, ${count('failed')} failed` +
    `${pending ? `, ${pending} not done` : ''}\n`;
  const rows = r.bmcs.map((b) => [b.rackName, String(b.rmcId), b.address, b.reason ? `${b.outcome}: ${b.reason}` : b.outcome, b.firmware ?? '-']);
  return head + table([['rack', 'RMC', 'BMC', 'result', 'firmware'], ...rows], '');
}

/** Rows in columns padded to their widest cell, each line after `indent`. */
function table(rows: string[][], indent: string): string {
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  return rows.map((row) => `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')}\n`).join('');
}
