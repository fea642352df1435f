// Conformance: the real ipmitool's HPM.1 commands against an emulated BMC of a fleet template, with images from
// `bmcfleet firmware pack`: hpm check, hpm check FILE, hpm compprop 1 0-4, hpm upgrade FILE activate (the BMC
// reboots and Get Device ID shows the new version), hpm rollback; a corrupt, a truncated, a badly checksummed file
// and an image for another product are refused by ipmitool before any transfer (the BMC's counters show no upgrade
// command). ipmitool's stdin is /dev/null: it must never stop to ask. tshark checks every packet.
import t, { type Test } from 'tap';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { dissect, malformedLines, startCapture, type Capture } from '../helpers/tshark.js';

const PORT = 9671;
const HOST = '127.71.0.1';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-hpm-'));
const FLEET = join(dir, 'fleet.yaml');
writeFileSync(FLEET, `name: hpm-conformance
ipmiPort: ${PORT}
templates:
  edge-1u:
    product: BF-1U Edge Server
firmware: "1.00"
racks:
  - { name: edge, bmcs: 1, firstIp: ${HOST}, template: edge-1u }
`);
const image = (name: string) => join(dir, name);
let emulator: EmulatorProcess | undefined;
let capture: Capture | undefined;
let control = '';

interface Run { code: number | null; out: string }

/** ipmitool -I lanplus against the BMC, stdin from /dev/null, stdout and stderr together. */
function ipmitool(args: string[], timeoutMs = 90_000): Promise<Run> {
  const child = spawn('ipmitool', ['-I', 'lanplus', '-H', HOST, '-p', String(PORT), '-U', 'admin', '-P', 'password', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.once('close', (code) => { clearTimeout(timer); resolve({ code, out }); }));
}

async function ok(t: Test, args: string[]): Promise<string> {
  const r = await ipmitool(args);
  t.equal(r.code, 0, `ipmitool ${args.join(' ')} exits 0${r.code ? `\n${r.out}` : ''}`);
  return r.out;
}

function pack(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(process.execPath, [CLI, 'firmware', 'pack', ...args],
    (err, stdout, stderr) => (err ? reject(new Error(`firmware pack ${args.join(' ')}: ${stderr}`)) : resolve(stdout))));
}

/** The BMC's request counters by "netFn/cmd/cc" (control API). */
async function requestCounts(): Promise<Record<string, number>> {
  const res = await fetch(`${control}/bmcs/${HOST}`);
  return ((await res.json()) as { counters: { requests: Record<string, number> } }).counters.requests;
}

