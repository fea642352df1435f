// The BMC's SOL commands: Get/Set SOL Configuration Parameters (IPMI 2.0 §26.2/26.3) and the payload commands
// (§24.1-24.9), through the command table as the session layer drives it.
import t from 'tap';
import type { SolChange } from '../../emulator/bmc/sol-config.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { decodeActivatePayloadResponse } from '../../protocols/sol/activation.js';
import { bytes, fixture } from '../helpers/bmc-command-fixture.js';

const TR = NetFn.TRANSPORT;
const APP = NetFn.APP;
const SET_SOL = 0x21;
const GET_SOL = 0x22;
const ACTIVATE = 0x48;
const DEACTIVATE = 0x49;
const STATUS = 0x4a;
const INSTANCE_INFO = 0x4b;
const PAYLOAD_SUPPORT = 0x4e;
const PAYLOAD_VERSION = 0x4f;
const REVISION = 0x11;
/** What "ipmitool sol activate" sends (lib/ipmi_sol.c ipmi_sol_activate). */
const IPMITOOL_ACTIVATE = [0x01, 0x01, 0xc6, 0x00, 0x00, 0x00];
const IPMITOOL_DEACTIVATE = [0x01, 0x01, 0x00, 0x00, 0x00, 0x00];

function getSol(f: ReturnType<typeof fixture>, param: number, channel = 0x0e) {
  return f.send(TR, GET_SOL, [channel, param, 0x00, 0x00]);
}

function changes(f: ReturnType<typeof fixture>): SolChange[] {
  const seen: SolChange[] = [];
  f.model.sol.onChange((c) => seen.push(c));
  return seen;
}

t.test('"ipmitool sol info" reads parameters 0-8; each answer has the data length it parses', (t) => {
  const f = fixture();
  // ipmitool checks rsp->data_len (revision included): 2 for 0,1,2,5,6,7 and 3 for 3,4,8.
  const expected: Record<number, number[]> = {
    0: [0x00], // set complete
    1: [0x01], // enabled
    2: [0x02], // no forced encryption/authentication, privilege USER
    3: [0x0a, 0x60], // 10 x 5 ms = 50 ms, threshold 96
    4: [0x07, 0x32], // 7 retries, 50 x 10 ms = 500 ms
    5: [0x0a], // 115.2 kbps
    6: [0x0a],
    7: [0x01], // LAN channel 1
    8: [0x6f, 0x02], // port 623, LS byte first
  };
  for (const channel of [0x0e, 0x01]) {
    for (const [param, data] of Object.entries(expected)) {
      const r = getSol(f, Number(param), channel);
      t.equal(r.cc, CC.OK, `parameter ${param}, channel ${channel}`);
      t.same(bytes(r), [REVISION, ...data], `parameter ${param}`);
    }
  }
  t.end();
});

t.test('revision-only reads, unknown parameters, other channels, bad lengths', (t) => {
  const f = fixture();
  t.same(bytes(f.send(TR, GET_SOL, [0x81, 0x01, 0x00, 0x00])), [REVISION]);
  t.equal(getSol(f, 9).cc, 0x80, 'parameter not supported');
  t.equal(getSol(f, 0xc0).cc, 0x80, 'no OEM parameters');
  t.equal(getSol(f, 1, 0x02).cc, CC.INVALID_DATA_FIELD, 'no SOL on channel 2');
  t.equal(f.send(TR, GET_SOL, [0x01, 0x01, 0x00]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('"ipmitool sol set retry-count 3" sequence: set-in-progress, the value, commit-write, set-complete', (t) => {
  const f = fixture();
  const seen = changes(f);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x00, 0x01]).cc, CC.OK);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x04, 0x03, 0x32]).cc, CC.OK);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x00, 0x02]).cc, CC.OK);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x00, 0x00]).cc, CC.OK);
  t.same(bytes(getSol(f, 4)), [REVISION, 0x03, 0x32]);
  t.same(f.model.sol.sessionOptions(), {
    accumulateIntervalMs: 50, sendThreshold: 96, retryCount: 3, retryIntervalMs: 500, maxPacketCharacters: 251, maxAcceptCharacters: 251,
  });
  t.same(seen.map((c) => (c.kind === 'parameter' ? c.parameter : -1)), [0, 4, 0, 0]);
  t.end();
});

t.test('Set SOL parameters 1-6 store what ipmitool writes', (t) => {
  const f = fixture();
  t.equal(f.send(TR, SET_SOL, [0x01, 0x02, 0xc4]).cc, CC.OK, 'force encryption + authentication, admin');
  t.match(f.model.sol, { forceEncryption: true, forceAuthentication: true, privilege: Privilege.ADMINISTRATOR });
  t.same(bytes(getSol(f, 2)), [REVISION, 0xc4]);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x03, 0x14, 0x01]).cc, CC.OK);
  t.same(bytes(getSol(f, 3)), [REVISION, 0x14, 0x01]);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x05, 0x06]).cc, CC.OK, 'non-volatile 9.6');
  t.equal(f.send(TR, SET_SOL, [0x01, 0x06, 0x00]).cc, CC.OK, 'volatile: serial setting');
  t.same(bytes(getSol(f, 5)), [REVISION, 0x06]);
  t.same(bytes(getSol(f, 6)), [REVISION, 0x00]);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x01, 0x00]).cc, CC.OK);
  t.same(bytes(getSol(f, 1)), [REVISION, 0x00]);
  t.end();
});

