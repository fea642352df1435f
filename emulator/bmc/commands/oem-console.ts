// The bmcfleet OEM commands Console Heartbeat (netFn 2Eh, cmd 10h) and Read Console History (cmd 11h); layout
// in protocols/ipmi/oem/console-heartbeat.ts. Both answer from the console history the BMC keeps for its host.
//
// Receive time: a busy BMC queues datagrams and processes them later, so `ctx.now` is the processing time and
// `ctx.receivedAt` the arrival time (the handler falls back to `ctx.now` without it).
import { DecodeError } from '../../../protocols/errors.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import {
  ConsoleOemCommand, MAX_CONSOLE_BYTES, decodeHeartbeatRequest, decodeHistoryRequest, encodeHeartbeatResponse, encodeHistoryResponse,
  type ConsoleSpan,
} from '../../../protocols/ipmi/oem/console-heartbeat.js';
import { isBmcfleetRequest } from '../../../protocols/ipmi/oem/iana.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import { fail, ok } from './request-data.js';
import type { CommandResult, CommandSpec } from './types.js';

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

  return [{
    netFn: NetFn.OEM_GROUP, cmd: ConsoleOemCommand.CONSOLE_HEARTBEAT, name: 'bmcfleet Console Heartbeat', privilege: Privilege.USER,
    handle: (req, ctx) => answer(req.data, () => {
      const r = decodeHeartbeatRequest(req.data);
      const span = read(r.ackedPosition, r.maxBytes, ctx.now);
      if (!span) return fail(CompletionCode.UNSPECIFIED);
      const receivedAt = Math.min(ctx.now, ctx.receivedAt ?? ctx.now);
      return ok(encodeHeartbeatResponse({ heartbeatSeq: r.heartbeatSeq, receivedAt, processedAt: ctx.now, ...span }));
    }),
  }, {
    netFn: NetFn.OEM_GROUP, cmd: ConsoleOemCommand.READ_CONSOLE_HISTORY, name: 'bmcfleet Read Console History', privilege: Privilege.USER,
    handle: (req, ctx) => answer(req.data, () => {
      const r = decodeHistoryRequest(req.data);
      if (r.maxBytes === 0) return fail(CompletionCode.INVALID_DATA_FIELD);
      const span = read(r.fromPosition, r.maxBytes, ctx.now);
      if (!span) return fail(CompletionCode.UNSPECIFIED);
      return ok(encodeHistoryResponse({ processedAt: ctx.now, ...span }));
    }),
  }];
}

/** C1h for another vendor's IANA, CCh for an out-of-range position; other DecodeErrors (length) go to the dispatcher (C7h). */
function answer(data: Uint8Array, run: () => CommandResult): CommandResult {
  if (!isBmcfleetRequest(data)) return fail(CompletionCode.INVALID_COMMAND);
  try {
    return run();
  } catch (err) {
    if (err instanceof DecodeError && err.code === 'ERR_RANGE') return fail(CompletionCode.INVALID_DATA_FIELD);
    throw err;
  }
}
