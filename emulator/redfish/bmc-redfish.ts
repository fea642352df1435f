// One BMC's Redfish service state: its sessions and login lockout, its tasks and the firmware update under way, over the BMC's own model (the same chassis, boot
// options, users and hardware IPMI sees) and its virtual media. Made on the BMC's first Redfish request, so an idle
// fleet holds none; its tables are made when first used, so a BMC only ever asked for its service root (a discovery
// sweep) holds none of them.
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { EmulatedBmc } from '../bmc/emulated-bmc.js';
import type { BmcMedia } from '../media/bmc-media.js';
import type { RedfishConfig } from '../fleet/schema/redfish.js';
import { LoginLockout } from './login-lockout.js';
import { SessionTable } from './session-table.js';
import { TaskTable } from './task-table.js';
import type { FirmwareUpdateRun } from './firmware-update.js';
import { RedfishEvents, type SubscriptionState } from './redfish-events.js';

/** Tasks one BMC keeps (finished ones make room for new ones, oldest first). */
export const MAX_TASKS = 16;

export class BmcRedfish {
  readonly bmc: EmulatedBmc;
  readonly media: BmcMedia | null;
  readonly config: RedfishConfig;
  /** Timers of long requests (a firmware update's steps). */
  readonly clock: Clock;
  /** The firmware update (SimpleUpdate or push) whose task runs, or the last one. */
  update: FirmwareUpdateRun | null = null;
  private eventHub: RedfishEvents | null = null;
  private sessionTable: SessionTable | null = null;
  private loginLockout: LoginLockout | null = null;
  private taskTable: TaskTable | null = null;
  /** Tells the fleet a BMC's state changed (for its state directory): one function for every BMC of the service. */
  private readonly tell: (bmc: EmulatedBmc) => void;
  /**
   * The last boot override set over Redfish asked for UefiHttp, which IPMI's boot flags carry as PXE (network boot,
   * IPMI 2.0 Table 28-14 has no HTTP boot): while the flags still say PXE, Redfish shows UefiHttp.
   */
  uefiHttp = false;
  /** Systems/1 as last answered (resources/system.ts): made again only when what it shows changed. */
  systemDocument: { version: number; json: string; headers: Readonly<Record<string, string>> } | null = null;
  /** The end of the BMC's last reboot when this state last looked (redfish-service.ts ends the sessions after a new one). */
  rebootSeen: number;

  constructor(bmc: EmulatedBmc, media: BmcMedia | null, config: RedfishConfig, changed: (bmc: EmulatedBmc) => void, clock: Clock = systemClock) {
    this.bmc = bmc;
    this.clock = clock;
    this.media = media;
    this.config = config;
    this.tell = changed;
    this.rebootSeen = bmc.faults.rebootUntil;
  }

  /** Tells the fleet the BMC's state changed (for its state directory). */
  changed(): void {
    this.tell(this.bmc);
  }

  /** Its sessions (made when first used). */
  get sessions(): SessionTable {
    return this.sessionTable ??= new SessionTable({ maxSessions: this.config.maxSessions, timeoutMs: this.config.sessionTimeoutSeconds * 1000 });
  }

  /** Its bad-login counts (made when first used). */
  get lockout(): LoginLockout {
    return this.loginLockout ??= new LoginLockout({ threshold: this.config.lockoutThreshold, durationMs: this.config.lockoutSeconds * 1000 });
  }

  /** Its tasks (made when first used). */
  get tasks(): TaskTable {
    return this.taskTable ??= new TaskTable(MAX_TASKS);
  }

  /** Every session ends (the controller rebooted); nothing to end when none was ever opened. */
  endSessions(): void {
    this.sessionTable?.clear();
  }

  /** Its subscriptions as a state file keeps them; none when its EventService was never used. */
  savedSubscriptions(): SubscriptionState[] {
    return this.eventHub?.saved() ?? [];
  }

  /** Its EventService's subscriptions and streams (made when first used). */
  get events(): RedfishEvents {
    return this.eventHub ??= new RedfishEvents(this.bmc.model, this.media, this.clock);
  }
}