t.test('Set SOL errors: in progress 81h, read-only 82h, unknown 80h, bad values CCh, lengths C7h, privilege D4h', (t) => {
  const f = fixture();
  t.equal(f.send(TR, SET_SOL, [0x01, 0x00, 0x01]).cc, CC.OK);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x00, 0x01]).cc, 0x81);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x00, 0x03]).cc, CC.INVALID_DATA_FIELD, 'set-in-progress 11b is reserved');
  t.equal(f.send(TR, SET_SOL, [0x01, 0x07, 0x02]).cc, 0x82);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x08, 0x70, 0x02]).cc, 0x82);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x09, 0x00]).cc, 0x80);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x02, 0x01]).cc, CC.INVALID_DATA_FIELD, 'callback is not a SOL privilege');
  t.equal(f.send(TR, SET_SOL, [0x01, 0x03, 0x00, 0x10]).cc, CC.INVALID_DATA_FIELD, 'accumulate interval is 1-based');
  t.equal(f.send(TR, SET_SOL, [0x01, 0x05, 0x05]).cc, CC.INVALID_DATA_FIELD, 'bit rate 5 is reserved');
  t.equal(f.send(TR, SET_SOL, [0x01, 0x04, 0x03]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x01]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(TR, SET_SOL, [0x03, 0x01, 0x01]).cc, CC.INVALID_DATA_FIELD, 'other channel');
  f.session.privilege = Privilege.OPERATOR;
  t.equal(f.send(TR, SET_SOL, [0x01, 0x01, 0x00]).cc, CC.INSUFFICIENT_PRIVILEGE);
  f.session.privilege = Privilege.USER;
  t.equal(getSol(f, 1).cc, CC.OK, 'a USER session may read');
  t.match(f.model.sol, { enabled: true, privilege: Privilege.USER, accumulateInterval: 10, nonVolatileBitRate: 0x0a }, 'nothing changed');
  t.end();
});

t.test('Activate Payload answers ipmitool with exactly 12 bytes and the session port', (t) => {
  const f = fixture();
  const seen = changes(f);
  const r = f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE);
  t.equal(r.cc, CC.OK);
  t.equal(r.data?.length, 12);
  t.same(bytes(r), [0, 0, 0, 0, 0xff, 0x00, 0xff, 0x00, 0x6f, 0x02, 0xff, 0xff]);
  const a = f.model.sol.active(1);
  t.same(a, { instance: 1, sessionId: f.session.id });
  t.same(seen.map((c) => c.kind), ['activate']);
  t.end();
});

t.test('Activate Payload: port and VLAN follow the BMC', (t) => {
  const f = fixture({ vlanId: 42 });
  f.model.sol.port = 9623;
  const rsp = decodeActivatePayloadResponse(f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE).data!);
  t.equal(rsp.port, 9623);
  t.equal(rsp.vlan, 42);
  t.same(bytes(getSol(f, 8)), [REVISION, 0x97, 0x25], 'parameter 8 agrees (9623 = 2597h)');
  t.end();
});

t.test('a second activation gets 80h, from this session or another', (t) => {
  const f = fixture();
  t.equal(f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE).cc, CC.OK);
  t.equal(f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE).cc, 0x80);
  f.session = { ...f.session, id: 0x55667788, handle: 4 };
  t.equal(f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE).cc, 0x80, 'payload already active on another session');
  t.equal(f.model.sol.active(1)?.sessionId, 0x11223344, 'the first session keeps it');
  t.end();
});

t.test('Activate Payload refusals: disabled 81h, privilege D4h, plaintext on an encrypted session 84h, bad fields CCh', (t) => {
  const f = fixture();
  f.model.sol.enabled = false;
  t.equal(f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE).cc, 0x81);
  f.model.sol.enabled = true;
  f.model.sol.privilege = Privilege.ADMINISTRATOR;
  f.session.privilege = Privilege.OPERATOR;
  t.equal(f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE).cc, CC.INSUFFICIENT_PRIVILEGE);
  f.session.privilege = Privilege.ADMINISTRATOR;
  f.session = { ...f.session, encrypted: true } as typeof f.session;
  t.equal(f.send(APP, ACTIVATE, [0x01, 0x01, 0x46, 0x00, 0x00, 0x00]).cc, 0x84, 'encryption bit clear');
  t.equal(f.send(APP, ACTIVATE, [0x00, 0x01, 0xc6, 0x00, 0x00, 0x00]).cc, CC.INVALID_DATA_FIELD, 'IPMI payload cannot be activated');
  t.equal(f.send(APP, ACTIVATE, [0x01, 0x02, 0xc6, 0x00, 0x00, 0x00]).cc, CC.INVALID_DATA_FIELD, 'one serial port: instance 2');
  t.equal(f.send(APP, ACTIVATE, [0x01, 0x00, 0xc6, 0x00, 0x00, 0x00]).cc, CC.INVALID_DATA_FIELD, 'instances are 1-based');
  t.equal(f.send(APP, ACTIVATE, [0x01, 0x01, 0xc6]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.model.sol.activeInstances().length, 0, 'nothing was activated');
  t.equal(f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE).cc, CC.OK, 'with encryption it works');
  t.end();
});

