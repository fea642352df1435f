// The bmcfleet OEM install progress pair (netFn 2Eh, Set 30h, Get 31h): bytes of each message, the BMC's handlers
// (a report is kept and read back unchanged, however often it is read), and malformed requests' completion codes.
import t from 'tap';
import { GetInstallProgress, InstallError, InstallPhase, SetInstallProgress } from '../../protocols/ipmi/oem/install-progress.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { bytes, fixture } from '../helpers/bmc-command-fixture.js';

const OEM = 0x2e;
const IANA = [0xd9, 0x7e, 0x00];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('Set Install Progress: IANA, run, phase, percent, error, message, role', (t) => {
  const p = { run: 258, phase: InstallPhase.COPYING, percent: 40, error: InstallError.NONE, message: 'copy', role: 'db' };
  const req = SetInstallProgress.encodeRequest(p);
  t.equal(hex(req), 'd97e00' + '02010000' + '03' + '28' + '00' + '04' + Buffer.from('copy').toString('hex') + '02' + Buffer.from('db').toString('hex'));
  t.same(SetInstallProgress.decodeRequest(req), p);
  t.equal(hex(SetInstallProgress.encodeResponse({})), 'd97e00');
  t.end();
});

t.test('Get Install Progress: the report with the BMC time it arrived', (t) => {
  const s = { run: 1, phase: InstallPhase.FAILED, percent: 0, error: InstallError.BAD_CHECKSUM, updatedAt: 0x0102030405, message: 'x', role: '' };
  const res = GetInstallProgress.encodeResponse(s);
  t.equal(hex(res), 'd97e00' + '01000000' + '07' + '00' + '05' + '0504030201000000' + '0178' + '00');
  t.same(GetInstallProgress.decodeResponse(res, {}), s);
  t.equal(hex(GetInstallProgress.encodeRequest({})), 'd97e00');
  t.end();
});

t.test('decoding refuses what is out of range, short or long', (t) => {
  t.throws(() => SetInstallProgress.decodeRequest(Buffer.from('d97e00010000000865000000', 'hex')), { code: 'ERR_ENUM' }, 'phase 8');
  t.throws(() => SetInstallProgress.decodeRequest(Buffer.from('d97e00010000000165000000', 'hex')), { code: 'ERR_ENUM' }, 'percent 101');
  t.throws(() => SetInstallProgress.decodeRequest(Buffer.from('d97e0001000000010063' + '0000', 'hex')), { code: 'ERR_ENUM' }, 'error 99');
  t.throws(() => SetInstallProgress.decodeRequest(Buffer.from('d97e000100', 'hex')), { code: 'ERR_TRUNCATED' });
  t.throws(() => GetInstallProgress.decodeRequest(Buffer.from('d97e0000', 'hex')), { code: 'ERR_LENGTH' });
  t.throws(() => GetInstallProgress.decodeRequest(Buffer.from('010203', 'hex')), { code: 'ERR_IANA' });
  t.end();
});

t.test('the BMC keeps the last report; Get reads it, again and again the same; a fresh BMC is idle at run 0', (t) => {
  const f = fixture();
  const idle = f.send(OEM, 0x31, IANA);
  t.equal(idle.cc, 0);
  t.same(GetInstallProgress.decodeResponse(idle.data!, {}), { run: 0, phase: 0, percent: 0, error: 0, updatedAt: 0, message: '', role: '' });
  const report = { run: 3, phase: InstallPhase.PACKAGES, percent: 80, error: InstallError.NONE, message: 'installing slurmd', role: 'compute' };
  t.equal(f.send(OEM, 0x30, SetInstallProgress.encodeRequest(report)).cc, 0);
  const first = bytes(f.send(OEM, 0x31, IANA));
  t.same(bytes(f.send(OEM, 0x31, IANA)), first, 'polling changes nothing');
  t.same(GetInstallProgress.decodeResponse(Uint8Array.from(first), {}), { ...report, updatedAt: f.now });
  t.end();
});

t.test('completion codes: CCh a phase out of range, C7h a wrong length, C1h another IANA, D4h Set below Administrator', (t) => {
  const f = fixture();
  t.equal(f.send(OEM, 0x30, Buffer.from('d97e00010000000865000000', 'hex')).cc, 0xcc);
  t.equal(f.send(OEM, 0x31, [...IANA, 0]).cc, 0xc7);
  t.equal(f.send(OEM, 0x31, [1, 2, 3]).cc, 0xc1);
  f.session.privilege = Privilege.OPERATOR;
  t.equal(f.send(OEM, 0x30, SetInstallProgress.encodeRequest({ run: 1, phase: 1, percent: 0, error: 0, message: '', role: '' })).cc, 0xd4);
  f.session.privilege = Privilege.USER;
  t.equal(f.send(OEM, 0x31, IANA).cc, 0, 'a User reads it');
  t.end();
});
