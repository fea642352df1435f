// bmcfleet image build: the image it writes from a folder (the example in fleets/install-image, read back with our
// reader and every manifest sum checked) and its usage errors.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIsoImage } from '../../protocols/iso9660/iso-image.js';
import { decodeManifest } from '../../protocols/install-image/manifest.js';
import { decodeInstallConfig } from '../../protocols/install-image/install-config.js';
import { sha256Hex } from '../../protocols/install-image/install-image.js';
import { CLI } from '../helpers/emulator-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-image-'));

function image(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, 'image', ...args], (err, stdout, stderr) =>
    resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr })));
}

t.test('the example folder: an ISO 9660 image whose manifest lists every other file with its sum', async (t) => {
  const out = join(dir, 'demo.iso');
  const r = await image(['build', 'fleets/install-image', '--out', out, '--json']);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { file: out, name: 'bmcfleet-demo', version: '1.0', role: 'compute', packages: [{ name: 'openssh-server', file: 'OPENSSH_SERVER.PKG' }, { name: 'slurmd' }] });
  const { pvd, files } = readIsoImage(readFileSync(out));
  t.equal(pvd.volumeId, 'BMCFLEET_DEMO');
  const manifest = decodeManifest(files.find((f) => f.name === 'MANIFEST.SHA256')!.data);
  t.same(manifest.map((e) => e.name).sort(), files.map((f) => f.name).filter((n) => n !== 'MANIFEST.SHA256').sort());
  for (const e of manifest) t.equal(sha256Hex(files.find((f) => f.name === e.name)!.data), e.sha256, e.name);
  t.same(decodeInstallConfig(files.find((f) => f.name === 'INSTALL.CFG')!.data), {
    name: 'bmcfleet-demo', version: '1.0', role: 'compute', system: 'SYSTEM.IMG', packages: ['OPENSSH_SERVER.PKG', 'SLURMD.PKG'],
  });
  t.same(Buffer.from(files.find((f) => f.name === 'SYSTEM.IMG')!.data), readFileSync('fleets/install-image/system.img'));
});

t.test('usage errors name what is wrong and exit 2', async (t) => {
  t.match(await image(['build', 'fleets/install-image']), { code: 2, stderr: /--out FILE\.iso is required/ });
  t.match(await image(['build', '--out', join(dir, 'x.iso')]), { code: 2, stderr: /give one folder/ });
  const bad = join(dir, 'bad');
  mkdirSync(bad);
  writeFileSync(join(bad, 'image.cfg'), 'name=x\nversion=1\n');
  t.match(await image(['build', bad, '--out', join(dir, 'x.iso')]), { code: 2, stderr: /role= is missing/ });
  writeFileSync(join(bad, 'image.cfg'), 'name=x\nversion=1\nrole=web\n');
  writeFileSync(join(bad, 'system.img'), 'sys');
  writeFileSync(join(bad, 'a.pkg'), 'not a package\n');
  t.match(await image(['build', bad, '--out', join(dir, 'x.iso')]), { code: 2, stderr: /a\.pkg.*does not start with "package NAME VERSION"/ });
  t.match(await image(['frobnicate']), { code: 2, stderr: /unknown image command/ });
});
