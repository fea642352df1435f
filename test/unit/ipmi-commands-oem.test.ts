// The bmcfleet OEM commands as definitions (protocols/ipmi/oem/inventory.ts, console-heartbeat.ts): a client built on
// them reads the inventory and the console of the emulated BMC, which still answers C1h to another vendor's IANA,
// C7h to a bad length and CCh to a position past 2^53.
import t from 'tap';
import { oemConsoleCommands } from '../../emulator/bmc/commands/oem-console.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { ConsoleHeartbeat, ReadConsoleHistory } from '../../protocols/ipmi/oem/console-heartbeat.js';
import { GetHardwareInventory, InventorySelector } from '../../protocols/ipmi/oem/inventory.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { fixture } from '../helpers/bmc-command-fixture.js';
import { ConsoleHistoryRing } from '../helpers/console-history-ring.js';
import { callCommand as call } from '../helpers/bmc-command-fixture.js';


t.test('the definitions: netFn 2Eh, commands 01h, 10h, 11h, User', (t) => {
  t.same([GetHardwareInventory, ConsoleHeartbeat, ReadConsoleHistory].map((d) => [d.netFn, d.cmd, d.privilege]), [
    [NetFn.OEM_GROUP, 0x01, Privilege.USER], [NetFn.OEM_GROUP, 0x10, Privilege.USER], [NetFn.OEM_GROUP, 0x11, Privilege.USER],
  ]);
  t.same([...GetHardwareInventory.encodeRequest({ selector: 1, index: 0 })], [0xd9, 0x7e, 0x00, 0x01, 0x00], 'the README\'s bytes');
  t.same(GetHardwareInventory.decodeRequest(Uint8Array.of(0xd9, 0x7e, 0x00, 0x04, 0x01)), { selector: 4, index: 1 });
  t.match(t.throws(() => GetHardwareInventory.decodeRequest(Uint8Array.of(0x57, 0x01, 0x00, 0x00, 0x00))), { code: 'ERR_IANA' });
  t.end();
});

t.test('a client reads the whole hardware inventory with GetHardwareInventory', (t) => {
  const f = fixture();
  const summary = call(f, GetHardwareInventory, { selector: InventorySelector.SUMMARY, index: 0 });
  t.equal(summary.count, 1);
  if (summary.record.selector !== InventorySelector.SUMMARY) throw new Error('a summary record');
  t.equal(summary.record.item.cpus, f.model.hardware.cpus.length);
  const nics = [];
  for (let index = 0; index < summary.record.item.nics; index++) nics.push(call(f, GetHardwareInventory, { selector: InventorySelector.NIC, index }).record.item);
  t.same(nics.map((n) => ('mac' in n ? n.mac : '')), f.model.hardware.nics.map((n) => n.mac));
  const cc = (data: number[]) => f.send(NetFn.OEM_GROUP, GetHardwareInventory.cmd, data).cc;
  t.equal(cc([0xd9, 0x7e, 0x00, 0x09, 0x00]), CC.INVALID_DATA_FIELD, 'unknown selector');
  t.equal(cc([0xd9, 0x7e, 0x00, 0x01, 0xff]), CC.PARAMETER_OUT_OF_RANGE, 'index past the last CPU');
  t.equal(cc([0xd9, 0x7e, 0x00, 0x01]), CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(cc([0x57, 0x01, 0x00, 0x00, 0x00]), CC.INVALID_COMMAND, 'another vendor\'s IANA');
  t.equal(cc([0xd9]), CC.INVALID_COMMAND, 'too short to carry an IANA');
  t.end();
});

t.test('a watcher built on ConsoleHeartbeat and ReadConsoleHistory reads the console', (t) => {
  const ring = new ConsoleHistoryRing(64, 7);
  const f = fixture({}, { extraCommands: oemConsoleCommands(ring) });
  ring.print('login: ');
  const beat = call(f, ConsoleHeartbeat, { heartbeatSeq: 0x1234, ackedPosition: 0, maxBytes: 100 });
  t.match(beat, { heartbeatSeq: 0x1234, streamId: 7, oldest: 0, head: 7, start: 0, processedAt: f.now, receivedAt: f.now });
  t.equal(Buffer.from(beat.data).toString(), 'login: ');
  const history = call(f, ReadConsoleHistory, { fromPosition: 6, maxBytes: 10 });
  t.match(history, { streamId: 7, start: 6, head: 7 });
  t.same([...history.data], [0x20]);
  const raw = ConsoleHeartbeat.encodeRequest({ heartbeatSeq: 1, ackedPosition: 0, maxBytes: 0 });
  raw[12] = 0x00;
  raw[11] = 0x20; // ackedPosition 2^53
  t.equal(f.send(NetFn.OEM_GROUP, ConsoleHeartbeat.cmd, raw).cc, CC.INVALID_DATA_FIELD, 'a position of 2^53: CCh');
  t.equal(f.send(NetFn.OEM_GROUP, ReadConsoleHistory.cmd, ReadConsoleHistory.encodeRequest({ fromPosition: 0, maxBytes: 0 })).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(NetFn.OEM_GROUP, ConsoleHeartbeat.cmd, raw.subarray(0, 14)).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});
