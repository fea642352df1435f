// The bmcfleet OEM Console Heartbeat (2Eh/10h) and Read Console History (2Eh/11h): exact bytes, round trips,
// hostile input, and the BMC handler's answers and completion codes.
import t from 'tap';
import {
  ConsoleOemCommand, HEARTBEAT_RESPONSE_HEADER, HISTORY_RESPONSE_HEADER, MAX_CONSOLE_BYTES, decodeHeartbeatRequest, decodeHeartbeatResponse,
  decodeHistoryRequest, decodeHistoryResponse, encodeHeartbeatRequest, encodeHeartbeatResponse, encodeHistoryRequest, encodeHistoryResponse,
  type ConsoleHeartbeatResponse, type ConsoleHistoryResponse,
} from '../../protocols/ipmi/oem/console-heartbeat.js';
import { oemConsoleCommands } from '../../emulator/bmc/commands/oem-console.js';
import type { CommandContext, CommandSpec, SessionView } from '../../emulator/bmc/commands/types.js';
import { BmcModel } from '../../emulator/bmc/model.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ConsoleHistoryRing } from '../helpers/console-history-ring.js';
import { request } from '../helpers/bmc-command-fixture.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const IANA = 'd97e00';

// Written by hand from the layout table in console-heartbeat.ts.
const HB_REQUEST = hex(`${IANA} 3412 0504030201000000 0004`);
const HB_RESPONSE = hex(`${IANA} 3412 e803000000000000 c409000000000000 07000000 1000000000000000 1500000000000000 1200000000000000 0300 616263`);
const HIST_REQUEST = hex(`${IANA} 1000000000000000 0001`);
const HIST_RESPONSE = hex(`${IANA} c409000000000000 07000000 1000000000000000 1500000000000000 1200000000000000 0300 616263`);

const hbResponse: ConsoleHeartbeatResponse = {
  heartbeatSeq: 0x1234, receivedAt: 1000, processedAt: 2500, streamId: 7, oldest: 16, head: 21, start: 18, data: Buffer.from('abc'),
};
const histResponse: ConsoleHistoryResponse = { processedAt: 2500, streamId: 7, oldest: 16, head: 21, start: 18, data: Buffer.from('abc') };

t.test('the bytes follow the layout table', (t) => {
  t.same(encodeHeartbeatRequest({ heartbeatSeq: 0x1234, ackedPosition: 0x0102030405, maxBytes: 1024 }), HB_REQUEST);
  t.same(decodeHeartbeatRequest(HB_REQUEST), { heartbeatSeq: 0x1234, ackedPosition: 0x0102030405, maxBytes: 1024 });
  t.same(encodeHeartbeatResponse(hbResponse), HB_RESPONSE);
  t.equal(HB_RESPONSE.length, HEARTBEAT_RESPONSE_HEADER + 3);
  t.same(encodeHistoryRequest({ fromPosition: 16, maxBytes: 256 }), HIST_REQUEST);
  t.same(decodeHistoryRequest(HIST_REQUEST), { fromPosition: 16, maxBytes: 256 });
  t.same(encodeHistoryResponse(histResponse), HIST_RESPONSE);
  t.equal(HIST_RESPONSE.length, HISTORY_RESPONSE_HEADER + 3);
  const back = decodeHeartbeatResponse(HB_RESPONSE);
  t.same({ ...back, data: [...back.data] }, { ...hbResponse, data: [...hbResponse.data] });
  const hist = decodeHistoryResponse(HIST_RESPONSE);
  t.same({ ...hist, data: [...hist.data] }, { ...histResponse, data: [...histResponse.data] });
  t.end();
});

t.test('positions up to 2^53 - 1 round-trip; larger ones are ERR_RANGE', (t) => {
  const big = Number.MAX_SAFE_INTEGER;
  t.equal(decodeHistoryRequest(encodeHistoryRequest({ fromPosition: big, maxBytes: 1 })).fromPosition, big);
  const r = decodeHeartbeatResponse(encodeHeartbeatResponse({ ...hbResponse, oldest: big - 5, start: big - 3, head: big, data: Buffer.from('xyz') }));
  t.equal(r.head, big);
  t.equal(r.start, big - 3);
  const tooBig = hex(`${IANA} 0000000000002000 0100`); // 2^53
  t.throws(() => decodeHistoryRequest(tooBig), { name: 'DecodeError', code: 'ERR_RANGE' });
  t.throws(() => encodeHistoryRequest({ fromPosition: big + 1, maxBytes: 1 }), RangeError);
  t.throws(() => encodeHeartbeatRequest({ heartbeatSeq: 0x10000, ackedPosition: 0, maxBytes: 1 }), RangeError);
  t.end();
});

