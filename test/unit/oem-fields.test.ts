// The byte reader and writer of the bmcfleet OEM bodies (protocols/ipmi/oem/fields.ts): little-endian bytes,
// a RangeError naming the field for a value that does not fit, DecodeErrors with stable codes when reading.
import t from 'tap';
import { FieldReader, FieldWriter } from '../../protocols/ipmi/oem/fields.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('numbers are written little-endian, at their limits too', (t) => {
  const w = new FieldWriter(1).u8(0xab, 'a').u16(0x1234, 'b').u32(0xdeadbeef, 'c').u64(0x0102030405, 'd').raw(Buffer.from([9]));
  t.equal(hex(w.done()), 'ab' + '3412' + 'efbeadde' + '0504030201000000' + '09', 'grows past the size it was given');
  const max = new FieldWriter(15).u8(0xff, 'a').u16(0xffff, 'b').u32(0xffffffff, 'c').u64(Number.MAX_SAFE_INTEGER, 'd').done();
  t.equal(hex(max), 'ff' + 'ffff' + 'ffffffff' + 'ffffffffffff1f00');
  t.equal(max.length, 15, 'exactly the bytes written');
  t.end();
});

t.test('a value that does not fit its field is a RangeError naming the field, never clamped', (t) => {
  const cases: [string, (w: FieldWriter) => unknown][] = [
    ['count', (w) => w.u8(256, 'count')],
    ['count', (w) => w.u8(-1, 'count')],
    ['cores', (w) => w.u16(0x10000, 'cores')],
    ['mhz', (w) => w.u16(2.5, 'mhz')],
    ['sizeGB', (w) => w.u32(2 ** 32, 'sizeGB')],
    ['speedMbps', (w) => w.u32(Number.NaN, 'speedMbps')],
    ['head', (w) => w.u64(2 ** 53, 'head')],
    ['start', (w) => w.u64(-1, 'start')],
  ];
  for (const [field, write] of cases) {
    t.throws(() => write(new FieldWriter()), { name: 'RangeError', message: new RegExp(`^${field} must be an integer`) }, field);
  }
  t.end();
});

t.test('strings: a length byte then UTF-8, cut on a character boundary', (t) => {
  t.equal(hex(new FieldWriter().str('ab', 48).done()), '026162');
  const cut = new FieldWriter().str('é'.repeat(3), 5).done(); // 6 bytes; 5 would split the third é
  t.equal(hex(cut), '04' + 'c3a9c3a9');
  t.equal(new FieldReader(cut, 0).str('s'), 'éé');
  t.end();
});

t.test('reading gives the values back; past the end is ERR_TRUNCATED, left-over bytes ERR_TRAILING', (t) => {
  const bytes = new FieldWriter().raw(Buffer.from([7, 7, 7])).u8(200, 'a').u16(0xbeef, 'b').u32(0xfffffffe, 'c').u64(2 ** 53 - 1, 'd').str('hi', 48).done();
  const r = new FieldReader(bytes, 3);
  t.same([r.u8('a'), r.u16('b'), r.u32('c'), r.u64('d'), r.str('e')], [200, 0xbeef, 0xfffffffe, 2 ** 53 - 1, 'hi']);
  t.equal(r.offset, bytes.length);
  t.doesNotThrow(() => r.end('record'));
  t.throws(() => new FieldReader(bytes, 3).end('record'), { name: 'DecodeError', code: 'ERR_TRAILING', field: 'record', offset: 3 });
  t.throws(() => r.u8('more'), { name: 'DecodeError', code: 'ERR_TRUNCATED', field: 'more', offset: bytes.length, protocol: 'bmcfleet-oem' });
  t.throws(() => new FieldReader(Buffer.from([1, 2, 3]), 0).u32('c'), { code: 'ERR_TRUNCATED', field: 'c' });
  t.throws(() => new FieldReader(Buffer.from([5, 0x61]), 0).str('name'), { code: 'ERR_TRUNCATED', field: 'name' }, 'string longer than the data');
  const view = new FieldReader(bytes, 0).raw(3, 'r');
  t.equal(view.buffer, bytes.buffer, 'raw is a view, not a copy');
  t.end();
});

t.test('a u64 of 2^53 or more is ERR_RANGE at the field\'s offset', (t) => {
  const data = Buffer.from('00' + '0000000000002000', 'hex');
  const r = new FieldReader(data, 1);
  t.throws(() => r.u64('position'), { name: 'DecodeError', code: 'ERR_RANGE', field: 'position', offset: 1 });
  t.end();
});
