// User commands (IPMI 2.0 §22.26-22.30) change the table the session layer authenticates against.
import t from 'tap';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege as P } from '../../protocols/ipmi/users.js';
import { bytes, fixture, padded } from '../helpers/bmc-command-fixture.js';

const APP = NetFn.APP;
const GET_ACCESS = 0x44;
const SET_ACCESS = 0x43;
const SET_NAME = 0x45;
const GET_NAME = 0x46;
const PASSWORD = 0x47;

t.test('defaults: 16 slots, null user 1 disabled, admin user 2 enabled', (t) => {
  const f = fixture();
  t.same(bytes(f.send(APP, GET_ACCESS, [0x01, 0x01])), [16, 0x80 | 1, 1, 0x0f], 'user 1: disabled, no access');
  t.same(bytes(f.send(APP, GET_ACCESS, [0x0e, 0x02])), [16, 0x40 | 1, 1, 0x10 | 0x04], 'user 2: enabled, IPMI messaging, admin');
  t.same(bytes(f.send(APP, GET_NAME, [0x01])), padded('', 16));
  t.same(bytes(f.send(APP, GET_NAME, [0x02])), padded('admin', 16));
  t.same(bytes(f.send(APP, GET_NAME, [0x10])), padded('', 16));
  t.equal(f.send(APP, GET_NAME, [0x00]).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(APP, GET_NAME, [0x11]).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(APP, GET_ACCESS, [0x02, 0x02]).cc, CC.INVALID_DATA_FIELD, 'not the LAN channel');
  t.end();
});

t.test('configured users fill IDs 2 and up', (t) => {
  const f = fixture({ users: [{ name: 'root', password: 'calvin' }, { name: 'ops', password: 'x', privilege: P.OPERATOR }] });
  t.same(bytes(f.send(APP, GET_NAME, [0x03])), padded('ops', 16));
  t.equal(f.model.users.byName('root')?.id, 2);
  t.equal(f.model.users.byName('ops')?.privilegeLimit, P.OPERATOR);
  t.throws(() => fixture({ users: [{ name: 'a', password: 'x'.repeat(21) }] }), RangeError);
  t.throws(() => fixture({ users: [{ name: 'a', password: 'x' }, { name: 'a', password: 'y' }] }), RangeError);
  t.end();
});

