// The bmcfleet OEM Get Hardware Inventory command: codec round trips, hostile input, and the BMC's answers.
import t from 'tap';
import {
  MAX_STRING_BYTES, decodeInventoryResponse, encodeInventoryRequest, encodeInventoryResponse, type InventoryRecord,
} from '../../protocols/ipmi/oem/inventory.js';
import { BMCFLEET_IANA } from '../../protocols/ipmi/oem/iana.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { fixture } from '../helpers/bmc-command-fixture.js';

const records: InventoryRecord[] = [
  { selector: 0, item: { cpus: 2, memoryModules: 8, disks: 2, nics: 2, memoryGiB: 256, vendor: 'V', product: 'P', serial: 'S1' } },
  { selector: 1, item: { cores: 24, threads: 48, mhz: 2600, model: 'CPU' } },
  { selector: 2, item: { sizeGiB: 32, mhz: 3200, slot: 'A1', type: 'DDR4' } },
  { selector: 3, item: { sizeGB: 12_000_000, slot: 'Bay 0', model: 'HDD', serial: 'X' } },
  { selector: 4, item: { speedMbps: 25_000, mac: '06:01:02:03:04:05', name: 'NIC1', model: '25GbE' } },
];

t.test('every record round-trips; the response starts with the IANA, LS byte first', (t) => {
  for (const record of records) {
    const bytes = encodeInventoryResponse({ count: 3, record });
    t.same([...bytes.subarray(0, 3)], [0xd9, 0x7e, 0x00], 'IANA 32473');
    t.same(decodeInventoryResponse(bytes, record.selector), { count: 3, record }, `selector ${record.selector}`);
  }
  t.same([...encodeInventoryRequest({ selector: 3, index: 1 })], [0xd9, 0x7e, 0x00, 3, 1]);
  t.end();
});

t.test('long strings are cut at 48 bytes without splitting a character', (t) => {
  const bytes = encodeInventoryResponse({ count: 1, record: { selector: 1, item: { cores: 1, threads: 1, mhz: 1, model: 'é'.repeat(40) } } });
  const back = decodeInventoryResponse(bytes, 1).record.item as { model: string };
  t.ok(Buffer.byteLength(back.model) <= MAX_STRING_BYTES);
  t.equal(back.model, 'é'.repeat(24));
  t.end();
});

t.test('hostile responses are DecodeErrors, never reads past the end', (t) => {
  const good = encodeInventoryResponse({ count: 1, record: records[0] });
  for (let n = 0; n < good.length; n++) t.throws(() => decodeInventoryResponse(good.subarray(0, n), 0), { name: 'DecodeError' }, `cut at ${n}`);
  t.throws(() => decodeInventoryResponse(Buffer.concat([good, Buffer.from([0])]), 0), { code: 'ERR_TRAILING' });
  t.throws(() => decodeInventoryResponse(Buffer.from([1, 2, 3, 0]), 0), { code: 'ERR_IANA' });
  t.throws(() => decodeInventoryResponse(good, 9), { code: 'ERR_SELECTOR' });
  t.end();
});

t.test('the BMC answers from its hardware template, with the spec\'s completion codes for bad requests', (t) => {
  const f = fixture({ hardware: { product: 'Box', disks: [{ slot: 'Bay 7', model: 'HDD', sizeGB: 4000, serial: 'D7' }] } });
  const send = (data: number[]) => f.send(NetFn.OEM_GROUP, 0x01, data);
  const iana = [BMCFLEET_IANA & 0xff, BMCFLEET_IANA >> 8, 0];
  const summary = send([...iana, 0, 0]);
  t.equal(summary.cc, CC.OK);
  const s = decodeInventoryResponse(summary.data!, 0).record.item as { product: string; disks: number; serial: string };
  t.equal(s.product, 'Box');
  t.equal(s.disks, 1);
  t.equal(s.serial, f.model.hardware.serial);
  t.same(decodeInventoryResponse(send([...iana, 3, 0]).data!, 3).record.item, { sizeGB: 4000, slot: 'Bay 7', model: 'HDD', serial: 'D7' });
  t.equal(send([...iana, 3, 1]).cc, CC.PARAMETER_OUT_OF_RANGE, 'index past the last disk');
  t.equal(send([...iana, 9, 0]).cc, CC.INVALID_DATA_FIELD, 'unknown selector');
  t.equal(send([...iana, 0]).cc, CC.REQUEST_DATA_LENGTH_INVALID, 'short request');
  t.equal(send([0x57, 0x01, 0x00, 0, 0]).cc, CC.INVALID_COMMAND, 'another vendor\'s IANA');
  f.session.privilege = Privilege.CALLBACK;
  t.equal(send([...iana, 0, 0]).cc, CC.INSUFFICIENT_PRIVILEGE, 'needs USER');
  t.end();
});

t.test('a number that does not fit its field is a RangeError naming it, never clamped', (t) => {
  const cpu = { cores: 24, threads: 48, mhz: 2600, model: 'CPU' };
  t.throws(() => encodeInventoryResponse({ count: 1, record: { selector: 1, item: { ...cpu, cores: 0x10000 } } }), { name: 'RangeError', message: /^cores / });
  t.throws(() => encodeInventoryResponse({ count: 1, record: { selector: 1, item: { ...cpu, mhz: -1 } } }), { name: 'RangeError', message: /^mhz / });
  t.throws(() => encodeInventoryResponse({ count: 256, record: { selector: 1, item: cpu } }), { name: 'RangeError', message: /^count / });
  t.throws(() => encodeInventoryResponse({ count: 1, record: { ...records[3], item: { sizeGB: 2 ** 32, slot: '', model: '', serial: '' } } as InventoryRecord }), { name: 'RangeError', message: /^sizeGB / });
  t.throws(() => encodeInventoryResponse({ count: 1, record: { selector: 0, item: { ...(records[0].item as object), memoryGiB: 65536 } } as InventoryRecord }), { name: 'RangeError', message: /^memoryGiB / });
  t.throws(() => encodeInventoryRequest({ selector: 0, index: 256 }), { name: 'RangeError', message: /^index / });
  t.throws(() => encodeInventoryResponse({ count: 1, record: { selector: 4, item: { speedMbps: 1000, mac: 'not-a-mac', name: 'eth0', model: 'NIC' } } }), { name: 'RangeError', message: /^mac / });
  t.end();
});
