// bmcfleet firmware (protocols/ipmi/oem/bmcfleet-firmware.ts): the header an emulated BMC reads its new version from,
// the reader that checks firmware as it arrives in blocks of any size, and the HPM.1 image `firmware pack` writes.
import t from 'tap';
import {
  BMC_FIRMWARE_COMPONENT, FIRMWARE_HEADER_BYTES, FirmwareReader, buildFirmware, decodeFirmwareHeader, packFirmwareImage,
} from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { ImageAction, decodeHpmImage } from '../../protocols/ipmi/hpm-image.js';

const TARGET = { deviceId: 0x20, manufacturerId: 32473, productId: 0x0102 };
const V = { major: 2, minor: 7, aux: Uint8Array.of(0, 0, 0, 9) };

function read(bytes: Uint8Array, piece: number) {
  const r = new FirmwareReader();
  for (let at = 0; at < bytes.length; at += piece) r.write(bytes.subarray(at, at + piece));
  return r.finish();
}

t.test('the header: magic, format, whom it is for, the version, the body length', (t) => {
  const fw = buildFirmware(TARGET, V, 1000);
  t.equal(fw.length, 1000);
  t.same([...fw.subarray(0, 25)], [
    ...Buffer.from('BMCFLTFW'), 0x01, 0x20, 0xd9, 0x7e, 0x00, 0x02, 0x01, 0x02, 0x07, 0, 0, 0, 9, 0xaf, 0x03, 0x00, 0x00,
  ]);
  t.same(decodeFirmwareHeader(fw), { ...TARGET, version: { ...V, aux: Uint8Array.of(0, 0, 0, 9) }, bodyLength: 1000 - FIRMWARE_HEADER_BYTES });
  t.same(buildFirmware(TARGET, V, 1000), fw, 'the same inputs give the same firmware');
  t.not(Buffer.compare(buildFirmware(TARGET, { ...V, minor: 8 }, 1000).subarray(FIRMWARE_HEADER_BYTES), fw.subarray(FIRMWARE_HEADER_BYTES)), 0,
    'another version, another body');
  t.throws(() => buildFirmware(TARGET, V, FIRMWARE_HEADER_BYTES - 1), RangeError);
  t.end();
});

t.test('the reader takes blocks of any size and checks length and digest at the end', (t) => {
  const fw = buildFirmware(TARGET, V, 5000);
  for (const piece of [1, 7, 36, 57, 58, 4999, 5000]) t.equal(read(fw, piece).bodyLength, 5000 - FIRMWARE_HEADER_BYTES, `${piece}-byte pieces`);
  t.equal(read(buildFirmware(TARGET, V, FIRMWARE_HEADER_BYTES), 10).bodyLength, 0, 'an empty body');

  const flipped = Buffer.from(fw);
  flipped[3000] ^= 0x40;
  t.match(t.throws(() => read(flipped, 100)), { code: 'ERR_DIGEST', protocol: 'bmcfleet firmware' });
  t.match(t.throws(() => read(fw.subarray(0, 4000), 100)), { code: 'ERR_TRUNCATED' }, 'a body cut short');
  t.match(t.throws(() => read(fw.subarray(0, 30), 100)), { code: 'ERR_TRUNCATED', field: 'header' }, 'a header cut short');
  t.match(t.throws(() => read(Buffer.concat([fw, Buffer.of(0)]), 100)), { code: 'ERR_LENGTH' }, 'a byte past the body');
  const foreign = Buffer.from(fw);
  foreign.write('OTHERFW!', 0, 'latin1');
  t.match(t.throws(() => read(foreign, 100)), { code: 'ERR_MAGIC' }, 'not bmcfleet firmware');
  const format2 = Buffer.from(fw);
  format2[8] = 2;
  t.match(t.throws(() => read(format2, 100)), { code: 'ERR_VERSION' });
  t.end();
});

t.test('firmware pack\'s image: backup, prepare and upload of component 1, capabilities 00h', (t) => {
  const fw = buildFirmware(TARGET, V, 300);
  const image = decodeHpmImage(packFirmwareImage(fw, 1_700_000_000));
  t.match(image, { ...TARGET, createdAt: 1_700_000_000, capabilities: 0, components: 1 << BMC_FIRMWARE_COMPONENT, firmwareVersion: { major: 2, minor: 7 } });
  t.same(image.actions.map((a) => a.type), [ImageAction.BACKUP, ImageAction.PREPARE, ImageAction.UPLOAD_FIRMWARE]);
  const upload = image.actions[2];
  if (upload.type !== ImageAction.UPLOAD_FIRMWARE) throw new Error('no upload');
  t.same(Buffer.from(upload.firmware), fw);
  t.equal(upload.description, 'BMC firmware 2.07');
  t.end();
});
