// The host's iSCSI boot result as its BMC reports it (boot-runner.ts's HostBootProbe): the bmcfleet OEM command Get
// iSCSI Boot Status (netFn 2Eh, cmd 32h; clients/ipmi/iscsi-boot-status.ts), over its own RMCP+ session, opened when
// first needed and again after any failure.
import { KeptBmcSession } from '../../clients/ipmi/bmc-session.js';
import type { IpmiClientOptions } from '../../clients/ipmi/ipmi-client.js';
import { readIscsiBootStatus } from '../../clients/ipmi/iscsi-boot-status.js';
import type { HostBootProbe } from './boot-runner.js';

export function ipmiBootProbe(login: IpmiClientOptions): HostBootProbe {
  const session = new KeptBmcSession(login);
  return { status: () => session.with(readIscsiBootStatus), close: () => session.close() };
}
