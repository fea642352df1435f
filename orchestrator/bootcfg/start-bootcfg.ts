// The boot-configuration flow as `bmcfleet manager serve` runs it (issue 15): the inventory of the iSNS server's
// targets, the runner over IPMI and iSNS, the service the API routes use; every request the database holds unfinished
// is taken up again at once.
import type { IpmiClientOptions } from '../../clients/ipmi/ipmi-client.js';
import type { Clock } from '../../runtime/clock.js';
import { SqliteBootcfgStore } from '../store/bootcfg-store.js';
import { BootRunner } from './boot-runner.js';
import { BOOTCFG_IQN_PREFIX } from './boot-target.js';
import { BootcfgService } from './bootcfg-service.js';
import type { ChapAccounts } from './chap-file.js';
import { IpmiBootBmc } from './ipmi-boot-bmc.js';
import { ipmiBootProbe } from './ipmi-boot-probe.js';
import { readTargetCapacity } from './iscsi-capacity.js';
import { IsnsBootDomains } from './isns-boot-domains.js';
import { TargetInventory } from './target-inventory.js';

/** The manager's iSCSI name on the iSNS server (a control node). */
export const MANAGER_IQN = `${BOOTCFG_IQN_PREFIX}:manager`;

export interface BootcfgOptions {
  dbFile: string;
  clock: Clock;
  /** The iSNS server, asked at each (re)connection. */
  server(): Promise<{ host: string; port: number }>;
  /** Where the SCN listener binds (the iSNS server must reach it). */
  listenHost: string;
  /** The BMCs' user and password (RMCP+), as provisioning has them. */
  login: Omit<IpmiClientOptions, 'host' | 'port' | 'clock'>;
  ipmiPort?: number;
  /** The targets' CHAP accounts (--chap-file); none when left out. */
  chap?: ChapAccounts;
  onProblem(message: string): void;
}

export interface Bootcfg { service: BootcfgService; inventory: TargetInventory; resumed: number; close(): Promise<void> }

export async function startBootcfg(o: BootcfgOptions): Promise<Bootcfg> {
  const store = new SqliteBootcfgStore(o.dbFile);
  let service: BootcfgService | null = null;
  const inventory = new TargetInventory({
    server: o.server, name: MANAGER_IQN, listenHost: o.listenHost, store, clock: o.clock,
    capacityOf: (target, portal) => {
      const chap = o.chap?.forTarget(target);
      return readTargetCapacity({
        host: portal.address, port: portal.port, initiatorName: MANAGER_IQN, targetName: target, clock: o.clock,
        ...(chap ? { chap: { name: chap.name, secret: Buffer.from(chap.secret, 'utf8') } } : {}),
      });
    },
    onDisksLost: (disks) => service?.disksLost(disks),
    onReconnected: () => service?.restoreDomains(o.onProblem) ?? Promise.resolve(),
    onProblem: o.onProblem,
  });
  const loginOf = (host: string): IpmiClientOptions => ({ ...o.login, host, port: o.ipmiPort ?? 623, clock: o.clock });
  const domains = new IsnsBootDomains(() => inventory.connection());
  const runner = new BootRunner({
    store, clock: o.clock, domains,
    bmcFor: (host) => new IpmiBootBmc(loginOf(host)),
    probeFor: (host) => ipmiBootProbe(loginOf(host)),
    isnsServer: () => inventory.serverAddress(),
    chapFor: (target) => o.chap?.forTarget(target) ?? null,
  });
  service = new BootcfgService({ store, runner, clock: o.clock, domains });
  await inventory.start();
  const resumed = runner.resume();
  return {
    service, inventory, resumed,
    close: async () => { runner.close(); await inventory.stop(); store.close(); },
  };
}
