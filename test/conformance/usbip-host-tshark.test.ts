// The real tshark decodes a whole host session over TCP: the emulated host (emulator/host/virtual-media-disk.ts) lists a
// BMC's drives, imports the disk, enumerates it, and reads, writes, flushes and goes past the end through Bulk-Only
// Transport and SCSI, then detaches; everything on the wire is captured on lo. Decoded as USB/IP
// (`-d tcp.port==P,usbip`), the descriptor exchange tells tshark the device is mass storage, so it dissects the bulk
// transfers as USBMS and SCSI: nothing may be malformed or an expert error, and the values it reads must be ours.
import t from 'tap';
import net from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../runtime/clock.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { BmcMedia } from '../../emulator/media/bmc-media.js';
import { ImageLibrary } from '../../emulator/media/image-library.js';
import { VirtualMediaDisk } from '../../emulator/host/virtual-media-disk.js';
import { malformedLines, startCapture } from '../helpers/tshark.js';
import { patternedImage } from '../helpers/range-server.js';

const HOST = '127.58.0.1';
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 256 << 20 }, (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout));
  });
}

t.test('a whole host session over USB/IP decodes as USB/IP, USBMS and SCSI with no malformed packet', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-host-cap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'disk.img');
  writeFileSync(image, patternedImage(256 * 512));
  const media = new BmcMedia({ address: HOST, clock: systemClock, library: new ImageLibrary() });
  await media.insert(DriveKind.disk, image);
  const server = net.createServer({ pauseOnConnect: true }, (socket) => media.accept(socket));
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as net.AddressInfo).port;
  t.teardown(async () => {
    media.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const capture = await startCapture(`tcp port ${port} and host ${HOST}`);
  const disk = await VirtualMediaDisk.attach({ bmc: HOST, port, drive: DriveKind.disk, timeoutMs: 5000, maxTransferBytes: 32 * 1024 });
  await disk.read(0, disk.blockCount);
  await disk.write(10, Buffer.alloc(2 * 512, 0x5a));
  t.equal((await disk.read(10, 2))[0], 0x5a);
  await disk.flush();
  await disk.read(disk.blockCount, 1).catch(() => undefined); // LBA out of range, and the REQUEST SENSE after it
  disk.close();
  for (const end = Date.now() + 5000; media.usbip.importedBusids().length > 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  await capture.stop();

  const decodeAs = ['-r', capture.file, '-d', `tcp.port==${port},usbip`];
  const verbose = await tshark([...decodeAs, '-V']);
  t.same(malformedLines(verbose), [], 'no malformed packet, no expert error');
  t.match(verbose, /Operation: OP_REQ_DEVLIST/, 'the device list');
  t.match(verbose, /Operation: OP_REQ_IMPORT/, 'the import');
  const info = await tshark([...decodeAs, '-T', 'fields', '-e', '_ws.col.Info']);
  t.match(info, /GET DESCRIPTOR Response CONFIGURATION/, 'the descriptor exchange is in the capture');
  t.match(info, /SET CONFIGURATION Request/);
  t.match(info, /GET MAX LUN Response/);
  t.match(info, /SCSI: Read\(10\) LUN: 0x00 \(LBA: 0x00000000, Len: 64\)/, 'bulk transfers dissected as USBMS and SCSI');
  t.match(verbose, /USB Mass Storage/);
  t.match(verbose, /Vendor Id: bmcfleet/, 'INQUIRY data decoded');
  t.match(verbose, /Product Id: Virtual HDisk/);
  t.match(verbose, /Additional Sense Code\+Qualifier: Logical Block Address Out Of Range \(0x2100\)/, 'the sense after going past the end');
  const fields = await tshark([...decodeAs, '-Y', 'scsi_sbc.opcode == 0x28 && scsi_sbc.rdwr10.lba', '-T', 'fields', '-e', 'scsi_sbc.rdwr10.lba', '-e', 'scsi_sbc.rdwr10.xferlen']);
  const reads = fields.trim().split('\n').map((l) => l.split('\t').map(Number));
  t.same(reads.slice(0, 4), [[0, 64], [64, 64], [128, 64], [192, 64]], 'READ(10): the LBA and length of each 32 KiB read');
  t.same(reads.at(-2), [10, 2], 'the read-back after the write');
  t.same(reads.at(-1), [256, 1], 'and the one past the end');
  const cdbs = await tshark([...decodeAs, '-Y', 'scsi_sbc.opcode', '-T', 'fields', '-e', 'scsi_sbc.opcode']);
  const opcodes = new Set(cdbs.trim().split('\n').flatMap((l) => l.split(',')).map((s) => Number(s)));
  for (const [op, name] of [[0x12, 'INQUIRY'], [0x00, 'TEST UNIT READY'], [0x25, 'READ CAPACITY(10)'], [0x28, 'READ(10)'], [0x2a, 'WRITE(10)'], [0x35, 'SYNCHRONIZE CACHE(10)'], [0x03, 'REQUEST SENSE']] as const) {
    t.ok(opcodes.has(op), `${name} decoded`);
  }
});
