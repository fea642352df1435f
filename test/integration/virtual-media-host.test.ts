// Issue 13, the host side through a real fleet (a shard process, the fleet's USB/IP listener, the control API): an image
// file inserted with PUT /bmcs/IP/media/disk, the emulated host attaches the BMC's disk over TCP (device list, import,
// enumeration, INQUIRY, TEST UNIT READY, READ CAPACITY) and reads the whole image byte for byte; its writes read back
// and never reach the file; an eject while attached gives NOT READY, the next insert one UNIT ATTENTION; close()
// detaches and the BMC releases the busid. The CD-ROM reads an ISO-sized image in 1 MiB READs with queued URBs.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { Fleet } from '../../emulator/fleet/fleet.js';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { DriveNotListedError, VirtualMediaDisk } from '../../emulator/host/virtual-media-disk.js';
import { SenseError } from '../../clients/usbip/scsi-host.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { encodeInquiry } from '../../protocols/scsi/inquiry.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { patternedImage } from '../helpers/range-server.js';

const BMC = '127.57.0.1';
const DISK_BYTES = 2 * 1024 * 1024 + 5 * 512;
const CD_BYTES = 700 * 2048;
const POLL_MS = 50;

const sense = (e: unknown) => e instanceof SenseError ? [e.key, e.asc, e.ascq].map((v) => v.toString(16).padStart(2, '0')).join('/') : String(e);

