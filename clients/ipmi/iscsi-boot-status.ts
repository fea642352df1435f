// Reads how a host's last boot from iSCSI went: the bmcfleet OEM command Get iSCSI Boot Status
// (protocols/ipmi/oem/iscsi-boot-status.ts), over an open IPMI session, with the state and error as names.
import {
  GetIscsiBootStatus, ISCSI_BOOT_ERROR_NAMES, ISCSI_BOOT_STATE_NAMES,
} from '../../protocols/ipmi/oem/iscsi-boot-status.js';
import type { IpmiLanClient } from './ipmi-client.js';

export interface IscsiBootStatusReading {
  /** iSCSI boots the host started since its BMC started (0: none). */
  run: number;
  state: 'none' | 'booting' | 'booted' | 'failed';
  /** 'none', or why it failed: 'no-target', 'isns-unreachable', 'isns-not-visible', 'login-refused', 'login-failed', 'no-lun', 'read-error', 'not-bootable', 'interrupted', 'authentication'. */
  error: string;
  message: string;
  targetName: string;
  lun: number;
}

/** Throws CompletionCodeError (ipmi-errors.ts) when the BMC does not know the command (C1h: not a bmcfleet BMC). */
export async function readIscsiBootStatus(client: IpmiLanClient): Promise<IscsiBootStatusReading> {
  const s = await client.call(GetIscsiBootStatus, {});
  return {
    run: s.run, state: ISCSI_BOOT_STATE_NAMES[s.state], error: ISCSI_BOOT_ERROR_NAMES[s.error], message: s.message,
    targetName: s.targetName, lun: s.lun,
  };
}
