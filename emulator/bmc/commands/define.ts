// A handler built on a command definition (protocols/ipmi/commands/): decode the request, ask the model,
// encode the response. A DecodeError from decodeRequest reaches the dispatcher, which answers C7h.
import type { IpmiCommand } from '../../../protocols/ipmi/commands/command.js';
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
