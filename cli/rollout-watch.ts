// `bmcfleet rollout status ID --watch`: asks the manager every interval until the rollout ends. On a terminal, a
// progress bar for the whole rollout and one per rack (the first MAX_RACK_BARS); otherwise (a pipe, CI) a line each
// time something changed; with --json, the status as one JSON line each time it changed.
import { MultiBar, type SingleBar } from 'cli-progress';
import { setTimeout as wait } from 'node:timers/promises';
import type { RolloutStatusView } from '../orchestrator/rollout/rollout-views.js';
import type { ManagerClient } from './manager-client.js';
import { doneOf, hasEnded, rackStateOf, rolloutLine, stateOf, statusText } from './rollout-print.js';

const MAX_RACK_BARS = 24;

export interface WatchOptions { intervalMs: number; json: boolean; tty: boolean; out: NodeJS.WritableStream }

/** The rollout's last status, once it has ended. */
export async function watchRollout(client: ManagerClient, id: number, o: WatchOptions): Promise<RolloutStatusView> {
  const bars = o.tty && !o.json ? new RolloutBars(o.out) : null;
  let last = '';
  for (;;) {
    const s = await client.call<RolloutStatusView>('GET', `/rollouts/${id}`);
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

  show(s: RolloutStatusView): void {
    const total = doneOf(s.bmcs) + s.bmcs.pending;
    const shown = s.rmcs.slice(0, MAX_RACK_BARS);
    const width = Math.max(8, ...shown.map((m) => m.rackName.length));
    if (!this.total) {
      this.total = this.multi.create(total, doneOf(s.bmcs), { name: `rollout ${s.rolloutId}`.padEnd(width), phase: stateOf(s) });
      for (const m of shown) this.racks.push(this.multi.create(m.bmcCount, 0, { name: m.rackName.padEnd(width), phase: rackStateOf(m) }));
    }
    this.total.setTotal(total);
    this.total.update(doneOf(s.bmcs), { phase: `${stateOf(s)}: ${s.bmcs.flashed} flashed, ${s.bmcs.skipped} skipped, ${s.bmcs.failed} failed${s.rmcs.length > MAX_RACK_BARS ? ` (first ${MAX_RACK_BARS} racks below)` : ''}` });
    this.racks.forEach((bar, i) => {
      const m = s.rmcs[i];
      bar.setTotal(m.bmcCount);
      bar.update(doneOf(m), { phase: rackStateOf(m) });
    });
  }

  stop(): void {
    this.multi.stop();
  }
}