/** Requests of HPM.1 commands that change firmware: Initiate Upgrade Action, Upload Firmware Block, Finish, Activate. */
async function upgradeRequests(): Promise<number> {
  const counts = await requestCounts();
  return Object.entries(counts).filter(([k]) => /^2c\/3[1235]\//.test(k)).reduce((n, [, v]) => n + v, 0);
}

t.before(async () => {
  await pack(['--out', image('bmc-1.02.hpm'), '--version', '1.02', '--template', 'edge-1u', '--config', FLEET]);
  await pack(['--out', image('other-product.hpm'), '--version', '1.02', '--product', '0x0002']);
  const good = readFileSync(image('bmc-1.02.hpm'));
  const corrupt = Buffer.from(good);
  corrupt[good.length >> 1] ^= 0x01;
  writeFileSync(image('corrupt.hpm'), corrupt);
  writeFileSync(image('truncated.hpm'), good.subarray(0, good.length >> 1));
  const body = Buffer.from(good.subarray(0, good.length - 16));
  body[15] ^= 0x01; // the creation time: the header no longer sums to 0, and the MD5 is made right again
  writeFileSync(image('bad-checksum.hpm'), Buffer.concat([body, createHash('md5').update(body).digest()]));

  capture = await startCapture(`udp port ${PORT}`);
  emulator = await startEmulator(['--config', FLEET]);
  control = /control (http:\S+)/.exec(emulator.readyLine)![1];
});
t.teardown(async () => {
  await emulator?.stop();
  await capture?.stop();
});

t.test('hpm check: one component, BMC firmware 1.00, no backup yet', async (t) => {
  const out = await ok(t, ['hpm', 'check']);
  t.match(out, /\|\s+1\|BMC firmware \|\s+1\.00 00000000 \| ---\.-- -------- \| ---\.-- -------- \|/);
  t.match(out, /Product Id\s+: 0x0001/);
});

t.test('hpm compprop 1 0-4 (suite 2: tshark sees the HPM.1 bytes in clear)', async (t) => {
  const expected = [
    /Payload cold reset req\.+\[n\]\s+Def\. activation supported\.\[y\]\s+Comparison supported\.+\[n\]\s+Preparation supported\.+\[y\]\s+Rollback supported\.+\[y\]/,
    /Current Version:\s+Major: 1\s+Minor: 0\s+Aux\s+: 000 000 000 000/,
    /Description string: BMC firmware/,
    /Rollback FW Version:\s+Major: 255\s+Minor: ff/,
    /Deferred FW Version:\s+Major: 255\s+Minor: ff/,
  ];
  for (let selector = 0; selector <= 4; selector++) {
    t.match(await ok(t, ['-C', '2', 'hpm', 'compprop', '1', String(selector)]), expected[selector], `selector ${selector}`);
  }
  const absent = await ipmitool(['hpm', 'compprop', '0', '0']);
  t.match(absent.out, /compcode=0x82/, 'component 0: invalid component ID');
});

t.test('hpm check FILE: the image is valid and would upgrade component 1 to 1.02', async (t) => {
  const out = await ok(t, ['-C', '2', 'hpm', 'check', image('bmc-1.02.hpm')]);
  t.match(out, /Validating firmware image integrity\.\.\.OK/);
  t.match(out, /\| \^ 1\|BMC firmware \|\s+1\.00 00000000 \| ---\.-- -------- \|\s+1\.02 00000000 \|/);
});

t.test('refused by ipmitool before any transfer: corrupt, truncated, bad header checksum, another product', async (t) => {
  const cases: [string, RegExp][] = [
    ['corrupt.hpm', /Invalid MD5 signature/],
    ['truncated.hpm', /Invalid MD5 signature/],
    ['bad-checksum.hpm', /Invalid header checksum/],
    ['other-product.hpm', /Invalid image file for product 1/],
  ];
  const before = await upgradeRequests();
  for (const [file, message] of cases) {
    const r = await ipmitool(['-z', '30000', 'hpm', 'upgrade', image(file), 'activate']);
    t.equal(r.code, 1, `${file}: exit 1`);
    t.match(r.out, message, file);
    t.match(r.out, /Firmware upgrade procedure failed/);
  }
  t.equal(await upgradeRequests(), before, 'no Initiate Upgrade Action, block, Finish or Activate reached the BMC');
});

t.test('hpm upgrade FILE activate: the BMC reboots and comes back running 1.02', async (t) => {
  const out = await ok(t, ['-z', '30000', 'hpm', 'upgrade', image('bmc-1.02.hpm'), 'activate']);
  t.match(out, /Performing upgrade stage/);
  // ipmitool prints "...OK" when its first Get Upgrade Status finds the activation done, and takes the explicit
  // activation path ("Component requires Payload Cold Reset", then "Performing activation stage") when it finds it
  // still in progress: which one depends on scheduling, both end in the same upgrade.
  t.match(out, /Waiting firmware activation\.\.\.(OK|\(\*\) Component requires Payload Cold Reset)/);
  t.match(out, /Firmware upgrade procedure successful/);
  t.match(await ok(t, ['mc', 'info']), /Firmware Revision\s+: 1\.02/, 'Get Device ID: 1.02');
  t.match(await ok(t, ['hpm', 'check']), /\|\s+1\|BMC firmware \|\s+1\.02 00000000 \|\s+1\.00 00000000 \| ---\.-- -------- \|/, '1.00 kept as the backup');
  const detail = (await (await fetch(`${control}/bmcs/${HOST}`)).json()) as { firmware: string; counters: { drops: Record<string, number> } };
  t.equal(detail.firmware, '1.02', 'the control API agrees');
  t.ok((detail.counters.drops['fault-rebooting'] ?? 0) > 0, 'ipmitool\'s requests during the reboot went unanswered');
});

t.test('hpm rollback: back to 1.00', async (t) => {
  const out = await ok(t, ['hpm', 'rollback']);
  t.match(out, /Rollback occurred on component mask: 0x02/);
  t.match(await ok(t, ['mc', 'info']), /Firmware Revision\s+: 1\.00/);
  t.match(await ok(t, ['hpm', 'check']), /\|\s+1\|BMC firmware \|\s+1\.00 00000000 \|\s+1\.02 00000000 \|/);
});

t.test('tshark decodes all the traffic with no malformed packet', async (t) => {
  await capture!.stop();
  const text = await dissect(capture!.file, PORT);
  t.match(text, /RMCP\+ Open Session Request/);
  t.same(malformedLines(text), [], 'no malformed packets or expert errors');
});
