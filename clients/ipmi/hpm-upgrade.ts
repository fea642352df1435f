// One BMC's HPM.1 upgrade (PICMG HPM.1 r1.0 §3), in the order ipmitool's `hpm upgrade FILE activate` runs it: log in,
// Get Device ID and the image's component's Get Component Properties (both at the target: skipped), Get Target Upgrade Capabilities, then each action record of the
// image (§4: backup, prepare, upload: Initiate Upgrade Action, Upload Firmware Block, Finish Firmware Upload),
// Activate Firmware, and the reboot that follows: log in again until Get Device ID answers, and compare.
// A long step answers 80h and is polled with Get Upgrade Status (§3.1). Losing contact mid-upgrade is handled like
// the reboot: the BMC may have lost power, and what it runs when it is back says how the upgrade ended.
import { DecodeError } from '../../protocols/errors.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { GetDeviceId } from '../../protocols/ipmi/commands/device.js';
import {
  AbortFirmwareUpgrade, ActivateFirmware, FinishFirmwareUpload, GetTargetUpgradeCapabilities, GetUpgradeStatus, IN_PROGRESS,
  InitiateUpgradeAction, QueryRollbackStatus, UpgradeAction, UploadFirmwareBlock,
} from '../../protocols/ipmi/commands/hpm.js';
import { ImageAction, decodeHpmImage, upgradedComponent, uploadComponent, type HpmImage, type HpmImageAction } from '../../protocols/ipmi/hpm-image.js';
import { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';
import type { FirmwareVersion, FlashRequest, FlashResult, FlashStage } from './bmc-flasher.js';
import { Deadline, DeadlinePassed } from './hpm-deadline.js';
import { atTarget, closeQuietly, componentVersion, firmwareOf, openSession, sameVersion, versionText, type HpmFlasherSettings } from './hpm-session.js';
import type { IpmiLanClient } from './ipmi-client.js';
import { CompletionCodeError, IpmiAuthError, IpmiError, IpmiTimeoutError } from './ipmi-errors.js';

/** How an upgrade ends early: a failure reason and what went wrong, for people. */
class Stop extends Error {
  readonly reason: FailureReason;
  constructor(reason: FailureReason, detail: string) {
    super(detail);
    this.reason = reason;
  }
}

function hex(cc: number): string {
  return `${cc.toString(16).toUpperCase().padStart(2, '0')}h`;
}

function refused(command: string, cc: number): Stop {
  return new Stop(FailureReason.UPGRADE_REFUSED, `${command} answered ${hex(cc)}`);
}

const UNKNOWN_VERSION: FirmwareVersion = Object.freeze({ major: 0, minor: 0 });

export class HpmUpgrade {
  private readonly request: FlashRequest;
  private readonly settings: HpmFlasherSettings;
  private readonly deadline: Deadline;
  private client: IpmiLanClient | null = null;
  private stage: FlashStage = 'login';
  /** The version Get Device ID reported last, and before the upgrade. */
  private firmware: FirmwareVersion = UNKNOWN_VERSION;
  private before: FirmwareVersion | null = null;

  constructor(request: FlashRequest, settings: HpmFlasherSettings) {
    this.request = request;
    this.settings = settings;
    this.deadline = new Deadline(settings.clock, request.timeoutMs);
  }

  /** The whole upgrade: never throws for what the BMC does (a bug of ours does surface). */
  async run(): Promise<FlashResult> {
    try {
      return await this.upgrade();
    } catch (err) {
      return await this.failure(err);
    } finally {
      this.deadline.cancel();
      if (this.client) await closeQuietly(this.client);
      this.client = null;
    }
  }

  private async upgrade(): Promise<FlashResult> {
    const image = this.image();
    this.enter('login');
    this.client = await this.login();
    this.enter('check');
    const id = await this.call(GetDeviceId, undefined);
    this.before = this.firmware = firmwareOf(id);
    if (atTarget(this.firmware, await this.uploadedComponentVersion(image), this.request.target)) return this.result(BmcOutcome.SKIPPED);
    // As ipmitool does before it sends anything: the image header names the manufacturer and product it is for (§4)
    if (image.manufacturerId !== id.manufacturerId || image.productId !== id.productId) {
      throw new Stop(FailureReason.UPGRADE_REFUSED, `the image is for manufacturer ${image.manufacturerId} product ${image.productId}, the BMC is ${id.manufacturerId} product ${id.productId}`);
    }
    await this.call(GetTargetUpgradeCapabilities, undefined);
    let contactLost = false;
    try {
      for (const action of image.actions) await this.perform(action);
      this.enter('activate');
      await this.longStep(ActivateFirmware, {});
      await this.awaitReboot();
    } catch (err) {
      if (!(err instanceof IpmiTimeoutError)) throw err;
      contactLost = true; // activation's reboot, or power lost mid-step
    }
    if (contactLost) await this.comeBack();
    this.enter('confirm');
    return this.confirm();
  }

  private image(): HpmImage {
    try {
      return decodeHpmImage(this.request.image);
    } catch (err) {
      if (err instanceof DecodeError) throw new Stop(FailureReason.UPGRADE_REFUSED, `the image is not a valid HPM.1 image: ${err.message}`);
      throw err;
    }
  }

  /** One action record (HPM.1 §4): Initiate Upgrade Action, and for an upload the blocks and Finish Firmware Upload. */
  private async perform(action: HpmImageAction): Promise<void> {
    const components = action.components;
    if (action.type !== ImageAction.UPLOAD_FIRMWARE) {
      const backup = action.type === ImageAction.BACKUP;
      this.enter(backup ? 'backup' : 'prepare');
      await this.longStep(InitiateUpgradeAction, { components, action: backup ? UpgradeAction.BACKUP : UpgradeAction.PREPARE });
      return;
    }
    const component = uploadComponent(components);
    if (component === null) throw new Stop(FailureReason.UPGRADE_REFUSED, 'the image has an upload action for no component');
    this.enter('upload');
    await this.longStep(InitiateUpgradeAction, { components, action: UpgradeAction.UPLOAD_FOR_UPGRADE });
    const firmware = action.firmware;
    const size = this.settings.blockBytes;
    // Block numbers count from 0 and wrap at 256 (§3.3); a next section a BMC may ask for is not followed
    for (let at = 0, block = 0; at < firmware.length; at += size, block = (block + 1) & 0xff) {
      await this.longStep(UploadFirmwareBlock, { blockNumber: block, data: firmware.subarray(at, at + size) });
    }
    this.enter('finish');
    await this.longStep(FinishFirmwareUpload, { component, imageLength: firmware.length });
  }

  /** A command that may answer 80h: then Get Upgrade Status until its completion code is final (HPM.1 §3.1). */
  private async longStep<Req>(def: IpmiCommand<Req, unknown>, req: Req): Promise<void> {
    let cc = (await this.send(def, req)).cc;
    // D5h to a retransmission whose first copy started the step (its 80h was lost): the step is running
    if (cc === CompletionCode.NOT_SUPPORTED_IN_PRESENT_STATE && def !== UploadFirmwareBlock) {
      const status = await this.call(GetUpgradeStatus, undefined);
      if (status.command === def.cmd && status.completionCode === IN_PROGRESS) cc = IN_PROGRESS;
    }
    while (cc === IN_PROGRESS) {
      await this.deadline.sleep(this.settings.pollIntervalMs);
      cc = (await this.call(GetUpgradeStatus, undefined)).completionCode;
    }
    if (cc !== CompletionCode.OK) throw refused(def.name, cc);
  }

  /** Activation is done and the BMC still answers: it reboots now. Waits for the silence or the new version running. */
  private async awaitReboot(): Promise<void> {
    const giveUp = this.settings.clock.now() + this.settings.rebootWaitMs;
    for (;;) {
      this.firmware = await this.readFirmware();
      if (sameVersion(this.firmware, this.request.target) || this.settings.clock.now() >= giveUp) return;
      await this.deadline.sleep(this.settings.pollIntervalMs);
    }
  }

  /** The BMC went silent (rebooting, or power lost): logs in again, as often as it takes, until Get Device ID answers. */
  private async comeBack(): Promise<void> {
    const lostDuring = this.stage;
    this.enter('reboot');
    this.dropSession();
    const giveUp = this.settings.clock.now() + this.settings.rebootWaitMs;
    for (;;) {
      try {
        this.client = await this.login();
        this.firmware = await this.readFirmware();
        return;
      } catch (err) {
        if (!(err instanceof IpmiTimeoutError)) throw err;
        this.dropSession();
      }
      if (this.settings.clock.now() >= giveUp) {
        throw new Stop(FailureReason.UNREACHABLE, `stopped answering during ${lostDuring} and was not back within ${this.settings.rebootWaitMs} ms`);
      }
      await this.deadline.sleep(this.settings.pollIntervalMs);
    }
  }

  private async confirm(): Promise<FlashResult> {
    const { target } = this.request;
    if (sameVersion(this.firmware, target)) return this.result(BmcOutcome.FLASHED);
    const running = versionText(this.firmware);
    if (this.before && sameVersion(this.firmware, this.before)) {
      const said = await this.reportsRollback() ? ', and reports a rollback' : '';
      return this.result(BmcOutcome.FAILED, FailureReason.ROLLED_BACK, `back at ${running} after the reboot${said}`);
    }
    return this.result(BmcOutcome.FAILED, FailureReason.WRONG_VERSION, `runs ${running} after the reboot, not ${versionText(target)}`);
  }

  /** Query Rollback Status (HPM.1 §3.5): did the BMC restore a component? Only for the detail: any failure is "no". */
  private async reportsRollback(): Promise<boolean> {
    try {
      const answer = await this.send(QueryRollbackStatus, undefined);
      return answer.cc === CompletionCode.OK && answer.value!.components !== 0;
    } catch (err) {
      if (err instanceof IpmiError || err instanceof DecodeError) return false;
      throw err;
    }
  }

  /** What ends the upgrade early, as a result; anything that is not the BMC's doing (a bug) is thrown on. */
  private async failure(err: unknown): Promise<FlashResult> {
    const FAILED = BmcOutcome.FAILED;
    if (err instanceof Stop) return this.result(FAILED, err.reason, err.message);
    if (err instanceof DeadlinePassed) {
      await this.abort();
      return this.result(FAILED, FailureReason.TIMED_OUT, `${err.message} (at ${this.stage})`);
    }
    // The login's errors: the RAKP refused, or Set Session Privilege Level refused (the only call that throws a completion code)
    if (err instanceof IpmiAuthError || err instanceof CompletionCodeError) return this.result(FAILED, FailureReason.LOGIN_FAILED, err.message);
    if (err instanceof IpmiError) return this.result(FAILED, FailureReason.UNREACHABLE, err.message);
    if (err instanceof DecodeError) return this.result(FAILED, FailureReason.UPGRADE_REFUSED, `malformed answer at ${this.stage}: ${err.message}`);
    throw err;
  }

  /** Abort Firmware Upgrade (§3.2), when the BMC still answers: it drops what was uploaded and not activated. */
  private async abort(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await client.request(AbortFirmwareUpgrade.netFn, AbortFirmwareUpgrade.cmd, AbortFirmwareUpgrade.encodeRequest(undefined));
    } catch (err) {
      if (!(err instanceof IpmiError || err instanceof DecodeError)) throw err;
    }
  }

  private async login(): Promise<IpmiLanClient> {
    const opening = openSession(this.request.bmc, this.settings);
    try {
      return await this.deadline.within(opening);
    } catch (err) {
      if (err instanceof DeadlinePassed) opening.then(closeQuietly, () => {});
      throw err;
    }
  }

  /** The session died with the BMC's reboot: closed without waiting for the BMC to say so. */
  private dropSession(): void {
    if (this.client) void closeQuietly(this.client);
    this.client = null;
  }

  /** The current version of the component the image uploads (HPM.1 §3.2.3), when the BMC reports one. */
  private async uploadedComponentVersion(image: HpmImage): Promise<FirmwareVersion | null> {
    const component = upgradedComponent(image);
    return component === null ? null : componentVersion(this.client!, component, (p) => this.deadline.within(p));
  }

  private async readFirmware(): Promise<FirmwareVersion> {
    return firmwareOf(await this.call(GetDeviceId, undefined));
  }

  /** Runs a command that must answer 00h: another completion code ends the upgrade as refused. */
  private async call<Req, Res>(def: IpmiCommand<Req, Res>, req: Req): Promise<Res> {
    const answer = await this.send(def, req);
    if (answer.cc !== CompletionCode.OK) throw refused(def.name, answer.cc);
    return answer.value!;
  }

  /** One request, answered with any completion code (the response decoded for 00h), within the deadline. */
  private async send<Req, Res>(def: IpmiCommand<Req, Res>, req: Req): Promise<{ cc: number; value?: Res }> {
    const response = await this.deadline.within(this.client!.request(def.netFn, def.cmd, def.encodeRequest(req)));
    if (response.completionCode !== CompletionCode.OK) return { cc: response.completionCode };
    return { cc: CompletionCode.OK, value: def.decodeResponse(response.data, req) };
  }

  private enter(stage: FlashStage): void {
    this.stage = stage;
    this.request.onStage?.(stage);
  }

  private result(outcome: FlashResult['outcome'], reason: FailureReason = FailureReason.NONE, detail = ''): FlashResult {
    return { outcome, reason, firmware: this.firmware, detail };
  }
}
