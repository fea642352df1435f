// FRU commands (IPMI 2.0 §34) over the images built from the hardware template, read the way ipmitool reads.
import t from 'tap';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { decode, type FruInventory } from '../../protocols/ipmi/fru-format.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { defaultHardware, resolveHardware } from '../../emulator/bmc/hardware.js';
import { bytes, fixture, type Fixture } from '../helpers/bmc-command-fixture.js';

const ST = NetFn.STORAGE;

function areaSize(f: Fixture, id: number): number {
  const r = bytes(f.send(ST, 0x10, [id]));
  if (r.length !== 3 || (r[2] & 0x01) !== 0) throw new Error('expected a byte-accessed area');
  return r[0] | (r[1] << 8);
}

/** Read FRU Data in `chunk`-byte pieces, as ipmitool's read_fru_area does. */
function readImage(f: Fixture, id: number, chunk: number): Buffer {
  const size = areaSize(f, id);
  const out: number[] = [];
  for (let off = 0; off < size; off += chunk) {
    const r = bytes(f.send(ST, 0x11, [id, off & 0xff, off >> 8, Math.min(chunk, size - off)]));
    if (r[0] !== r.length - 1) throw new Error('count byte disagrees with the data');
    out.push(...r.slice(1));
  }
  return Buffer.from(out);
}

t.test('FRU 0 reads back in 32- and 16-byte chunks as the system inventory', (t) => {
  const f = fixture({ ip: '10.20.30.40' });
  const image = readImage(f, 0, 32);
  t.same(readImage(f, 0, 16), image);
  const inv: FruInventory = decode(image);
  const hw = defaultHardware('10.20.30.40');
  t.equal(inv.product?.serialNumber, hw.serial);
  t.equal(inv.chassis?.serialNumber, hw.serial);
  t.equal(inv.product?.manufacturer, hw.vendor);
  t.equal(inv.board?.serialNumber, hw.boardSerial);
  t.equal(inv.chassis?.type, 0x17, 'rack mount');
  t.ok(inv.board?.custom.includes(`NIC1 MAC ${hw.nics[0].mac}`), 'host NIC MACs listed');
  t.ok(inv.board?.custom.some((c) => c.startsWith('Memory: 256 GiB')));
  t.end();
});

t.test('FRU 1 is the power supply, named by the FRU device locator', (t) => {
  const f = fixture();
  const inv = decode(readImage(f, 1, 20));
  t.match(inv.product, { productName: '800W Power Supply', partNumber: 'BF-PSU-800-P' });
  t.end();
});

t.test('serials and MACs are deterministic per IP and distinct between BMCs', (t) => {
  const a = defaultHardware('127.23.0.1');
  t.same(defaultHardware('127.23.0.1'), a);
  const b = defaultHardware('127.23.0.2');
  t.not(a.serial, b.serial);
  t.not(a.boardSerial, b.boardSerial);
  t.not(a.nics[0].mac, b.nics[0].mac);
  t.not(a.nics[0].mac, a.nics[1].mac);
  t.match(a.nics[0].mac, /^06(:[0-9a-f]{2}){5}$/, 'locally administered unicast');
  t.same(JSON.parse(JSON.stringify(a)), a, 'plain data');
  t.end();
});

t.test('a template override reaches the FRU', (t) => {
  const f = fixture({ hardware: { vendor: 'Other Corp', serial: 'XYZ-1', powerSupplies: [] } });
  const inv = decode(readImage(f, 0, 32));
  t.equal(inv.product?.manufacturer, 'Other Corp');
  t.equal(inv.product?.serialNumber, 'XYZ-1');
  t.equal(f.send(ST, 0x10, [1]).cc, CC.NOT_PRESENT, 'no power supply, no FRU 1');
  t.equal(resolveHardware('1.2.3.4', { vendor: undefined }).vendor, defaultHardware('1.2.3.4').vendor, 'undefined does not erase');
  t.end();
});

t.test('Read FRU Data edges: past the end, unknown device, bad length', (t) => {
  const f = fixture();
  const size = areaSize(f, 0);
  const tail = bytes(f.send(ST, 0x11, [0, (size - 3) & 0xff, (size - 3) >> 8, 32]));
  t.equal(tail[0], 3, 'a read running past the end returns what is left');
  t.same(bytes(f.send(ST, 0x11, [0, size & 0xff, size >> 8, 8])), [0], 'at the end: nothing');
  t.equal(f.send(ST, 0x11, [0, (size + 1) & 0xff, (size + 1) >> 8, 8]).cc, CC.PARAMETER_OUT_OF_RANGE);
  t.equal(f.send(ST, 0x11, [7, 0, 0, 8]).cc, CC.NOT_PRESENT);
  t.equal(f.send(ST, 0x10, [7]).cc, CC.NOT_PRESENT);
  t.equal(f.send(ST, 0x11, [0, 0, 0]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});
