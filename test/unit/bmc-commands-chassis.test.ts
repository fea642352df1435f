// Chassis commands (IPMI 2.0 §28) against the model: power, identify, policy, restart cause, POH, boot options.
import t from 'tap';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { bytes, fixture } from '../helpers/bmc-command-fixture.js';

const CH = NetFn.CHASSIS;
const STATUS = 0x01;
const CONTROL = 0x02;
const IDENTIFY = 0x04;
const SET_BOOT = 0x08;
const GET_BOOT = 0x09;

t.test('Get Chassis Capabilities names this BMC for FRU, SDR, SEL and system management', (t) => {
  t.same(bytes(fixture().send(CH, 0x00)), [0x00, 0x20, 0x20, 0x20, 0x20]);
  t.end();
});

t.test('Chassis Control drives the power bit of Get Chassis Status', (t) => {
  const f = fixture();
  t.equal(f.send(CH, STATUS).data?.[0]! & 0x01, 1, 'starts on');
  t.equal(f.send(CH, CONTROL, [0x00]).cc, CC.OK);
  t.equal(f.model.powerOn, false);
  t.equal(f.send(CH, STATUS).data?.[0]! & 0x01, 0);
  t.equal(f.send(CH, CONTROL, [0x00]).cc, CC.OK, 'off again is fine');
  t.equal(f.send(CH, CONTROL, [0x01]).cc, CC.OK);
  t.equal(f.model.powerOn, true);
  const status = bytes(f.send(CH, STATUS));
  t.equal(status[0] & 0x01, 1);
  t.equal(status[1], 0x10, 'last power-on came from an IPMI command');
  t.match(f.events, [{ kind: 'power', outcome: 'powered-off', powerOn: false }, { kind: 'power', outcome: 'powered-on', powerOn: true }]);
  t.end();
});

t.test('cycle and reset need power on (D5h otherwise); soft shutdown powers off', (t) => {
  const f = fixture({ powerOn: false });
  t.equal(f.send(CH, CONTROL, [0x02]).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE);
  t.equal(f.send(CH, CONTROL, [0x03]).cc, CC.NOT_SUPPORTED_IN_PRESENT_STATE);
  t.equal(f.model.powerOn, false);
  t.equal(f.send(CH, CONTROL, [0x01]).cc, CC.OK);
  t.equal(f.send(CH, CONTROL, [0x02]).cc, CC.OK);
  t.equal(f.send(CH, CONTROL, [0x03]).cc, CC.OK);
  t.equal(f.send(CH, CONTROL, [0x04]).cc, CC.OK);
  t.equal(f.model.powerOn, true);
  t.equal(f.send(CH, CONTROL, [0x05]).cc, CC.OK);
  t.equal(f.model.powerOn, false);
  t.same(f.events.map((e) => (e.kind === 'power' ? e.outcome : e.kind)),
    ['powered-on', 'power-cycled', 'reset', 'diagnostic-interrupt', 'powered-off']);
  t.equal(f.send(CH, CONTROL, [0x06]).cc, CC.INVALID_DATA_FIELD);
  t.end();
});

t.test('Get System Restart Cause follows chassis control', (t) => {
  const f = fixture();
  t.same(bytes(f.send(CH, 0x07)), [0x00, 0x00], 'unknown at start');
  f.send(CH, CONTROL, [0x03]);
  t.same(bytes(f.send(CH, 0x07)), [0x01, 0x01], 'chassis control, on channel 1');
  t.end();
});

t.test('Chassis Identify: timed, forced and off, as Get Chassis Status byte 3 shows', (t) => {
  const f = fixture();
  const identifyBits = () => (f.send(CH, STATUS).data?.[2] ?? 0) & 0x70;
  t.equal(identifyBits(), 0x40, 'supported, off');
  t.equal(f.send(CH, IDENTIFY, [10]).cc, CC.OK);
  t.equal(identifyBits(), 0x50, 'temporarily on');
  f.now += 9_999;
  t.equal(identifyBits(), 0x50);
  f.now += 1;
  t.equal(identifyBits(), 0x40, 'off after 10 s');
  f.send(CH, IDENTIFY, []);
  f.now += 14_000;
  t.equal(identifyBits(), 0x50, 'default interval is 15 s');
  f.now += 1_000;
  t.equal(identifyBits(), 0x40);
  f.send(CH, IDENTIFY, [0, 1]);
  f.now += 3_600_000;
  t.equal(identifyBits(), 0x60, 'forced on indefinitely');
  f.send(CH, IDENTIFY, [0]);
  t.equal(identifyBits(), 0x40, 'interval 0 turns it off');
  t.end();
});