t.test('a value that does not fit its field is a RangeError naming it', (t) => {
  t.throws(() => encodeHeartbeatRequest({ heartbeatSeq: 1, ackedPosition: 0, maxBytes: 0x10000 }), { name: 'RangeError', message: /^maxBytes / });
  t.throws(() => encodeHeartbeatRequest({ heartbeatSeq: -1, ackedPosition: 0, maxBytes: 1 }), { name: 'RangeError', message: /^heartbeatSeq / });
  t.throws(() => encodeHistoryRequest({ fromPosition: 1.5, maxBytes: 1 }), { name: 'RangeError', message: /^fromPosition / });
  t.throws(() => encodeHeartbeatResponse({ ...hbResponse, receivedAt: 2 ** 53 }), { name: 'RangeError', message: /^receivedAt / });
  t.throws(() => encodeHistoryResponse({ ...histResponse, streamId: 2 ** 32 }), { name: 'RangeError', message: /^streamId / });
  t.end();
});

t.test('hostile input: DecodeErrors with stable codes, never a read past the end', (t) => {
  for (let n = 0; n < HB_RESPONSE.length; n++) t.throws(() => decodeHeartbeatResponse(HB_RESPONSE.subarray(0, n)), { name: 'DecodeError' }, `heartbeat cut at ${n}`);
  for (let n = 0; n < HIST_RESPONSE.length; n++) t.throws(() => decodeHistoryResponse(HIST_RESPONSE.subarray(0, n)), { name: 'DecodeError' }, `history cut at ${n}`);
  t.throws(() => decodeHeartbeatResponse(HB_RESPONSE.subarray(0, HB_RESPONSE.length - 1)), { code: 'ERR_TRUNCATED' });
  t.throws(() => decodeHeartbeatResponse(Buffer.concat([HB_RESPONSE, Buffer.from([0])])), { code: 'ERR_TRAILING' });
  t.throws(() => decodeHistoryResponse(Buffer.concat([HIST_RESPONSE, Buffer.from([0])])), { code: 'ERR_TRAILING' });
  const other = Buffer.from(HB_RESPONSE);
  other[0] = 0x57;
  t.throws(() => decodeHeartbeatResponse(other), { code: 'ERR_IANA' });
  t.throws(() => decodeHeartbeatRequest(Buffer.concat([HB_REQUEST, Buffer.from([0])])), { code: 'ERR_LENGTH' });
  t.throws(() => decodeHistoryRequest(HIST_REQUEST.subarray(0, 12)), { code: 'ERR_LENGTH' });
  // Spans that contradict themselves: data before oldest, data past head.
  const beforeOldest = Buffer.from(HIST_RESPONSE);
  beforeOldest.writeUInt32LE(0x13, 3 + 8 + 4); // oldest 19 > start 18
  t.throws(() => decodeHistoryResponse(beforeOldest), { code: 'ERR_SPAN' });
  const pastHead = Buffer.from(HB_RESPONSE);
  pastHead.writeUInt32LE(0x14, 3 + 2 + 16 + 4 + 8); // head 20 < start 18 + 3
  t.throws(() => decodeHeartbeatResponse(pastHead), { code: 'ERR_SPAN' });
  t.throws(() => encodeHistoryResponse({ ...histResponse, head: 20 }), RangeError);
  t.end();
});

// ---- the BMC side ------------------------------------------------------------------------------------------

const session: SessionView = {
  id: 1, handle: 1, userId: 2, privilege: Privilege.USER, channel: 1, protocol: 'v2.0', remoteAddress: '127.0.0.1', remotePort: 50000,
};

const model = new BmcModel({ ip: '127.0.0.1', now: 0 });

function ctx(now: number, receivedAt?: number): CommandContext {
  return { model, session, sessions: { list: () => [session], capacity: 4 }, now, receivedAt };
}

function specs(ring: ConsoleHistoryRing, maxBytes?: number): { heartbeat: CommandSpec; history: CommandSpec } {
  const [heartbeat, history] = oemConsoleCommands(ring, { maxBytes });
  return { heartbeat, history };
}

t.test('the handlers are OEM/Group commands 10h and 11h, USER privilege', (t) => {
  const { heartbeat, history } = specs(new ConsoleHistoryRing(64));
  t.same([heartbeat.netFn, heartbeat.cmd, heartbeat.privilege], [NetFn.OEM_GROUP, ConsoleOemCommand.CONSOLE_HEARTBEAT, Privilege.USER]);
  t.same([history.netFn, history.cmd, history.privilege], [NetFn.OEM_GROUP, ConsoleOemCommand.READ_CONSOLE_HISTORY, Privilege.USER]);
  t.end();
});

