// The BMC's command table: find a handler by (netFn, cmd), check the session's privilege (IPMI 2.0 Appendix G),
// and turn every failure into a completion code (§5.2): C1h unknown, D4h privilege, C7h bad length, FFh bug.
import { DecodeError } from '../../../protocols/errors.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import type { IpmiRequest } from '../../../protocols/ipmi/message.js';
import { appCommands } from './app.js';
import { userCommands } from './app-users.js';
import { chassisCommands } from './chassis.js';
import { hpmCommands } from './hpm.js';
import { oemInstallCommands } from './oem-install.js';
import { oemInventoryCommands } from './oem-inventory.js';
import { oemIscsiBootCommands } from './oem-iscsi-boot.js';
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
  /** Commands that need more than the model (e.g. the host console), added by the emulated BMC; looked up first. */
  extraCommands?: readonly CommandSpec[];
}

function key(netFn: number, cmd: number): number {
  return ((netFn & 0x3f) << 8) | (cmd & 0xff);
}

/** The commands every BMC answers, built once per process: their handlers find the BMC in `ctx.model`. */
const SHARED_COMMANDS: readonly CommandSpec[] = [
  ...appCommands,
  ...userCommands,
  ...chassisCommands,
  ...transportCommands,
  ...picmgCommands,
  ...hpmCommands,
  ...solCommands,
  ...payloadCommands,
  ...storageCommands,
  ...sensorCommands,
  ...oemInventoryCommands,
  ...oemInstallCommands,
  ...oemIscsiBootCommands,
];

const SHARED_BY_KEY = new Map<number, CommandSpec>();
for (const spec of SHARED_COMMANDS) {
  const k = key(spec.netFn, spec.cmd);
  if (SHARED_BY_KEY.has(k)) throw new Error(`two handlers for netFn ${spec.netFn} cmd ${spec.cmd}`);
  SHARED_BY_KEY.set(k, spec);
}

const NO_EXTRAS: readonly CommandSpec[] = [];

/** One BMC's view of the shared commands: all it holds of its own are its extra commands and its error hook. */
class BmcCommandTable implements CommandTable {
  private readonly extras: readonly CommandSpec[];
  private readonly onError: CommandTableOptions['onError'];

  constructor(options: CommandTableOptions) {
    const extras = options.extraCommands ?? NO_EXTRAS;
    const keys = new Set<number>();
    for (const spec of extras) {
      const k = key(spec.netFn, spec.cmd);
      if (SHARED_BY_KEY.has(k) || keys.has(k)) throw new Error(`two handlers for netFn ${spec.netFn} cmd ${spec.cmd}`);
      keys.add(k);
    }
    this.extras = extras;
    this.onError = options.onError;
  }

  get commands(): readonly CommandSpec[] {
    return this.extras.length === 0 ? SHARED_COMMANDS : [...SHARED_COMMANDS, ...this.extras];
  }

  /** The extra commands first (a handful, scanned), then the shared table. */
  find(netFn: number, cmd: number): CommandSpec | undefined {
    const k = key(netFn, cmd);
    for (let i = 0; i < this.extras.length; i++) if (key(this.extras[i].netFn, this.extras[i].cmd) === k) return this.extras[i];
    return SHARED_BY_KEY.get(k);
  }

  dispatch(req: IpmiRequest, ctx: CommandContext): CommandResult {
    const spec = this.find(req.netFn, req.cmd);
    if (!spec) return { cc: CompletionCode.INVALID_COMMAND };
    if (ctx.session.privilege < spec.privilege) return { cc: CompletionCode.INSUFFICIENT_PRIVILEGE };
    try {
      return spec.handle(req, ctx);
    } catch (error) {
      if (error instanceof DecodeError) return { cc: CompletionCode.REQUEST_DATA_LENGTH_INVALID };
      try {
        this.onError?.(error, spec, req);
      } catch {
        // a failing error hook must not take the BMC down either
      }
      return { cc: CompletionCode.UNSPECIFIED };
    }
  }
}

/** A BMC's command table: the shared commands and `options.extraCommands`; the BMC passes itself as `ctx.model`. */
export function createCommandTable(options: CommandTableOptions = {}): CommandTable {
  return new BmcCommandTable(options);
}
