// Storage commands (netFn 0Ah) — IPMI 2.0 §34 FRU (Get FRU Inventory Area Info 10h, Read FRU Data 11h),
// §33 SDR repository (Get SDR Repository Info 20h, Reserve SDR Repository 22h, Get SDR 23h) and §31 SEL (Get SEL
// Info 40h, Reserve SEL 42h, Get SEL Entry 43h, Add SEL Entry 44h, Delete SEL Entry 46h, Clear SEL 47h, Get/Set
// SEL Time 48h/49h). Privileges per Appendix G.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import { SEL_OEM_TIMESTAMPED_FIRST, SEL_RECORD_LENGTH, SEL_RECORD_TYPE_SYSTEM, decode as decodeSel } from '../../../protocols/ipmi/sel-record.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import type { BmcModel } from '../model.js';
import { CLR, ClearAction, ERASE_COMPLETED } from '../sel.js';
import { expectLength, fail, ok, u16At, u16le } from './request-data.js';
import type { CommandSpec } from './types.js';

export const StorageCommand = {
  GET_FRU_INVENTORY_AREA_INFO: 0x10,
  READ_FRU_DATA: 0x11,
  GET_SDR_REPOSITORY_INFO: 0x20,
  RESERVE_SDR_REPOSITORY: 0x22,
  GET_SDR: 0x23,
  GET_SEL_INFO: 0x40,
  RESERVE_SEL: 0x42,
  GET_SEL_ENTRY: 0x43,
  ADD_SEL_ENTRY: 0x44,
  DELETE_SEL_ENTRY: 0x46,
  CLEAR_SEL: 0x47,
  GET_SEL_TIME: 0x48,
  SET_SEL_TIME: 0x49,
} as const;

export function storageCommands(model: BmcModel): CommandSpec[] {
  const N = NetFn.STORAGE;
  const { sdr, sel, fru } = model;
  return [
    {
      // data 1: FRU device ID → size LS, size MS, [0] access by words
      netFn: N, cmd: StorageCommand.GET_FRU_INVENTORY_AREA_INFO, name: 'Get FRU Inventory Area Info', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 1, 1, 'get fru inventory area info');
        const r = fru.areaInfo(req.data[0]);
        return 'data' in r ? ok(r.data) : fail(r.cc);
      },
    },
    {
      // data: FRU device ID, offset LS, offset MS, count → count returned, data
      netFn: N, cmd: StorageCommand.READ_FRU_DATA, name: 'Read FRU Data', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 4, 4, 'read fru data');
        const r = fru.read(req.data[0], u16At(req.data, 1), req.data[3]);
        return 'data' in r ? ok(r.data) : fail(r.cc);
      },
    },
    {
      netFn: N, cmd: StorageCommand.GET_SDR_REPOSITORY_INFO, name: 'Get SDR Repository Info', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'get sdr repository info');
        return ok(sdr.info());
      },
    },
    {
      netFn: N, cmd: StorageCommand.RESERVE_SDR_REPOSITORY, name: 'Reserve SDR Repository', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'reserve sdr repository');
        return ok(u16le(sdr.reserve()));
      },
    },
    {
      // data: reservation ID (2), record ID (2), offset, bytes to read (FFh = all) → next record ID (2), bytes
      netFn: N, cmd: StorageCommand.GET_SDR, name: 'Get SDR', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 6, 6, 'get sdr');
        const r = sdr.read(u16At(req.data, 0), u16At(req.data, 2), req.data[4], req.data[5]);
        return 'data' in r ? ok(r.data) : fail(r.cc);
      },
    },
    {
      netFn: N, cmd: StorageCommand.GET_SEL_INFO, name: 'Get SEL Info', privilege: Privilege.USER,
      handle: (req, ctx) => {
        expectLength(req.data, 0, 0, 'get sel info');
        sel.scan(ctx.now);
        return ok(sel.info());
      },
    },
    {
      netFn: N, cmd: StorageCommand.RESERVE_SEL, name: 'Reserve SEL', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'reserve sel');
        return ok(u16le(sel.reserve()));
      },
    },
    {
      // data: reservation ID (2), record ID (2), offset, bytes to read (FFh = all) → next record ID (2), bytes
      netFn: N, cmd: StorageCommand.GET_SEL_ENTRY, name: 'Get SEL Entry', privilege: Privilege.USER,
      handle: (req, ctx) => {
        expectLength(req.data, 6, 6, 'get sel entry');
        sel.scan(ctx.now);
        const r = sel.read(u16At(req.data, 0), u16At(req.data, 2), req.data[4], req.data[5]);
        return 'data' in r ? ok(r.data) : fail(r.cc);
      },
    },
    {
      // data: the 16-byte record (its ID is ignored) → record ID assigned
      netFn: N, cmd: StorageCommand.ADD_SEL_ENTRY, name: 'Add SEL Entry', privilege: Privilege.OPERATOR,
      handle: (req, ctx) => {
        expectLength(req.data, SEL_RECORD_LENGTH, SEL_RECORD_LENGTH, 'add sel entry');
        const type = req.data[2];
        if (type !== SEL_RECORD_TYPE_SYSTEM && type < SEL_OEM_TIMESTAMPED_FIRST) return fail(CompletionCode.INVALID_DATA_FIELD); // reserved types
        const id = sel.add(decodeSel(req.data), ctx.now);
        return ok(u16le(id));
      },
    },
    {
      // data: reservation ID (2), record ID (2) → record ID deleted
      netFn: N, cmd: StorageCommand.DELETE_SEL_ENTRY, name: 'Delete SEL Entry', privilege: Privilege.OPERATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 4, 4, 'delete sel entry');
        const r = sel.delete(u16At(req.data, 0), u16At(req.data, 2), ctx.now);
        return r.recordId === undefined ? fail(r.cc) : ok(u16le(r.recordId));
      },
    },
    {
      // data: reservation ID (2), 'C' 'L' 'R', AAh initiate / 00h get status → erasure progress
      netFn: N, cmd: StorageCommand.CLEAR_SEL, name: 'Clear SEL', privilege: Privilege.OPERATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 6, 6, 'clear sel');
        if (!sel.reservationValid(u16At(req.data, 0))) return fail(CompletionCode.RESERVATION_CANCELLED);
        if (req.data[2] !== CLR[0] || req.data[3] !== CLR[1] || req.data[4] !== CLR[2]) return fail(CompletionCode.INVALID_DATA_FIELD);
        const action = req.data[5];
        if (action === ClearAction.INITIATE) sel.clear(ctx.now);
        else if (action !== ClearAction.GET_STATUS) return fail(CompletionCode.INVALID_DATA_FIELD);
        return ok(Buffer.from([ERASE_COMPLETED]));
      },
    },
    {
      netFn: N, cmd: StorageCommand.GET_SEL_TIME, name: 'Get SEL Time', privilege: Privilege.USER,
      handle: (req, ctx) => {
        expectLength(req.data, 0, 0, 'get sel time');
        const out = Buffer.alloc(4);
        out.writeUInt32LE(sel.time(ctx.now), 0);
        return ok(out);
      },
    },
    {
      netFn: N, cmd: StorageCommand.SET_SEL_TIME, name: 'Set SEL Time', privilege: Privilege.OPERATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 4, 4, 'set sel time');
        sel.setTime(Buffer.from(req.data).readUInt32LE(0), ctx.now);
        return ok();
      },
    },
  ];
}
