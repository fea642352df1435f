// FRU information format (Platform Management FRU Information Storage Definition v1.0): header, areas,
// type/length fields of every type, checksums, hostile images.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import {
  decode, decodeHeader, decodeProduct, encode, encodeProduct, mfgMinutesFromMs, mfgMinutesToMs, zeroChecksum, type FruInventory,
} from '../../protocols/ipmi/fru-format.js';

const inventory: FruInventory = {
  chassis: { type: 0x17, partNumber: 'CH-1', serialNumber: 'SER123', custom: ['extra'] },
  board: {
    language: 0, mfgMinutes: mfgMinutesFromMs(Date.UTC(2024, 2, 11, 9, 30)), manufacturer: 'Acme', productName: 'MB',
    serialNumber: 'B-42', partNumber: 'P-1', fruFileId: '', custom: ['NIC1 MAC 02:00:00:00:00:01'],
  },
  product: {
    language: 0, manufacturer: 'Acme', productName: 'Server', partNumber: 'S-1', version: 'A01', serialNumber: 'SER123',
    assetTag: 'tag', fruFileId: 'f.bin', custom: [],
  },
};

t.test('a product area by hand: version, length in 8s, language, type/length C0h-C3h fields, C1h, pad, checksum', (t) => {
  const area = encodeProduct({ language: 0, manufacturer: 'AB', productName: 'C', partNumber: '', version: '', serialNumber: '', assetTag: '', fruFileId: '', custom: [] });
  t.same([...area], [0x01, 0x02, 0x00, 0xc2, 0x41, 0x42, 0xc2, 0x43, 0x00, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc1, 0x32],
    'a one-byte text gets a NUL pad so that its type/length is never C1h');
  t.equal(decodeProduct(area, 0).productName, 'C');
  t.end();
});

t.test('whole image: header offsets in 8-byte units, zero checksums everywhere, round trip', (t) => {
  const image = encode(inventory);
  t.equal(image.length % 8, 0);
  const h = decodeHeader(image);
  t.equal(image[0], 0x01, 'format version 1');
  t.equal(h.chassis, 8, 'chassis area right after the header');
  t.ok(h.board > h.chassis && h.product > h.board);
  t.equal(h.internalUse, 0);
  t.equal(h.multiRecord, 0);
  t.equal(zeroChecksum(image, 0, 8), 0);
  for (const start of [h.chassis, h.board, h.product]) t.equal(zeroChecksum(image, start, start + image[start + 1] * 8), 0);
  t.same(decode(image), inventory);
  t.equal(mfgMinutesToMs(inventory.board!.mfgMinutes), Date.UTC(2024, 2, 11, 9, 30));
  t.equal(image[h.board + 3] | (image[h.board + 4] << 8) | (image[h.board + 5] << 16), inventory.board!.mfgMinutes, 'Mfg date LS first');
  t.end();
});

t.test('other field types decode: 6-bit ASCII, BCD plus, binary', (t) => {
  // product area: language, manufacturer "IPMI" (6-bit packed, 83h), name "123-" (BCD+, 42h), part (binary, 02h), then empties
  const body = [0x01, 0x00, 0x00, 0x83, 0x29, 0xdc, 0xa6, 0x42, 0x12, 0x3b, 0x02, 0xbe, 0xef, 0xc0, 0xc0, 0xc0, 0xc0, 0xc1];
  const length = Math.ceil((body.length + 1) / 8) * 8;
  const area = Buffer.alloc(length);
  Buffer.from(body).copy(area);
  area[1] = length / 8;
  area[length - 1] = zeroChecksum(area, 0, length - 1);
  t.match(decodeProduct(area, 0), { manufacturer: 'IPMI', productName: '123-', partNumber: 'BEEF', version: '' });
  t.end();
});

t.test('hostile images throw DecodeError with stable codes', (t) => {
  const good = encode(inventory);
  const h = decodeHeader(good);
  const mutate = (f: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    f(b);
    return b;
  };
  const cases: Array<[string, Uint8Array, string]> = [
    ['short header', good.subarray(0, 7), 'ERR_TRUNCATED'],
    ['header checksum', mutate((b) => { b[7] ^= 1; }), 'ERR_CHECKSUM'],
    ['header version', mutate((b) => { b[0] = 0x02; b[7] = zeroChecksum(b, 0, 7); }), 'ERR_VERSION'],
    ['area checksum', mutate((b) => { b[h.board + 8] ^= 0x20; }), 'ERR_CHECKSUM'],
    ['area version', mutate((b) => { b[h.product] = 2; }), 'ERR_VERSION'],
    ['image cut inside an area', good.subarray(0, h.product + 4), 'ERR_TRUNCATED'],
    ['area offset past the end', mutate((b) => { b[4] = 0xf0; b[7] = zeroChecksum(b, 0, 7); }), 'ERR_TRUNCATED'],
  ];
  for (const [name, bytes, code] of cases) {
    const err = t.throws(() => decode(bytes), name) as DecodeError;
    t.ok(err instanceof DecodeError, name);
    t.equal(err.code, code, name);
  }
  // a field whose length runs past the area, with a valid checksum
  const area = Buffer.from([0x01, 0x01, 0x00, 0xc9, 0x41, 0x41, 0x41, 0x00]);
  area[7] = zeroChecksum(area, 0, 7);
  t.equal((t.throws(() => decodeProduct(area, 0)) as DecodeError).code, 'ERR_TRUNCATED');
  // all empty fields and no C1h before the checksum
  const noEnd = Buffer.from([0x01, 0x02, 0x00, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0x00]);
  noEnd[15] = zeroChecksum(noEnd, 0, 15);
  t.equal((t.throws(() => decodeProduct(noEnd, 0)) as DecodeError).code, 'ERR_MALFORMED');
  t.throws(() => encodeProduct({ ...inventory.product!, productName: 'x'.repeat(64) }), RangeError, 'fields hold at most 63 bytes');
  t.end();
});
