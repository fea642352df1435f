// Provisioning steps 1-3 as a user runs them (issue 14): the real `bmcfleet provision discover`, `inventory` and
// `plan` against a real emulated fleet of 300 BMCs in a /22 (127.140.0.0/22: no other test uses 127.140), two of them
// with another password. Bad input (a malformed range, a policy file mistake, a role no host fits, an unknown role)
// gets a clear error and leaves the stored hosts as they were.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { SetUserPassword, PasswordOperation } from '../../protocols/ipmi/commands/users.js';
import { SqliteProvisioningStore } from '../../orchestrator/store/sqlite-provisioning-store.js';
import { CLI, startEmulator } from '../helpers/emulator-process.js';
import { freeUdpPort } from '../helpers/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-provision-cli-'));
const state = join(dir, 'state');
const RANGE = '127.140.0.0/22';
/** BMCs whose admin password this test changes. */
const OTHER_PASSWORD = ['127.140.0.7', '127.140.2.3'];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'provision', ...args, '--state', state], { timeout: 90_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The hosts as stored, to show that a refused command changed nothing. */
function stored(): string {
  const s = new SqliteProvisioningStore(join(state, 'rollouts.db'));
  try {
    return JSON.stringify(s.hosts());
  } finally {
    s.close();
  }
}

const FLEET = (port: number) => `
name: provision-cli
ipmiPort: ${port}
control: none
templates:
  small:
    cpus: [{ model: Small CPU, cores: 6, threads: 12, mhz: 2000 }]
    memory: [{ slot: A1, sizeGiB: 32, type: DDR4, mhz: 2666 }]
    disks: [{ slot: Bay 0, model: SATA SSD, sizeGB: 480 }]
  storage:
    product: BF-2U12 Storage Server
    cpus: [{ model: Storage CPU, cores: 16, threads: 32, mhz: 2100 }]
    memory: [{ slot: A1, sizeGiB: 64, type: DDR4, mhz: 2933 }, { slot: B1, sizeGiB: 64, type: DDR4, mhz: 2933 }]
    disks:
      - { slot: Bay 0, model: HDD 12TB, sizeGB: 12000 }
      - { slot: Bay 1, model: HDD 12TB, sizeGB: 12000 }
      - { slot: Bay 2, model: HDD 12TB, sizeGB: 12000 }
      - { slot: Bay 3, model: HDD 12TB, sizeGB: 12000 }
racks:
  - { name: compute, bmcs: 200, firstIp: 127.140.0.1 }
  - { name: small, bmcs: 50, firstIp: 127.140.1.1, template: small }
  - { name: storage, bmcs: 50, firstIp: 127.140.2.1, template: storage, firmware: "1.02" }
`;

const POLICY = `roles:
  compute:
    needs: { cores: 32, memoryGiB: 128, disks: { count: 1, sizeGB: 400 }, nics: { count: 2, speedMbps: 10000 } }
    image: debian-12-compute.iso
    packages: [openssh-server, slurmd]
  storage:
    needs: { cores: 8, disks: { count: 4, sizeGB: 8000 } }
    image: debian-12-storage.iso
  gpu:
    needs: { cores: 128 }
    image: gpu.iso
`;

t.test('discover, inventory and plan on a fleet of 300 BMCs in a /22', async (t) => {
  const port = await freeUdpPort();
  writeFileSync(join(dir, 'fleet.yaml'), FLEET(port));
  writeFileSync(join(dir, 'password'), 'password\n', { mode: 0o600 });
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  const fleet = await startEmulator(['--config', join(dir, 'fleet.yaml')]);
  t.teardown(() => fleet.stop());
  for (const host of OTHER_PASSWORD) {
    const c = await IpmiLanClient.connect({ host, port, username: 'admin', password: 'password' });
    await c.call(SetUserPassword, { userId: 2, operation: PasswordOperation.SET_PASSWORD, size: 20, password: Buffer.from('changed-by-test') });
    await c.close();
  }

  const bad = await run(['discover', '--range', '127.140.0.0/33', '--port', String(port)]);
  t.equal(bad.code, 2, 'a malformed range is a usage error');
  t.match(bad.stderr, /--range: a prefix is 0 to 32, not 33/);
  const hostBits = await run(['discover', '--range', '127.140.1.0/22', '--port', String(port)]);
  t.match(hostBits.stderr, /--range: 127\.140\.1\.0 has bits set past the \/22: the block is 127\.140\.0\.0\/22/);
  const early = await run(['plan', '--role', 'compute', '--count', '1', '--policy', join(dir, 'policy.yaml')]);
  t.equal(early.code, 1);
  t.match(early.stderr, /no hosts yet: .*rollouts\.db does not exist \(bmcfleet provision discover finds them/, 'nothing stored, nothing created');

  const d = await run(['discover', '--range', RANGE, '--port', String(port), '--password-file', join(dir, 'password'), '--json']);
  t.equal(d.code, 1, 'exit 1: two BMCs could not be identified');
  const found = JSON.parse(d.stdout);
  t.match(found, { range: RANGE, addresses: 1022, sweep: { swept: 1022, found: 300, silent: 722 }, identified: 298, failed: 2 });
  t.equal(found.hosts.length, 300);
  const failed = found.hosts.filter((h: { failure: unknown }) => h.failure);
  t.same(failed.map((h: { address: string }) => h.address), OTHER_PASSWORD, 'the two whose password is not ours');
  t.match(failed[0].failure, { step: 'identify', cause: 'wrong-password', message: /^127\.140\.0\.7: session setup/ });
  const storageHost = found.hosts.find((h: { address: string }) => h.address === '127.140.2.1');
  t.match(storageHost, { stage: 'identified', identity: { firmware: '1.02', manufacturerId: 32473, ipmiVersion: '2.0' }, authCaps: { ipmi20: true, authTypes: ['md5'] } });
  t.match(storageHost.identity.guid, /^[0-9a-f-]{36}$/);
  const afterDiscover = stored();

  const i = await run(['inventory', '--password-file', join(dir, 'password'), '--json']);
  t.equal(i.code, 0, i.stderr);
  const inv = JSON.parse(i.stdout);
  t.match(inv, { read: 298, failed: 0 });
  t.same(inv.skipped.map((s: { address: string }) => s.address), OTHER_PASSWORD, 'those not identified are not asked');
  const storageHw = inv.hosts.find((h: { address: string }) => h.address === '127.140.2.1').hardware;
  t.equal(storageHw.disks.length, 4);
  t.same(storageHw.disks.map((x: { sizeGB: number }) => x.sizeGB), [12000, 12000, 12000, 12000]);
  t.equal(storageHw.nics.length, 2);
  t.match(storageHw.nics[0].mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  t.match(storageHw.fru, { product: 'BF-2U12 Storage Server' }, 'the FRU product area');
  const text = await run(['inventory', '127.140.1.1', '--password-file', join(dir, 'password')]);
  t.equal(text.code, 0);
  t.match(text.stdout, /^read 1 of 1 host\n {2}127\.140\.1\.1 +Bmcfleet Systems .* {2}1 CPU 6 cores {2}32 GiB {2}1 disk 480 GB {2}2 NICs 06:/);

  const plan = await run(['plan', '--role', 'storage', '--count', '3', '--policy', join(dir, 'policy.yaml'), '--json']);
  t.equal(plan.code, 0, plan.stderr);
  const p = JSON.parse(plan.stdout);
  t.same(p.picked.map((h: { address: string }) => h.address), ['127.140.2.1', '127.140.2.2', '127.140.2.4'], 'the storage hosts, in order; .3 cannot be logged in to');
  t.equal(p.notPicked.length, 297, 'every other host');
  const why = (a: string) => p.notPicked.find((h: { address: string }) => h.address === a).reason;
  t.equal(why('127.140.0.1'), '0 disks of 8000 GB or more < 4 required');
  t.equal(why('127.140.1.1'), '6 cores < 8 required');
  t.match(why('127.140.2.3'), /^its BMC was not identified: 127\.140\.2\.3: session setup/);
  t.equal(why('127.140.2.5'), 'fits, but not needed: 3 hosts asked for, smaller ones picked first');
  const compute = await run(['plan', '--role', 'compute', '--count', '4', '--policy', join(dir, 'policy.yaml')]);
  t.equal(compute.code, 0);
  t.match(compute.stdout, /^role compute \(.*policy\.yaml\): needs 32 cores, 128 GiB, 1 disk of 400 GB, 2 NICs of 10000 Mb\/s; image debian-12-compute\.iso, packages openssh-server slurmd\npicked 4 of 4:\n {2}127\.140\.0\.1 {5}48 cores/);
  const afterInventory = stored();
  t.not(afterInventory, afterDiscover, 'the inventory was stored');

  const none = await run(['plan', '--role', 'gpu', '--count', '2', '--policy', join(dir, 'policy.yaml')]);
  t.equal(none.code, 1);
  t.match(none.stderr, /no host matches role gpu: each of the 300 hosts misses something/);
  t.match(none.stdout, /127\.140\.0\.1 +48 cores < 128 required/);
  const unknown = await run(['plan', '--role', 'database', '--count', '2', '--policy', join(dir, 'policy.yaml')]);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /--role: no role "database" in the policy \(its roles: compute, storage, gpu\)/);
  writeFileSync(join(dir, 'broken.yaml'), 'roles:\n  compute:\n    needs: { cores: many }\n');
  const broken = await run(['plan', '--role', 'compute', '--count', '2', '--policy', join(dir, 'broken.yaml')]);
  t.equal(broken.code, 1);
  t.match(broken.stderr, /broken\.yaml: 2 errors\n.*broken\.yaml:3:5: roles\.compute\.image: required.*\n.*broken\.yaml:3:21: roles\.compute\.needs\.cores: expected a whole number from 1 to 16711425, got "many"/);
  const again = await run(['discover', '--range', 'not-a-range', '--port', String(port)]);
  t.equal(again.code, 2);
  t.equal(stored(), afterInventory, 'the refused commands changed nothing stored');
});
