// The BMC side of an HPM.1 firmware upgrade (PICMG HPM.1 r1.0 §3: preparation §3.2, upgrade §3.3, activation §3.4),
// sans-I/O: each command arrives with `now`; a long one answers 80h and runs until a deadline, when the glue
// (firmware-link.ts) calls settle(). Activation and rollback end in a reboot of the controller, which settle() asks
// the glue for. Power loss is an operation too (losePower): whatever it interrupts, the active image survives.
//
// One component, the BMC's own firmware (BMC_FIRMWARE_COMPONENT): rollback without a required backup (activation keeps
// the replaced image), preparation, deferred activation; no compare. Uploaded firmware must be bmcfleet firmware for
// this controller (protocols/ipmi/oem/bmcfleet-firmware.ts), whose header says the version it brings.
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import {
  AbortCC, ComponentPropertiesCC, ComponentSelector, FinishUploadCC, HpmCommand, IN_PROGRESS, RollbackStatusCC, RollbackSupport,
  SELF_TEST_PASSED, UpgradeAction, UpgradeActionCC, UpgradeCapability, type ComponentProperty, type RollbackStatus,
  type HpmVersion, type SelfTestOutcome, type UpgradeCapabilities, type UpgradeStatus,
} from '../../protocols/ipmi/commands/hpm.js';
import { DecodeError } from '../../protocols/errors.js';
import { BMC_FIRMWARE_COMPONENT, type FirmwareTarget } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { FirmwareBanks, type RunningFirmware } from './firmware-banks.js';
import { FirmwareUpload } from './firmware-upload.js';

/** The controller's identity and running version (model.ts DeviceIdentity). */
export type ControllerIdentity = FirmwareTarget & RunningFirmware;

/** How long each long-duration step takes, in ms (0: done at once, answered 00h; activation and rollback always answer 80h). */
export interface FirmwareTimings {
  /** Initiate Upgrade Action "backup": the active image is copied to the backup bank. */
  backupMs: number;
  /** Initiate Upgrade Action "prepare". */
  prepareMs: number;
  /** Finish Firmware Upload: the checked image is written to flash. */
  writeMs: number;
  /** Activate Firmware, until the controller reboots into the new image. */
  activateMs: number;
  /** Initiate Manual Rollback, until the controller reboots into the backup. */
  rollbackMs: number;
  /** How long the controller is silent after activation or rollback (every session is lost). */
  rebootMs: number;
}

/** Short, so that a test with the real ipmitool takes seconds (it polls every second while a step runs). */
export const DEFAULT_FIRMWARE_TIMINGS: Readonly<FirmwareTimings> = Object.freeze({
  backupMs: 100, prepareMs: 0, writeMs: 100, activateMs: 100, rollbackMs: 100, rebootMs: 2000,
});

export interface FirmwareUpgradeOptions extends Partial<FirmwareTimings> {
  /** The largest firmware an upload may bring (Upload Firmware Block answers C4h beyond it); default 64 MiB. */
  maxFirmwareBytes?: number;
}

export const DEFAULT_MAX_FIRMWARE_BYTES = 64 * 1024 * 1024;

const COMPONENT_MASK = 1 << BMC_FIRMWARE_COMPONENT;
const DESCRIPTION = 'BMC firmware';
const HPM_REVISION = 0x00;
const CAPABILITIES = UpgradeCapability.SELF_TEST | UpgradeCapability.AUTOMATIC_ROLLBACK | UpgradeCapability.MANUAL_ROLLBACK |
  UpgradeCapability.DEFERRED_ACTIVATION;
/** ipmitool waits on a step for upgrade timeout x 5 s: never less than a minute. */
const MIN_TIMEOUT_UNITS = 12;
/** Completion code Get Upgrade Status reports for a step that a power loss cut short. */
const INTERRUPTED = CompletionCode.UNSPECIFIED;

type Step = 'backup' | 'prepare' | 'write' | 'activate' | 'rollback';

const STEP_COMMAND: Record<Step, number> = {
  backup: HpmCommand.INITIATE_UPGRADE_ACTION, prepare: HpmCommand.INITIATE_UPGRADE_ACTION, write: HpmCommand.FINISH_FIRMWARE_UPLOAD,
  activate: HpmCommand.ACTIVATE_FIRMWARE, rollback: HpmCommand.INITIATE_MANUAL_ROLLBACK,
};

/** What the glue must do when settle() ends a step: reboot the controller, silent for this long. */
export interface RebootRequest { rebootMs: number }

function timeoutUnits(ms: number): number {
  return Math.min(0xff, Math.max(MIN_TIMEOUT_UNITS, Math.ceil(ms / 5000) + 1));
}

