// An independent decoder checks the BOT and SCSI bytes: a host session with each drive (enumeration, then the
// commands Linux sd/sr, EDK2 and Windows send, errors included) is recorded as a Linux usbmon capture and
// dissected by the real tshark (packet-usbms-bot.c, packet-scsi*.c). Nothing may show as malformed or as an
// expert error, every command must be matched by its response, and the decoded values must be ours. (Wireshark
// only warns "Unknown Feature data" for GET CONFIGURATION features it has no decoder for.)
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { malformedLines } from '../helpers/tshark.js';
import { runCommand, type HostCommand } from '../helpers/bot-host.js';
import { MemorySlot, cdImage, diskImage } from '../helpers/memory-medium.js';
import { RecordingFunction, UsbmonCapture } from '../helpers/usbmon-pcap.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

// Enumeration as the capture needs it: Wireshark learns from the configuration descriptor that the interface is
// 08h/06h/50h and hands the bulk endpoints to its USBMS dissector. (Fixture bytes for this test: device 1d6b:0104,
// one configuration with one interface and bulk endpoints 81h and 02h of 512 bytes.)
const DEVICE_DESCRIPTOR = Buffer.from('12010002000000406b1d0401000101020301', 'hex');
const CONFIG_DESCRIPTOR = Buffer.from('0902200001010080320904000002080650000705810200020007050202000200', 'hex');

function dissect(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-r', file, '-V'], { maxBuffer: 256 << 20 }, (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout));
  });
}

async function session(kind: DriveKind, commands: HostCommand[], file: string, prepare?: (slot: MemorySlot) => void) {
  const capture = new UsbmonCapture();
  capture.control(Buffer.from('8006000100001200', 'hex'), DEVICE_DESCRIPTOR);
  capture.control(Buffer.from('8006000200002000', 'hex'), CONFIG_DESCRIPTOR);
  capture.control(Buffer.from('0009010000000000', 'hex'));
  const slot = new MemorySlot(kind, kind === DriveKind.cdrom ? cdImage(300) : diskImage(2048));
  const identity = { vendor: 'BMCFLEET', product: kind === DriveKind.cdrom ? 'Virtual CD-ROM' : 'Virtual Disk', revision: '1.00', serial: 'S0001' };
  const fn = new RecordingFunction(new MassStorageFunction(slot, { identity }), capture);
  prepare?.(slot);
  for (const c of commands) await runCommand(fn, c);
  capture.write(file);
  return dissect(file);
}

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-usbms-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0;

