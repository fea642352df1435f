// The command table's own rules: C1h unknown, D4h privilege (IPMI 2.0 Appendix G), C7h length, FFh bug.
import t from 'tap';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege as P } from '../../protocols/ipmi/users.js';
import { fixture } from '../helpers/bmc-command-fixture.js';

/** Appendix G, for every command this BMC implements: netFn, cmd, lowest privilege. */
const APPENDIX_G: Array<[number, number, number]> = [
  [NetFn.APP, 0x01, P.USER], [NetFn.APP, 0x02, P.ADMINISTRATOR], [NetFn.APP, 0x03, P.ADMINISTRATOR],
  [NetFn.APP, 0x04, P.USER], [NetFn.APP, 0x08, P.USER], [NetFn.APP, 0x37, P.CALLBACK], [NetFn.APP, 0x3d, P.USER],
  [NetFn.APP, 0x40, P.ADMINISTRATOR], [NetFn.APP, 0x41, P.USER], [NetFn.APP, 0x42, P.USER],
  [NetFn.APP, 0x43, P.ADMINISTRATOR], [NetFn.APP, 0x44, P.OPERATOR], [NetFn.APP, 0x45, P.ADMINISTRATOR],
  [NetFn.APP, 0x46, P.OPERATOR], [NetFn.APP, 0x47, P.ADMINISTRATOR],
  [NetFn.CHASSIS, 0x00, P.USER], [NetFn.CHASSIS, 0x01, P.USER], [NetFn.CHASSIS, 0x02, P.OPERATOR],
  [NetFn.CHASSIS, 0x04, P.OPERATOR], [NetFn.CHASSIS, 0x06, P.OPERATOR], [NetFn.CHASSIS, 0x07, P.USER],
  [NetFn.CHASSIS, 0x08, P.OPERATOR], [NetFn.CHASSIS, 0x09, P.OPERATOR], [NetFn.CHASSIS, 0x0f, P.USER],
  [NetFn.TRANSPORT, 0x01, P.ADMINISTRATOR], [NetFn.TRANSPORT, 0x02, P.OPERATOR],
];

t.test('unknown commands and netFns answer C1h', (t) => {
  const f = fixture();
  t.equal(f.send(NetFn.APP, 0x99).cc, CC.INVALID_COMMAND);
  t.equal(f.send(NetFn.CHASSIS, 0x03).cc, CC.INVALID_COMMAND);
  t.equal(f.send(NetFn.STORAGE, 0x99).cc, CC.INVALID_COMMAND);
  t.equal(f.send(NetFn.OEM_GROUP, 0x01, [0x00, 0x00, 0x00]).cc, CC.INVALID_COMMAND);
  t.end();
});

t.test('ipmitool\'s PICMG, VITA and HPM.2 probes get C1h at any privilege', (t) => {
  const f = fixture();
  f.session.privilege = P.CALLBACK;
  t.equal(f.send(NetFn.GROUP_EXTENSION, 0x00, [0x00]).cc, CC.INVALID_COMMAND, 'Get PICMG Properties');
  t.equal(f.send(NetFn.GROUP_EXTENSION, 0x00, [0x03]).cc, CC.INVALID_COMMAND, 'VITA Get VSO Capabilities');
  t.equal(f.send(NetFn.GROUP_EXTENSION, 0x3e, [0x00, 0x02]).cc, CC.INVALID_COMMAND, 'Get LAN Attach Capabilities');
  t.end();
});

t.test('every implemented command is refused one level below its Appendix G privilege, not at it', (t) => {
  const f = fixture();
  for (const [netFn, cmd, level] of APPENDIX_G) {
    const spec = f.table.find(netFn, cmd);
    t.ok(spec, `netFn ${netFn} cmd ${cmd} is implemented`);
    f.session.privilege = level;
    t.not(f.send(netFn, cmd).cc, CC.INSUFFICIENT_PRIVILEGE, `${spec?.name} at level ${level}`);
    if (level > P.CALLBACK) {
      f.session.privilege = level - 1;
      t.equal(f.send(netFn, cmd).cc, CC.INSUFFICIENT_PRIVILEGE, `${spec?.name} at level ${level - 1}`);
    }
  }
  t.end();
});

t.test('a refused command changes nothing', (t) => {
  const f = fixture();
  f.session.privilege = P.USER;
  t.equal(f.send(NetFn.CHASSIS, 0x02, [0x00]).cc, CC.INSUFFICIENT_PRIVILEGE);
  t.equal(f.model.powerOn, true);
  f.session.privilege = P.OPERATOR;
  t.equal(f.send(NetFn.APP, 0x47, [0x02, 0x02, ...Buffer.alloc(16, 0x41)]).cc, CC.INSUFFICIENT_PRIVILEGE);
  t.equal(f.model.users.byId(2)?.password.toString(), 'password');
  t.same(f.events, []);
  t.end();
});

t.test('short or long request data answers C7h', (t) => {
  const f = fixture();
  const cases: Array<[string, number, number, number[]]> = [
    ['Get Device ID with data', NetFn.APP, 0x01, [0x00]],
    ['Get Channel Info without channel', NetFn.APP, 0x42, []],
    ['Get User Access without user', NetFn.APP, 0x44, [0x01]],
    ['Set User Name short', NetFn.APP, 0x45, [0x03, 0x61]],
    ['Get Session Info empty', NetFn.APP, 0x3d, []],
    ['Get Session Info by ID short', NetFn.APP, 0x3d, [0xff, 0x01]],
    ['Chassis Control empty', NetFn.CHASSIS, 0x02, []],
    ['Chassis Identify with 3 bytes', NetFn.CHASSIS, 0x04, [1, 0, 0]],
    ['Set System Boot Options empty', NetFn.CHASSIS, 0x08, []],
    ['Get System Boot Options short', NetFn.CHASSIS, 0x09, [0x05]],
    ['Get LAN Config short', NetFn.TRANSPORT, 0x02, [0x01, 0x03]],
    ['Set LAN Config without data', NetFn.TRANSPORT, 0x01, [0x01, 0x03]],
  ];
  for (const [name, netFn, cmd, data] of cases) t.equal(f.send(netFn, cmd, data).cc, CC.REQUEST_DATA_LENGTH_INVALID, name);
  t.end();
});

t.test('a handler bug answers FFh, is reported, and does not escape dispatch', (t) => {
  const seen: string[] = [];
  const f = fixture({}, { onError: (err, spec) => seen.push(`${spec.name}: ${(err as Error).message}`) });
  f.model.chassis.control = () => {
    throw new Error('boom');
  };
  t.equal(f.send(NetFn.CHASSIS, 0x02, [0x01]).cc, CC.UNSPECIFIED);
  t.same(seen, ['Chassis Control: boom']);
  t.end();
});

t.test('a throwing error hook is contained too', (t) => {
  const f = fixture({}, { onError: () => { throw new Error('hook'); } });
  f.model.chassis.identify = () => {
    throw new Error('boom');
  };
  t.equal(f.send(NetFn.CHASSIS, 0x04, []).cc, CC.UNSPECIFIED);
  t.end();
});