export class FirmwareUpgrade {
  readonly banks: FirmwareBanks;
  readonly timings: Readonly<FirmwareTimings>;
  /** Told the deadline each time a long step starts: the glue calls settle() then. */
  onBusy: ((until: number) => void) | null = null;
  /** The largest firmware an upload may bring. */
  readonly maxFirmwareBytes: number;
  private readonly device: ControllerIdentity;
  private readonly capabilitiesAnswer: UpgradeCapabilities;
  private running: { step: Step; doneAt: number } | null = null;
  /** The last upgrade command and its completion code (Get Upgrade Status). */
  private last: UpgradeStatus = { command: 0, completionCode: CompletionCode.OK };
  private upload: FirmwareUpload | null = null;
  /** The version the running "write" step is writing. */
  private writtenVersion: HpmVersion | null = null;
  /** Query Rollback Status: the components the last rollback (manual or automatic) restored, or a failed one. */
  private rolledBack = 0;
  private rollbackFailed = false;

  constructor(device: ControllerIdentity, options: FirmwareUpgradeOptions = {}) {
    this.device = device;
    this.banks = new FirmwareBanks(device);
    const { maxFirmwareBytes, ...timings } = options;
    this.timings = Object.freeze({ ...DEFAULT_FIRMWARE_TIMINGS, ...timings });
    for (const [name, ms] of Object.entries(this.timings)) {
      if (!Number.isFinite(ms) || ms < 0 || ms > 3_600_000) throw new RangeError(`${name} must be 0-3600000 ms, got ${ms}`);
    }
    this.maxFirmwareBytes = maxFirmwareBytes ?? DEFAULT_MAX_FIRMWARE_BYTES;
    const t = this.timings;
    this.capabilitiesAnswer = {
      hpmVersion: HPM_REVISION, capabilities: CAPABILITIES,
      upgradeTimeout: timeoutUnits(Math.max(t.backupMs, t.prepareMs, t.writeMs, t.activateMs + t.rebootMs)),
      selfTestTimeout: timeoutUnits(0),
      rollbackTimeout: timeoutUnits(t.rollbackMs + t.rebootMs),
      inaccessibilityTimeout: timeoutUnits(t.rebootMs),
      components: COMPONENT_MASK,
    };
  }

  /** When the running step ends, or null. */
  get deadline(): number | null {
    return this.running?.doneAt ?? null;
  }

  capabilities(): UpgradeCapabilities {
    return this.capabilitiesAnswer;
  }

  /** Get Component Properties: the property, or a completion code. */
  componentProperty(component: number, selector: number): ComponentProperty | number {
    if (component !== BMC_FIRMWARE_COMPONENT) return ComponentPropertiesCC.INVALID_COMPONENT;
    switch (selector) {
      case ComponentSelector.GENERAL:
        return {
          selector, rollback: RollbackSupport.BACKUP_NOT_REQUIRED, preparation: true, comparison: false,
          deferredActivation: true, payloadColdReset: false,
        };
      case ComponentSelector.CURRENT_VERSION: return { selector, version: this.banks.active };
      case ComponentSelector.DESCRIPTION: return { selector, description: DESCRIPTION };
      case ComponentSelector.ROLLBACK_VERSION: return { selector, version: this.banks.backup };
      case ComponentSelector.DEFERRED_VERSION: return { selector, version: this.banks.deferred };
      default: return ComponentPropertiesCC.INVALID_SELECTOR;
    }
  }

  /** Abort Firmware Upgrade: drops the upload and the image waiting for activation; a running step cannot be aborted. */
  abort(): number {
    if (this.running) return AbortCC.CANNOT_ABORT;
    this.upload = null;
    this.banks.deferred = null;
    return CompletionCode.OK;
  }

  /** Initiate Upgrade Action. */
  initiate(components: number, action: number, now: number): number {
    if (this.running) return CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE;
    if (components === 0 || (components & ~COMPONENT_MASK) !== 0) return this.record(HpmCommand.INITIATE_UPGRADE_ACTION, UpgradeActionCC.INVALID_COMPONENT);
    switch (action) {
      case UpgradeAction.BACKUP: return this.start('backup', now);
      case UpgradeAction.PREPARE: return this.start('prepare', now);
      case UpgradeAction.UPLOAD_FOR_UPGRADE:
        this.upload = new FirmwareUpload(BMC_FIRMWARE_COMPONENT, this.maxFirmwareBytes);
        this.banks.deferred = null; // the upload overwrites the bank the deferred image sat in
        return this.record(HpmCommand.INITIATE_UPGRADE_ACTION, CompletionCode.OK);
      default: // UPLOAD_FOR_COMPARE included: the component does not compare
        return this.record(HpmCommand.INITIATE_UPGRADE_ACTION, CompletionCode.INVALID_DATA_FIELD);
    }
  }

  /** Upload Firmware Block. */
  uploadBlock(blockNumber: number, data: Uint8Array): number {
    if (this.running || !this.upload) return CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE;
    switch (this.upload.write(blockNumber, data)) {
      case 'ok': return CompletionCode.OK;
      case 'out-of-sequence': return CompletionCode.INVALID_DATA_FIELD;
      case 'too-large': return CompletionCode.OUT_OF_SPACE;
    }
  }

