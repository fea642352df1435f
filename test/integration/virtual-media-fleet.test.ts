// Virtual media through the whole fleet as a user meets it (README "Virtual media"): `bmcfleet emulate` with a
// virtualMedia section; the real `usbip list -r` sees both drives at each BMC's own address; the control API inserts
// and ejects; the real ipmitool drives the OEM pair (Set Virtual Media, Get Virtual Media Status); a host attaching over
// USB/IP is seen. (Reading the image through BOT + SCSI is the emulated host's test.)
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsbipClient } from '../../clients/usbip/usbip-client.js';
import { enumerateMassStorage } from '../../clients/usbip/enumerate.js';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';

const BMCS = ['127.74.0.1', '127.74.0.2'];
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-vmedia-'));
const IMAGE = Buffer.alloc(64 * 2048);
for (let i = 0; i < IMAGE.length; i++) IMAGE[i] = (i * 13 + (i >> 11)) & 0xff;
writeFileSync(join(dir, 'install.iso'), IMAGE);

let emu: EmulatorProcess;
let control: string;
/** Ports of this run: a fleet of another run at the same time (the USB/IP port is on 0.0.0.0) does not meet it. */
let ipmiPort: number;
let usbipPort: number;

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${control}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** `ipmitool raw 0x2e CMD` with the bmcfleet IANA first: the response bytes after the IANA, or the failure. */
async function oem(ip: string, cmd: number, data: number[]): Promise<{ code: number; bytes: number[]; stderr: string }> {
  const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
  const r = await ipmitool({ host: ip, port: ipmiPort }, ['raw', '0x2e', hex(cmd), '0xd9', '0x7e', '0x00', ...data.map(hex)]);
  const bytes = r.stdout.trim().split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16));
  return { code: r.code, bytes: bytes.slice(3), stderr: r.stderr };
}

t.before(async () => {
  ipmiPort = await freeUdpPort();
  usbipPort = await freeTcpPort();
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0',
    `virtualMedia: { port: ${usbipPort}, imageDir: ${dir} }`,
    'racks:', `  - { name: media, bmcs: ${BMCS.length}, firstIp: ${BMCS[0]} }`, '',
  ].join('\n'));
  emu = await startEmulator(['--config', fleet]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
});
t.teardown(() => emu?.stop());

t.test('usbip list -r against a BMC of the fleet shows its CD-ROM and disk', async (t) => {
  const r = await run('usbip', ['--tcp-port', String(usbipPort), 'list', '-r', BMCS[1]]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /1-1: American Megatrends, Inc\. : Virtual CDROM \(046b:ff20\)/);
  t.match(r.stdout, /1-2: American Megatrends, Inc\. : .*\(046b:ff31\)/);
  t.match(r.stdout, /Mass Storage \/ SCSI \/ Bulk-Only/);
});

t.test('the control API inserts a file into the CD-ROM; a host attached over USB/IP shows; bad inserts are refused; eject empties it', async (t) => {
  const ip = BMCS[0];
  const inserted = await api('PUT', `/bmcs/${ip}/media/cdrom`, { image: join(dir, 'install.iso') });
  t.equal(inserted.status, 200, JSON.stringify(inserted.json));
  t.match(inserted.json, { kind: 'cdrom', state: 'inserted', inserted: true, size: IMAGE.length, blockSize: 2048, blockCount: 64, readOnly: true });
  t.match((await api('GET', `/bmcs/${ip}/media`)).json, { drives: [{ kind: 'cdrom', state: 'inserted' }, { kind: 'disk', state: 'empty' }] });

  const client = await UsbipClient.import({ host: ip, port: usbipPort, busid: '1-1' });
  t.teardown(() => client.close());
  const device = await enumerateMassStorage(client);
  t.equal(device.product, 'Virtual CDROM');
  t.match((await api('GET', `/bmcs/${ip}/media`)).json, { drives: [{ hostAttached: true }, { hostAttached: false }] });

  const bad = await api('PUT', `/bmcs/${ip}/media/cdrom`, { image: join(dir, 'missing.iso') });
  t.equal(bad.status, 400, 'no such file: 400');
  t.match(bad.json.error, /missing\.iso/);
  t.equal((await api('PUT', `/bmcs/${ip}/media/floppy`, { image: 'x' })).status, 404);
  t.equal((await api('PUT', `/bmcs/${ip}/media/cdrom`, {})).status, 400);
  t.match((await api('DELETE', `/bmcs/${ip}/media/cdrom`)).json, { state: 'empty', inserted: false });
  const metrics = await (await fetch(`${control}/metrics`)).text();
  t.match(metrics, /^bmcfleet_usbip_imports_total\{shard="0"\} [1-9]/m, 'the import shows in the metrics');
  t.match(metrics, /^bmcfleet_media_open_images\{shard="0"\} 0$/m, 'the ejected image is closed');
});

t.test('ipmitool raw: Set Virtual Media inserts a file of the image folder; Get Virtual Media Status follows it', async (t) => {
  const ip = BMCS[1];
  const name = [...Buffer.from('install.iso')];
  const set = await oem(ip, 0x20, [0x00, 0x01, name.length, ...name]);
  t.equal(set.code, 0, set.stderr);
  let status: number[] = [];
  for (let i = 0; i < 100; i++) {
    status = (await oem(ip, 0x21, [0x00])).bytes;
    if (status[1] !== 1) break; // 1: inserting
    await new Promise((r) => setTimeout(r, 50));
  }
  t.equal(status[0], 0, 'drive 0');
  t.equal(status[1], 2, 'state 2: inserted');
  t.equal(Buffer.from(status.slice(6, 8)).readUInt16LE(0), 2048, 'block size');
  t.equal(Buffer.from(status.slice(8, 16)).readUInt32LE(0), 64, 'blocks');
  t.equal(status[16], 1, 'read-only');

  const outside = [...Buffer.from('/etc/passwd')];
  const refused = await oem(ip, 0x20, [0x01, 0x01, outside.length, ...outside]);
  t.not(refused.code, 0, 'a path outside the image folder is refused');
  t.match(refused.stderr, /Invalid data field/i);
  const unknownDrive = await oem(ip, 0x21, [0x05]);
  t.not(unknownDrive.code, 0);

  t.equal((await oem(ip, 0x20, [0x00, 0x00, 0x00])).code, 0, 'eject');
  t.equal((await oem(ip, 0x21, [0x00])).bytes[1], 0, 'state 0: empty');
});

t.test('a shard process killed with -9: its replacement inserts the same images again', async (t) => {
  const ip = BMCS[0];
  t.equal((await api('PUT', `/bmcs/${ip}/media/disk`, { image: join(dir, 'install.iso'), writeProtected: true })).status, 200);
  const before = (await api('GET', '/shards')).json;
  process.kill(before[0].pid, 'SIGKILL');
  let media: any = null;
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const shards = (await api('GET', '/shards')).json;
    if (shards[0].state !== 'ready' || shards[0].pid === before[0].pid) continue;
    media = (await api('GET', `/bmcs/${ip}/media`)).json;
    if (media.drives?.[1]?.state === 'inserted') break;
  }
  t.match(media, { drives: [{ kind: 'cdrom', state: 'empty' }, { kind: 'disk', state: 'inserted', image: join(dir, 'install.iso'), readOnly: true }] },
    'the disk is inserted again, write-protected as asked; the CD-ROM ejected before stays empty');
});
