// Group extension commands (netFn 2Ch) — IPMI 2.0 §5.1 Table 5-1: the first data byte names the defining body
// (00h PICMG, 03h VITA, DCh DCMI). This BMC is not a PICMG/VITA/HPM.2 device, so ipmitool's probes get
// "invalid command" (C1h), as ipmi_sim answers them; ipmitool then carries on as with any plain BMC.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import { fail } from './request-data.js';
import type { CommandSpec } from './types.js';

/** Defining-body codes, group extension data byte 1. */
export const GroupExtension = { PICMG: 0x00, VITA: 0x03, DCMI: 0xdc } as const;

export const GroupExtensionCommand = {
  /** PICMG 3.0 Get PICMG Properties; with data 03h it is VITA 46.11 Get VSO Capabilities. */
  GET_PICMG_PROPERTIES: 0x00,
  /** PICMG HPM.2 Get LAN Attach Capabilities. */
  GET_LAN_ATTACH_CAPABILITIES: 0x3e,
} as const;

const notThisKindOfDevice: CommandSpec['handle'] = () => fail(CompletionCode.INVALID_COMMAND);

export function picmgCommands(): CommandSpec[] {
  const N = NetFn.GROUP_EXTENSION;
  // Lowest privilege so that the answer is always C1h, never D4h, whatever the session's level.
  return [
    { netFn: N, cmd: GroupExtensionCommand.GET_PICMG_PROPERTIES, name: 'Get PICMG Properties / VITA probe', privilege: Privilege.CALLBACK, handle: notThisKindOfDevice },
    { netFn: N, cmd: GroupExtensionCommand.GET_LAN_ATTACH_CAPABILITIES, name: 'HPM.2 Get LAN Attach Capabilities', privilege: Privilege.CALLBACK, handle: notThisKindOfDevice },
  ];
}
