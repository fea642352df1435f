// Provisioning steps 4-5 end to end with real processes: a fleet (bmcfleet emulate) whose hosts run the installation
// agent, the manager (bmcfleet manager serve) running the installs over real IPMI, and the CLI as a user types it:
// discover, inventory, then `provision run --wait`. Each host's agent reads the image the CLI built (bmcfleet image
// build) over USB/IP. Then the manager is killed (SIGKILL) while a host installs, and started again: that host is
// installed once (its BMC's install run counter, read with ipmitool, moves by one) and reaches the pool. Last, one
// cluster update of the three (bmcfleet cluster-update start --wait) with max-down 1: never two down at once.
import t from 'tap';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startCli, startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';
import { untilValue } from '../helpers/until.js';

// three flows over real processes: more than the default 120 s on a loaded 2-core machine
t.setTimeout(360_000);

const BMCS = ['127.92.0.1', '127.92.0.2', '127.92.0.3'];
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-provision-install-'));
const state = join(dir, 'manager');
const images = join(dir, 'images');
let fleet: EmulatorProcess;
let manager: EmulatorProcess | null = null;
let managerUrl = '';
let ipmiPort = 0;

interface Run { code: number; stdout: string; stderr: string }
function bmcfleet(...args: string[]): Promise<Run> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], { timeout: 240_000 }, (err, stdout, stderr) =>
    resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
}

async function startManager(control: string): Promise<void> {
  manager = await startCli(['manager', 'serve', '--fleet', control, '--state', state, '--listen', '127.92.0.250:0', '--install-concurrency', '2']);
  managerUrl = /manager API (http:\S+),/.exec(manager.readyLine)![1];
}

/** The install run counter of a BMC (bmcfleet Get Install Progress, OEM 31h, through ipmitool raw): run(4) first. */
async function installRun(ip: string): Promise<number> {
  const r = await ipmitool({ host: ip, port: ipmiPort }, ['raw', '0x2e', '0x31', '0xd9', '0x7e', '0x00']);
  if (r.code !== 0) throw new Error(r.stderr);
  const bytes = r.stdout.trim().split(/\s+/).map((b) => parseInt(b, 16));
  return Buffer.from(bytes.slice(3, 7)).readUInt32LE(0);
}

interface HostView { address: string; install: null | { step: string; role: string; failure: string | null } }
async function hosts(): Promise<HostView[]> {
  const res = await fetch(`${managerUrl}/provision/hosts`);
  return ((await res.json()) as { hosts: HostView[] }).hosts;
}

t.before(async () => {
  mkdirSync(images);
  const built = await bmcfleet('image', 'build', 'fleets/install-image', '--out', join(images, 'install.iso'));
  if (built.code !== 0) throw new Error(built.stderr);
  ipmiPort = await freeUdpPort();
  const config = join(dir, 'fleet.yaml');
  writeFileSync(config, [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0',
    `virtualMedia: { port: ${await freeTcpPort()}, imageDir: ${images}, installStepMs: 20 }`,
    'racks:', `  - { name: prov, bmcs: ${BMCS.length}, firstIp: ${BMCS[0]} }`, '',
  ].join('\n'));
  fleet = await startEmulator(['--config', config]);
  mkdirSync(state);
  writeFileSync(join(state, 'policy.yaml'), 'roles:\n  compute: { needs: { cores: 1 }, image: install.iso }\n');
});

t.teardown(async () => {
  await manager?.stop('SIGKILL');
  await fleet?.stop();
});

t.test('discover, inventory, then provision run --wait installs two hosts and hands them to the pool', async (t) => {
  const discovered = await bmcfleet('provision', 'discover', '--range', '127.92.0.0/29', '--port', String(ipmiPort), '--state', state);
  t.equal(discovered.code, 0, discovered.stderr);
  const inventory = await bmcfleet('provision', 'inventory', '--state', state);
  t.equal(inventory.code, 0, inventory.stderr);
  await startManager(/control (http:\S+)/.exec(fleet.readyLine)![1]);
  const before = await Promise.all(BMCS.map(installRun));
  const run = await bmcfleet('provision', 'run', '--role', 'compute', '--count', '2', '--wait', '--manager', managerUrl);
  t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  t.match(run.stdout, /^installing compute \(install\.iso\) on 2 hosts\n/);
  t.match(run.stdout, /127\.92\.0\.1 +compute done/);
  const installed = (await hosts()).filter((h) => h.install?.step === 'done').map((h) => h.address);
  t.same(installed, [BMCS[0], BMCS[1]]);
  t.same(await Promise.all(BMCS.map(installRun)), [before[0] + 1, before[1] + 1, before[2]], 'one install run each, none on the third');
  const pool = JSON.parse(readFileSync(join(state, 'pool.json'), 'utf8')) as { hosts: { bmc: string; role: string; macs: string[] }[] };
  t.same(pool.hosts.map((h) => [h.bmc, h.role]).sort(), [[BMCS[0], 'compute'], [BMCS[1], 'compute']], 'both, in whatever order their installs finished');
  t.ok(pool.hosts.every((h) => h.macs.length > 0), 'with the MACs the inventory read');
  const again = await bmcfleet('provision', 'run', '--role', 'compute', '--count', '2', '--manager', managerUrl);
  t.equal(again.code, 1, 'only one host is left');
  t.match(again.stderr, /only 1 of the 2 hosts role compute asks for fit; nothing started \(HTTP 409\)\n.*127\.92\.0\.1 +installed as compute/s);
});

