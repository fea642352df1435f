// HPM.1 firmware upgrade commands (netFn 2Ch, PICMG HPM.1 r1.0 §3); the bytes are in protocols/ipmi/commands/hpm.ts,
// the upgrade itself in ../firmware-upgrade.ts. A request whose first byte is not the PICMG identifier belongs to
// another defining body (VITA, DCMI...) that this BMC does not implement: C1h, as picmg.ts answers them.
import {
  AbortFirmwareUpgrade, ActivateFirmware, FinishFirmwareUpload, GetComponentProperties, GetTargetUpgradeCapabilities, GetUpgradeStatus,
  InitiateManualRollback, InitiateUpgradeAction, QueryRollbackStatus, QuerySelfTestResults, UploadFirmwareBlock,
} from '../../../protocols/ipmi/commands/hpm.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { answerDecodeError, handler, refuse, type Refusal } from './define.js';
import type { CommandSpec } from './types.js';

const NO_DATA = {};

/** A completion code as the handler's answer: 00h is the (empty) response, anything else a refusal. */
function answer(cc: number): undefined | Refusal {
  return cc === CompletionCode.OK ? undefined : refuse(cc);
}

/** A value, or a refusal for a completion code. */
function valueOr<V>(result: V | number): V | Refusal {
  return typeof result === 'number' ? refuse(result) : result;
}

export const hpmCommands: readonly CommandSpec[] = [
  handler(GetTargetUpgradeCapabilities, (_req, ctx) => ctx.model.firmware.capabilities()),
  handler(GetComponentProperties, (req, ctx) => valueOr(ctx.model.firmware.componentProperty(req.component, req.selector))),
  handler(AbortFirmwareUpgrade, (_req, ctx) => answer(ctx.model.firmware.abort())),
  handler(InitiateUpgradeAction, (req, ctx) => answer(ctx.model.firmware.initiate(req.components, req.action, ctx.now))),
  handler(UploadFirmwareBlock, (req, ctx) => {
    const cc = ctx.model.firmware.uploadBlock(req.blockNumber, req.data);
    return cc === CompletionCode.OK ? NO_DATA : refuse(cc);
  }),
  handler(FinishFirmwareUpload, (req, ctx) => answer(ctx.model.firmware.finish(req.component, req.imageLength, ctx.now))),
  handler(GetUpgradeStatus, (_req, ctx) => ctx.model.firmware.status()),
  // The rollback override byte is read, not used: the only automatic rollback here follows a power loss, which it cannot prevent
  handler(ActivateFirmware, (_req, ctx) => answer(ctx.model.firmware.activate(ctx.now))),
  handler(QuerySelfTestResults, (_req, ctx) => valueOr(ctx.model.firmware.selfTest())),
  handler(QueryRollbackStatus, (_req, ctx) => valueOr(ctx.model.firmware.rollbackStatus())),
  handler(InitiateManualRollback, (_req, ctx) => answer(ctx.model.firmware.manualRollback(ctx.now))),
].map((spec) => answerDecodeError(spec, 'ERR_GROUP', CompletionCode.INVALID_COMMAND));
