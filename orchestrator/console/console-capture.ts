// Console capture for one console (issue 4, "the console watcher"), sans-I/O: fed the answers of the bmcfleet OEM
// Console Heartbeat and Read Console History (protocols/ipmi/oem/console-heartbeat.ts), it gives back the
// console's lines in order, each exactly once, and says which history spans to fetch. Time comes in as `now`.
//
// How it keeps every byte exactly once:
// - `position` is the acknowledged position: every byte before it has been turned into lines (or declared lost).
//   Heartbeats carry it, so each heartbeat answer starts there (or at the BMC's `oldest`, if that is later).
// - An answer's bytes before `position` are duplicates and are dropped; bytes at `position` are written; bytes
//   beyond it (a gap: history answers arriving out of order, a BMC that answered from further on) are held,
//   bounded, until the gap before them is filled. Positions, not arrival order, decide: answers may come late,
//   twice, or in any order.
// - Whatever the BMC holds beyond what we have ([position, head) minus held spans) is fetched with Read Console
//   History, a few requests in flight, each retried after `fetchTimeoutMs`; except the first `maxBytes` after
//   `position`, which the next heartbeat brings anyway (unless a held span shows a gap there). So a reconnect
//   after a long silence, or output faster than one answer per heartbeat carries, is caught up from the BMC's
//   history, and a console within one answer per heartbeat costs no history requests at all.
// - Bytes are declared lost only when the BMC no longer holds them: `position` < the BMC's `oldest`.
// - The BMC timestamps order BMC states across stream restarts: an answer naming another stream is a restart
//   only if it was processed after the newest answer seen so far; otherwise it is a stale answer from the old
//   stream and is ignored. processedAt - receivedAt (time queued in a busy BMC) is kept in the stats.
// - Lines split at LF (a trailing CR is dropped), decoded as UTF-8, cut at `maxLineBytes`. A line next to lost
//   bytes, a stream restart or a cut is marked partial. Lines matching `sequencePattern` (first capture group:
//   a decimal number) are checked to count up by one: a jump is a sequence gap, a step back a restart (the host
//   rebooted).
import type { ConsoleHeartbeatRequest, ConsoleHeartbeatResponse, ConsoleHistoryRequest, ConsoleHistoryResponse, ConsoleSpan } from '../../protocols/ipmi/oem/console-heartbeat.js';
import { MAX_CONSOLE_BYTES } from '../../protocols/ipmi/oem/console-heartbeat.js';

export interface ConsoleCaptureOptions {
  /** Data bytes asked for per heartbeat and per history request; default 1024. */
  maxBytesPerRequest?: number;
  /** History requests outstanding at once; default 4. */
  maxFetchesInFlight?: number;
  /** A history request unanswered this long is asked again; default 2000 ms. */
  fetchTimeoutMs?: number;
  /** Out-of-order bytes held while a gap is filled; beyond it they are dropped and fetched again. Default 256 KiB. */
  maxHeldBytes?: number;
  /** Longer lines are cut; default 4096 bytes. */
  maxLineBytes?: number;
  /** Lines with a host sequence number; null turns the check off. Default /\bseq=(\d+)/. */
  sequencePattern?: RegExp | null;
  /** Carry on from a previous capture (e.g. the end of an existing log) instead of from the BMC's oldest byte. */
  resume?: { streamId: number; position: number };
}

export type CaptureEvent =
  | { kind: 'line'; text: string; position: number; partial: boolean }
  | { kind: 'lost'; from: number; to: number }
  | { kind: 'stream-restart'; streamId: number; previousStreamId: number }
  | { kind: 'sequence-gap'; expected: number; got: number; position: number }
  | { kind: 'sequence-restart'; previous: number; got: number; position: number };

export interface ConsoleCaptureStats {
  streamId: number | null;
  position: number;
  /** What the BMC last said it holds. */
  oldest: number;
  head: number;
  /** Bytes before the capture's first answer (not captured, not counted lost). */
  skippedAtStart: number;
  bytesWritten: number;
  duplicateBytes: number;
  /** Answers that began beyond `position`. */
  gapsSeen: number;
  heldBytes: number;
  droppedHeldBytes: number;
  fetchesIssued: number;
  fetchTimeouts: number;
  fetchFailures: number;
  bytesLost: number;
  lossEvents: number;
  lines: number;
  partialLines: number;
  streamRestarts: number;
  staleAnswers: number;
  sequenceGaps: number;
  sequenceMissing: number;
  sequenceRestarts: number;
  lastQueueDelayMs: number | null;
  maxQueueDelayMs: number;
}

