// The bmcfleet OEM commands Console Heartbeat (netFn 2Eh, cmd 10h) and Read Console History (cmd 11h); layouts and
// definitions in protocols/ipmi/oem/console-heartbeat.ts. Both answer from the console history the BMC keeps for its
// host.
//
// Receive time: a busy BMC queues datagrams and processes them later, so `ctx.now` is the processing time and
// `ctx.receivedAt` the arrival time (the handler falls back to `ctx.now` without it).
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { ConsoleHeartbeat, MAX_CONSOLE_BYTES, ReadConsoleHistory, type ConsoleSpan } from '../../../protocols/ipmi/oem/console-heartbeat.js';
import { answerDecodeError, bmcfleetOnly, handler, refuse } from './define.js';
import type { CommandSpec } from './types.js';

/** What the handler reads the console from. Positions are byte offsets in the console's output stream. */
export interface ConsoleHistorySource {
  /**
   * At most `maxBytes` bytes starting at `from` clamped into [oldest, head]: `start` is where they begin,
   * `oldest` the first position still held, `head` the position after the last byte printed so far, and
   * `streamId` names the position numbering (changes whenever positions restart from 0). `now` is the BMC clock.
   */
  read(from: number, maxBytes: number, now: number): ConsoleSpan;
}

export interface OemConsoleOptions {
  /** Most data bytes per answer; default and upper bound MAX_CONSOLE_BYTES. */
  maxBytes?: number;
}

export function oemConsoleCommands(source: ConsoleHistorySource, options: OemConsoleOptions = {}): CommandSpec[] {
  const limit = Math.min(MAX_CONSOLE_BYTES, Math.max(0, Math.floor(options.maxBytes ?? MAX_CONSOLE_BYTES)));

  /** The source's answer cut to `maxBytes`, or null if it broke its contract. */
  function read(from: number, maxBytes: number, now: number): ConsoleSpan | null {
    const max = Math.min(maxBytes, limit);
    const s = source.read(from, max, now);
    const data = s.data.length > max ? s.data.subarray(0, max) : s.data;
    if (!(s.oldest <= s.start && s.start + data.length <= s.head)) return null;
    return { streamId: s.streamId, oldest: s.oldest, head: s.head, start: s.start, data };
  }

  return [
    oemCommand(handler(ConsoleHeartbeat, (r, ctx) => {
      const span = read(r.ackedPosition, r.maxBytes, ctx.now);
      if (!span) return refuse(CompletionCode.UNSPECIFIED);
      const receivedAt = Math.min(ctx.now, ctx.receivedAt ?? ctx.now);
      return { heartbeatSeq: r.heartbeatSeq, receivedAt, processedAt: ctx.now, ...span };
    })),
    oemCommand(handler(ReadConsoleHistory, (r, ctx) => {
      if (r.maxBytes === 0) return refuse(CompletionCode.INVALID_DATA_FIELD);
      const span = read(r.fromPosition, r.maxBytes, ctx.now);
      if (!span) return refuse(CompletionCode.UNSPECIFIED);
      return { processedAt: ctx.now, ...span };
    })),
  ];
}

/** C1h for another vendor's IANA, CCh for a position of 2^53 or more; other DecodeErrors (length) give C7h. */
function oemCommand(spec: CommandSpec): CommandSpec {
  return bmcfleetOnly(answerDecodeError(spec, 'ERR_RANGE', CompletionCode.INVALID_DATA_FIELD));
}