t.test('Deactivate Payload ("sol deactivate", also from another session), then 80h', (t) => {
  const f = fixture();
  const seen = changes(f);
  t.equal(f.send(APP, DEACTIVATE, IPMITOOL_DEACTIVATE).cc, 0x80, 'nothing active');
  f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE);
  f.session = { ...f.session, id: 0x0badcafe, handle: 5 };
  t.equal(f.send(APP, DEACTIVATE, IPMITOOL_DEACTIVATE).cc, CC.OK);
  t.equal(f.model.sol.active(1), undefined);
  t.equal(f.send(APP, DEACTIVATE, IPMITOOL_DEACTIVATE).cc, 0x80, 'already deactivated');
  const last = seen[seen.length - 1];
  t.match(last, { kind: 'deactivate', by: 0x0badcafe, activation: { sessionId: 0x11223344 } });
  f.model.sol.enabled = false;
  t.equal(f.send(APP, DEACTIVATE, IPMITOOL_DEACTIVATE).cc, 0x81, 'payload type disabled');
  t.equal(f.send(APP, DEACTIVATE, [0x01, 0x01, 0x00]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('disabling SOL and closing the session end the active instance', (t) => {
  const f = fixture();
  const seen = changes(f);
  f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE);
  t.equal(f.send(TR, SET_SOL, [0x01, 0x01, 0x00]).cc, CC.OK);
  t.equal(f.model.sol.active(1), undefined);
  t.match(seen[1], { kind: 'deactivate', by: null });
  f.model.sol.enabled = true;
  f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE);
  t.equal(f.model.sol.deactivateSession(f.session.id, 5_000), 1);
  t.equal(f.model.sol.deactivateSession(f.session.id, 5_000), 0);
  t.equal(f.model.sol.activeInstances().length, 0);
  t.end();
});

t.test('Get Payload Activation Status and Get Payload Instance Info', (t) => {
  const f = fixture();
  t.same(bytes(f.send(APP, STATUS, [0x01])), [0x01, 0x00, 0x00], 'capacity 1, none active');
  t.same(bytes(f.send(APP, INSTANCE_INFO, [0x01, 0x01])), new Array(12).fill(0), 'session ID 0: not active');
  f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE);
  t.same(bytes(f.send(APP, STATUS, [0x01])), [0x01, 0x01, 0x00], 'instance 1 active');
  t.same(bytes(f.send(APP, INSTANCE_INFO, [0x01, 0x01])), [0x44, 0x33, 0x22, 0x11, 0x01, 0, 0, 0, 0, 0, 0, 0]);
  t.equal(f.send(APP, STATUS, [0x00]).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.send(APP, STATUS, []).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(APP, INSTANCE_INFO, [0x01, 0x02]).cc, CC.INVALID_DATA_FIELD);
  t.end();
});

t.test('Get Channel Payload Support and Version', (t) => {
  const f = fixture();
  t.same(bytes(f.send(APP, PAYLOAD_SUPPORT, [0x0e])), [0x03, 0x00, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00], 'IPMI, SOL; 10h-15h');
  t.same(bytes(f.send(APP, PAYLOAD_SUPPORT, [0x01])), [0x03, 0x00, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00]);
  t.equal(f.send(APP, PAYLOAD_SUPPORT, [0x02]).cc, CC.INVALID_DATA_FIELD);
  t.same(bytes(f.send(APP, PAYLOAD_VERSION, [0x01, 0x01])), [0x10], 'SOL format 1.0');
  t.same(bytes(f.send(APP, PAYLOAD_VERSION, [0x0e, 0x00])), [0x10]);
  t.equal(f.send(APP, PAYLOAD_VERSION, [0x01, 0x02]).cc, 0x80, 'OEM explicit payload not available');
  t.equal(f.send(APP, PAYLOAD_VERSION, [0x01]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('the payload commands are open to USER sessions; Set SOL needs ADMINISTRATOR', (t) => {
  const f = fixture();
  const specs = [ACTIVATE, DEACTIVATE, STATUS, INSTANCE_INFO, PAYLOAD_SUPPORT, PAYLOAD_VERSION].map((cmd) => f.table.find(APP, cmd));
  t.same(specs.map((s) => s?.privilege), new Array(6).fill(Privilege.USER));
  t.equal(f.table.find(TR, GET_SOL)?.privilege, Privilege.USER);
  t.equal(f.table.find(TR, SET_SOL)?.privilege, Privilege.ADMINISTRATOR);
  f.session.privilege = Privilege.USER;
  t.equal(f.send(APP, ACTIVATE, IPMITOOL_ACTIVATE).cc, CC.OK, 'default SOL privilege is USER');
  t.end();
});