interface Held { start: number; data: Uint8Array }
interface InFlight { fromPosition: number; maxBytes: number; sentAt: number }

const LF = 0x0a;

export class ConsoleCapture {
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  private readonly fetchTimeoutMs: number;
  private readonly maxHeldBytes: number;
  private readonly maxLineBytes: number;
  private readonly sequencePattern: RegExp | null;

  private streamId: number | null = null;
  private position = 0;
  private oldest = 0;
  private head = 0;
  private newestProcessedAt = Number.NEGATIVE_INFINITY;
  /** Sorted, disjoint, all beyond `position`. */
  private held: Held[] = [];
  private heldBytes = 0;
  private inFlight: InFlight[] = [];

  private line: Uint8Array[] = [];
  private lineBytes = 0;
  private lineStart = 0;
  private lineBroken = false;
  private lastSeq: number | null = null;

  private readonly counts = {
    skippedAtStart: 0, bytesWritten: 0, duplicateBytes: 0, gapsSeen: 0, droppedHeldBytes: 0, fetchesIssued: 0, fetchTimeouts: 0,
    fetchFailures: 0, bytesLost: 0, lossEvents: 0, lines: 0, partialLines: 0, streamRestarts: 0, staleAnswers: 0,
    sequenceGaps: 0, sequenceMissing: 0, sequenceRestarts: 0, lastQueueDelayMs: null as number | null, maxQueueDelayMs: 0,
  };

  constructor(options: ConsoleCaptureOptions = {}) {
    this.maxBytes = positiveInt(options.maxBytesPerRequest ?? MAX_CONSOLE_BYTES, 0xffff, 'maxBytesPerRequest');
    this.maxInFlight = positiveInt(options.maxFetchesInFlight ?? 4, 1000, 'maxFetchesInFlight');
    this.fetchTimeoutMs = positiveInt(options.fetchTimeoutMs ?? 2000, 3_600_000, 'fetchTimeoutMs');
    this.maxHeldBytes = positiveInt(options.maxHeldBytes ?? 256 * 1024, 2 ** 31, 'maxHeldBytes');
    this.maxLineBytes = positiveInt(options.maxLineBytes ?? 4096, 2 ** 24, 'maxLineBytes');
    const p = options.sequencePattern === undefined ? /\bseq=(\d+)/ : options.sequencePattern;
    this.sequencePattern = p && new RegExp(p.source, p.flags.replace(/[gy]/g, ''));
    if (options.resume) {
      this.streamId = options.resume.streamId;
      this.position = this.lineStart = options.resume.position;
    }
  }

  /** The acknowledged position, for the next heartbeat. */
  get acknowledged(): number {
    return this.position;
  }

  heartbeatRequest(heartbeatSeq: number): ConsoleHeartbeatRequest {
    return { heartbeatSeq, ackedPosition: this.position, maxBytes: this.maxBytes };
  }

  onHeartbeatAnswer(answer: ConsoleHeartbeatResponse): CaptureEvent[] {
    const delay = Math.max(0, answer.processedAt - answer.receivedAt);
    this.counts.lastQueueDelayMs = delay;
    this.counts.maxQueueDelayMs = Math.max(this.counts.maxQueueDelayMs, delay);
    return this.accept(answer, answer.processedAt);
  }

  /** The answer to `request` (one fetches() gave). */
  onHistoryAnswer(request: ConsoleHistoryRequest, answer: ConsoleHistoryResponse): CaptureEvent[] {
    this.forget(request);
    return this.accept(answer, answer.processedAt);
  }

  /** `request` failed (completion code, timeout): it may be asked again at once. */
  onHistoryFailed(request: ConsoleHistoryRequest): void {
    if (this.forget(request)) this.counts.fetchFailures++;
  }

  /** The session ended: history requests in flight will not be answered. */
  connectionLost(): void {
    this.inFlight = [];
  }

