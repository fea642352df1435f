// The host's installer (emulator/host/installer.ts) on in-memory devices and a manual clock: a good image installs
// (phases and percents in order, package steps stepMs apart, the disk holds header and system), and each failure ends
// in its InstallError code: not ISO 9660, a bad sum, a missing manifest, an unlisted file, a read error, a disk too
// small, a power-off mid-install.
import t from 'tap';
import { ManualClock } from '../../runtime/manual-clock.js';
import { BlockIoError, InstallFailure, Installer } from '../../emulator/host/installer.js';
import type { BlockDevice } from '../../emulator/host/virtual-media-disk.js';
import { InstallError, InstallPhase } from '../../protocols/ipmi/oem/install-progress.js';
import { buildInstallImage, sha256Hex } from '../../protocols/install-image/install-image.js';
import { SYSTEM_HEADER_BYTES, decodeSystemHeader } from '../../protocols/install-image/installed-system.js';
import { buildIsoImage, readIsoImage } from '../../protocols/iso9660/iso-image.js';
import { encodeManifest } from '../../protocols/install-image/manifest.js';

const SYSTEM = Buffer.alloc(300_000);
for (let i = 0; i < SYSTEM.length; i++) SYSTEM[i] = (i * 31 + (i >> 9)) & 0xff;
const PACKAGES = [
  { name: 'openssh-server', version: '1:9.2', steps: ['Unpacking openssh-server ...', 'Setting up openssh-server ...'] },
  { name: 'slurmd', version: '22.05', steps: ['Setting up slurmd ...'] },
];
const AT = new Date(Date.UTC(2026, 0, 2));
const IMAGE = buildInstallImage({ name: 'demo', version: '2.0', role: 'storage', system: SYSTEM, packages: PACKAGES, createdAt: AT });

class MemoryDevice implements BlockDevice {
  readonly bytes: Buffer;
  readonly blockSize: number;
  failReadsFrom = Infinity;
  constructor(blockSize: number, bytes: Buffer) {
    this.blockSize = blockSize;
    this.bytes = bytes;
  }
  get blockCount() { return this.bytes.length / this.blockSize; }
  async read(lba: number, blocks: number, into?: Buffer): Promise<Buffer> {
    if (lba + blocks > this.failReadsFrom) throw new BlockIoError('MEDIUM ERROR (03h), unrecovered read error');
    const bytes = this.bytes.subarray(lba * this.blockSize, (lba + blocks) * this.blockSize);
    if (into === undefined) return Buffer.from(bytes);
    bytes.copy(into); // as VirtualMediaDisk: the data in the caller's buffer, which it reuses
    return into.subarray(0, bytes.length);
  }
  async write(lba: number, data: Buffer): Promise<void> {
    if (data.length % this.blockSize !== 0) throw new RangeError('not whole blocks');
    data.copy(this.bytes, lba * this.blockSize);
  }
  close(): void {}
}

function setup(image: Buffer = IMAGE, diskBytes = 1024 * 1024) {
  const clock = new ManualClock(1000);
  const cd = new MemoryDevice(2048, Buffer.from(image));
  const disk = new MemoryDevice(512, Buffer.alloc(diskBytes));
  const reports: { phase: number; percent: number; message: string; role: string; at: number }[] = [];
  const lines: { at: number; line: string }[] = [];
  let stopped = false;
  const installer = new Installer(cd, disk, {
    clock, stepMs: 250, stopped: () => stopped,
    report: (phase, percent, message, role) => reports.push({ phase, percent, message, role, at: clock.now() }),
    print: (line) => lines.push({ at: clock.now(), line }),
  });
  return { clock, cd, disk, reports, lines, installer, stop: () => { stopped = true; } };
}

/** Runs the install to its end, moving the manual clock while it waits. */
async function settle<T>(p: Promise<T>, clock: ManualClock): Promise<{ ok: T } | { err: unknown }> {
  let out: { ok: T } | { err: unknown } | null = null;
  p.then((ok) => { out = { ok }; }, (err: unknown) => { out = { err }; });
  for (let i = 0; i < 1000 && out === null; i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(50);
  }
  return out ?? { err: new Error('did not settle') };
}

async function failure(s: ReturnType<typeof setup>): Promise<InstallFailure> {
  const r = await settle(s.installer.run('node-1'), s.clock);
  if (!('err' in r) || !(r.err instanceof InstallFailure)) throw new Error(`expected an InstallFailure, got ${JSON.stringify(r)}`);
  return r.err;
}

