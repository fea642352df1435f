// bmcfleet's iSCSI boot parameters (System Boot Options OEM parameters 100-109, README "bmcfleet OEM boot parameters: iSCSI boot"): the
// bytes of each parameter, strings over 16-byte blocks, what the BMC answers (the CHAP secret is write-only:
// zero bytes after the block), wrong lengths and blocks, persistence in the state directory, and the codec
// as the client helper uses it (a whole configuration written, then read back).
import t from 'tap';
import { bootParameterNumber, decodeBootParameter, encodeBootParameter } from '../../protocols/ipmi/commands/boot-options.js';
import {
  StringAssembler, iscsiBootWrites, stringBlocks, type IscsiBootConfig,
} from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { BmcModel } from '../../emulator/bmc/model.js';
import { captureState, restoreState } from '../../emulator/bmc/persistent-state.js';
import { bytes, fixture } from '../helpers/bmc-command-fixture.js';

const SET_BOOT = 0x08;
const GET_BOOT = 0x09;
const CH = NetFn.CHASSIS;

const CONFIG: IscsiBootConfig = {
  initiatorName: 'iqn.2026-11.org.bmcfleet:host-127.1.0.1', // 39 bytes: three blocks with its NUL
  initiator: { address: '10.0.5.17', netmask: '255.255.255.0', gateway: '10.0.5.1' },
  targetName: 'iqn.2026-11.org.bmcfleet:boot-images-1',
  portal: { address: '127.2.0.1', port: 3260 },
  lun: 1,
  chapName: 'host1',
  chapSecret: 'sixteen-byte-sec',
};

t.test('the bytes of each parameter (README "bmcfleet OEM boot parameters: iSCSI boot")', async (t) => {
  t.same([...encodeBootParameter({ kind: 'iscsi-initiator-address', address: '10.0.5.17', netmask: '255.255.255.0', gateway: '10.0.5.1' })],
    [10, 0, 5, 17, 255, 255, 255, 0, 10, 0, 5, 1], '101: address, netmask, gateway, MS byte first');
  t.same([...encodeBootParameter({ kind: 'iscsi-target-portal', address: '127.2.0.1', port: 3260 })], [127, 2, 0, 1, 0xbc, 0x0c], '105: port 3260 LS byte first');
  t.same([...encodeBootParameter({ kind: 'iscsi-target-lun', lun: 1 })], [0, 1, 0, 0, 0, 0, 0, 0], '106: LUN 1, peripheral addressing');
  t.same([...encodeBootParameter({ kind: 'iscsi-target-lun', lun: 300 })], [0x41, 0x2c, 0, 0, 0, 0, 0, 0], '106: LUN 300, flat space addressing');
  t.same(decodeBootParameter(106, Uint8Array.of(0x41, 0x2c, 0, 0, 0, 0, 0, 0), 'response'), { kind: 'iscsi-target-lun', lun: 300 });
  t.throws(() => decodeBootParameter(106, Uint8Array.of(0x80, 1, 0, 0, 0, 0, 0, 0), 'request'), { code: 'ERR_RANGE' }, 'logical unit addressing is not single level');
  t.same(decodeBootParameter(100, Uint8Array.of(2, 0x61, 0x62), 'request'), { kind: 'iscsi-initiator-name', block: 2, data: Uint8Array.of(0x61, 0x62) });
  t.same(decodeBootParameter(109, Uint8Array.of(0), 'response'), { kind: 'iscsi-chap-secret', block: 0, data: new Uint8Array(0) }, 'the secret\'s empty answer');
  t.throws(() => decodeBootParameter(101, new Uint8Array(11), 'request'), { code: 'ERR_LENGTH' });
  t.throws(() => decodeBootParameter(104, new Uint8Array(18), 'request'), { code: 'ERR_LENGTH' });
  t.throws(() => encodeBootParameter({ kind: 'iscsi-target-lun', lun: 16384 }), RangeError);
});

