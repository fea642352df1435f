// bmcfleet firmware pack: the image it writes (IDs from a fleet template or given, the version, the size) and its
// usage errors.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageAction, decodeHpmImage } from '../../protocols/ipmi/hpm-image.js';
import { decodeFirmwareHeader } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { CLI } from '../helpers/emulator-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-pack-'));
const FLEET = join(dir, 'fleet.yaml');
writeFileSync(FLEET, 'templates:\n  gpu-4u: { product: GPU 4U }\nracks:\n  - { bmcs: 2, firstIp: 127.71.1.1, template: gpu-4u }\n');

function pack(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, 'firmware', 'pack', ...args], (err, stdout, stderr) =>
    resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr })));
}

t.test('an image for a fleet template\'s BMCs', async (t) => {
  const out = join(dir, 'a.hpm');
  const r = await pack(['--out', out, '--version', '3.14', '--template', 'gpu-4u', '--config', FLEET, '--size', '4096', '--json']);
  t.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  t.match(summary, { file: out, version: '3.14', component: 1, firmwareBytes: 4096, deviceId: 0x20, manufacturerId: 32473, productId: 1 });
  const image = decodeHpmImage(readFileSync(out));
  t.match(image, { deviceId: 0x20, manufacturerId: 32473, productId: 1, capabilities: 0, firmwareVersion: { major: 3, minor: 14 } });
  const upload = image.actions.find((a) => a.type === ImageAction.UPLOAD_FIRMWARE);
  if (upload?.type !== ImageAction.UPLOAD_FIRMWARE) throw new Error('no upload action');
  t.equal(upload.firmware.length, 4096);
  t.match(decodeFirmwareHeader(upload.firmware), { productId: 1, version: { major: 3, minor: 14 } });
});

t.test('an image for IDs given on the command line', async (t) => {
  const out = join(dir, 'b.hpm');
  const r = await pack(['--out', out, '--version', '0.9', '--device-id', '0x21', '--manufacturer', '343', '--product', '0x1a2b']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /BMC firmware 0\.09 \(component 1, 65536 bytes\) for device ID 0x21, manufacturer 343, product 0x1a2b/);
  t.match(decodeHpmImage(readFileSync(out)), { deviceId: 0x21, manufacturerId: 343, productId: 0x1a2b });
});

t.test('usage errors name what is wrong', async (t) => {
  const out = join(dir, 'c.hpm');
  const cases: [string[], RegExp][] = [
    [['--version', '1.02'], /--out FILE is required/],
    [['--out', out], /--version is required/],
    [['--out', out, '--version', '1.100'], /--version must be MAJOR\.MINOR/],
    [['--out', out, '--version', '128.0'], /major 0-127/],
    [['--out', out, '--version', '1.0', '--template', 'gpu-4u'], /--template and --config go together/],
    [['--out', out, '--version', '1.0', '--template', 'nope', '--config', FLEET], /has no template "nope" \(templates: gpu-4u\)/],
    [['--out', out, '--version', '1.0', '--template', 'gpu-4u', '--config', FLEET, '--product', '2'], /leave out --product/],
    [['--out', out, '--version', '1.0', '--product', '0x10000'], /--product must be a number from 0 to 65535/],
    [['--out', out, '--version', '1.0', '--size', '10'], /--size must be a whole number from 57/],
  ];
  for (const [args, message] of cases) {
    const r = await pack(args);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, message);
  }
  const help = await new Promise<string>((resolve) => execFile(process.execPath, [CLI, 'firmware', 'pack', '--help'], (_e, stdout) => resolve(stdout)));
  t.match(help, /ipmitool .* hpm upgrade bmc-1\.02\.hpm activate/, '--help shows how to use the image');
});
