// BmcModel construction: what is derived from the IP is deterministic and distinct per BMC.
import t from 'tap';
import { BmcModel } from '../../emulator/bmc/model.js';
import { Privilege } from '../../protocols/ipmi/users.js';

t.test('GUIDs and MACs are deterministic per IP and distinct across IPs', (t) => {
  const a = new BmcModel({ ip: '127.1.0.1' });
  const a2 = new BmcModel({ ip: '127.1.0.1' });
  const b = new BmcModel({ ip: '127.1.0.2' });
  t.same(a.guid, a2.guid);
  t.same(a.mac, a2.mac);
  t.notSame(a.guid, b.guid);
  t.notSame(a.deviceGuid, b.deviceGuid);
  t.notSame(a.guid, a.deviceGuid);
  t.notSame(a.mac, b.mac);
  t.same([...a.mac], [0x02, 0x00, 127, 1, 0, 1]);
  t.end();
});

t.test('many BMCs never share a GUID or MAC', (t) => {
  const guids = new Set<string>();
  const macs = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const m = new BmcModel({ ip: `127.2.${i >> 8}.${i & 0xff}` });
    guids.add(m.guid.toString('hex'));
    macs.add(m.mac.toString('hex'));
  }
  t.equal(guids.size, 2000);
  t.equal(macs.size, 2000);
  t.end();
});

t.test('defaults and overrides', (t) => {
  const m = new BmcModel({ ip: '10.0.0.1' });
  t.equal(m.users.byName('admin')?.id, 2);
  t.equal(m.users.byName('admin')?.password.toString(), 'password');
  t.equal(m.users.byName('admin')?.privilegeLimit, Privilege.ADMINISTRATOR);
  t.match(m.users.byId(1), { name: '', enabled: false });
  t.equal(m.users.byName(''), m.users.byId(1), 'the empty name is the null user');
  t.equal(m.lan.gatewayIp, '10.0.0.254', 'a BMC at .1 gets the gateway at .254');
  t.equal(m.powerOn, true);
  t.equal(m.bootDevice, 'none');
  const o = new BmcModel({
    ip: '10.0.0.7', mac: '02:11:22:33:44:55', netmask: '255.0.0.0', gateway: '10.0.0.9', powerOn: false,
    guid: Buffer.alloc(16, 7), cipherSuites: [3],
  });
  t.same([...o.mac], [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
  t.equal(o.lan.gatewayIp, '10.0.0.9');
  t.same(o.guid, Buffer.alloc(16, 7));
  t.same(o.cipherSuites, [3]);
  t.equal(o.powerOn, false);
  t.end();
});

t.test('bad options are refused at construction', (t) => {
  t.throws(() => new BmcModel({ ip: '10.0.0.300' }), RangeError);
  t.throws(() => new BmcModel({ ip: '10.0.0.1', mac: '02:11:22' }), RangeError);
  t.throws(() => new BmcModel({ ip: '10.0.0.1', guid: Buffer.alloc(8) }), RangeError);
  t.throws(() => new BmcModel({ ip: '10.0.0.1', vlanId: 4095 }), RangeError);
  t.throws(() => new BmcModel({ ip: '10.0.0.1', users: [{ name: 'x'.repeat(17), password: 'p' }] }), RangeError);
  t.end();
});

t.test('onChange numbers events in order and can be unsubscribed', (t) => {
  const m = new BmcModel({ ip: '10.0.0.1' });
  const seen: number[] = [];
  const off = m.onChange((e) => seen.push(e.seq));
  m.emit({ kind: 'channel-access' }, 5);
  m.emit({ kind: 'lan', parameter: 3 }, 6);
  off();
  m.emit({ kind: 'channel-access' }, 7);
  t.same(seen, [1, 2]);
  t.end();
});
