// What an RMC (and the manager-flashes-all baseline) asks of one BMC during a firmware rollout (README "The
// exchange after the prepare round", steps 5-6): read its firmware version, and upgrade it over HPM.1 (PICMG
// HPM.1 r1.0 §3) through an RMCP+ session. The outcomes and failure reasons are the Rack Report's
// (protocols/rollout/rack-status.ts), so a result goes into a report as it is.
import type { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';

/** How to reach and log in to one BMC. */
export interface BmcLogin {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Default 17. */
  cipherSuite?: number;
}

export interface FirmwareVersion { major: number; minor: number }

export type VersionRead =
  /** firmware: Get Device ID's; component: the HPM.1 component's current version, null when not asked or not given */
  | { ok: true; firmware: FirmwareVersion; component: FirmwareVersion | null }
  | { ok: false; reason: typeof FailureReason.UNREACHABLE | typeof FailureReason.LOGIN_FAILED };

/** The steps of one BMC's upgrade, for progress shown to people. */
export type FlashStage = 'login' | 'check' | 'backup' | 'prepare' | 'upload' | 'finish' | 'activate' | 'reboot' | 'confirm';

export interface FlashRequest {
  bmc: BmcLogin;
  /** The HPM.1 upgrade image file (protocols/ipmi/hpm-image.ts), as the manifest describes it. */
  image: Uint8Array;
  /** The version the image brings: a BMC already there is SKIPPED, one back at another after the reboot failed. */
  target: FirmwareVersion;
  /** Not done (back with the new version) this long after the start: FAILED, reason TIMED_OUT. */
  timeoutMs: number;
  /** Called as each stage begins. */
  onStage?: (stage: FlashStage) => void;
}

export interface FlashResult {
  outcome: typeof BmcOutcome.FLASHED | typeof BmcOutcome.SKIPPED | typeof BmcOutcome.FAILED;
  /** FailureReason.NONE unless FAILED. */
  reason: FailureReason;
  /** The version the BMC reports at the end (Get Device ID), or the last one read. */
  firmware: FirmwareVersion;
  /** For people: what went wrong, e.g. "Upload Firmware Block answered C4h". Empty unless FAILED. */
  detail: string;
}

export interface BmcFlasher {
  /**
   * Get Device ID's firmware revision over a fresh RMCP+ session, and with `component` (the one an image uploads,
   * HPM.1 §4) that component's current version from Get Component Properties.
   */
  readVersion(bmc: BmcLogin, component?: number | null): Promise<VersionRead>;
  /** The whole HPM.1 upgrade of one BMC; never throws for anything the BMC or the network does. */
  flash(request: FlashRequest): Promise<FlashResult>;
}
