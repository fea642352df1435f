// App netFn device, channel and session commands against the model (IPMI 2.0 §20, §22.14, §22.20, §22.22-22.24).
import t from 'tap';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege as P } from '../../protocols/ipmi/users.js';
import { bytes, fixture } from '../helpers/bmc-command-fixture.js';

const APP = NetFn.APP;

t.test('Get Device ID reports the model identity (Table 20-2)', (t) => {
  const f = fixture({ device: { firmwareMajor: 3, firmwareMinor: 47, productId: 0x1234, manufacturerId: 0x0abcde, auxFirmware: Buffer.from([1, 2, 3, 4]) } });
  const r = f.send(APP, 0x01);
  t.equal(r.cc, CC.OK);
  t.same(bytes(r), [
    0x20, // device ID
    0x01, // no device SDRs, revision 1
    0x03, // available, firmware major 3
    0x47, // firmware minor 47 in BCD
    0x02, // IPMI 2.0
    0x8f, // chassis, FRU, SEL, SDR repository, sensor
    0xde, 0xbc, 0x0a, // manufacturer, LS byte first
    0x34, 0x12, // product
    1, 2, 3, 4, // aux firmware
  ]);
  t.end();
});

t.test('self test passes; resets are accepted and reported', (t) => {
  const f = fixture();
  t.same(bytes(f.send(APP, 0x04)), [0x55, 0x00]);
  f.model.bootOptions.write(0, Uint8Array.of(0x01), false);
  t.equal(f.send(APP, 0x03).cc, CC.OK);
  t.equal(f.send(APP, 0x02).cc, CC.OK);
  t.match(f.events, [{ kind: 'bmc-reset', cold: false }, { kind: 'bmc-reset', cold: true }]);
  t.same(f.model.bootOptions.read(0, 0), { ok: true, locked: false, data: Buffer.from([0x00]) }, 'reset clears set-in-progress');
  t.end();
});

t.test('Get Device GUID and Get System GUID return distinct 16-byte GUIDs; the system GUID is the one RAKP uses', (t) => {
  const f = fixture();
  const system = f.send(APP, 0x37);
  const device = f.send(APP, 0x08);
  t.equal(system.data?.length, 16);
  t.equal(device.data?.length, 16);
  t.same(bytes(system), [...f.model.guid]);
  t.notSame(bytes(system), bytes(device));
  const given = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  t.same(bytes(fixture({ guid: given }).send(APP, 0x37)), [...given]);
  t.end();
});

t.test('Get Channel Info describes the 802.3 LAN channel for 1 and 0Eh only', (t) => {
  const f = fixture();
  f.active = [f.session, { ...f.session, handle: 4, id: 9 }];
  const expected = [0x01, 0x04, 0x01, 0x82, 0xf2, 0x1b, 0x00, 0x00, 0x00];
  t.same(bytes(f.send(APP, 0x42, [0x01])), expected);
  t.same(bytes(f.send(APP, 0x42, [0x0e])), expected);
  t.equal(f.send(APP, 0x42, [0x02]).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(APP, 0x42, [0x0f]).cc, CC.INVALID_DATA_FIELD);
  t.end();
});

t.test('Set Channel Access changes what Get Channel Access reads, per copy', (t) => {
  const f = fixture();
  t.same(bytes(f.send(APP, 0x41, [0x01, 0x80])), [0x02, 0x04], 'volatile: always available, admin limit');
  // non-volatile: disable alerting, access mode shared; volatile privilege limit: operator
  t.equal(f.send(APP, 0x40, [0x01, 0x40 | 0x20 | 0x03, 0x80 | 0x03]).cc, CC.OK);
  t.same(bytes(f.send(APP, 0x41, [0x01, 0x40])), [0x23, 0x04]);
  t.same(bytes(f.send(APP, 0x41, [0x0e, 0x80])), [0x02, 0x03]);
  t.equal(f.model.channelAccess.volatile.privilegeLimit, P.OPERATOR);
  t.match(f.events, [{ kind: 'channel-access' }]);
  t.equal(f.send(APP, 0x41, [0x01, 0x00]).cc, CC.INVALID_DATA_FIELD, 'neither copy named');
  t.equal(f.send(APP, 0x41, [0x03, 0x40]).cc, CC.INVALID_DATA_FIELD, 'other channel');
  t.equal(f.send(APP, 0x40, [0x01, 0x00, 0x80 | 0x09]).cc, CC.INVALID_DATA_FIELD, 'bad privilege');
  t.equal(f.send(APP, 0x40, [0x01, 0xc0, 0x00]).cc, CC.INVALID_DATA_FIELD, 'reserved selector');
  t.end();
});

t.test('Get Session Info: current session with its 802.3 LAN fields (Table 22-21)', (t) => {
  const f = fixture();
  f.capacity = 8;
  const r = f.send(APP, 0x3d, [0x00]);
  t.equal(r.cc, CC.OK);
  t.same(bytes(r), [
    3, 8, 1, // handle, slots, active
    2, // user
    0x04, // administrator
    0x11, // RMCP+, channel 1
    192, 168, 7, 9, // console IP
    0, 0, 0, 0, 0, 0, // console MAC (not known on UDP)
    0x51, 0xc3, // console port, LS byte first
  ]);
  t.end();
});

t.test('Get Session Info: by index, handle and ID; only three bytes when there is no such session', (t) => {
  const f = fixture();
  const other = { ...f.session, id: 0xa0b0c0d0, handle: 7, userId: 3, privilege: P.USER, protocol: 'v1.5' as const, remoteAddress: '::ffff:10.9.8.7', remotePort: 623 };
  f.active = [f.session, other];
  const second = bytes(f.send(APP, 0x3d, [0x02]));
  t.same(second.slice(0, 6), [7, 8, 2, 3, 0x02, 0x01], 'handle 7, user 3, USER, IPMI v1.5 on channel 1');
  t.same(second.slice(6, 10), [10, 9, 8, 7], 'IPv4-mapped address unwrapped');
  t.same(bytes(f.send(APP, 0x3d, [0xfe, 7])), second);
  t.same(bytes(f.send(APP, 0x3d, [0xff, 0xd0, 0xc0, 0xb0, 0xa0])), second);
  t.same(bytes(f.send(APP, 0x3d, [0x03])), [0, 8, 2]);
  t.same(bytes(f.send(APP, 0x3d, [0xfe, 9])), [0, 8, 2]);
  t.same(bytes(f.send(APP, 0x3d, [0xff, 1, 2, 3, 4])), [0, 8, 2]);
  t.end();
});