async function until(what: string, ok: () => Promise<boolean>, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !(await ok());) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('an emulated host attaches its BMC\'s disk and CD-ROM over USB/IP through a running fleet', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-vm-host-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const diskFile = join(dir, 'disk.img');
  const cdFile = join(dir, 'install.iso');
  const diskImage = patternedImage(DISK_BYTES);
  const cdImage = patternedImage(CD_BYTES).map((b) => b ^ 0x3c);
  writeFileSync(diskFile, diskImage);
  writeFileSync(cdFile, cdImage);

  const port = await freeTcpPort();
  const fleet = await Fleet.start(fleetConfig({
    ipmiPort: await freeUdpPort(), shards: 1, control: '127.0.0.1:0', racks: [{ bmcs: 1, firstIp: BMC }], virtualMedia: { port, mediaDirs: [dir] },
  }));
  t.teardown(() => fleet.stop());
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fleet.control!.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: await res.json() as any };
  };
  const attached = async (kind: DriveKind) => (await api('GET', `/bmcs/${BMC}/media`)).json.drives.find((d: { kind: string }) => d.kind === kind).hostAttached as boolean;

  t.match(await api('PUT', `/bmcs/${BMC}/media/disk`, { image: diskFile }), { status: 200, json: { state: 'inserted', blockSize: 512, blockCount: DISK_BYTES / 512 } });
  const disk = await VirtualMediaDisk.attach({ bmc: BMC, port, drive: DriveKind.disk, timeoutMs: 5000 });
  t.teardown(() => disk.close());
  t.equal(disk.busid, '1-2');
  t.match(disk.fn.device, { product: 'Virtual HDisk', maxLun: 0, bulkIn: 0x81, bulkOut: 0x02 });
  t.match(disk.inquiry, { vendor: 'bmcfleet', peripheralDeviceType: 0, removable: true });
  t.same([disk.blockSize, disk.blockCount], [512, DISK_BYTES / 512]);
  t.ok(await attached(DriveKind.disk), 'GET /bmcs/IP/media: the disk has a host attached');
  await t.rejects(VirtualMediaDisk.attach({ bmc: BMC, port, drive: DriveKind.disk, timeoutMs: 5000 }), DriveNotListedError, 'a second host cannot have it');

  t.ok((await disk.read(0, disk.blockCount)).equals(diskImage), 'the whole image, byte for byte');
  const short = await disk.scsi.bot.commandIn(encodeInquiry(255), 255);
  t.same([short.passed, short.data.length, short.residue], [true, 36, 219], 'a short data phase: the STALL cleared over USB/IP, the CSW read');
  await t.rejects(disk.scsi.bot.commandIn(encodeInquiry(36), 0), { name: 'BulkOnlyError', code: 'ERR_BOT_PHASE' }, 'a phase error (case 2)');
  t.equal(disk.scsi.bot.resets, 1, 'then a reset recovery over USB/IP: the class request and both CLEAR_FEATUREs');
  t.ok((await disk.read(5, 1)).equals(diskImage.subarray(5 * 512, 6 * 512)), 'and the disk reads on');

  const written = Buffer.alloc(3 * 512, 0xab);
  await disk.write(10, written);
  await disk.write(disk.blockCount - 1, Buffer.alloc(512, 0xcd));
  await disk.flush();
  t.ok((await disk.read(10, 3)).equals(written), 'the writes read back');
  t.ok((await disk.read(9, 1)).equals(diskImage.subarray(9 * 512, 10 * 512)), 'the block before untouched');
  t.equal((await disk.read(disk.blockCount - 1, 1))[0], 0xcd);
  t.ok(readFileSync(diskFile).equals(diskImage), 'the image file is unchanged');
  t.equal(sense(await disk.read(disk.blockCount, 1).catch((e: unknown) => e)), '05/21/00', 'past the end: LBA OUT OF RANGE');

  t.equal((await api('DELETE', `/bmcs/${BMC}/media/disk`)).status, 200);
  t.equal(sense(await disk.read(0, 1).catch((e: unknown) => e)), '02/3a/00', 'ejected while attached: NOT READY, MEDIUM NOT PRESENT');
  t.equal(sense(await disk.read(0, 1).catch((e: unknown) => e)), '02/3a/00', 'and again');
  t.equal((await api('PUT', `/bmcs/${BMC}/media/disk`, { image: diskFile })).status, 200);
  const uas = disk.scsi.stats.unitAttentions;
  t.equal(sense(await disk.read(10, 1).catch((e: unknown) => e)), '06/28/00', 'inserted again: UNIT ATTENTION');
  t.ok((await disk.read(10, 3)).equals(diskImage.subarray(10 * 512, 13 * 512)), 'once; then the image as it is: the old writes went with the eject');
  t.equal(disk.scsi.stats.unitAttentions, uas + 1, 'exactly one');

  disk.close();
  await until('the BMC to release 1-2', async () => !(await attached(DriveKind.disk)));
  t.pass('detached: the busid is free again');
  const again = await VirtualMediaDisk.attach({ bmc: BMC, port, drive: DriveKind.disk, timeoutMs: 5000 });
  t.equal(again.busid, '1-2', 'and can be attached again');
  again.close();

  t.equal((await api('PUT', `/bmcs/${BMC}/media/cdrom`, { image: cdFile })).status, 200);
  const cd = await VirtualMediaDisk.attach({ bmc: BMC, port, drive: DriveKind.cdrom, timeoutMs: 5000, maxTransferBytes: 1024 * 1024, queued: true });
  t.teardown(() => cd.close());
  t.same([cd.busid, cd.inquiry.peripheralDeviceType, cd.blockSize, cd.blockCount], ['1-1', 5, 2048, CD_BYTES / 2048]);
  t.ok((await cd.read(0, cd.blockCount)).equals(cdImage), 'the whole ISO, byte for byte (1 MiB READs, URBs queued)');
  t.equal(sense(await cd.write(0, Buffer.alloc(2048)).catch((e: unknown) => e)), '07/27/00', 'a CD is write protected');
});

t.test('attach waits for a medium: an empty drive is waited on, then NOT READY when none comes', async (t) => {
  const port = await freeTcpPort();
  const fleet = await Fleet.start(fleetConfig({
    ipmiPort: await freeUdpPort(), shards: 1, control: '127.0.0.1:0', racks: [{ bmcs: 1, firstIp: '127.57.1.1' }], virtualMedia: { port },
  }));
  t.teardown(() => fleet.stop());
  // the host's time moves only by its pauses between TEST UNIT READYs (each over at once); the USB/IP waits run on real time
  let now = 0;
  const clock: Clock = {
    now: () => now,
    setTimeout(fn, ms) {
      if (ms !== POLL_MS) return systemClock.setTimeout(fn, ms);
      now += ms;
      setImmediate(fn);
      return { cancel: () => {} };
    },
  };
  const err = await VirtualMediaDisk.attach({ bmc: '127.57.1.1', port, drive: DriveKind.cdrom, clock, readyTimeoutMs: 300, readyPollMs: POLL_MS }).catch((e: unknown) => e);
  t.equal(sense(err), '02/3a/00');
  t.ok(now >= 250, 'it waited before giving up');
});