  /** History requests to send now: the spans the BMC holds that we lack, minus those already asked for. */
  fetches(now: number): ConsoleHistoryRequest[] {
    const live = this.inFlight.filter((f) => now - f.sentAt < this.fetchTimeoutMs);
    this.counts.fetchTimeouts += this.inFlight.length - live.length;
    this.inFlight = live;
    if (this.streamId === null) return [];
    const out: ConsoleHistoryRequest[] = [];
    for (const [from, to] of this.missing()) {
      let x = from;
      while (x < to && this.inFlight.length < this.maxInFlight) {
        const covering = this.inFlight.find((f) => f.fromPosition <= x && x < f.fromPosition + f.maxBytes);
        if (covering) { x = covering.fromPosition + covering.maxBytes; continue; }
        let end = Math.min(to, x + this.maxBytes);
        for (const f of this.inFlight) if (f.fromPosition > x) end = Math.min(end, f.fromPosition);
        const request = { fromPosition: x, maxBytes: end - x };
        this.inFlight.push({ ...request, sentAt: now });
        this.counts.fetchesIssued++;
        out.push(request);
        x = end;
      }
    }
    return out;
  }

  /** Emits the unfinished last line (as partial), e.g. at shutdown. */
  flush(): CaptureEvent[] {
    const events: CaptureEvent[] = [];
    if (this.lineBytes > 0) this.endLine(events, false);
    return events;
  }

  stats(): ConsoleCaptureStats {
    return { ...this.counts, streamId: this.streamId, position: this.position, oldest: this.oldest, head: this.head, heldBytes: this.heldBytes };
  }

  // ---- answers -----------------------------------------------------------------------------------------------

  private accept(span: ConsoleSpan, processedAt: number): CaptureEvent[] {
    const events: CaptureEvent[] = [];
    if (this.streamId === null) {
      this.streamId = span.streamId;
      this.position = this.lineStart = span.oldest;
      this.counts.skippedAtStart = span.oldest;
      this.lineBroken = span.oldest > 0;
    } else if (span.streamId !== this.streamId) {
      if (processedAt < this.newestProcessedAt) {
        this.counts.staleAnswers++;
        return events;
      }
      this.restart(span.streamId, events);
    }
    this.newestProcessedAt = Math.max(this.newestProcessedAt, processedAt);
    this.oldest = Math.max(this.oldest, span.oldest);
    this.head = Math.max(this.head, span.head);

    const end = span.start + span.data.length;
    if (end <= this.position) {
      this.counts.duplicateBytes += span.data.length;
    } else if (span.start <= this.position) {
      this.counts.duplicateBytes += this.position - span.start;
      this.write(span.data.subarray(this.position - span.start), events);
    } else {
      this.counts.gapsSeen++;
      this.hold(span.start, span.data);
    }
    this.drain(events);
    this.settleLoss(events);
    return events;
  }

  private restart(streamId: number, events: CaptureEvent[]): void {
    if (this.lineBytes > 0) this.endLine(events, false);
    events.push({ kind: 'stream-restart', streamId, previousStreamId: this.streamId! });
    this.counts.streamRestarts++;
    this.streamId = streamId;
    this.position = this.lineStart = 0;
    this.oldest = this.head = 0;
    this.held = [];
    this.heldBytes = 0;
    this.inFlight = [];
    this.lineBroken = false;
  }

  /** Keeps the bytes of [start, start + data.length) that are neither written nor held already. */
  private hold(start: number, data: Uint8Array): void {
    const end = start + data.length;
    let cursor = start;
    const pieces: Held[] = [];
    for (const h of this.held) {
      const hEnd = h.start + h.data.length;
      if (hEnd <= cursor) continue;
      if (h.start >= end) break;
      if (h.start > cursor) pieces.push({ start: cursor, data: data.subarray(cursor - start, h.start - start) });
      cursor = Math.max(cursor, hEnd);
      if (cursor >= end) break;
    }
    if (cursor < end) pieces.push({ start: cursor, data: data.subarray(cursor - start) });
    this.counts.duplicateBytes += data.length - pieces.reduce((n, p) => n + p.data.length, 0);
    for (const p of pieces) {
      if (this.heldBytes + p.data.length > this.maxHeldBytes) {
        this.counts.droppedHeldBytes += p.data.length;
        continue;
      }
      let i = 0;
      while (i < this.held.length && this.held[i].start < p.start) i++;
      this.held.splice(i, 0, { start: p.start, data: p.data.slice() });
      this.heldBytes += p.data.length;
    }
  }