t.test('Set Power Restore Policy shows in Get Chassis Status and reports what is supported', (t) => {
  const f = fixture();
  t.equal((f.send(CH, STATUS).data?.[0] ?? 0) >> 5, 1, 'previous by default');
  t.same(bytes(f.send(CH, 0x06, [0x02])), [0x07]);
  t.equal((f.send(CH, STATUS).data?.[0] ?? 0) >> 5, 2, 'always on');
  t.same(bytes(f.send(CH, 0x06, [0x03])), [0x07], 'no change');
  t.equal(f.model.chassis.powerRestorePolicy, 2);
  t.equal(f.send(CH, 0x06, [0x04]).cc, CC.INVALID_DATA_FIELD);
  t.end();
});

t.test('Get POH Counter counts powered-on minutes from the clock', (t) => {
  const f = fixture({ now: 0 });
  f.now = 90 * 60_000;
  t.same(bytes(f.send(CH, 0x0f)), [1, 90, 0, 0, 0]);
  f.send(CH, CONTROL, [0x00]);
  f.now += 3_600_000;
  t.same(bytes(f.send(CH, 0x0f)), [1, 90, 0, 0, 0], 'stops while off');
  f.send(CH, CONTROL, [0x01]);
  f.now += 200 * 60_000;
  t.same(bytes(f.send(CH, 0x0f)), [1, 34, 1, 0, 0], '290 minutes');
  t.end();
});

t.test('ipmitool "chassis bootdev pxe" then "bootparam get 5" (§28.12)', (t) => {
  const f = fixture();
  t.equal(f.model.bootDevice, 'none');
  for (const data of [[0x00, 0x01], [0x04, 0x01, 0x01], [0x05, 0x80, 0x04, 0x00, 0x00, 0x00], [0x00, 0x02], [0x00, 0x00]]) {
    t.equal(f.send(CH, SET_BOOT, data).cc, CC.OK, `set ${data.join(' ')}`);
  }
  t.equal(f.model.bootDevice, 'pxe');
  t.same(bytes(f.send(CH, GET_BOOT, [0x05, 0x00, 0x00])), [0x01, 0x05, 0x80, 0x04, 0x00, 0x00, 0x00]);
  t.same(bytes(f.send(CH, GET_BOOT, [0x04, 0x00, 0x00])), [0x01, 0x04, 0x00, 0x01], 'acknowledge bits as masked in');
  t.same(bytes(f.send(CH, GET_BOOT, [0x00, 0x00, 0x00])), [0x01, 0x00, 0x00], 'set complete');
  t.equal(f.events.filter((e) => e.kind === 'boot-option').length, 5);
  t.end();
});

t.test('boot devices decode from parameter 5; an invalid or consumed override means "none"', (t) => {
  const f = fixture();
  const names: Array<[number, string]> = [[0x08, 'disk'], [0x0c, 'safe'], [0x10, 'diag'], [0x14, 'cdrom'], [0x18, 'bios'], [0x3c, 'floppy']];
  for (const [code, name] of names) {
    f.send(CH, SET_BOOT, [0x05, 0x80, code, 0, 0, 0]);
    t.equal(f.model.bootDevice, name);
  }
  f.send(CH, SET_BOOT, [0x05, 0x00, 0x04, 0, 0, 0]);
  t.equal(f.model.bootDevice, 'none', 'valid bit clear');
  f.send(CH, SET_BOOT, [0x05, 0x80, 0x04, 0, 0, 0]);
  t.match(f.model.bootOptions.consumeOverride(), { valid: true, persistent: false, device: 'pxe' });
  t.equal(f.model.bootDevice, 'none', 'next boot only');
  f.send(CH, SET_BOOT, [0x05, 0xe0, 0x08, 0, 0, 0]);
  t.match(f.model.bootOptions.consumeOverride(), { valid: true, persistent: true, efi: true, device: 'disk' });
  t.equal(f.model.bootDevice, 'disk', 'persistent survives');
  t.end();
});

