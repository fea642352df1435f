// A hardware template at every limit the fleet file allows goes fleet file -> BMC -> Get Hardware Inventory
// (bmcfleet OEM, netFn 2Eh cmd 01h): every item of every selector answers 00h with the values given.
import t from 'tap';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';
import { bmcOptions, placements } from '../../emulator/fleet/plan.js';
import { decode as decodeFru } from '../../protocols/ipmi/fru-format.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { encodeIana, BMCFLEET_IANA } from '../../protocols/ipmi/oem/iana.js';
import { InventorySelector, decodeInventoryResponse } from '../../protocols/ipmi/oem/inventory.js';
import { fixture } from '../helpers/bmc-command-fixture.js';

const U16 = 0xffff;
const U32 = 0xffffffff;
const many = <T>(n: number, item: (i: number) => T) => Array.from({ length: n }, (_, i) => item(i));
const long = 'L'.repeat(200); // not a FRU field: the inventory cuts it to 48 bytes

t.test('255 CPUs of 65535 cores, 65535 GiB in 255 modules, disks of 2^32-1 GB, a dash MAC: all answer 00h', (t) => {
  const template = {
    vendor: 'V'.repeat(63),
    cpus: many(255, () => ({ model: long, cores: U16, threads: U16, mhz: U16 })),
    memory: many(255, (i) => ({ slot: `DIMM${i}`, sizeGiB: 257, type: long, mhz: U16 })), // 255 x 257 = 65535
    disks: many(255, (i) => ({ slot: `Bay ${i}`, model: long, sizeGB: U32, serial: 'S'.repeat(63) })),
    nics: many(255, (i) => ({ name: `eth${i}`, model: long, speedMbps: U32, ...(i === 0 ? { mac: '06-00-7F-01-00-01' } : {}) })),
    powerSupplies: many(254, (i) => ({ name: `PSU${i + 1}`, model: 'P'.repeat(63), watts: 100_000, partNumber: 'N'.repeat(63) })),
  };
  const c = fleetConfig({ templates: { max: template }, racks: [{ bmcs: 1, firstIp: '127.37.1.1', template: 'max' }] });
  const p = placements(c)[0];
  const f = fixture({ ip: p.ip, hardware: bmcOptions(c, p).hardware });
  const ask = (selector: number, index: number) => {
    const r = f.send(NetFn.OEM_GROUP, 0x01, [...encodeIana(BMCFLEET_IANA), selector, index]);
    if (r.cc !== 0) t.fail(`selector ${selector} index ${index}: CC ${r.cc.toString(16)}h`);
    return decodeInventoryResponse(r.data!, selector);
  };
  const summary = ask(InventorySelector.SUMMARY, 0).record.item;
  t.match(summary, { cpus: 255, memoryModules: 255, disks: 255, nics: 255, memoryGiB: U16 });
  let answered = 0;
  for (const selector of [InventorySelector.CPU, InventorySelector.MEMORY, InventorySelector.DISK, InventorySelector.NIC]) {
    for (let index = 0; index < 255; index++) {
      const { count, record } = ask(selector, index);
      if (count !== 255) t.fail(`selector ${selector}: count ${count}`);
      answered++;
      if (index === 0) t.ok(record, `selector ${selector}: ${JSON.stringify(record.item).slice(0, 80)}...`);
    }
  }
  t.equal(answered, 4 * 255, 'every item of every selector answered 00h');
  t.match(ask(InventorySelector.CPU, 254).record.item, { cores: U16, threads: U16, mhz: U16, model: 'L'.repeat(48) });
  t.match(ask(InventorySelector.DISK, 254).record.item, { sizeGB: U32, serial: 'S'.repeat(48) });
  t.match(ask(InventorySelector.NIC, 0).record.item, { speedMbps: U32, mac: '06:00:7f:01:00:01' }, 'the dash MAC, as bytes');
  t.match(ask(InventorySelector.NIC, 1).record.item, { mac: /^06:/ }, 'the others derived');
  t.equal(f.model.fru.ids().length, 255, 'FRU 0 and 254 power supplies built');
  const board = decodeFru(f.model.fru.image(0)!).board!;
  t.ok(board.custom.length > 2 && board.custom.length < 2 + 255 + 255, `FRU 0 lists the parts that fit its board area (${board.custom.length} lines)`);
  t.end();
});