t.test('a CD-ROM session decodes cleanly as USBMS + SCSI MMC with our values', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const commands: HostCommand[] = [
    { cdb: [0x12, 0, 0, 0, 36, 0], length: 36 },
    { cdb: [0x00, 0, 0, 0, 0, 0] }, // UNIT ATTENTION: the disc went in after attach
    { cdb: [0x03, 0, 0, 0, 18, 0], length: 18 },
    { cdb: [0x00, 0, 0, 0, 0, 0] },
    { cdb: [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0], length: 128 },
    { cdb: [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], length: 8 },
    { cdb: [0x43, 0, 0, 0, 0, 0, 0, 0, 20, 0], length: 20 },
    { cdb: [0x43, 2, 1, 0, 0, 0, 0, 0, 12, 0], length: 12 },
    { cdb: [0x46, 0, 0, 0, 0, 0, 0, 0, 255, 0], length: 255 },
    { cdb: [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], length: 8 },
    { cdb: [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], length: 34 },
    { cdb: [0x1e, 0, 0, 0, 1, 0] },
    { cdb: [0x28, 0, 0, 0, 0, 16, 0, 0, 64, 0], length: 64 * 2048, urb: 65536 },
    { cdb: [0xa8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], length: 2048 },
    { cdb: [0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], out: Buffer.alloc(2048) }, // DATA PROTECT
    { cdb: [0x03, 0, 0, 0, 18, 0], length: 18 },
    { cdb: [0x1e, 0, 0, 0, 0, 0] },
    { cdb: [0x1b, 0, 0, 0, 2, 0] },
  ];
  const out = await session(DriveKind.cdrom, commands, join(dir, 'cd.pcap'), (slot) => slot.insert(cdImage(300)));
  t.same(malformedLines(out), [], 'nothing malformed, no expert error');
  t.equal(count(out, /^SCSI CDB /gm), commands.length, 'every CBW is a SCSI command');
  t.equal(count(out, /^SCSI Response /gm), commands.length, 'every CSW answers one');
  t.match(out, /Device Type: CD-ROM \(0x05\)/);
  t.match(out, /Vendor Id: BMCFLEET/);
  t.match(out, /Product Id: Virtual CD-ROM/);
  t.match(out, /Sense Key: Unit Attention \(0x6\)/);
  t.match(out, /Additional Sense Code\+Qualifier: Not Ready To Ready Change, Medium May Have Changed \(0x2800\)/);
  t.match(out, /Sense Key: Data Protection \(0x7\)/);
  t.match(out, /Additional Sense Code\+Qualifier: Write Protected \(0x2700\)/);
  t.match(out, /LBA: 299 /);
  t.match(out, /Block size in bytes: 2048/);
  t.match(out, /Track Start Address: 300/);
  t.match(out, /Current Profile: CD-ROM \(0x0008\)/);
  t.match(out, /Disk Status: Finalized Disc/);
  t.match(out, /MM Capabilities and Mechanical Status/);
  t.equal(count(out, /Expert Info \(Warning\/Protocol\): SCSI\/MMC Unknown Feature data/g), 4, 'Core, Morphing, Removable Medium, Random Readable');
});

t.test('a disk session decodes cleanly as USBMS + SCSI SBC with our values', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const commands: HostCommand[] = [
    { cdb: [0x12, 0, 0, 0, 36, 0], length: 36 },
    { cdb: [0x12, 1, 0x00, 0, 255, 0], length: 255 },
    { cdb: [0x12, 1, 0x80, 0, 255, 0], length: 255 },
    { cdb: [0x12, 1, 0x83, 0, 255, 0], length: 255 },
    { cdb: [0x00, 0, 0, 0, 0, 0] },
    { cdb: [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], length: 8 },
    { cdb: [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0], length: 32 },
    { cdb: [0x1a, 0, 0x3f, 0, 192, 0], length: 192 },
    { cdb: [0x5a, 0, 0x08, 0, 0, 0, 0, 0, 192, 0], length: 192 },
    { cdb: [0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0], length: 4096 },
    { cdb: [0x2a, 0, 0, 0, 0, 8, 0, 0, 8, 0], out: Buffer.alloc(4096, 0xee) },
    { cdb: [0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0], out: Buffer.alloc(512, 0x11) },
    { cdb: [0x88, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0], length: 9 * 512 },
    { cdb: [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    { cdb: [0x28, 0, 0, 0, 0x08, 0, 0, 0, 1, 0], length: 512 }, // LBA out of range
    { cdb: [0x03, 0, 0, 0, 18, 0], length: 18 },
    { cdb: [0xe7, 0, 0, 0, 0, 0] }, // unsupported
    { cdb: [0x03, 0, 0, 0, 18, 0], length: 18 },
  ];
  const out = await session(DriveKind.disk, commands, join(dir, 'disk.pcap'));
  t.same(malformedLines(out), [], 'nothing malformed, no expert error');
  t.equal(count(out, /^SCSI CDB /gm), commands.length);
  t.equal(count(out, /^SCSI Response /gm), commands.length);
  t.match(out, /Device Type: Direct Access Device \(0x00\)/);
  t.match(out, /Product Id: Virtual Disk/);
  t.match(out, /LBA: 2047 /);
  t.match(out, /Block size in bytes: 512/);
  t.match(out, /Additional Sense Code\+Qualifier: Logical Block Address Out Of Range \(0x2100\)/);
  t.match(out, /Additional Sense Code\+Qualifier: Invalid Command Operation Code \(0x2000\)/);
});
