// The HPM.1 image file (protocols/ipmi/hpm-image.ts): the image ipmitool upgraded from in the capture, byte for byte,
// then one DecodeError per defect, in ipmitool's order (MD5 first), and what it accepts that it need not write.
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageAction, decodeHpmImage, encodeHpmImage, uploadComponent, type HpmImage } from '../../protocols/ipmi/hpm-image.js';

const vectors = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'vectors', 'ipmi', 'ipmitool-hpm-vs-bmcfleet.json');
const FILE = Buffer.from((JSON.parse(readFileSync(vectors, 'utf8')) as { image: string }).image, 'hex');

/** `body` with its MD5 appended: a file whose only defect is the one a test put in. */
function withMd5(body: Uint8Array): Buffer {
  return Buffer.concat([body, createHash('md5').update(body).digest()]);
}

/** The file with byte `at` set to `value`, MD5 fixed. */
function patched(at: number, value: number): Buffer {
  const body = Buffer.from(FILE.subarray(0, FILE.length - 16));
  body[at] = value;
  return withMd5(body);
}

t.test('the image ipmitool accepted: header, three actions, and the same bytes when encoded again', (t) => {
  const image = decodeHpmImage(FILE);
  t.match(image, {
    deviceId: 0x20, manufacturerId: 32473, productId: 1, capabilities: 0, components: 0x02,
    selfTestTimeout: 0, rollbackTimeout: 0, inaccessibilityTimeout: 0, earliestCompatible: { major: 0, minor: 0 },
    firmwareVersion: { major: 1, minor: 10 },
  });
  t.same(image.actions.map((a) => [a.type, a.components]), [[ImageAction.BACKUP, 2], [ImageAction.PREPARE, 2], [ImageAction.UPLOAD_FIRMWARE, 2]]);
  const upload = image.actions[2];
  t.match(upload, { description: 'BMC firmware 1.10', version: { major: 1, minor: 10 } });
  if (upload.type === ImageAction.UPLOAD_FIRMWARE) t.equal(upload.firmware.length, 120);
  t.same(encodeHpmImage(image), FILE, 'encode(decode(file)) is the file');
  t.end();
});

t.test('each defect is its own DecodeError', (t) => {
  const cases: [string, Uint8Array, string][] = [
    ['shorter than a header and an MD5', FILE.subarray(0, 40), 'ERR_TRUNCATED'],
    ['cut short (the MD5 no longer matches: ipmitool checks it first)', FILE.subarray(0, 150), 'ERR_MD5'],
    ['one byte changed', Buffer.concat([FILE.subarray(0, 100), Buffer.of(FILE[100] ^ 1), FILE.subarray(101)]), 'ERR_MD5'],
    ['another signature', patched(0, 0x51), 'ERR_SIGNATURE'],
    ['format version 1', patched(8, 1), 'ERR_VERSION'],
    ['a header byte changed, MD5 fixed', patched(9, 0x21), 'ERR_CHECKSUM'],
    ['an action checksum off', patched(35 + 2, 0), 'ERR_ACTION_CHECKSUM'],
    ['a firmware length past the end, MD5 fixed', patched(35 + 3 + 3 + 30, 0xff), 'ERR_TRUNCATED'],
    ['OEM data longer than the file', patched(33, 0x40), 'ERR_TRUNCATED'],
  ];
  for (const [what, bytes, code] of cases) t.match(t.throws(() => decodeHpmImage(bytes), what), { code, protocol: 'hpm.1 image' }, what);

  const image = decodeHpmImage(FILE);
  const unknown = Buffer.from(encodeHpmImage({ ...image, actions: [{ type: ImageAction.BACKUP, components: 2 }] }));
  unknown[35] = 0x05; // action type 5, checksum fixed below
  unknown[37] = (0x100 - 0x05 - 0x02) & 0xff;
  t.match(t.throws(() => decodeHpmImage(withMd5(unknown.subarray(0, unknown.length - 16)))), { code: 'ERR_ACTION', offset: 35 }, 'unknown action type');
  const cut = encodeHpmImage({ ...image, actions: [{ type: ImageAction.BACKUP, components: 2 }] });
  t.match(t.throws(() => decodeHpmImage(withMd5(Buffer.concat([cut.subarray(0, cut.length - 16), Buffer.of(0x00)])))), { code: 'ERR_TRUNCATED' },
    'a record cut short by the MD5');
  t.end();
});

t.test('what ipmitool also accepts: OEM data, an upload checksum over its 34 bytes', (t) => {
  const image: HpmImage = { ...decodeHpmImage(FILE), oemData: Buffer.from('vendor notes') };
  const withOem = encodeHpmImage(image);
  t.same(decodeHpmImage(withOem).oemData, Buffer.from('vendor notes'));

  const body = Buffer.from(FILE.subarray(0, FILE.length - 16));
  const upload = 35 + 3 + 3; // header (34) + checksum, then backup and prepare records
  body[upload + 2] = 0;
  let sum = 0;
  for (const b of body.subarray(upload, upload + 34)) sum += b;
  body[upload + 2] = (0x100 - (sum & 0xff)) & 0xff; // zeroes the 34 bytes, not the 3
  t.not(body.subarray(upload, upload + 3).reduce((a, b) => a + b, 0) & 0xff, 0, 'the 3-byte sum is not 0');
  t.equal(decodeHpmImage(withMd5(body)).actions.length, 3);
  t.end();
});

t.test('the component of an upload is the highest bit of its mask', (t) => {
  t.equal(uploadComponent(0x02), 1);
  t.equal(uploadComponent(0x05), 2);
  t.equal(uploadComponent(0x80), 7);
  t.equal(uploadComponent(0), null);
  t.end();
});