  /** Writes held bytes that now continue `position`. */
  private drain(events: CaptureEvent[]): void {
    while (this.held.length > 0 && this.held[0].start <= this.position) {
      const h = this.held.shift()!;
      this.heldBytes -= h.data.length;
      const skip = this.position - h.start;
      if (skip < h.data.length) this.write(h.data.subarray(skip), events);
    }
  }

  /** Declares lost whatever before the BMC's oldest byte we neither wrote nor hold. */
  private settleLoss(events: CaptureEvent[]): void {
    while (this.oldest > this.position) {
      const next = this.held[0];
      const to = next ? Math.min(this.oldest, next.start) : this.oldest;
      if (to > this.position) this.lose(to, events);
      this.drain(events);
    }
  }

  private lose(to: number, events: CaptureEvent[]): void {
    if (this.lineBytes > 0) this.endLine(events, false);
    events.push({ kind: 'lost', from: this.position, to });
    this.counts.bytesLost += to - this.position;
    this.counts.lossEvents++;
    this.position = this.lineStart = to;
    this.lineBroken = true;
  }

  /** The spans in [position, head) that are neither written nor held, except what the next heartbeat brings. */
  private missing(): [number, number][] {
    const gaps: [number, number][] = [];
    let cursor = this.position;
    for (const h of this.held) {
      if (h.start > cursor) gaps.push([cursor, h.start]);
      cursor = Math.max(cursor, h.start + h.data.length);
    }
    // The next heartbeat brings [position, position + maxBytes): fetching it too would only chase the live head.
    const tailFrom = Math.max(cursor, this.position + this.maxBytes);
    if (this.head > tailFrom) gaps.push([tailFrom, this.head]);
    return gaps;
  }

  private forget(request: ConsoleHistoryRequest): boolean {
    const i = this.inFlight.findIndex((f) => f.fromPosition === request.fromPosition && f.maxBytes === request.maxBytes);
    if (i >= 0) this.inFlight.splice(i, 1);
    return i >= 0;
  }

  // ---- lines -------------------------------------------------------------------------------------------------

  /** Appends bytes at `position` and emits the lines they finish. */
  private write(bytes: Uint8Array, events: CaptureEvent[]): void {
    let from = 0;
    while (from < bytes.length) {
      if (this.lineBytes === 0) this.lineStart = this.position;
      const nl = bytes.indexOf(LF, from);
      const lineEnd = nl < 0 ? bytes.length : nl + 1;
      const room = this.maxLineBytes - this.lineBytes;
      const end = Math.min(lineEnd, from + room);
      this.line.push(bytes.slice(from, end));
      this.lineBytes += end - from;
      this.position += end - from;
      this.counts.bytesWritten += end - from;
      if (end === lineEnd && nl >= 0) this.endLine(events, true);
      else if (this.lineBytes >= this.maxLineBytes) this.endLine(events, false);
      from = end;
    }
  }

  /** Emits the current line; `complete` = it ended with LF. A line not complete makes the next one partial too. */
  private endLine(events: CaptureEvent[], complete: boolean): void {
    let text = Buffer.concat(this.line, this.lineBytes).toString('utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const partial = this.lineBroken || !complete;
    const position = this.lineStart;
    events.push({ kind: 'line', text, position, partial });
    this.counts.lines++;
    if (partial) this.counts.partialLines++;
    this.line = [];
    this.lineBytes = 0;
    this.lineStart = this.position;
    this.lineBroken = !complete;
    this.checkSequence(text, position, events);
  }

  private checkSequence(text: string, position: number, events: CaptureEvent[]): void {
    const m = this.sequencePattern?.exec(text);
    if (!m || m[1] === undefined) return;
    const got = Number(m[1]);
    if (!Number.isSafeInteger(got)) return;
    const last = this.lastSeq;
    this.lastSeq = got;
    if (last === null || got === last + 1) return;
    if (got > last + 1) {
      events.push({ kind: 'sequence-gap', expected: last + 1, got, position });
      this.counts.sequenceGaps++;
      this.counts.sequenceMissing += got - last - 1;
    } else {
      events.push({ kind: 'sequence-restart', previous: last, got, position });
      this.counts.sequenceRestarts++;
    }
  }
}

function positiveInt(v: number, max: number, name: string): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`${name} must be an integer 1..${max}, got ${v}`);
  return v;
}
