// The provisioning flow's records (issue 14): every host the manager found behind a BMC, where it stands in the flow
// (orchestrator/provisioning/host-machine.ts moves it) and what was read of it. Steps 1-3 (discover, inventory, pick
// by policy) fill them; the install and the hand-over to the pool (steps 4-5) add their stages and steps here.
import type { BmcIdentity } from '../../clients/ipmi/bmc-identity.js';
import type { InstallState } from '../provisioning/install-machine.js';

export type { BmcIdentity } from '../../clients/ipmi/bmc-identity.js';

/** How far a host has come. A step that fails leaves the stage as it was and says why in `failure`. */
export const HostStage = {
  /** Answered a presence ping; its BMC not identified yet (or identifying it failed). */
  FOUND: 'found',
  /** Its BMC's identity read over an IPMI session (step 1, discover). */
  IDENTIFIED: 'identified',
  /** Its hardware read through its BMC (step 2): a policy can pick it. */
  INVENTORIED: 'inventoried',
} as const;
export type HostStage = typeof HostStage[keyof typeof HostStage];

/** The work a host goes through, each step with its own timeout. */
export const HostStep = {
  /** Get Channel Authentication Capabilities, a session, Get System GUID and Get Device ID. */
  IDENTIFY: 'identify',
  /** The bmcfleet OEM Get Hardware Inventory and the FRU. */
  INVENTORY: 'inventory',
} as const;
export type HostStep = typeof HostStep[keyof typeof HostStep];

/** Get Channel Authentication Capabilities as the BMC answered it (IPMI 2.0 §22.13). */
export interface AuthCapabilities {
  /** IPMI v1.5 session auth types enabled: none, md2, md5, password, oem. */
  authTypes: string[];
  ipmi15: boolean;
  ipmi20: boolean;
  /** A non-zero BMC key (Kg) is set: a login needs it. */
  kgSet: boolean;
  perMessageAuth: boolean;
  userLevelAuth: boolean;
  nonNullUsers: boolean;
  nullUsers: boolean;
  anonymousLogin: boolean;
}

export interface Cpu { model: string; cores: number; threads: number; mhz: number }
export interface MemoryModule { slot: string; sizeGiB: number; type: string; mhz: number }
export interface Disk { slot: string; model: string; sizeGB: number; serial: string }
export interface Nic { name: string; model: string; mac: string; speedMbps: number }

/** What the FRU (device 0) says of the system: the product area, or the board's when it has none. */
export interface FruIdentity {
  manufacturer: string;
  product: string;
  partNumber: string;
  serial: string;
  assetTag: string;
}

/** A host's hardware as its BMC reports it. */
export interface HostHardware {
  /** From the inventory summary. */
  vendor: string;
  product: string;
  serial: string;
  memoryGiB: number;
  cpus: Cpu[];
  memory: MemoryModule[];
  disks: Disk[];
  nics: Nic[];
  /** null when the BMC has no FRU device 0 or it could not be read (fruError says why). */
  fru: FruIdentity | null;
  fruError: string | null;
}

/** Why a host's last step failed. */
export interface HostFailure {
  step: HostStep;
  /** A stable word: no-answer, wrong-password, unknown-user, ..., timed-out, not-supported. */
  cause: string;
  message: string;
  atMs: number;
}

export interface HostRecord {
  /** Its BMC's IPv4 address, and the UDP port it answers on. */
  address: string;
  port: number;
  stage: HostStage;
  stageSinceMs: number;
  /** When it first and last answered a presence ping. */
  firstSeenMs: number;
  lastSeenMs: number;
  /** null when not asked, or not answered. */
  authCaps: AuthCapabilities | null;
  identity: BmcIdentity | null;
  identifiedAtMs: number | null;
  hardware: HostHardware | null;
  inventoriedAtMs: number | null;
  /** The last step's failure; cleared when a step succeeds. */
  failure: HostFailure | null;
  /** Its installation (step 4), from the pick to the pool; null until one starts. */
  install: InstallState | null;
}