t.test('strings over blocks: a NUL ends them, 255 bytes at most', async (t) => {
  const blocks = stringBlocks('iqn.2026-11.org.bmcfleet:host-127.1.0.1');
  t.equal(blocks.length, 3);
  t.equal(Buffer.from(blocks[2].data).toString('latin1'), '7.1.0.1' + '\0'.repeat(9), 'bytes 32-38, then NULs');
  t.equal(stringBlocks('').length, 1, 'the empty string is one block of NULs');
  t.equal(stringBlocks('x'.repeat(16)).length, 2, '16 bytes need a second block for the NUL');
  t.equal(stringBlocks('x'.repeat(255)).length, 16);
  t.throws(() => stringBlocks('x'.repeat(256)), RangeError);
  t.throws(() => stringBlocks('a\0b'), RangeError);
  const a = new StringAssembler();
  t.equal(a.add(blocks[0].data), true);
  t.equal(a.add(blocks[1].data), true);
  t.equal(a.add(blocks[2].data), false, 'the block with the NUL is the last');
  t.equal(a.value, 'iqn.2026-11.org.bmcfleet:host-127.1.0.1');
  const secret = new StringAssembler();
  t.equal(secret.add(new Uint8Array(0)), false, 'a block with no bytes ends it');
  t.equal(secret.value, '');
});