t.test('set-in-progress: a second "set in progress" gets 81h; 3 is reserved', (t) => {
  const f = fixture();
  t.equal(f.send(CH, SET_BOOT, [0x00, 0x01]).cc, CC.OK);
  t.equal(f.send(CH, SET_BOOT, [0x00, 0x01]).cc, 0x81);
  t.equal(f.send(CH, SET_BOOT, [0x00, 0x03]).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(CH, SET_BOOT, [0x00, 0x00]).cc, CC.OK);
  t.equal(f.send(CH, SET_BOOT, [0x00, 0x01]).cc, CC.OK);
  t.end();
});

t.test('boot info acknowledge: data 1 masks which bits of data 2 are written', (t) => {
  const f = fixture();
  f.send(CH, SET_BOOT, [0x04, 0x1f, 0x1f]);
  t.same(bytes(f.send(CH, GET_BOOT, [0x04, 0, 0])).slice(2), [0x00, 0x1f]);
  f.send(CH, SET_BOOT, [0x04, 0x01, 0x00]);
  t.same(bytes(f.send(CH, GET_BOOT, [0x04, 0, 0])).slice(2), [0x00, 0x1e], 'only bit 0 cleared');
  f.send(CH, SET_BOOT, [0x04, 0x00, 0x00]);
  t.same(bytes(f.send(CH, GET_BOOT, [0x04, 0, 0])).slice(2), [0x00, 0x1e], 'empty mask writes nothing');
  t.end();
});

t.test('the parameter valid bit is stored and reported', (t) => {
  const f = fixture();
  t.equal(f.send(CH, SET_BOOT, [0x81, 0x05]).cc, CC.OK);
  t.same(bytes(f.send(CH, GET_BOOT, [0x01, 0, 0])), [0x01, 0x81, 0x05]);
  f.send(CH, SET_BOOT, [0x01, 0x05]);
  t.same(bytes(f.send(CH, GET_BOOT, [0x01, 0, 0])), [0x01, 0x01, 0x05]);
  t.end();
});

t.test('boot initiator info and mailbox blocks', (t) => {
  const f = fixture();
  const info = [0x01, 0x44, 0x33, 0x22, 0x11, 0x00, 0x10, 0x20, 0x30];
  t.equal(f.send(CH, SET_BOOT, [0x06, ...info]).cc, CC.OK);
  t.same(bytes(f.send(CH, GET_BOOT, [0x06, 0, 0])), [0x01, 0x06, ...info]);
  t.equal(f.send(CH, SET_BOOT, [0x07, 0x02, 0xaa, 0xbb]).cc, CC.OK, 'a short block is zero-filled');
  t.same(bytes(f.send(CH, GET_BOOT, [0x07, 0x02, 0])), [0x01, 0x07, 0x02, 0xaa, 0xbb, ...new Array(14).fill(0)]);
  t.equal(f.send(CH, GET_BOOT, [0x07, 0x10, 0]).cc, CC.PARAMETER_OUT_OF_RANGE);
  t.equal(f.send(CH, SET_BOOT, [0x07, 0x10, 0x01]).cc, CC.PARAMETER_OUT_OF_RANGE);
  t.equal(f.send(CH, SET_BOOT, [0x07, 0x00, ...new Array(17).fill(1)]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('unsupported boot parameters get 80h; wrong parameter lengths get C7h', (t) => {
  const f = fixture();
  t.equal(f.send(CH, GET_BOOT, [0x08, 0, 0]).cc, 0x80);
  t.equal(f.send(CH, GET_BOOT, [0x62, 0, 0]).cc, 0x80);
  t.equal(f.send(CH, SET_BOOT, [0x08, 0x00]).cc, 0x80);
  t.equal(f.send(CH, SET_BOOT, [0x05, 0x80, 0x04]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(CH, SET_BOOT, [0x04, 0x01]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.model.bootDevice, 'none');
  t.end();
});