t.test('Set User Name shows in Get User Name and in the directory', (t) => {
  const f = fixture();
  t.equal(f.send(APP, SET_NAME, [0x03, ...padded('bob', 16)]).cc, CC.OK);
  t.same(bytes(f.send(APP, GET_NAME, [0x03])), padded('bob', 16));
  t.equal(f.model.users.byName('bob')?.id, 3);
  t.match(f.events, [{ kind: 'user', userId: 3, field: 'name' }]);
  t.equal(f.send(APP, SET_NAME, [0x01, ...padded('anon', 16)]).cc, CC.INVALID_DATA_FIELD, 'user 1 has a fixed name');
  t.equal(f.send(APP, SET_NAME, [0x04, ...padded('admin', 16)]).cc, CC.INVALID_DATA_FIELD, 'names are unique');
  t.equal(f.send(APP, SET_NAME, [0x00, ...padded('x', 16)]).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(APP, SET_NAME, [0x03, ...padded('bob', 15)]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('Set User Password: set with 16 or 20 bytes, then test it', (t) => {
  const f = fixture();
  t.equal(f.send(APP, PASSWORD, [0x03, 0x02, ...padded('secret', 16)]).cc, CC.OK);
  t.equal(f.model.users.byId(3)?.password.toString(), 'secret');
  t.equal(f.send(APP, PASSWORD, [0x03, 0x03, ...padded('secret', 16)]).cc, CC.OK, 'right password');
  t.equal(f.send(APP, PASSWORD, [0x03, 0x03, ...padded('secreT', 16)]).cc, 0x80, 'wrong password');
  t.equal(f.send(APP, PASSWORD, [0x83, 0x03, ...padded('secret', 20)]).cc, 0x81, 'set as 16, tested as 20');

  const long = 'twenty-byte-password';
  t.equal(f.send(APP, PASSWORD, [0x82, 0x02, ...padded(long, 20)]).cc, CC.OK);
  t.equal(f.model.users.byId(2)?.password.toString(), long);
  t.equal(f.send(APP, PASSWORD, [0x82, 0x03, ...padded(long, 20)]).cc, CC.OK);
  t.equal(f.send(APP, PASSWORD, [0x02, 0x03, ...padded(long, 16)]).cc, 0x81);
  t.match(f.events, [{ kind: 'user', userId: 3, field: 'password' }, { kind: 'user', userId: 2, field: 'password' }]);
  t.end();
});

t.test('Set User Password: an all-zero password clears it', (t) => {
  const f = fixture();
  t.equal(f.send(APP, PASSWORD, [0x02, 0x02, ...padded('', 16)]).cc, CC.OK);
  t.equal(f.model.users.byId(2)?.password.length, 0);
  t.end();
});

t.test('Set User Password: enable and disable, with or without the password field', (t) => {
  const f = fixture();
  t.equal(f.send(APP, PASSWORD, [0x03, 0x01]).cc, CC.OK);
  t.equal(f.model.users.byId(3)?.enabled, true);
  t.same(bytes(f.send(APP, GET_ACCESS, [0x01, 0x03])).slice(1, 2), [0x40 | 2]);
  t.equal(f.send(APP, PASSWORD, [0x02, 0x00, ...padded('', 16)]).cc, CC.OK, 'ipmitool sends 16 zero bytes');
  t.equal(f.model.users.byId(2)?.enabled, false);
  t.same(bytes(f.send(APP, GET_ACCESS, [0x01, 0x02])).slice(1, 2), [0x80 | 1]);
  t.end();
});

t.test('Set User Password: bad lengths and IDs', (t) => {
  const f = fixture();
  t.equal(f.send(APP, PASSWORD, [0x03]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(APP, PASSWORD, [0x03, 0x02, ...padded('x', 10)]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(APP, PASSWORD, [0x03, 0x02]).cc, CC.REQUEST_DATA_LENGTH_INVALID, 'set needs the password');
  t.equal(f.send(APP, PASSWORD, [0x83, 0x02, ...padded('x', 16)]).cc, CC.REQUEST_DATA_LENGTH_INVALID, '20-byte flag, 16 bytes');
  t.equal(f.send(APP, PASSWORD, [0x00, 0x02, ...padded('x', 16)]).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(APP, PASSWORD, [0x20, 0x01]).cc, CC.INVALID_DATA_FIELD, 'user 32 of 16');
  t.end();
});

t.test('Set User Access: privilege only, or the access bits too', (t) => {
  const f = fixture();
  // ipmitool "user priv 3 2 1": bit 7 clear, only the limit changes
  t.equal(f.send(APP, SET_ACCESS, [0x01, 0x03, P.USER, 0x00]).cc, CC.OK);
  t.same(bytes(f.send(APP, GET_ACCESS, [0x01, 0x03])).slice(3), [P.USER]);
  t.equal(f.model.users.byId(3)?.privilegeLimit, P.USER);
  // "channel setaccess 1 3 ipmi=on link=on callin=off privilege=3"
  t.equal(f.send(APP, SET_ACCESS, [0x80 | 0x40 | 0x20 | 0x10 | 0x01, 0x03, P.OPERATOR]).cc, CC.OK);
  t.same(bytes(f.send(APP, GET_ACCESS, [0x01, 0x03])).slice(3), [0x40 | 0x20 | 0x10 | P.OPERATOR]);
  t.match(f.model.users.byId(3), { ipmiMessaging: true, linkAuth: true, callbackOnly: true, privilegeLimit: P.OPERATOR });
  t.equal(f.send(APP, SET_ACCESS, [0x01, 0x03, P.NO_ACCESS]).cc, CC.OK);
  t.equal(f.model.users.byId(3)?.privilegeLimit, P.NO_ACCESS);
  t.equal(f.send(APP, SET_ACCESS, [0x01, 0x03, 0x07]).cc, CC.INVALID_DATA_FIELD, 'privilege 7 does not exist');
  t.equal(f.send(APP, SET_ACCESS, [0x05, 0x03, P.USER]).cc, CC.INVALID_DATA_FIELD, 'channel 5');
  t.equal(f.send(APP, SET_ACCESS, [0x01, 0x03]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});