t.test('a good image: every sum checked, the system copied after a 4 KiB header, packages stepped on the clock', async (t) => {
  const s = setup();
  const r = await settle(s.installer.run('node-1'), s.clock);
  t.ok('ok' in r, JSON.stringify(r));
  const installed = (r as { ok: Awaited<ReturnType<Installer['run']>> }).ok;
  t.same(installed, { hostname: 'node-1', role: 'storage', image: 'demo 2.0', packages: ['openssh-server', 'slurmd'], systemBytes: SYSTEM.length, systemSha256: sha256Hex(SYSTEM) });
  t.same(decodeSystemHeader(s.disk.bytes.subarray(0, SYSTEM_HEADER_BYTES)), installed, 'the header on the disk');
  t.same(s.disk.bytes.subarray(SYSTEM_HEADER_BYTES, SYSTEM_HEADER_BYTES + SYSTEM.length), SYSTEM, 'the system on the disk');

  const phases = s.reports.map((p) => p.phase);
  t.same([...new Set(phases)], [InstallPhase.VERIFYING, InstallPhase.COPYING, InstallPhase.PACKAGES, InstallPhase.FINISHING], 'phases in order');
  t.ok(s.reports.every((p, i) => i === 0 || p.percent >= s.reports[i - 1].percent), 'percent never goes back');
  t.ok(s.reports.some((p) => p.phase === InstallPhase.COPYING && p.percent > 35 && p.percent < 75), 'copying reports in between');
  t.equal(s.reports.find((p) => p.phase === InstallPhase.PACKAGES)!.role, 'storage', 'the role is reported once the config is read');

  const steps = s.lines.filter((l) => /^(Unpacking|Setting up)/.test(l.line));
  t.same(steps.map((l) => l.line), ['Unpacking openssh-server ...', 'Setting up openssh-server ...', 'Setting up slurmd ...']);
  t.ok(steps[1].at - steps[0].at >= 250, 'steps are stepMs apart');
  t.ok(s.lines.some((l) => l.line === 'bmcfleet-installer: SYSTEM.IMG: OK'));
});

t.test('not an ISO 9660 image: not-iso9660', async (t) => {
  const f = await failure(setup(Buffer.alloc(40 * 2048)));
  t.equal(f.code, InstallError.NOT_ISO9660);
  t.match(f.message, /CD001/);
});

t.test('a flipped byte in the system: bad-checksum naming the file, nothing written', async (t) => {
  const bad = Buffer.from(IMAGE);
  const sys = readIsoImage(IMAGE).files.find((x) => x.name === 'SYSTEM.IMG')!;
  bad[sys.extent * 2048 + 5] ^= 1;
  const s = setup(bad);
  const f = await failure(s);
  t.equal(f.code, InstallError.BAD_CHECKSUM);
  t.match(f.message, /^SYSTEM\.IMG: SHA-256/);
  t.ok(s.disk.bytes.every((b) => b === 0), 'the disk is untouched');
});

t.test('no manifest, or a manifest that leaves out a file the config names: bad-image', async (t) => {
  const files = readIsoImage(IMAGE).files.map((f) => ({ name: f.name, data: Buffer.from(f.data) }));
  const noManifest = buildIsoImage({ volumeId: 'X', files: files.filter((f) => f.name !== 'MANIFEST.SHA256'), createdAt: AT });
  const f1 = await failure(setup(noManifest));
  t.equal(f1.code, InstallError.BAD_IMAGE);
  t.match(f1.message, /no MANIFEST\.SHA256/);
  const partial = files.filter((f) => f.name !== 'MANIFEST.SHA256' && f.name !== 'SLURMD.PKG');
  const unlisted = buildIsoImage({
    volumeId: 'X', createdAt: AT,
    files: [...partial, { name: 'SLURMD.PKG', data: files.find((f) => f.name === 'SLURMD.PKG')!.data },
      { name: 'MANIFEST.SHA256', data: encodeManifest(partial.map((f) => ({ name: f.name, sha256: sha256Hex(f.data) }))) }],
  });
  const f2 = await failure(setup(unlisted));
  t.equal(f2.code, InstallError.BAD_IMAGE);
  t.match(f2.message, /does not list SLURMD\.PKG/);
});

t.test('an unreadable CD block: read-error', async (t) => {
  const s = setup();
  s.cd.failReadsFrom = 30;
  const f = await failure(s);
  t.equal(f.code, InstallError.READ_ERROR);
  t.match(f.message, /MEDIUM ERROR/);
});

t.test('a disk smaller than header + system: disk-too-small, checked before any write', async (t) => {
  const s = setup(IMAGE, 256 * 1024);
  const f = await failure(s);
  t.equal(f.code, InstallError.DISK_TOO_SMALL);
  t.match(f.message, /needs 30\d+ bytes, the disk has 262144/);
});

t.test('powered off during the packages: interrupted, and nothing more is reported', async (t) => {
  const s = setup();
  const p = s.installer.run('node-1');
  let out: unknown = null;
  p.catch((e: unknown) => { out = e; });
  for (let i = 0; i < 500 && !s.reports.some((r) => r.phase === InstallPhase.PACKAGES); i++) {
    await new Promise((r) => setImmediate(r));
    s.clock.advance(10);
  }
  s.stop();
  const count = s.reports.length;
  for (let i = 0; i < 100 && out === null; i++) {
    await new Promise((r) => setImmediate(r));
    s.clock.advance(250);
  }
  t.type(out, InstallFailure);
  t.equal((out as unknown as InstallFailure).code, InstallError.INTERRUPTED);
  t.equal(s.reports.length, count, 'no report after the stop');
  t.equal(s.disk.bytes.subarray(0, 8).toString('latin1'), '\0'.repeat(8), 'no system header written');
});
