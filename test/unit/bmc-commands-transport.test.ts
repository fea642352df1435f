// Get/Set LAN Configuration Parameters (IPMI 2.0 §23.1, §23.2, Table 23-4) against the model.
import t from 'tap';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { bytes, fixture, padded } from '../helpers/bmc-command-fixture.js';

const TR = NetFn.TRANSPORT;
const SET = 0x01;
const GET = 0x02;
const REVISION = 0x11;

function get(f: ReturnType<typeof fixture>, param: number, channel = 0x01) {
  return f.send(TR, GET, [channel, param, 0x00, 0x00]);
}

t.test('every parameter "ipmitool lan print 1" reads is answered, with its Table 23-4 length', (t) => {
  const f = fixture();
  const lengths: Record<number, number> = {
    0: 1, 1: 1, 2: 5, 4: 1, 3: 4, 6: 4, 5: 6, 16: 18, 7: 3, 10: 1, 11: 1, 12: 4, 13: 6, 14: 4, 15: 6,
    20: 2, 21: 1, 22: 1, 23: 1 + f.model.cipherSuites.length, 24: 9, 26: 6,
  };
  for (const [param, length] of Object.entries(lengths)) {
    const r = get(f, Number(param));
    t.equal(r.cc, CC.OK, `parameter ${param}`);
    t.equal(r.data?.[0], REVISION);
    t.equal((r.data?.length ?? 0) - 1, length, `parameter ${param} length`);
  }
  t.end();
});

t.test('values come from the model', (t) => {
  const f = fixture({ ip: '10.20.30.40', vlanId: 0x123 });
  t.same(bytes(get(f, 3)).slice(1), [10, 20, 30, 40]);
  t.same(bytes(get(f, 4)).slice(1), [0x01], 'static');
  t.same(bytes(get(f, 5)).slice(1), [0x02, 0x00, 10, 20, 30, 40], 'MAC from the IP');
  t.same(bytes(get(f, 6)).slice(1), [255, 255, 255, 0]);
  t.same(bytes(get(f, 12)).slice(1), [10, 20, 30, 1]);
  t.same(bytes(get(f, 16)).slice(1), padded('public', 18));
  t.same(bytes(get(f, 20)).slice(1), [0x23, 0x81], 'VLAN 0x123 enabled');
  t.same(bytes(get(f, 1)).slice(1), [0x15], 'NONE, MD5, straight password supported');
  t.same(bytes(get(f, 2)).slice(1), [0x04, 0x04, 0x04, 0x04, 0x00], 'MD5 enabled for callback..admin');
  t.end();
});

t.test('cipher suite parameters 22-24 follow model.cipherSuites', (t) => {
  const f = fixture({ cipherSuites: [17, 3, 1] });
  t.same(bytes(get(f, 22)).slice(1), [3]);
  t.same(bytes(get(f, 23)).slice(1), [0x00, 17, 3, 1]);
  t.same(bytes(get(f, 24)).slice(1), [0x00, 0x44, 0x04, 0, 0, 0, 0, 0, 0], 'admin for entries 0-2, unused after');
  f.model.cipherSuites = [3];
  t.same(bytes(get(f, 23)).slice(1), [0x00, 3]);
  t.end();
});

t.test('revision-only reads return just the revision', (t) => {
  const f = fixture();
  t.same(bytes(f.send(TR, GET, [0x81, 0x03, 0x00, 0x00])), [REVISION]);
  t.end();
});

