// The storage command definitions (protocols/ipmi/commands/sdr.ts, sel.ts, fru.ts): real bytes of ipmitool and
// ipmi_sim decode and re-encode, requests and responses round-trip, and a client built on them reads the emulated
// BMC's repository, log and FRU devices.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { GetFruInventoryAreaInfo, ReadFruData } from '../../protocols/ipmi/commands/fru.js';
import { ENTIRE_RECORD, FIRST_RECORD, LAST_RECORD } from '../../protocols/ipmi/commands/record-read.js';
import { GetSdr, GetSdrRepositoryInfo, ReserveSdrRepository, SdrUpdateModes } from '../../protocols/ipmi/commands/sdr.js';
import {
  AddSelEntry, ClearSel, ClearSelAction, DeleteSelEntry, GetSelEntry, GetSelInfo, GetSelTime, ReserveSel, SetSelTime,
} from '../../protocols/ipmi/commands/sel.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { decode as decodeFru } from '../../protocols/ipmi/fru-format.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { SdrRecordType, decode as decodeSdr } from '../../protocols/ipmi/sdr-records.js';
import type { SelRecord } from '../../protocols/ipmi/sel-record.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { systemInventory } from '../../emulator/bmc/fru.js';
import { fixture } from '../helpers/bmc-command-fixture.js';
import { capturedExchanges } from '../helpers/captured-commands.js';
import { callCommand as call } from '../helpers/bmc-command-fixture.js';

/** A client's call against the fixture's BMC: encode the request, decode the response (or throw its code). */

function ccOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return CC.OK;
  } catch (err) {
    return (err as { cc?: number }).cc;
  }
}

