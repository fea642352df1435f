// The bmcfleet OEM command Get iSCSI Boot Status (netFn 2Eh, cmd 32h); layout and definitions in
// protocols/ipmi/oem/iscsi-boot-status.ts. The BMC keeps the host firmware's last report (model.iscsiBoot).
import { GetIscsiBootStatus } from '../../../protocols/ipmi/oem/iscsi-boot-status.js';
import { bmcfleetOnly, handler } from './define.js';
import type { CommandSpec } from './types.js';

export const oemIscsiBootCommands: readonly CommandSpec[] = [
  bmcfleetOnly(handler(GetIscsiBootStatus, (_r, ctx) => ctx.model.iscsiBoot.current)),
];
