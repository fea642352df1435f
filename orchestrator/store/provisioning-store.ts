// The provisioning flow's state (issue 14) behind a small interface, beside RolloutStore and in the same database:
// the hosts the manager found and what it read of them (host-records.ts). Each method is one atomic step.
import type { HostRecord } from './host-records.js';

export interface ProvisioningStore {
  /** Every host, in address order. */
  hosts(): HostRecord[];
  host(address: string): HostRecord | null;
  /** Stores each host as it is now (new ones added, known ones replaced), all in one transaction. */
  saveHosts(hosts: readonly HostRecord[]): void;
  close(): void;
}