t.test('a heartbeat answers with the console since the acknowledged position and both timestamps', (t) => {
  const ring = new ConsoleHistoryRing(64, 9);
  ring.print('line 1\r\nline 2\r\n');
  const { heartbeat } = specs(ring);
  const res = heartbeat.handle(request(NetFn.OEM_GROUP, 0x10, encodeHeartbeatRequest({ heartbeatSeq: 77, ackedPosition: 8, maxBytes: 100 })), ctx(5000, 3500));
  t.equal(res.cc, CC.OK);
  const a = decodeHeartbeatResponse(res.data!);
  t.same([a.heartbeatSeq, a.receivedAt, a.processedAt, a.streamId, a.oldest, a.head, a.start], [77, 3500, 5000, 9, 0, 16, 8]);
  t.equal(Buffer.from(a.data).toString(), 'line 2\r\n');
  const noReceive = decodeHeartbeatResponse(heartbeat.handle(request(NetFn.OEM_GROUP, 0x10, encodeHeartbeatRequest({ heartbeatSeq: 1, ackedPosition: 16, maxBytes: 100 })), ctx(6000)).data!);
  t.same([noReceive.receivedAt, noReceive.processedAt, noReceive.start, noReceive.data.length], [6000, 6000, 16, 0], 'no receive time given: processing time, and nothing new');
  t.end();
});

t.test('answers are bounded: by the request, and by the BMC limit', (t) => {
  const ring = new ConsoleHistoryRing(4096);
  ring.print('x'.repeat(3000));
  const { heartbeat, history } = specs(ring);
  const hb = (maxBytes: number) => decodeHeartbeatResponse(heartbeat.handle(request(NetFn.OEM_GROUP, 0x10, encodeHeartbeatRequest({ heartbeatSeq: 1, ackedPosition: 0, maxBytes })), ctx(1)).data!);
  t.equal(hb(0xffff).data.length, MAX_CONSOLE_BYTES);
  t.equal(hb(10).data.length, 10);
  t.equal(hb(0).data.length, 0, 'maxBytes 0: a bare heartbeat');
  const small = specs(ring, 200).history;
  const h = decodeHistoryResponse(small.handle(request(NetFn.OEM_GROUP, 0x11, encodeHistoryRequest({ fromPosition: 100, maxBytes: 1000 })), ctx(1)).data!);
  t.same([h.start, h.data.length, h.head], [100, 200, 3000]);
  t.equal(decodeHistoryResponse(history.handle(request(NetFn.OEM_GROUP, 0x11, encodeHistoryRequest({ fromPosition: 2990, maxBytes: 1000 })), ctx(1)).data!).data.length, 10);
  t.end();
});

t.test('history older than the ring starts at the oldest byte held; a position past head answers empty at head', (t) => {
  const ring = new ConsoleHistoryRing(16);
  ring.print('0123456789abcdefghijklmnopqrstuvwxyz'); // 36 bytes, holds 20..35
  const { history } = specs(ring);
  const ask = (fromPosition: number) => decodeHistoryResponse(history.handle(request(NetFn.OEM_GROUP, 0x11, encodeHistoryRequest({ fromPosition, maxBytes: 4 })), ctx(1)).data!);
  const old = ask(3);
  t.same([old.oldest, old.start, Buffer.from(old.data).toString()], [20, 20, 'klmn']);
  const mid = ask(30);
  t.same([mid.start, Buffer.from(mid.data).toString()], [30, 'uvwx']);
  const past = ask(1000);
  t.same([past.start, past.data.length, past.head], [36, 0, 36]);
  t.end();
});

t.test('bad requests get completion codes', (t) => {
  const ring = new ConsoleHistoryRing(16);
  const { heartbeat, history } = specs(ring);
  const send = (spec: CommandSpec, data: Uint8Array) => spec.handle(request(NetFn.OEM_GROUP, spec.cmd, data), ctx(1));
  t.equal(send(heartbeat, hex(`570100 0100 0000000000000000 0004`)).cc, CC.INVALID_COMMAND, 'another vendor\'s IANA');
  t.equal(send(history, hex('d97e')).cc, CC.INVALID_COMMAND, 'too short for an IANA');
  t.equal(send(history, encodeHistoryRequest({ fromPosition: 0, maxBytes: 0 })).cc, CC.INVALID_DATA_FIELD, 'history of 0 bytes');
  t.equal(send(history, hex(`${IANA} 0000000000002000 0100`)).cc, CC.INVALID_DATA_FIELD, 'position 2^53');
  t.equal(send(heartbeat, hex(`${IANA} 0100 ffffffffffffffff 0004`)).cc, CC.INVALID_DATA_FIELD, 'acked position 2^64 - 1');
  // Wrong lengths are DecodeErrors, which the command table's dispatcher answers with C7h.
  t.throws(() => send(heartbeat, HB_REQUEST.subarray(0, 14)), { name: 'DecodeError', code: 'ERR_LENGTH' });
  t.throws(() => send(history, Buffer.concat([HIST_REQUEST, Buffer.from([0])])), { name: 'DecodeError', code: 'ERR_LENGTH' });
  t.equal(ring.reads.length, 0, 'no bad request reached the console');
  t.end();
});

t.test('a source that breaks its contract gets FFh, not a malformed answer', (t) => {
  const [heartbeat] = oemConsoleCommands({ read: () => ({ streamId: 1, oldest: 10, head: 12, start: 5, data: Buffer.from('abc') }) });
  t.equal(heartbeat.handle(request(NetFn.OEM_GROUP, 0x10, HB_REQUEST), ctx(1)).cc, CC.UNSPECIFIED);
  t.end();
});
