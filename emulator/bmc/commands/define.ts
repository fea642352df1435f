// A handler built on a command definition (protocols/ipmi/commands/): decode the request, ask the model,
// encode the response. A DecodeError from decodeRequest reaches the dispatcher, which answers C7h; the wrappers
// below give the completion codes a spec puts before or instead of C7h (IPMI 2.0 §5.2).
import { DecodeError } from '../../../protocols/errors.js';
import type { IpmiCommand } from '../../../protocols/ipmi/commands/command.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { isBmcfleetRequest } from '../../../protocols/ipmi/oem/iana.js';
import type { CommandContext, CommandSpec } from './types.js';

/** A completion code other than 00h, with no response data (IPMI 2.0 §5.2). */
export class Refusal {
  readonly cc: number;
  constructor(cc: number) {
    this.cc = cc;
  }
}

const refusals = new Map<number, Refusal>();

/** The refusal with completion code `cc` (one object per code: no allocation per request). */
export function refuse(cc: number): Refusal {
  let r = refusals.get(cc);
  if (!r) refusals.set(cc, (r = new Refusal(cc)));
  return r;
}

/** The handler table entry for `def`: `handle` gets the decoded request and returns the response or a refusal. */
export function handler<Req, Res>(def: IpmiCommand<Req, Res>, handle: (req: Req, ctx: CommandContext) => Res | Refusal): CommandSpec {
  return {
    netFn: def.netFn, cmd: def.cmd, name: def.name, privilege: def.privilege,
    handle: (raw, ctx) => {
      const answer = handle(def.decodeRequest(raw.data), ctx);
      return answer instanceof Refusal ? { cc: answer.cc } : { cc: 0, data: def.encodeResponse(answer) };
    },
  };
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
