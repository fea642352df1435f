// The host's iSCSI boot result as its BMC reports it (boot-runner.ts's HostBootProbe). The bmcfleet OEM command Get
// iSCSI Boot Status (netFn 2Eh, cmd 32h) and its client, clients/ipmi/iscsi-boot-status.ts, come with the emulated
// host's side of issue 15; until they are in this build the probe says so, and a request fails before the power
// command (read-run) instead of powering a host whose boot it cannot follow.
import type { IpmiClientOptions } from '../../clients/ipmi/ipmi-client.js';
import type { BootReport } from './boot-machine.js';
import type { HostBootProbe } from './boot-runner.js';

export function ipmiBootProbe(host: string, _login: IpmiClientOptions): HostBootProbe {
  return {
    status: (): Promise<BootReport> => Promise.reject(new Error(`cannot follow ${host}'s boot: Get iSCSI Boot Status is not in this build yet`)),
    close: () => {},
  };
}
