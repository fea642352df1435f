// ISO 9660 against Debian's real tools (genisoimage's package): isoinfo reads an image our writer made (volume
// descriptor, directory listing, each file's bytes), and our reader reads an image genisoimage made.
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInstallImage } from '../../protocols/install-image/install-image.js';
import { readIsoImage } from '../../protocols/iso9660/iso-image.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = have('isoinfo') && have('genisoimage') ? false : 'genisoimage (isoinfo) not installed';

function run(cmd: string, args: string[]): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'buffer', maxBuffer: 64 << 20 }, (err, stdout, stderr) => resolve({ stdout, stderr: stderr.toString(), code: err ? 1 : 0 }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-iso-'));

t.test('isoinfo reads an install image our writer made', { skip }, async (t) => {
  const system = Buffer.alloc(70_000);
  for (let i = 0; i < system.length; i++) system[i] = (i * 7) & 0xff;
  const image = buildInstallImage({
    name: 'demo', version: '1.0', role: 'compute', system, createdAt: new Date(Date.UTC(2026, 5, 1, 8, 0, 0)),
    packages: [{ name: 'openssh-server', version: '1', steps: ['Setting up openssh-server ...'] }],
  });
  const file = join(dir, 'ours.iso');
  writeFileSync(file, image);
  const d = await run('isoinfo', ['-d', '-i', file]);
  t.equal(d.code, 0, d.stderr);
  t.match(d.stdout.toString(), /CD-ROM is in ISO 9660 format/);
  t.match(d.stdout.toString(), /Volume id: DEMO\n/);
  t.match(d.stdout.toString(), new RegExp(`Volume size is: ${image.length / 2048}\\n`));
  t.match(d.stdout.toString(), /Logical block size is: 2048/);
  const l = await run('isoinfo', ['-l', '-i', file]);
  t.equal(l.code, 0, l.stderr);
  for (const name of ['INSTALL.CFG;1', 'MANIFEST.SHA256;1', 'OPENSSH_SERVER.PKG;1', 'SYSTEM.IMG;1']) t.match(l.stdout.toString(), ` ${name} `);
  t.match(l.stdout.toString(), /\s70000 Jun {2}1 2026 \[\s+\d+ 00\]\s+SYSTEM\.IMG;1/, 'size, date and flags');
  const x = await run('isoinfo', ['-i', file, '-x', '/SYSTEM.IMG;1']);
  t.same(x.stdout, system, 'isoinfo extracts the system byte for byte');
  const m = await run('isoinfo', ['-i', file, '-x', '/MANIFEST.SHA256;1']);
  t.match(m.stdout.toString(), /^[0-9a-f]{64} {2}INSTALL\.CFG\n/);
});

t.test('our reader reads what genisoimage wrote', { skip }, async (t) => {
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'HELLO.TXT'), 'hello from genisoimage\n');
  const big = Buffer.alloc(5000, 0x42);
  writeFileSync(join(src, 'BIG.BIN'), big);
  const file = join(dir, 'theirs.iso');
  const g = await run('genisoimage', ['-quiet', '-V', 'THEIRS', '-o', file, src]);
  t.equal(g.code, 0, g.stderr);
  const { pvd, files } = readIsoImage(readFileSync(file));
  t.equal(pvd.volumeId, 'THEIRS');
  t.same(files.map((f) => f.name).sort(), ['BIG.BIN', 'HELLO.TXT']);
  t.equal(Buffer.from(files.find((f) => f.name === 'HELLO.TXT')!.data).toString(), 'hello from genisoimage\n');
  t.same(Buffer.from(files.find((f) => f.name === 'BIG.BIN')!.data), big);
});