t.test('the BMC keeps them: Set then Get, block by block; out-of-range blocks C9h; unassigned parameters 80h', async (t) => {
  const f = fixture();
  for (const p of iscsiBootWrites(CONFIG)) {
    const data = encodeBootParameter(p);
    const param = bootParameterNumber(p);
    t.equal(f.send(CH, SET_BOOT, [param, ...data]).cc, CC.OK, `Set ${param} ${Buffer.from(data).toString('hex')}`);
  }
  const name = Buffer.from(CONFIG.initiatorName);
  t.same(bytes(f.send(CH, GET_BOOT, [100, 0, 0])), [0x01, 100, 0, ...name.subarray(0, 16)], 'Get 100 block 0: version, parameter, block, 16 bytes');
  t.same(bytes(f.send(CH, GET_BOOT, [100, 2, 0])), [0x01, 100, 2, ...name.subarray(32), ...new Array(9).fill(0)]);
  t.same(bytes(f.send(CH, GET_BOOT, [101, 0, 0])), [0x01, 101, 10, 0, 5, 17, 255, 255, 255, 0, 10, 0, 5, 1]);
  t.same(bytes(f.send(CH, GET_BOOT, [105, 0, 0])), [0x01, 105, 127, 2, 0, 1, 0xbc, 0x0c]);
  t.same(bytes(f.send(CH, GET_BOOT, [106, 0, 0])), [0x01, 106, 0, 1, 0, 0, 0, 0, 0, 0]);
  t.same(bytes(f.send(CH, GET_BOOT, [108, 0, 0])), [0x01, 108, 0, ...Buffer.from('host1'), ...new Array(11).fill(0)]);
  t.same(bytes(f.send(CH, GET_BOOT, [109, 0, 0])), [0x01, 109, 0], 'the CHAP secret is write-only: its block, no bytes');
  t.same(bytes(f.send(CH, GET_BOOT, [109, 1, 0])), [0x01, 109, 1]);
  t.equal(f.model.bootOptions.iscsi.config.chapSecret, 'sixteen-byte-sec', 'the host\'s firmware reads it in-band');
  t.same(f.model.bootOptions.iscsi.config, { ...CONFIG }, 'the host sees the whole configuration');
  t.equal(f.send(CH, GET_BOOT, [100, 16, 0]).cc, CC.PARAMETER_OUT_OF_RANGE);
  t.equal(f.send(CH, SET_BOOT, [104, 16, 0x61]).cc, CC.PARAMETER_OUT_OF_RANGE);
  t.equal(f.send(CH, SET_BOOT, [101, 1, 2, 3]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(CH, SET_BOOT, [100]).cc, CC.REQUEST_DATA_LENGTH_INVALID, 'a string Set needs its block');
  t.equal(f.send(CH, SET_BOOT, [106, 0x80, 1, 0, 0, 0, 0, 0, 0]).cc, CC.INVALID_DATA_FIELD, 'a LUN that is not single level');
  for (const unassigned of [96, 97, 98, 99, 103, 107, 110, 127]) t.equal(f.send(CH, GET_BOOT, [unassigned, 0, 0]).cc, 0x80, `${unassigned} is not supported`);
  t.equal(f.send(CH, SET_BOOT, [0x80 | 101, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]).cc, CC.OK, 'lock bit');
  t.same(bytes(f.send(CH, GET_BOOT, [101, 0, 0])).slice(0, 2), [0x01, 0x80 | 101], 'reads back locked');
});

t.test('a shorter string written over a longer one reads as the shorter', async (t) => {
  const f = fixture();
  for (const value of ['iqn.2026-11.org.bmcfleet:a-long-initiator-name', 'iqn.x:y']) {
    for (const b of stringBlocks(value)) f.send(CH, SET_BOOT, [100, b.block, ...b.data]);
  }
  t.equal(f.model.bootOptions.iscsi.config.initiatorName, 'iqn.x:y');
});

t.test('they survive a restart with a state directory; files from before them still load', async (t) => {
  const a = new BmcModel({ ip: '10.1.2.3', now: 0 });
  for (const p of iscsiBootWrites(CONFIG)) t.ok(a.bootOptions.write(bootParameterNumber(p), encodeBootParameter(p), false).ok);
  const saved = JSON.parse(JSON.stringify(captureState(a)));
  const b = new BmcModel({ ip: '10.1.2.3', now: 0 });
  restoreState(b, saved);
  t.same(b.bootOptions.iscsi.config, CONFIG);
  delete saved.bootOptions.iscsi;
  const c = new BmcModel({ ip: '10.1.2.3', now: 0 });
  restoreState(c, saved);
  t.equal(c.bootOptions.iscsi.config.initiatorName, '', 'an older file: no iSCSI parameters, nothing else lost');
});


t.test('102, the iSNS server: the portal\'s layout; all zeros is none, and readers then leave it out', async (t) => {
  t.same([...encodeBootParameter({ kind: 'iscsi-isns-server', address: '127.146.0.1', port: 3205 })], [127, 146, 0, 1, 0x85, 0x0c],
    'address MS byte first, port 3205 LS byte first');
  t.same(decodeBootParameter(102, Uint8Array.of(10, 0, 0, 9, 0x85, 0x0c), 'request'), { kind: 'iscsi-isns-server', address: '10.0.0.9', port: 3205 });
  t.throws(() => decodeBootParameter(102, new Uint8Array(5), 'request'), { code: 'ERR_LENGTH' });
  t.throws(() => decodeBootParameter(102, new Uint8Array(7), 'request'), { code: 'ERR_LENGTH' });
  t.throws(() => decodeBootParameter(102, new Uint8Array(5), 'response'), { code: 'ERR_TRUNCATED' });
  const writes = (c: IscsiBootConfig) => iscsiBootWrites(c).filter((p) => bootParameterNumber(p) === 102).map((p) => [...encodeBootParameter(p)]);
  t.same(writes(CONFIG), [[0, 0, 0, 0, 0, 0]], 'a configuration without it writes zeros');
  t.same(writes({ ...CONFIG, isns: null }), [[0, 0, 0, 0, 0, 0]], 'null too');
  t.same(writes({ ...CONFIG, isns: { address: '127.146.0.1', port: 3205 } }), [[127, 146, 0, 1, 0x85, 0x0c]]);

  const f = fixture();
  t.same(bytes(f.send(CH, GET_BOOT, [102, 0, 0])), [0x01, 102, 0, 0, 0, 0, 0, 0], 'a new BMC: none');
  t.notOk('isns' in f.model.bootOptions.iscsi.config, 'the host reads no iSNS server');
  t.equal(f.send(CH, SET_BOOT, [102, 127, 146, 0, 1, 0x85, 0x0c]).cc, CC.OK);
  t.same(bytes(f.send(CH, GET_BOOT, [102, 0, 0])), [0x01, 102, 127, 146, 0, 1, 0x85, 0x0c]);
  t.same(f.model.bootOptions.iscsi.config.isns, { address: '127.146.0.1', port: 3205 }, 'the host reads it in-band');
  t.equal(f.send(CH, SET_BOOT, [102, 1, 2, 3]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(CH, SET_BOOT, [102, 0, 0, 0, 0, 0, 0]).cc, CC.OK);
  t.notOk('isns' in f.model.bootOptions.iscsi.config, 'zeros written: none again');
});
