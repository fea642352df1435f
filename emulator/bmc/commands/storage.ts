// Storage commands (netFn 0Ah): FRU inventory (IPMI 2.0 §34), the SDR repository (§33) and the SEL (§31), on the
// definitions in protocols/ipmi/commands/fru.ts, sdr.ts and sel.ts; the data lives in the model's FruStore,
// SdrRepository and SystemEventLog.
import { GetFruInventoryAreaInfo, ReadFruData } from '../../../protocols/ipmi/commands/fru.js';
import { GetSdr, GetSdrRepositoryInfo, ReserveSdrRepository } from '../../../protocols/ipmi/commands/sdr.js';
import {
  AddSelEntry, ClearSel, ClearSelAction, DeleteSelEntry, GetSelEntry, GetSelInfo, GetSelTime, ReserveSel, SetSelTime,
} from '../../../protocols/ipmi/commands/sel.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import type { BmcModel } from '../model.js';
import { answerDecodeError, handler, refuse, type Refusal } from './define.js';
import type { CommandSpec } from './types.js';

/** The model's answer, or its completion code as a refusal. */
function answer<T extends object>(result: T | { cc: number }): T | Refusal {
  return 'cc' in result ? refuse(result.cc) : result;
}

export function storageCommands(model: BmcModel): CommandSpec[] {
  const { sdr, sel, fru } = model;
  return [
    handler(GetFruInventoryAreaInfo, (fruId) => answer(fru.areaInfo(fruId))),
    handler(ReadFruData, (r) => answer(fru.read(r.fruId, r.offset, r.count))),
    handler(GetSdrRepositoryInfo, () => sdr.info()),
    handler(ReserveSdrRepository, () => sdr.reserve()),
    handler(GetSdr, (r) => answer(sdr.read(r.reservationId, r.recordId, r.offset, r.count))),
    handler(GetSelInfo, (_, ctx) => {
      sel.scan(ctx.now);
      return sel.info();
    }),
    handler(ReserveSel, () => sel.reserve()),
    handler(GetSelEntry, (r, ctx) => {
      sel.scan(ctx.now);
      return answer(sel.read(r.reservationId, r.recordId, r.offset, r.count));
    }),
    // A reserved record type (§32: not 02h, C0h-FFh) is a valid length with an invalid field: CCh, not C7h.
    answerDecodeError(handler(AddSelEntry, (record, ctx) => sel.add(record, ctx.now)), 'ERR_UNSUPPORTED', CompletionCode.INVALID_DATA_FIELD),
    handler(DeleteSelEntry, (r, ctx) => {
      const deleted = sel.delete(r.reservationId, r.recordId, ctx.now);
      return deleted.recordId === undefined ? refuse(deleted.cc) : deleted.recordId;
    }),
    handler(ClearSel, (r, ctx) => {
      if (!sel.reservationValid(r.reservationId)) return refuse(CompletionCode.RESERVATION_CANCELLED);
      if (!r.confirmed) return refuse(CompletionCode.INVALID_DATA_FIELD);
      if (r.action === ClearSelAction.INITIATE) sel.clear(ctx.now);
      else if (r.action !== ClearSelAction.GET_STATUS) return refuse(CompletionCode.INVALID_DATA_FIELD);
      return { completed: true }; // erasure is immediate
    }),
    handler(GetSelTime, (_, ctx) => sel.time(ctx.now)),
    handler(SetSelTime, (seconds, ctx) => sel.setTime(seconds, ctx.now)),
  ];
}
