// One iSCSI boot of a lone emulated host's firmware (emulator/host/iscsi-boot-agent.ts) with the given boot
// parameters, on the real clock, as the conformance tests against real targets run it: no BMC, no fleet.
import { systemClock } from '../../runtime/clock.js';
import { IscsiBootAgent } from '../../emulator/host/iscsi-boot-agent.js';
import { HostConsole } from '../../emulator/host/host-console.js';
import { hostIdentityFor } from '../../emulator/host/host-identity.js';
import type { IscsiBootSettings } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import { IscsiBootState, type IscsiBootReport } from '../../protocols/ipmi/oem/iscsi-boot-status.js';

/** Boots a host at `hostIp` (its NIC's MAC `mac`) with `settings`; resolves with the BMC's last report and the console. */
export async function runIscsiBoot(settings: IscsiBootSettings, hostIp: string, mac: string): Promise<{ report: IscsiBootReport; text: string }> {
  const identity = hostIdentityFor(hostIp, {
    vendor: 'V', product: 'P', boardProduct: 'B', serial: 'S', cpus: [{ model: 'cpu', threads: 2 }], memory: [{ sizeGiB: 4, type: 'DDR4', mhz: 3200 }],
    disks: [{ slot: 'Bay 0', model: 'disk' }], nics: [{ name: 'NIC1', model: 'nic', mac, speedMbps: 25_000 }],
  });
  const console = new HostConsole({ identity, clock: systemClock, powerOn: false, now: Date.now() });
  let report: IscsiBootReport | null = null;
  const agent = new IscsiBootAgent({ clock: systemClock, console, settings: () => settings, report: (r) => { report = r; }, lastRun: () => 0, timeoutMs: 5000 });
  const start = Date.now();
  console.boot(start, agent.boot(start, {}));
  for (let waited = 0; (agent.busy || report!.state === IscsiBootState.BOOTING) && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  agent.close();
  return { report: report!, text: console.text(0, Date.now() + 1000) };
}