  /** Finish Firmware Upload: checks what arrived (length, integrity, the controller it is for), then writes it. */
  finish(component: number, imageLength: number, now: number): number {
    const upload = this.upload;
    if (this.running || !upload) return CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE;
    const cmd = HpmCommand.FINISH_FIRMWARE_UPLOAD;
    if (component !== upload.component) return this.record(cmd, CompletionCode.INVALID_DATA_FIELD);
    if (imageLength !== upload.received) return this.record(cmd, FinishUploadCC.LENGTH_MISMATCH);
    this.upload = null;
    let header;
    try {
      header = upload.finish();
    } catch (err) {
      if (err instanceof DecodeError) return this.record(cmd, FinishUploadCC.CHECKSUM_ERROR);
      throw err;
    }
    const d = this.device;
    if (header.deviceId !== d.deviceId || header.manufacturerId !== d.manufacturerId || header.productId !== d.productId) {
      return this.record(cmd, CompletionCode.INVALID_DATA_FIELD); // firmware for another controller
    }
    this.writtenVersion = header.version;
    return this.start('write', now);
  }

  /** Get Upgrade Status. */
  status(): UpgradeStatus {
    return this.last;
  }

  /** Activate Firmware: the deferred image becomes active, then the controller reboots into it. */
  activate(now: number): number {
    if (this.running || this.banks.deferred === null) return CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE;
    return this.start('activate', now);
  }

  /** Query Self-test Results: the self test runs as the new image boots. */
  selfTest(): SelfTestOutcome | number {
    if (this.running?.step === 'activate') return IN_PROGRESS;
    return { result: SELF_TEST_PASSED, detail: 0 };
  }

  /** Query Rollback Status. */
  rollbackStatus(): RollbackStatus | number {
    if (this.running?.step === 'rollback') return IN_PROGRESS;
    if (this.rollbackFailed) return RollbackStatusCC.FAILED;
    return { components: this.rolledBack };
  }

  /** Initiate Manual Rollback: the backup becomes active, then the controller reboots into it. */
  manualRollback(now: number): number {
    if (this.running || this.banks.backup === null) return CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE;
    return this.start('rollback', now);
  }

  /** Ends the running step if its time has come; says when the controller must reboot. */
  settle(now: number): RebootRequest | null {
    const running = this.running;
    if (!running || now < running.doneAt) return null;
    this.running = null;
    return this.complete(running.step);
  }

  /**
   * The controller loses power (the caller makes it silent for the outage). The active image always survives: an
   * activation cut short is rolled back (automatic rollback, reported by Query Rollback Status), a backup cut short
   * leaves no backup, a write or an upload cut short is dropped, a manual rollback cut short has failed.
   */
  losePower(): void {
    const running = this.running;
    this.running = null;
    this.upload = null;
    this.writtenVersion = null;
    if (!running) return;
    switch (running.step) {
      case 'activate':
        this.banks.deferred = null;
        this.rolledBack = COMPONENT_MASK;
        break;
      case 'rollback':
        this.rollbackFailed = true;
        break;
      case 'backup':
        this.banks.backup = null;
        break;
      case 'write':
      case 'prepare':
        break;
    }
    this.record(STEP_COMMAND[running.step], INTERRUPTED);
  }

  private start(step: Step, now: number): number {
    const ms = this.stepMs(step);
    if (step === 'activate' || step === 'rollback') {
      this.rolledBack = 0;
      this.rollbackFailed = false;
    }
    if (ms === 0 && step !== 'activate' && step !== 'rollback') {
      this.complete(step);
      return CompletionCode.OK;
    }
    this.running = { step, doneAt: now + ms };
    this.record(STEP_COMMAND[step], IN_PROGRESS);
    this.onBusy?.(now + ms);
    return IN_PROGRESS;
  }

  private complete(step: Step): RebootRequest | null {
    let reboot: RebootRequest | null = null;
    switch (step) {
      case 'backup':
        this.banks.backUp();
        break;
      case 'prepare':
        break;
      case 'write':
        this.banks.deferred = this.writtenVersion;
        this.writtenVersion = null;
        break;
      case 'activate':
        this.banks.activate();
        reboot = { rebootMs: this.timings.rebootMs };
        break;
      case 'rollback':
        this.banks.rollBack();
        this.rolledBack = COMPONENT_MASK;
        reboot = { rebootMs: this.timings.rebootMs };
        break;
    }
    this.record(STEP_COMMAND[step], CompletionCode.OK);
    return reboot;
  }

  private stepMs(step: Step): number {
    const t = this.timings;
    switch (step) {
      case 'backup': return t.backupMs;
      case 'prepare': return t.prepareMs;
      case 'write': return t.writeMs;
      case 'activate': return t.activateMs;
      case 'rollback': return t.rollbackMs;
    }
  }

  private record(command: number, completionCode: number): number {
    this.last = { command, completionCode };
    return completionCode;
  }
}
