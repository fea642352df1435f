// Issue 14 step 4 through a real fleet, as a manager would drive it: `bmcfleet image build` makes the image;
// ipmitool inserts it (OEM Set Virtual Media), sets the next boot to CD and power-cycles the host; the host's agent
// installs over USB/IP; Get Install Progress (OEM 31h, ipmitool raw) is polled until done; the console shows the
// installed system's hostname and role; the CD-ROM was ejected; the disk, read through the BMC over USB/IP, holds the
// system. A corrupted image fails with the reason reported.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualMediaDisk } from '../../emulator/host/virtual-media-disk.js';
import { readIsoImage } from '../../protocols/iso9660/iso-image.js';
import { SYSTEM_HEADER_BYTES, decodeSystemHeader } from '../../protocols/install-image/installed-system.js';
import { sha256Hex } from '../../protocols/install-image/install-image.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { consoleText } from '../helpers/fleet-console.js';
import { untilValue } from '../helpers/until.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';

const BMCS = ['127.88.0.1', '127.88.0.2'];
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-install-'));
let emu: EmulatorProcess;
let control: string;
let ipmiPort: number;
let usbipPort: number;

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

async function oem(ip: string, cmd: number, data: number[]): Promise<{ code: number; bytes: number[]; stderr: string }> {
  const r = await ipmitool({ host: ip, port: ipmiPort }, ['raw', '0x2e', hex(cmd), '0xd9', '0x7e', '0x00', ...data.map(hex)]);
  const bytes = r.stdout.trim().split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16));
  return { code: r.code, bytes: bytes.slice(3), stderr: r.stderr };
}

/** Get Install Progress through ipmitool raw, decoded: run(4) phase percent error updatedAt(8) message(s) role(s). */
async function progress(ip: string): Promise<{ run: number; phase: number; percent: number; error: number; message: string; role: string }> {
  const r = await oem(ip, 0x31, []);
  if (r.code !== 0) throw new Error(r.stderr);
  const b = Buffer.from(r.bytes);
  const msgLen = b[15];
  const message = b.subarray(16, 16 + msgLen).toString();
  const role = b.subarray(17 + msgLen, 17 + msgLen + b[16 + msgLen]).toString();
  return { run: b.readUInt32LE(0), phase: b[4], percent: b[5], error: b[6], message, role };
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

async function installFrom(ip: string, image: string): Promise<number> {
  const name = [...Buffer.from(image)];
  const set = await oem(ip, 0x20, [0x00, 0x01, name.length, ...name]);
  if (set.code !== 0) throw new Error(set.stderr);
  await untilValue('the insert', () => oem(ip, 0x21, [0x00]), (s) => s.bytes[1] === 2, 10_000);
  const before = (await progress(ip)).run;
  const target = { host: ip, port: ipmiPort };
  for (const args of [['chassis', 'bootdev', 'cdrom'], ['chassis', 'power', 'cycle']]) {
    const r = await ipmitool(target, args);
    if (r.code !== 0) throw new Error(`ipmitool ${args.join(' ')}: ${r.stderr}`);
  }
  return before;
}

t.before(async () => {
  ipmiPort = await freeUdpPort();
  usbipPort = await freeTcpPort();
  const built = await run(process.execPath, ['dist/cli/bmcfleet.js', 'image', 'build', 'fleets/install-image', '--out', join(dir, 'install.iso'), '--json']);
  if (built.code !== 0) throw new Error(built.stderr);
  // the same image with one byte of SYSTEM.IMG flipped: the manifest no longer matches
  const good = readFileSync(join(dir, 'install.iso'));
  const system = readIsoImage(good).files.find((f) => f.name === 'SYSTEM.IMG')!;
  const bad = Buffer.from(good);
  bad[system.extent * 2048 + 1000] ^= 0xff;
  writeFileSync(join(dir, 'corrupt.iso'), bad);
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0',
    `virtualMedia: { port: ${usbipPort}, imageDir: ${dir}, installStepMs: 20 }`,
    'console: { lineIntervalMs: 1000 }',
    'racks:', `  - { name: install, bmcs: ${BMCS.length}, firstIp: ${BMCS[0]} }`, '',
  ].join('\n'));
  emu = await startEmulator(['--config', fleet]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
});
t.teardown(() => emu?.stop());

t.test('bootdev cdrom + power cycle installs the image; progress is polled to done; the console shows hostname and role', async (t) => {
  const ip = BMCS[0];
  const before = await installFrom(ip, 'install.iso');
  const done = await untilValue('the install', () => progress(ip), (p) => p.run > before && (p.phase === 6 || p.phase === 7), 60_000);
  t.match(done, { run: before + 1, phase: 6, percent: 100, error: 0, role: 'compute' }, JSON.stringify(done));
  t.same(await progress(ip), done, 'polling again reads the same: a read changes nothing');

  const cd = await oem(ip, 0x21, [0x00]);
  t.equal(cd.bytes[1], 0, 'the CD-ROM was ejected (state 0, empty)');

  const text = await untilValue('the installed system\'s login prompt', () => consoleText(control, ip), (s) => /node-127-088-000-001 login: $/.test(s), 20_000);
  t.match(text, /Booting from USB CD-ROM/, 'the installer booted from the CD');
  t.match(text, /bmcfleet-installer: SYSTEM\.IMG: OK/, 'each sum checked');
  t.match(text, /Setting up slurmd/, 'the packages\' steps ran');
  t.match(text, /bmcfleet bmcfleet-demo 1\.0: role compute\r\n/, 'the installed system shows its role');
  t.match(text, /Hostname set to <node-127-088-000-001>/);

  const disk = await VirtualMediaDisk.attach({ bmc: ip, port: usbipPort, drive: DriveKind.disk, timeoutMs: 5000 });
  t.teardown(() => disk.close());
  const header = decodeSystemHeader(await disk.read(0, SYSTEM_HEADER_BYTES / disk.blockSize));
  t.match(header, { hostname: 'node-127-088-000-001', role: 'compute', image: 'bmcfleet-demo 1.0', packages: ['openssh-server', 'slurmd'] });
  const system = readFileSync('fleets/install-image/system.img');
  const blocks = Math.ceil(system.length / disk.blockSize);
  const onDisk = (await disk.read(SYSTEM_HEADER_BYTES / disk.blockSize, blocks)).subarray(0, system.length);
  t.equal(sha256Hex(onDisk), sha256Hex(system), 'the disk holds the system, byte for byte');
  t.equal(header.systemSha256, sha256Hex(system));
});

t.test('a corrupted image fails with the reason reported; the host is not installed', async (t) => {
  const ip = BMCS[1];
  const before = await installFrom(ip, 'corrupt.iso');
  const failed = await untilValue('the install', () => progress(ip), (p) => p.run > before && (p.phase === 6 || p.phase === 7), 60_000);
  t.match(failed, { run: before + 1, phase: 7, error: 5 }, 'failed, bad-checksum');
  t.match(failed.message, /SYSTEM\.IMG: SHA-256/);
  t.match(await consoleText(control, ip), /bmcfleet-installer: FAILED \(bad-checksum\): SYSTEM\.IMG/);
  t.equal((await oem(ip, 0x21, [0x00])).bytes[1], 2, 'the CD stays in for the operator to look at');
});
