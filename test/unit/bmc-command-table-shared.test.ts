// The command specs are built once per process and shared by every BMC: a handler answers for the BMC in
// ctx.model, and a table holds of its own only its extra commands (issue 10: command table memory per BMC).
import t from 'tap';
import type { CommandSpec } from '../../emulator/bmc/commands/types.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { bytes, fixture } from '../helpers/bmc-command-fixture.js';

const GET_DEVICE_ID = 0x01;
const CHASSIS_CONTROL = 0x02;
const GET_LAN_CONFIG = 0x02;
const POWER_DOWN = 0x00;

function extra(netFn: number, cmd: number, answer: number): CommandSpec {
  return { netFn, cmd, name: `extra ${answer}`, privilege: Privilege.USER, handle: () => ({ cc: 0, data: Uint8Array.of(answer) }) };
}

t.test('two BMCs\' tables hand out the same spec objects', (t) => {
  const a = fixture();
  const b = fixture();
  t.ok(a.table.find(NetFn.APP, GET_DEVICE_ID), 'Get Device ID is there');
  t.equal(a.table.find(NetFn.APP, GET_DEVICE_ID), b.table.find(NetFn.APP, GET_DEVICE_ID));
  t.equal(a.table.commands, b.table.commands, 'no per-BMC list without extras');
  t.end();
});

t.test('a shared handler reads and changes the BMC in ctx.model, not another', (t) => {
  const a = fixture({ ip: '10.1.2.3' });
  const b = fixture({ ip: '10.9.8.7' });
  // §23.2 Get LAN Configuration Parameters, channel 1, parameter 3 (IP address): revision 11h then the address
  t.same(bytes(a.send(NetFn.TRANSPORT, GET_LAN_CONFIG, [0x01, 0x03, 0x00, 0x00])), [0x11, 10, 1, 2, 3]);
  t.same(bytes(b.send(NetFn.TRANSPORT, GET_LAN_CONFIG, [0x01, 0x03, 0x00, 0x00])), [0x11, 10, 9, 8, 7]);
  t.equal(a.send(NetFn.CHASSIS, CHASSIS_CONTROL, [POWER_DOWN]).cc, CC.OK);
  t.equal(a.model.powerOn, false);
  t.equal(b.model.powerOn, true, 'the other BMC is still on');
  t.end();
});

t.test('extra commands belong to their own table and are listed with the shared ones', (t) => {
  const mine = extra(NetFn.OEM_GROUP, 0x7f, 0x42);
  const a = fixture({}, { extraCommands: [mine] });
  const b = fixture();
  t.same(bytes(a.send(NetFn.OEM_GROUP, 0x7f)), [0x42]);
  t.equal(b.send(NetFn.OEM_GROUP, 0x7f).cc, CC.INVALID_COMMAND);
  t.equal(a.table.find(NetFn.OEM_GROUP, 0x7f), mine);
  t.ok(a.table.commands.includes(mine));
  t.notOk(b.table.commands.includes(mine));
  t.equal(a.table.commands.length, b.table.commands.length + 1);
  t.end();
});

t.test('an extra command may not take a shared command\'s or another extra\'s number', (t) => {
  t.throws(() => fixture({}, { extraCommands: [extra(NetFn.APP, GET_DEVICE_ID, 1)] }), /two handlers for netFn 6 cmd 1/);
  t.throws(() => fixture({}, { extraCommands: [extra(NetFn.OEM_GROUP, 0x7f, 1), extra(NetFn.OEM_GROUP, 0x7f, 2)] }), /two handlers/);
  t.end();
});
