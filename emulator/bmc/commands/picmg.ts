// Group extension commands (netFn 2Ch) — IPMI 2.0 §5.1 Table 5-1; definitions in protocols/ipmi/commands/picmg.ts.
// This BMC is not a PICMG/VITA/HPM.2 device, so ipmitool's probes get "invalid command" (C1h), as ipmi_sim answers
// them, whatever their data (the request is not read); ipmitool then carries on as with any plain BMC.
import type { IpmiCommand } from '../../../protocols/ipmi/commands/command.js';
import { GetLanAttachCapabilities, GetPicmgProperties } from '../../../protocols/ipmi/commands/picmg.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import type { CommandSpec } from './types.js';

const INVALID_COMMAND = { cc: CompletionCode.INVALID_COMMAND };

/** C1h at the lowest privilege, so that the answer is always C1h, never D4h, whatever the session's level. */
function notThisKindOfDevice(def: IpmiCommand<void, unknown>, name = def.name): CommandSpec {
  return { netFn: def.netFn, cmd: def.cmd, name, privilege: Privilege.CALLBACK, handle: () => INVALID_COMMAND };
}

export const picmgCommands: readonly CommandSpec[] = [
  notThisKindOfDevice(GetPicmgProperties, 'Get PICMG Properties / VITA probe'), // the same command number with VITA's code 03h
  notThisKindOfDevice(GetLanAttachCapabilities),
];
