// HPM.1 firmware upgrade commands (netFn 2Ch, PICMG HPM.1 r1.0 §3); the bytes are in protocols/ipmi/commands/hpm.ts,
// the upgrade itself in ../firmware-upgrade.ts. A request whose first byte is not the PICMG identifier belongs to
// another defining body (VITA, DCMI...) that this BMC does not implement: C1h, as picmg.ts answers them.
import {
  AbortFirmwareUpgrade, ActivateFirmware, FinishFirmwareUpload, GetComponentProperties, GetTargetUpgradeCapabilities, GetUpgradeStatus,
  InitiateManualRollback, InitiateUpgradeAction, QueryRollbackStatus, QuerySelfTestResults, UploadFirmwareBlock,
} from '../../../protocols/ipmi/commands/hpm.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import type { BmcModel } from '../model.js';
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

export function hpmCommands(model: BmcModel): CommandSpec[] {
  const fw = model.firmware;
  return [
    handler(GetTargetUpgradeCapabilities, () => fw.capabilities()),
    handler(GetComponentProperties, (req) => valueOr(fw.componentProperty(req.component, req.selector))),
    handler(AbortFirmwareUpgrade, () => answer(fw.abort())),
    handler(InitiateUpgradeAction, (req, ctx) => answer(fw.initiate(req.components, req.action, ctx.now))),
    handler(UploadFirmwareBlock, (req) => {
      const cc = fw.uploadBlock(req.blockNumber, req.data);
      return cc === CompletionCode.OK ? NO_DATA : refuse(cc);
    }),
    handler(FinishFirmwareUpload, (req, ctx) => answer(fw.finish(req.component, req.imageLength, ctx.now))),
    handler(GetUpgradeStatus, () => fw.status()),
    // The rollback override byte is read, not used: the only automatic rollback here follows a power loss, which it cannot prevent
    handler(ActivateFirmware, (_req, ctx) => answer(fw.activate(ctx.now))),
    handler(QuerySelfTestResults, () => valueOr(fw.selfTest())),
    handler(QueryRollbackStatus, () => valueOr(fw.rollbackStatus())),
    handler(InitiateManualRollback, (_req, ctx) => answer(fw.manualRollback(ctx.now))),
  ].map((spec) => answerDecodeError(spec, 'ERR_GROUP', CompletionCode.INVALID_COMMAND));
}
