// `bmcfleet rollout status ID --watch`: asks the manager every interval until the rollout ends. On a terminal, a
// progress bar for the whole rollout and one per rack (the first MAX_RACK_BARS); otherwise (a pipe, CI) a line each
// time something changed; with --json, the status as one JSON line each time it changed.
import { MultiBar, type SingleBar } from 'cli-progress';
import { setTimeout as wait } from 'node:timers/promises';
import type { RolloutStatus } from '../orchestrator/rollout/rollout-service.js';
import type { ManagerClient } from './manager-client.js';
import { hasEnded, rolloutLine, statusText, totalsOf } from './rollout-print.js';

const MAX_RACK_BARS = 24;

export interface WatchOptions { intervalMs: number; json: boolean; tty: boolean; out: NodeJS.WritableStream }

/** The rollout's last status, once it has ended. */
export async function watchRollout(client: ManagerClient, id: number, o: WatchOptions): Promise<RolloutStatus> {
  const bars = o.tty && !o.json ? new RolloutBars(o.out) : null;
  let last = '';
  for (;;) {
    const s = await client.call<RolloutStatus>('GET', `/rollouts/${id}`);
    if (bars) {
      bars.show(s);
    } else {
      const text = o.json ? JSON.stringify(s) : rolloutLine(s, null);
      if (text !== last) o.out.write(`${text}\n`);
      last = text;
    }
    if (hasEnded(s)) {
      bars?.stop();
      if (!o.json) o.out.write(statusText(s, Date.now()));
      return s;
    }
    await wait(o.intervalMs); // a timer that holds the process open while it waits (the Clock's do not)
  }
}

class RolloutBars {
  private readonly multi: MultiBar;
  private total: SingleBar | null = null;
  private readonly racks: SingleBar[] = [];

  constructor(stream: NodeJS.WritableStream) {
    this.multi = new MultiBar({
      format: '{name} [{bar}] {value}/{total} {phase}', stream: stream as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false,
      autopadding: true, forceRedraw: true,
    });
  }

  show(s: RolloutStatus): void {
    const t = totalsOf(s);
    const width = Math.max(8, ...s.racks.slice(0, MAX_RACK_BARS).map((r) => r.rackName.length));
    if (!this.total) {
      this.total = this.multi.create(t.bmcs, t.done, { name: `rollout ${s.id}`.padEnd(width), phase: s.state });
      for (const r of s.racks.slice(0, MAX_RACK_BARS)) this.racks.push(this.multi.create(r.bmcs, 0, { name: r.rackName.padEnd(width), phase: r.phase }));
    }
    this.total.setTotal(t.bmcs);
    this.total.update(t.done, { phase: `${s.state}: ${t.flashed} flashed, ${t.skipped} skipped, ${t.failed} failed${s.racks.length > MAX_RACK_BARS ? ` (first ${MAX_RACK_BARS} racks below)` : ''}` });
    this.racks.forEach((bar, i) => {
      const r = s.racks[i];
      bar.setTotal(r.bmcs);
      bar.update(r.flashed + r.skipped + r.failed, { phase: r.error ? `${r.phase}: ${r.error}` : r.phase });
    });
  }

  stop(): void {
    this.multi.stop();
  }
}
