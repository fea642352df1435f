// The real usbip tool (Debian usbip 2.0) and tshark against one BMC's USB/IP export on 127.13.1.1:
//   - `usbip list -r` prints both drives with their IDs, path and interface class, as usbip_list.c formats them;
//   - `usbip attach -b 1-1` is granted the import. Where the kernel has no vhci_hcd (these machines: no modules) the
//     tool then fails opening vhci and closes, and the export must release the device; where it has one, the
//     kernel enumerates the device and `usbip detach` gives it back. The test says which case ran;
//   - tshark, decoding the port as USB/IP, finds no malformed packet in those exchanges nor in an enumeration with a
//     stall and an unlink by our own client, and reads the same values.
import t from 'tap';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { systemClock } from '../../runtime/clock.js';
import { Direction } from '../../protocols/usb-mass-storage/usbip-urb.js';
import { UsbipExport } from '../../emulator/media/usbip-export.js';
import { UsbipClient } from '../../clients/usbip/usbip-client.js';
import { enumerateMassStorage } from '../../clients/usbip/enumerate.js';
import { LoopbackFunction } from '../helpers/loopback-function.js';
import { malformedLines, startCapture, type Capture } from '../helpers/tshark.js';

const HOST = '127.13.1.1';

interface Run { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let exp: UsbipExport;
let server: net.Server;
let port: number;
let capture: Capture;

t.before(async () => {
  exp = new UsbipExport({ address: HOST, clock: systemClock, functionFor: () => new LoopbackFunction() });
  server = net.createServer({ pauseOnConnect: true }, (socket) => exp.accept(socket));
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  port = (server.address() as net.AddressInfo).port;
  capture = await startCapture(`tcp port ${port} and host ${HOST}`);
});

t.teardown(async () => {
  exp?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await capture?.stop();
});

t.test('usbip list -r prints both drives, their IDs and their interface class', async (t) => {
  const r = await run('usbip', ['--tcp-port', String(port), 'list', '-r', HOST]);
  t.equal(r.code, 0, `usbip list exits 0\n${r.stderr}`);
  const lines = r.stdout.split('\n').map((l) => l.trim());
  t.ok(lines.includes(`- ${HOST}`), 'the host heading');
  t.match(r.stdout, /^\s+1-1: .*\(046b:ff20\)$/m, '1-1 is 046b:ff20');
  t.match(r.stdout, /^\s+1-2: .*\(046b:ff31\)$/m, '1-2 is 046b:ff31');
  t.match(r.stdout, /1-1: American Megatrends, Inc\. : Virtual CDROM \(046b:ff20\)/, 'named from usb.ids');
  t.ok(lines.includes(': /sys/devices/platform/bmcfleet/usb1/1-1'), 'the path');
  t.ok(lines.includes(': (Defined at Interface level) (00/00/00)'), 'the class is given per interface');
  t.equal(lines.filter((l) => l === ':  0 - Mass Storage / SCSI / Bulk-Only (08/06/50)').length, 2,
    'both: interface 0 is Mass Storage / SCSI / Bulk-Only (08/06/50)');
  t.equal(exp.counters.devlists, 1);
});

t.test('usbip attach -b 1-1 is granted the import; the device is released when the tool goes away', async (t) => {
  const before = exp.counters.imports;
  const r = await run('usbip', ['--tcp-port', String(port), 'attach', '-r', HOST, '-b', '1-1']);
  t.equal(exp.counters.imports, before + 1, 'the import was granted');
  t.notOk(exp.counters.drops.get('import-busy') || exp.counters.drops.get('import-no-device'), 'and not refused');
  if (r.code !== 0) {
    t.comment('case ran: no vhci_hcd in this kernel; usbip attach got the import, then failed opening vhci');
    t.match(r.stderr, /open vhci_driver/, 'the tool stops at vhci, after the import exchange');
    await until('1-1 released', () => exp.importedBusids().length === 0);
    t.same(exp.importedBusids(), [], 'released when the tool closed its connection');
  } else {
    t.comment('case ran: vhci_hcd present; the kernel attached the device');
    await until('the kernel to configure the device', () => exp.counters.urbs > 0, 10_000);
    const ports = await run('usbip', ['port']);
    const m = /Port (\d+):[\s\S]*?usbip:\/\/[^/]+\/1-1/.exec(ports.stdout);
    t.ok(m, `usbip port shows the attached device\n${ports.stdout}`);
    if (m) t.equal((await run('usbip', ['detach', '-p', m[1]])).code, 0, 'usbip detach');
    await until('1-1 released', () => exp.importedBusids().length === 0, 10_000);
    t.same(exp.importedBusids(), []);
  }
  const busy = await run('usbip', ['--tcp-port', String(port), 'attach', '-r', HOST, '-b', '7-7']);
  t.equal(busy.code, 1);
  t.match(busy.stderr, /Attach Request for 7-7 failed - Device not found/, 'an unknown busid, as the tool reports ST_NODEV');
});

t.test('tshark decodes every exchange with no malformed packet, and reads what we sent', async (t) => {
  const cd = await UsbipClient.import({ host: HOST, port, busid: '1-2', timeoutMs: 5000 });
  const dev = await enumerateMassStorage(cd);
  t.equal(dev.product, 'Virtual HDisk');
  t.match(await cd.control({ requestType: 0x80, request: 6, value: 0x0f00, index: 0, length: 5 }), { status: -32 }, 'BOS: a stall');
  const pending = cd.submit({ ep: 1, direction: Direction.in, length: 512 });
  await new Promise((r) => setTimeout(r, 50));
  t.match(await cd.unlink(pending.seqnum), { status: -104 });
  await pending.result;
  cd.close();
  await until('1-2 released', () => exp.importedBusids().length === 0);
  await capture.stop();
  const decodeAs = ['-d', `tcp.port==${port},usbip`];
  const verbose = await run('tshark', ['-r', capture.file, ...decodeAs, '-V']);
  t.equal(verbose.code, 0, verbose.stderr);
  t.same(malformedLines(verbose.stdout), [], 'no malformed packet, no expert error');
  const fields = await run('tshark', ['-r', capture.file, ...decodeAs, '-Y', 'usbip', '-T', 'fields', '-E', 'separator=|',
    '-e', 'usbip.operation', '-e', 'usbip.busid', '-e', 'usbip.idVendor', '-e', 'usbip.idProduct', '-e', 'usbip.bInterfaceClass', '-e', 'usbip.status',
    '-e', '_ws.col.Info']);
  const out = fields.stdout;
  t.match(out, /0x8005\|/, 'OP_REQ_DEVLIST');
  t.match(out, /0x0005\|1-1,1-2\|0x046b,0x046b\|0xff20,0xff31\|0x08,0x08\|/, 'OP_REP_DEVLIST: both drives, mass storage');
  t.match(out, /0x0003\|1-1\|0x046b\|0xff20\|/, 'OP_REP_IMPORT of 1-1');
  t.match(out, /GET DESCRIPTOR Request DEVICE/, 'enumeration decoded as USB');
  t.match(out, /GET DESCRIPTOR Response CONFIGURATION/);
  t.match(out, /SET CONFIGURATION Request/);
  t.match(out, /GET MAX LUN/, 'the Bulk-Only class request, known from the configuration in the capture');
  t.match(out, /\|-32\|/, 'the stall as status -32');
  t.match(out, /\|-104\|/, 'RET_UNLINK -ECONNRESET');
});
