// Small helpers the command handlers share: request length checks (IPMI 2.0 §5.2, CC C7h), answers, and wrappers
// around a handler for the completion codes a spec gives before or instead of C7h.
import { DecodeError } from '../../../protocols/errors.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { isBmcfleetRequest } from '../../../protocols/ipmi/oem/iana.js';
import type { CommandResult, CommandSpec } from './types.js';

/** Throws a DecodeError (answered with CC C7h by the dispatcher) unless `data` holds min..max bytes. */
export function expectLength(data: Uint8Array, min: number, max: number, field: string): void {
  if (data.length < min || data.length > max) {
    const want = min === max ? `${min}` : `${min}..${max}`;
    throw new DecodeError('ipmi', field, data.length, `expects ${want} data byte(s), got ${data.length}`, 'ERR_LENGTH');
  }
}

export function ok(data?: Uint8Array): CommandResult {
  return data === undefined ? { cc: CompletionCode.OK } : { cc: CompletionCode.OK, data };
}

export function fail(cc: number): CommandResult {
  return { cc };
}

/** Fixed-size, NUL-padded ASCII field (user names, community strings). */
export function paddedText(text: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  out.write(text, 0, size, 'latin1');
  return out;
}

/** Text up to the first NUL of a fixed-size field. */
export function unpaddedText(field: Uint8Array): string {
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end < 0 ? field.length : end)).toString('latin1');
}

/**
 * `spec`, answering `cc` instead of C7h when it throws a DecodeError with code `code`: for a request of the right
 * length whose field the spec gives its own completion code (a reserved SEL record type, a position out of range).
 */
export function answerDecodeError(spec: CommandSpec, code: string, cc: number): CommandSpec {
  const answer = { cc };
  return {
    ...spec,
    handle: (req, ctx) => {
      try {
        return spec.handle(req, ctx);
      } catch (err) {
        if (err instanceof DecodeError && err.code === code) return answer;
        throw err;
      }
    },
  };
}

const INVALID_COMMAND = { cc: CompletionCode.INVALID_COMMAND };

/** `spec`, answering C1h to a request that does not start with bmcfleet's IANA: netFn 2Eh, another vendor's command (§5.1). */
export function bmcfleetOnly(spec: CommandSpec): CommandSpec {
  return { ...spec, handle: (req, ctx) => (isBmcfleetRequest(req.data) ? spec.handle(req, ctx) : INVALID_COMMAND) };
}
