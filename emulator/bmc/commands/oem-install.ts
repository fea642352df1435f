// The bmcfleet OEM commands Set Install Progress (netFn 2Eh, cmd 30h) and Get Install Progress (cmd 31h); layouts and
// definitions in protocols/ipmi/oem/install-progress.ts. The BMC keeps the last report (model.install).
import { GetInstallProgress, SetInstallProgress } from '../../../protocols/ipmi/oem/install-progress.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { answerDecodeError, bmcfleetOnly, handler } from './define.js';
import type { CommandSpec } from './types.js';

export const oemInstallCommands: readonly CommandSpec[] = [
  // a phase, percent or error code out of range: CCh (the request's length was right)
  bmcfleetOnly(answerDecodeError(handler(SetInstallProgress, (p, ctx) => {
    ctx.model.install.report(p, ctx.now);
    return {};
  }), 'ERR_ENUM', CompletionCode.INVALID_DATA_FIELD)),
  bmcfleetOnly(handler(GetInstallProgress, (_r, ctx) => ctx.model.install.current)),
];
