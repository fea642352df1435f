// Storage commands (netFn 0Ah): FRU inventory (IPMI 2.0 §34), the SDR repository (§33) and the SEL (§31), on the
// definitions in protocols/ipmi/commands/fru.ts, sdr.ts and sel.ts; the data lives in the model's FruStore,
// SdrRepository and SystemEventLog.
import { GetFruInventoryAreaInfo, ReadFruData } from '../../../protocols/ipmi/commands/fru.js';
import { GetSdr, GetSdrRepositoryInfo, ReserveSdrRepository } from '../../../protocols/ipmi/commands/sdr.js';
import {
  AddSelEntry, ClearSel, ClearSelAction, DeleteSelEntry, GetSelEntry, GetSelInfo, GetSelTime, ReserveSel, SetSelTime,
} from '../../../protocols/ipmi/commands/sel.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { answerDecodeError, handler, refuse, type Refusal } from './define.js';
import type { CommandSpec } from './types.js';

/** The model's answer, or its completion code as a refusal. */
function answer<T extends object>(result: T | { cc: number }): T | Refusal {
  return 'cc' in result ? refuse(result.cc) : result;
}

export const storageCommands: readonly CommandSpec[] = [
  handler(GetFruInventoryAreaInfo, (fruId, ctx) => answer(ctx.model.fru.areaInfo(fruId))),
  handler(ReadFruData, (r, ctx) => answer(ctx.model.fru.read(r.fruId, r.offset, r.count))),
  handler(GetSdrRepositoryInfo, (_, ctx) => ctx.model.sdr.info()),
  handler(ReserveSdrRepository, (_, ctx) => ctx.model.sdr.reserve()),
  handler(GetSdr, (r, ctx) => answer(ctx.model.sdr.read(r.reservationId, r.recordId, r.offset, r.count))),
  handler(GetSelInfo, (_, ctx) => {
    const sel = ctx.model.sel;
    sel.scan(ctx.now);
    return sel.info();
  }),
  handler(ReserveSel, (_, ctx) => ctx.model.sel.reserve()),
  handler(GetSelEntry, (r, ctx) => {
    const sel = ctx.model.sel;
    sel.scan(ctx.now);
    return answer(sel.read(r.reservationId, r.recordId, r.offset, r.count));
  }),
  // A reserved record type (§32: not 02h, C0h-FFh) is a valid length with an invalid field: CCh, not C7h.
  answerDecodeError(handler(AddSelEntry, (record, ctx) => ctx.model.sel.add(record, ctx.now)), 'ERR_UNSUPPORTED', CompletionCode.INVALID_DATA_FIELD),
  handler(DeleteSelEntry, (r, ctx) => {
    const deleted = ctx.model.sel.delete(r.reservationId, r.recordId, ctx.now);
    return deleted.recordId === undefined ? refuse(deleted.cc) : deleted.recordId;
  }),
  handler(ClearSel, (r, ctx) => {
    const sel = ctx.model.sel;
    if (!sel.reservationValid(r.reservationId)) return refuse(CompletionCode.RESERVATION_CANCELLED);
    if (!r.confirmed) return refuse(CompletionCode.INVALID_DATA_FIELD);
    if (r.action === ClearSelAction.INITIATE) sel.clear(ctx.now);
    else if (r.action !== ClearSelAction.GET_STATUS) return refuse(CompletionCode.INVALID_DATA_FIELD);
    return { completed: true }; // erasure is immediate
  }),
  handler(GetSelTime, (_, ctx) => ctx.model.sel.time(ctx.now)),
  handler(SetSelTime, (seconds, ctx) => ctx.model.sel.setTime(seconds, ctx.now)),
];