t.test('unknown parameters 80h, other channels CCh, short requests C7h', (t) => {
  const f = fixture();
  t.equal(get(f, 8).cc, 0x80);
  t.equal(get(f, 25).cc, 0x80);
  t.equal(get(f, 0xc0).cc, 0x80);
  t.equal(get(f, 3, 0x02).cc, CC.INVALID_DATA_FIELD);
  t.equal(get(f, 3, 0x0e).cc, CC.OK, '0Eh is this channel');
  t.equal(f.send(TR, GET, [0x01, 0x03, 0x00]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('Set LAN Configuration Parameters updates IP, netmask, gateway and MAC', (t) => {
  const f = fixture();
  t.equal(f.send(TR, SET, [0x01, 3, 10, 0, 0, 99]).cc, CC.OK);
  t.equal(f.send(TR, SET, [0x01, 6, 255, 255, 0, 0]).cc, CC.OK);
  t.equal(f.send(TR, SET, [0x01, 12, 10, 0, 0, 254]).cc, CC.OK);
  t.equal(f.send(TR, SET, [0x01, 13, 1, 2, 3, 4, 5, 6]).cc, CC.OK);
  t.equal(f.send(TR, SET, [0x0e, 5, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]).cc, CC.OK);
  t.equal(f.model.ip, '10.0.0.99');
  t.equal(f.model.lan.netmask, '255.255.0.0');
  t.equal(f.model.lan.gatewayIp, '10.0.0.254');
  t.same([...f.model.mac], [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
  t.same(bytes(get(f, 3)).slice(1), [10, 0, 0, 99]);
  t.same(bytes(get(f, 13)).slice(1), [1, 2, 3, 4, 5, 6]);
  t.same(f.events.map((e) => (e.kind === 'lan' ? e.parameter : -1)), [3, 6, 12, 13, 5]);
  t.end();
});

t.test('Set LAN Configuration Parameters: community, VLAN, ARP, cipher privileges read back', (t) => {
  const f = fixture();
  t.equal(f.send(TR, SET, [0x01, 16, ...padded('private', 18)]).cc, CC.OK);
  t.same(bytes(get(f, 16)).slice(1), padded('private', 18));
  t.equal(f.send(TR, SET, [0x01, 20, 0x2a, 0x80]).cc, CC.OK);
  t.match(f.model.lan, { vlanEnabled: true, vlanId: 42 });
  t.equal(f.send(TR, SET, [0x01, 20, 0x00, 0x80]).cc, CC.INVALID_DATA_FIELD, 'VLAN 0 cannot be enabled');
  t.equal(f.send(TR, SET, [0x01, 20, 0xff, 0x8f]).cc, CC.INVALID_DATA_FIELD, 'VLAN 4095 is reserved');
  t.equal(f.send(TR, SET, [0x01, 10, 0x03]).cc, CC.OK);
  t.same(bytes(get(f, 10)).slice(1), [0x03]);
  // ipmitool "lan set 1 cipher_privs XaaaaaaaaaaaXXX" writes 15 nibbles and reads them back
  const privs = [0x00, 0x40, 0x44, 0x44, 0x44, 0x44, 0x44, 0x00, 0x00];
  t.equal(f.send(TR, SET, [0x01, 24, ...privs]).cc, CC.OK);
  t.same(bytes(get(f, 24)).slice(1), privs);
  t.end();
});

t.test('Set auth type enables also changes the v1.5 auth types the channel offers', (t) => {
  const f = fixture();
  t.equal(f.send(TR, SET, [0x01, 2, 0x00, 0x04, 0x04, 0x14, 0x00]).cc, CC.OK);
  t.same(bytes(get(f, 2)).slice(1), [0x00, 0x04, 0x04, 0x14, 0x00]);
  t.same(f.model.v15AuthTypes, [2, 4]);
  t.equal(f.send(TR, SET, [0x01, 2, 0x00, 0x02, 0x00, 0x00, 0x00]).cc, CC.INVALID_DATA_FIELD, 'MD2 is not implemented');
  t.end();
});

t.test('set-in-progress, read-only parameters and lengths', (t) => {
  const f = fixture();
  t.equal(f.send(TR, SET, [0x01, 0, 0x01]).cc, CC.OK);
  t.equal(f.send(TR, SET, [0x01, 0, 0x01]).cc, 0x81);
  t.same(bytes(get(f, 0)).slice(1), [0x01]);
  t.equal(f.send(TR, SET, [0x01, 0, 0x00]).cc, CC.OK);
  t.equal(f.send(TR, SET, [0x01, 1, 0x04]).cc, 0x82, 'auth type support is read-only');
  t.equal(f.send(TR, SET, [0x01, 22, 0x01]).cc, 0x82);
  t.equal(f.send(TR, SET, [0x01, 23, 0x00, 0x03]).cc, 0x82);
  t.equal(f.send(TR, SET, [0x01, 9, 0x01, 0x02]).cc, 0x80);
  t.equal(f.send(TR, SET, [0x01, 3, 10, 0, 0]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(TR, SET, [0x02, 3, 10, 0, 0, 1]).cc, CC.INVALID_DATA_FIELD);
  t.equal(f.model.ip, '10.1.2.3', 'nothing changed');
  t.end();
});