t.test('the manager killed while a host installs, and started again: installed once, and in the pool', async (t) => {
  const control = /control (http:\S+)/.exec(fleet.readyLine)![1];
  const before = await installRun(BMCS[2]);
  const run = await bmcfleet('provision', 'run', '--role', 'compute', '--count', '1', '--manager', managerUrl);
  t.equal(run.code, 0, run.stderr);
  await untilValue('the power cycle', hosts, (hs) => hs.find((h) => h.address === BMCS[2])?.install?.step === 'installing', 60_000);
  await manager!.stop('SIGKILL');
  manager = null;
  await startManager(control);
  t.match(manager!.output(), /resumed the install of 1 host/);
  const done = await untilValue('the install', hosts, (hs) => ['done', 'failed'].includes(hs.find((h) => h.address === BMCS[2])?.install?.step ?? ''), 120_000);
  t.equal(done.find((h) => h.address === BMCS[2])!.install!.step, 'done', JSON.stringify(done));
  t.equal(await installRun(BMCS[2]), before + 1, 'one install run: the host was not installed twice');
  const pool = JSON.parse(readFileSync(join(state, 'pool.json'), 'utf8')) as { hosts: { bmc: string }[] };
  t.same(pool.hosts.map((h) => h.bmc).sort(), BMCS, 'all three in the pool, each once');
});

t.test('a cluster update of the three hosts, max-down 1: each updated once, never two down', async (t) => {
  const source = join(dir, 'update-image');
  cpSync('fleets/install-image', source, { recursive: true });
  writeFileSync(join(source, 'image.cfg'), 'name=bmcfleet-demo\nversion=2.0\nrole=compute\nsystem=system.img\n');
  const built = await bmcfleet('image', 'build', source, '--out', join(images, 'update-2.0.iso'));
  t.equal(built.code, 0, built.stderr);
  const sum = createHash('sha256').update(readFileSync(join(images, 'update-2.0.iso'))).digest('hex');
  writeFileSync(join(dir, 'cluster.yaml'), `cluster: lab\ngroups:\n  - { name: prov, hosts: ${BMCS[0]}-${BMCS[2]}, maxDown: 1 }\n`);
  writeFileSync(join(dir, 'update.yaml'), `name: demo-os\nversion: "2.0"\nimage: update-2.0.iso\nsha256: ${sum}\nappliesTo: [{ vendor: Bmcfleet Systems }]\nupdates: [os]\n`);
  const before = await Promise.all(BMCS.map(installRun));
  let sampling = true;
  let maxDown = 0;
  const sampler = (async () => {
    while (sampling) {
      const res = await fetch(`${managerUrl}/cluster-updates/1`).catch(() => null);
      if (res?.ok) maxDown = Math.max(maxDown, ((await res.json()) as { hosts: { state: string }[] }).hosts.filter((h) => h.state === 'updating').length);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const run = await bmcfleet('cluster-update', 'start', '--cluster', join(dir, 'cluster.yaml'), '--update', join(dir, 'update.yaml'), '--wait', '--manager', managerUrl);
  sampling = false;
  await sampler;
  t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  t.match(run.stdout, /cluster update 1: demo-os 2\.0 on lab: done; 3 updated/);
  t.same(await Promise.all(BMCS.map(installRun)), before.map((n) => n + 1), 'one install run each');
  t.equal(maxDown, 1, 'one host down at a time, sampled every 100 ms');
  const again = await bmcfleet('cluster-update', 'start', '--cluster', join(dir, 'cluster.yaml'), '--update', join(dir, 'update.yaml'), '--manager', managerUrl);
  t.match(again.stdout, /cluster update 2: demo-os 2\.0 on lab: done; 3 skipped\n.*already current: runs demo-os 2\.0/s, 'the same update again: nothing to do');
});