t.test('Get SEL Info: ipmitool "sel info" and ipmi_sim\'s answer from the capture', (t) => {
  const [x] = capturedExchanges(NetFn.STORAGE, GetSelInfo.cmd);
  t.ok(x, 'the capture has one');
  t.equal(x.request.data.length, 0);
  t.equal(GetSelInfo.decodeRequest(x.request.data), undefined);
  t.same([...x.response.data], [0x51, 0x00, 0x00, 0x80, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a]);
  const info = GetSelInfo.decodeResponse(x.response.data, undefined);
  t.same(info, {
    version: 0x51, entries: 0, freeSpace: 16000, lastAddition: 0, lastErase: 0,
    overflow: false, supportsDelete: true, supportsPartialAdd: false, supportsReserve: true, supportsAllocationInfo: false,
  });
  t.same([...GetSelInfo.encodeResponse(info)], [...x.response.data], 're-encodes byte for byte');
  t.match(t.throws(() => GetSelInfo.decodeRequest(Uint8Array.of(0))), { code: 'ERR_LENGTH' });
  t.match(t.throws(() => GetSelInfo.decodeResponse(x.response.data.subarray(0, 13), undefined)), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('the definitions carry the spec\'s netFn, command and Appendix G privilege', (t) => {
  const table: [Pick<IpmiCommand<unknown, unknown>, 'name' | 'netFn' | 'cmd' | 'privilege'>, number, number][] = [
    [GetFruInventoryAreaInfo, 0x10, Privilege.USER], [ReadFruData, 0x11, Privilege.USER],
    [GetSdrRepositoryInfo, 0x20, Privilege.USER], [ReserveSdrRepository, 0x22, Privilege.USER], [GetSdr, 0x23, Privilege.USER],
    [GetSelInfo, 0x40, Privilege.USER], [ReserveSel, 0x42, Privilege.USER], [GetSelEntry, 0x43, Privilege.USER],
    [AddSelEntry, 0x44, Privilege.OPERATOR], [DeleteSelEntry, 0x46, Privilege.OPERATOR], [ClearSel, 0x47, Privilege.OPERATOR],
    [GetSelTime, 0x48, Privilege.USER], [SetSelTime, 0x49, Privilege.OPERATOR],
  ];
  for (const [def, cmd, privilege] of table) t.match(def, { netFn: NetFn.STORAGE, cmd, privilege }, def.name);
  t.end();
});

t.test('Get SDR / Get SEL Entry: request and response layouts (§33.12, §31.5)', (t) => {
  // ipmitool reading a record header: reservation 1234h, record 0005h, offset 0, 5 bytes
  const bytes = [0x34, 0x12, 0x05, 0x00, 0x00, 0x05];
  for (const def of [GetSdr, GetSelEntry]) {
    const r = def.decodeRequest(Uint8Array.from(bytes));
    t.same(r, { reservationId: 0x1234, recordId: 5, offset: 0, count: 5 });
    t.same([...def.encodeRequest(r)], bytes);
    t.match(t.throws(() => def.decodeRequest(Uint8Array.from(bytes.slice(0, 5)))), { code: 'ERR_LENGTH' });
    const rsp = def.decodeResponse(Uint8Array.from([0x06, 0x00, 0x05, 0x00, 0x51, 0x01, 0x33]), r);
    t.equal(rsp.nextRecordId, 6);
    t.same([...rsp.data], [0x05, 0x00, 0x51, 0x01, 0x33]);
    t.same([...def.encodeResponse(rsp)], [0x06, 0x00, 0x05, 0x00, 0x51, 0x01, 0x33]);
    t.throws(() => def.decodeResponse(Uint8Array.of(0xff), r), DecodeError);
  }
  t.end();
});

t.test('a client reads the whole SDR repository with the definitions, in 16-byte parts', (t) => {
  const f = fixture();
  const info = call(f, GetSdrRepositoryInfo, undefined);
  t.match(info, { version: 0x51, recordCount: f.model.sdr.count, updateModes: SdrUpdateModes.NON_MODAL, supportsReserve: true, supportsDelete: false });
  const reservationId = call(f, ReserveSdrRepository, undefined);
  t.not(reservationId, 0);
  const types: number[] = [];
  for (let id = FIRST_RECORD; id !== LAST_RECORD;) {
    const head = call(f, GetSdr, { reservationId, recordId: id, offset: 0, count: 5 });
    const recordId = head.data[0] | (head.data[1] << 8);
    const bytes = [...head.data];
    for (let offset = 5; offset < 5 + head.data[4]; offset += 16) {
      bytes.push(...call(f, GetSdr, { reservationId, recordId, offset, count: Math.min(16, 5 + head.data[4] - offset) }).data);
    }
    types.push(decodeSdr(Uint8Array.from(bytes)).recordType);
    id = head.nextRecordId;
  }
  t.equal(types.length, info.recordCount);
  t.equal(types[0], SdrRecordType.MC_DEVICE_LOCATOR);
  t.ok(types.includes(SdrRecordType.FULL_SENSOR));
  const whole = call(f, GetSdr, { reservationId: 0, recordId: FIRST_RECORD, offset: 0, count: ENTIRE_RECORD });
  t.equal(decodeSdr(whole.data).recordType, SdrRecordType.MC_DEVICE_LOCATOR, 'FFh reads it all');
  t.equal(ccOf(() => call(f, GetSdr, { reservationId: reservationId + 1, recordId: FIRST_RECORD, offset: 5, count: 1 })), CC.RESERVATION_CANCELLED);
  t.end();
});

t.test('SEL: add, read back, delete, clear, time, each through its definition', (t) => {
  const f = fixture();
  const event: SelRecord = {
    recordId: 0, recordType: 0x02, timestamp: 0, generatorId: 0x0041, evmRev: 0x04, sensorType: 0x01, sensorNumber: 0x30,
    deassertion: false, eventType: 0x01, eventData: [0x57, 0x60, 0x5a],
  };
  const id = call(f, AddSelEntry, event);
  t.same([...AddSelEntry.encodeResponse(id)], [id & 0xff, id >> 8]);
  const read = call(f, GetSelEntry, { reservationId: 0, recordId: LAST_RECORD, offset: 0, count: ENTIRE_RECORD });
  t.equal(read.nextRecordId, LAST_RECORD, 'the newest entry is the last');
  t.match(AddSelEntry.decodeRequest(read.data), { ...event, recordId: id, timestamp: 1 }, 'the BMC stamped it with its SEL time');

  t.equal(call(f, GetSelTime, undefined), 1, 'one second into the BMC clock');
  t.equal(call(f, SetSelTime, 0x60000000), undefined);
  t.equal(call(f, GetSelTime, undefined), 0x60000000);
  t.same([...SetSelTime.encodeRequest(0x60000000)], [0x00, 0x00, 0x00, 0x60]);

  const reservationId = call(f, ReserveSel, undefined);
  t.equal(call(f, DeleteSelEntry, { reservationId, recordId: id }), id);
  t.same(DeleteSelEntry.decodeRequest(Uint8Array.of(0x02, 0x00, 0x34, 0x12)), { reservationId: 2, recordId: 0x1234 });

  const clear = { reservationId, confirmed: true, action: ClearSelAction.INITIATE };
  t.same([...ClearSel.encodeRequest(clear)], [reservationId & 0xff, reservationId >> 8, 0x43, 0x4c, 0x52, 0xaa], '"CLR", initiate');
  t.same(call(f, ClearSel, clear), { completed: true });
  t.same(call(f, ClearSel, { ...clear, action: ClearSelAction.GET_STATUS }), { completed: true });
  t.equal(ccOf(() => call(f, ClearSel, { ...clear, confirmed: false })), CC.INVALID_DATA_FIELD);
  t.same(ClearSel.decodeRequest(Uint8Array.of(1, 0, 0x43, 0x4c, 0x58, 0xaa)), { reservationId: 1, confirmed: false, action: 0xaa }, 'not "CLR"');
  t.same(ClearSel.decodeResponse(Uint8Array.of(0x00), clear), { completed: false }, 'erasure in progress');
  t.match(call(f, GetSelInfo, undefined), { entries: 1, supportsDelete: true }, 'only the clear event');
  t.end();
});

t.test('Add SEL Entry: a reserved record type is refused with CCh, a short record with C7h', (t) => {
  const f = fixture();
  const record = Buffer.alloc(16);
  record[2] = 0x03; // reserved (§32)
  t.match(t.throws(() => AddSelEntry.decodeRequest(record)), { code: 'ERR_UNSUPPORTED' });
  t.equal(f.send(NetFn.STORAGE, AddSelEntry.cmd, record).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(NetFn.STORAGE, AddSelEntry.cmd, record.subarray(0, 15)).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('FRU: area info and Read FRU Data, byte layouts and a whole image read in 32-byte parts', (t) => {
  t.same([...ReadFruData.encodeRequest({ fruId: 0, offset: 0x0110, count: 32 })], [0x00, 0x10, 0x01, 0x20]);
  t.same(ReadFruData.decodeRequest(Uint8Array.of(0x01, 0x08, 0x00, 0x10)), { fruId: 1, offset: 8, count: 16 });
  t.same([...ReadFruData.decodeResponse(Uint8Array.of(3, 0xaa, 0xbb, 0xcc), { fruId: 0, offset: 0, count: 3 }).data], [0xaa, 0xbb, 0xcc]);
  t.match(t.throws(() => ReadFruData.decodeResponse(Uint8Array.of(4, 0xaa, 0xbb, 0xcc), { fruId: 0, offset: 0, count: 4 })), { code: 'ERR_TRUNCATED' });
  t.throws(() => ReadFruData.encodeResponse({ data: new Uint8Array(256) }), RangeError, 'the count is one byte');
  t.same(GetFruInventoryAreaInfo.decodeResponse(Uint8Array.of(0x00, 0x02, 0x01), 0), { size: 512, accessByWords: true });

  const f = fixture();
  const area = call(f, GetFruInventoryAreaInfo, 0);
  t.same([...GetFruInventoryAreaInfo.encodeResponse(area)], [area.size & 0xff, area.size >> 8, 0x00], 'by bytes');
  const image: number[] = [];
  for (let offset = 0; offset < area.size; offset += 32) {
    image.push(...call(f, ReadFruData, { fruId: 0, offset, count: Math.min(32, area.size - offset) }).data);
  }
  t.same(decodeFru(Uint8Array.from(image)), decodeFru(Buffer.from(f.model.fru.image(0)!)));
  t.equal(decodeFru(Uint8Array.from(image)).product?.productName, systemInventory(f.model.hardware).product?.productName);
  t.equal(ccOf(() => call(f, GetFruInventoryAreaInfo, 0x77)), CC.NOT_PRESENT);
  t.end();
});
