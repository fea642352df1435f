// The BMC's command table: find a handler by (netFn, cmd), check the session's privilege (IPMI 2.0 Appendix G),
// and turn every failure into a completion code (§5.2): C1h unknown, D4h privilege, C7h bad length, FFh bug.
import { DecodeError } from '../../../protocols/errors.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import type { IpmiRequest } from '../../../protocols/ipmi/message.js';
import type { BmcModel } from '../model.js';
import { appCommands } from './app.js';
import { userCommands } from './app-users.js';
import { chassisCommands } from './chassis.js';
import { hpmCommands } from './hpm.js';
import { oemInventoryCommands } from './oem-inventory.js';
import { payloadCommands } from './payload.js';
import { picmgCommands } from './picmg.js';
import { solCommands } from './sol.js';
import { sensorCommands } from './sensor.js';
import { storageCommands } from './storage.js';
import { transportCommands } from './transport.js';
import type { CommandContext, CommandResult, CommandSpec } from './types.js';

export interface CommandTable {
  /** Answers one request; never throws. */
  dispatch(req: IpmiRequest, ctx: CommandContext): CommandResult;
  find(netFn: number, cmd: number): CommandSpec | undefined;
  readonly commands: readonly CommandSpec[];
}

export interface CommandTableOptions {
  /** Told about a handler that threw something other than a DecodeError (answered with FFh). */
  onError?: (error: unknown, spec: CommandSpec, req: IpmiRequest) => void;
  /** Commands that need more than the model (e.g. the host console), added by the emulated BMC. */
  extraCommands?: CommandSpec[];
}

function key(netFn: number, cmd: number): number {
  return ((netFn & 0x3f) << 8) | (cmd & 0xff);
}

export function createCommandTable(model: BmcModel, options: CommandTableOptions = {}): CommandTable {
  const commands = [
    ...appCommands(model),
    ...userCommands(model),
    ...chassisCommands(model),
    ...transportCommands(model),
    ...picmgCommands(),
    ...hpmCommands(model),
    ...solCommands(model),
    ...payloadCommands(model),
    ...storageCommands(model),
    ...sensorCommands(model),
    ...oemInventoryCommands(model),
    ...(options.extraCommands ?? []),
  ];
  const byKey = new Map<number, CommandSpec>();
  for (const spec of commands) {
    const k = key(spec.netFn, spec.cmd);
    if (byKey.has(k)) throw new Error(`two handlers for netFn ${spec.netFn} cmd ${spec.cmd}`);
    byKey.set(k, spec);
  }

  function dispatch(req: IpmiRequest, ctx: CommandContext): CommandResult {
    const spec = byKey.get(key(req.netFn, req.cmd));
    if (!spec) return { cc: CompletionCode.INVALID_COMMAND };
    if (ctx.session.privilege < spec.privilege) return { cc: CompletionCode.INSUFFICIENT_PRIVILEGE };
    try {
      return spec.handle(req, ctx);
    } catch (error) {
      if (error instanceof DecodeError) return { cc: CompletionCode.REQUEST_DATA_LENGTH_INVALID };
      try {
        options.onError?.(error, spec, req);
      } catch {
        // a failing error hook must not take the BMC down either
      }
      return { cc: CompletionCode.UNSPECIFIED };
    }
  }

  return { dispatch, find: (netFn, cmd) => byKey.get(key(netFn, cmd)), commands };
}
