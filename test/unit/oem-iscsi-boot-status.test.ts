// The bmcfleet OEM command Get iSCSI Boot Status (netFn 2Eh, cmd 32h): the bytes of request and response, the BMC's
// handler (the host's last report read back unchanged, however often it is read), malformed messages' DecodeError
// codes and completion codes.
import t from 'tap';
import {
  GetIscsiBootStatus, ISCSI_BOOT_ERROR_NAMES, IscsiBootError, IscsiBootState,
} from '../../protocols/ipmi/oem/iscsi-boot-status.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { bytes, fixture } from '../helpers/bmc-command-fixture.js';

const OEM = 0x2e;
const IANA = [0xd9, 0x7e, 0x00];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ascii = (s: string) => Buffer.from(s).toString('hex');

t.test('request: the IANA alone; response: run, state, error, updatedAt, LUN, target name, message', (t) => {
  t.equal(hex(GetIscsiBootStatus.encodeRequest({})), 'd97e00');
  t.same(GetIscsiBootStatus.decodeRequest(Uint8Array.from(IANA)), {});
  const s = { run: 258, state: IscsiBootState.BOOTED, error: IscsiBootError.NONE, updatedAt: 0x0102030405, lun: 3, targetName: 'iqn.x:t', message: 'ok' };
  const res = GetIscsiBootStatus.encodeResponse(s);
  t.equal(hex(res), 'd97e00' + '02010000' + '02' + '00' + '0504030201000000' + '0300' + '07' + ascii('iqn.x:t') + '02' + ascii('ok'));
  t.same(GetIscsiBootStatus.decodeResponse(res, {}), s);
  const failed = { run: 1, state: IscsiBootState.FAILED, error: IscsiBootError.ISNS_NOT_VISIBLE, updatedAt: 0, lun: 0, targetName: '', message: '' };
  t.equal(hex(GetIscsiBootStatus.encodeResponse(failed)), 'd97e00' + '01000000' + '03' + '03' + '0000000000000000' + '0000' + '00' + '00');
  t.equal(ISCSI_BOOT_ERROR_NAMES[IscsiBootError.ISNS_NOT_VISIBLE], 'isns-not-visible');
  t.throws(() => GetIscsiBootStatus.encodeResponse({ ...s, lun: 0x10000 }), RangeError, 'a LUN past 16 bits is not clamped');
  t.end();
});

t.test('decoding refuses what is out of range, short, long or another IANA', (t) => {
  const good = 'd97e00' + '01000000' + '03' + '09' + '0000000000000000' + '0000' + '00' + '00';
  t.same(GetIscsiBootStatus.decodeResponse(Buffer.from(good, 'hex'), {}).error, IscsiBootError.INTERRUPTED);
  t.throws(() => GetIscsiBootStatus.decodeResponse(Buffer.from(good.replace(/^(.{14})03/, '$104'), 'hex'), {}), { code: 'ERR_ENUM', field: 'state' });
  t.throws(() => GetIscsiBootStatus.decodeResponse(Buffer.from(good.replace(/^(.{16})09/, '$10b'), 'hex'), {}), { code: 'ERR_ENUM', field: 'error' });
  t.throws(() => GetIscsiBootStatus.decodeResponse(Buffer.from(good.slice(0, -2), 'hex'), {}), { code: 'ERR_TRUNCATED' }, 'no message length');
  t.throws(() => GetIscsiBootStatus.decodeResponse(Buffer.from(good.slice(0, -4) + '0500', 'hex'), {}), { code: 'ERR_TRUNCATED' }, 'a target name past the end');
  t.throws(() => GetIscsiBootStatus.decodeResponse(Buffer.from(good + '00', 'hex'), {}), { code: 'ERR_TRAILING' });
  t.throws(() => GetIscsiBootStatus.decodeResponse(Buffer.from('010203' + good.slice(6), 'hex'), {}), { code: 'ERR_IANA' });
  t.throws(() => GetIscsiBootStatus.decodeRequest(Buffer.from('d97e0000', 'hex')), { code: 'ERR_LENGTH' });
  t.throws(() => GetIscsiBootStatus.decodeRequest(Buffer.from('d97e', 'hex')), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('the BMC answers the last report; polling changes nothing; a fresh BMC says none at run 0', (t) => {
  const f = fixture();
  const idle = f.send(OEM, 0x32, IANA);
  t.equal(idle.cc, 0);
  t.same(GetIscsiBootStatus.decodeResponse(idle.data!, {}), { run: 0, state: 0, error: 0, updatedAt: 0, lun: 0, targetName: '', message: '' });
  const report = { run: 2, state: IscsiBootState.BOOTING, error: IscsiBootError.NONE, lun: 1, targetName: 'iqn.2026-11.org.bmcfleet:boot-1', message: 'logging in' };
  f.model.iscsiBoot.report(report, f.now);
  const first = bytes(f.send(OEM, 0x32, IANA));
  t.same(bytes(f.send(OEM, 0x32, IANA)), first, 'polling changes nothing');
  t.same(GetIscsiBootStatus.decodeResponse(Uint8Array.from(first), {}), { ...report, updatedAt: f.now });
  t.end();
});

t.test('completion codes: C7h a wrong length, C1h another IANA; a User reads it', (t) => {
  const f = fixture();
  t.equal(f.send(OEM, 0x32, [...IANA, 0]).cc, 0xc7);
  t.equal(f.send(OEM, 0x32, [1, 2, 3]).cc, 0xc1);
  f.session.privilege = Privilege.USER;
  t.equal(f.send(OEM, 0x32, IANA).cc, 0);
  t.end();
});
