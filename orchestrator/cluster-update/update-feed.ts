// The update feed (issue 14): a folder or an http(s) URL the manager looks at every so often for update descriptors.
// A folder holds descriptor files (*.yaml, *.yml, *.json); a URL answers one descriptor, or {"updates": [URL, ...]}
// naming several. Each new one whose image has the sum it says (image-sum.ts) goes to UpdateArrivals, which records
// it once; a malformed one, or one whose image is missing or has another sum, is reported once and skipped (and
// looked at again: an image still being copied into the folder arrives once it is whole).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Clock } from '../../runtime/clock.js';
import { fetchOk } from '../../runtime/http/fetch-ok.js';
import { DocumentError } from '../../runtime/document/issues.js';
import type { Checked } from '../../runtime/document/yaml-document.js';
import { arrivalKey, type UpdateArrivals } from './update-arrivals.js';
import { imageLocation, imageSumProblem } from './image-sum.js';
import { checkDescriptorFile, readDescriptorText, type UpdateDescriptor } from './update-descriptor.js';

const DESCRIPTOR_FILE = /\.(ya?ml|json)$/i;
const FETCH_TIMEOUT_MS = 10_000;
/** At most this many descriptors named by one feed URL. */
const MAX_LISTED = 1000;

export interface FeedEntry { source: string; checked: Checked<UpdateDescriptor> }

/** A descriptor by its pointer: an http(s) URL, or a path on the manager's machine. */
export async function fetchDescriptor(pointer: string): Promise<FeedEntry> {
  if (!/^https?:\/\//i.test(pointer)) return { source: pointer, checked: checkDescriptorFile(pointer) };
  return { source: pointer, checked: readDescriptorText(await fetchText(pointer)) };
}

/** Every descriptor the feed holds now, in name order (a folder) or as listed (a URL). */
export async function readFeed(feed: string): Promise<FeedEntry[]> {
  if (!/^https?:\/\//i.test(feed)) {
    return readdirSync(feed).filter((f) => DESCRIPTOR_FILE.test(f)).sort().map((f) => ({ source: join(feed, f), checked: checkDescriptorFile(join(feed, f)) }));
  }
  const text = await fetchText(feed);
  let listed: unknown = null;
  try { listed = (JSON.parse(text) as { updates?: unknown }).updates; } catch { /* YAML: one descriptor */ }
  if (!Array.isArray(listed)) return [{ source: feed, checked: readDescriptorText(text) }];
  const urls = listed.filter((u): u is string => typeof u === 'string').slice(0, MAX_LISTED).map((u) => new URL(u, feed).href);
  const out: FeedEntry[] = [];
  for (const url of urls) {
    try {
      out.push(await fetchDescriptor(url));
    } catch (err) {
      out.push({ source: url, checked: { value: null, issues: [{ path: null, message: (err as Error).message }] } });
    }
  }
  return out;
}

async function fetchText(url: string): Promise<string> {
  return (await fetchOk(url, FETCH_TIMEOUT_MS)).text();
}

/** Looks at the feed every intervalMs on the Clock; what is new goes to `arrivals`, a problem to `onProblem` once. */
export class FeedWatcher {
  private timer: { cancel(): void } | null = null;
  private readonly reported = new Set<string>();
  /** Update -> the size and time of the image file found wrong: it is summed again only once the file changes. */
  private readonly wrongImages = new Map<string, string>();
  private stopped = false;
  private readonly o: { feed: string; intervalMs: number; clock: Clock; arrivals: UpdateArrivals; onProblem(message: string): void };

  constructor(o: { feed: string; intervalMs: number; clock: Clock; arrivals: UpdateArrivals; onProblem(message: string): void }) {
    this.o = o;
  }

  /** Looks now, then every intervalMs. */
  start(): Promise<void> {
    return this.look();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One look at the feed. */
  async look(): Promise<void> {
    this.timer?.cancel();
    try {
      for (const e of await readFeed(this.o.feed)) {
        const d = e.checked.value;
        if (d === null) this.problemOnce(new DocumentError(e.source, e.checked.issues).message);
        else if (!this.o.arrivals.known(d) && await this.imageIsRight(d, e.source)) this.o.arrivals.receive(d, e.source, '');
      }
    } catch (err) {
      this.problemOnce(`update feed ${this.o.feed}: ${(err as Error).message}`);
    }
    if (!this.stopped) this.timer = this.o.clock.setTimeout(() => { void this.look(); }, this.o.intervalMs);
  }

  private async imageIsRight(d: UpdateDescriptor, source: string): Promise<boolean> {
    const key = arrivalKey(d);
    const stamp = fileStamp(imageLocation(d, source));
    if (stamp !== null && this.wrongImages.get(key) === stamp) return false;
    const problem = await imageSumProblem(d, source);
    if (problem === null) return true;
    if (stamp !== null) this.wrongImages.set(key, stamp);
    this.problemOnce(`${source}: ${problem}`);
    return false;
  }

  private problemOnce(message: string): void {
    const key = createHash('sha256').update(message).digest('hex');
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.o.onProblem(message);
  }
}

/** A local file's size and change time; null for a URL or a file that is not there. */
function fileStamp(where: string): string | null {
  if (/^https?:\/\//i.test(where)) return null;
  try {
    const st = statSync(where);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return null;
  }
}
