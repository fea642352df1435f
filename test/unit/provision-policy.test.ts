// The provisioning policy: every mistake of a policy file at once, each with its line and column; and the matcher:
// one reason per host not picked, the smallest hosts that fit picked first, the same plan every time.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveHardware } from '../../emulator/bmc/hardware.js';
import { loadFleetFile } from '../../emulator/fleet/fleet-file.js';
import { bmcOptions, placements } from '../../emulator/fleet/plan.js';
import { UnknownRoleError, planRole, unmetNeed } from '../../orchestrator/provisioning/policy-match.js';
import { loadPolicyFile, readPolicyText, type Policy } from '../../orchestrator/provisioning/policy.js';
import { HostStage, HostStep } from '../../orchestrator/store/host-records.js';
import { InstallStep, startInstall } from '../../orchestrator/provisioning/install-machine.js';
import { formatIssue } from '../../runtime/document/issues.js';
import { DocumentError } from '../../runtime/document/issues.js';
import { foundHost, hardware, hardwareOf, inventoriedHost } from '../helpers/host-records.js';

const POLICY = `# roles of the lab
roles:
  compute:
    needs: { cores: 16, memoryGiB: 64, disks: { count: 1, sizeGB: 400 }, nics: { count: 2, speedMbps: 10000 } }
    image: http://images.lab/debian-12-compute.iso
    packages: [openssh-server, slurmd]
  storage:
    needs:
      disks: { count: 4, sizeGB: 4000 }
    image: storage.iso
`;

function policy(text = POLICY): Policy {
  const checked = readPolicyText(text);
  if (!checked.value) throw new Error(checked.issues.map((i) => formatIssue('policy.yaml', i)).join('\n'));
  return checked.value;
}

t.test('a valid policy reads with its defaults', async (t) => {
  const p = policy();
  t.same(Object.keys(p.roles), ['compute', 'storage']);
  t.same(p.roles.compute.needs, { cores: 16, memoryGiB: 64, disks: { count: 1, sizeGB: 400 }, nics: { count: 2, speedMbps: 10000 } });
  t.same(p.roles.storage.packages, [], 'no packages: an empty list');
  t.same(p.roles.storage.needs, { disks: { count: 4, sizeGB: 4000 } });
});

t.test('every mistake at once, each with its line, column and path', async (t) => {
  const text = `roles:
  compute:
    needs: { cores: 0, memory: 64, disks: { sizeGB: 400 } }
    image: ""
    packages: openssh
  Storage_2:
    image: s.iso
  gpu:
    needs: { nics: { count: 2, speedMbps: fast } }
`;
  const checked = readPolicyText(text);
  t.equal(checked.value, null);
  t.same(checked.issues.map((i) => formatIssue('policy.yaml', i)), [
    'policy.yaml:3:21: roles.compute.needs.cores: expected a whole number from 1 to 16711425, got 0',
    'policy.yaml:3:24: roles.compute.needs.memory: unknown key (known here: cores, memoryGiB, disks, nics)',
    'policy.yaml:3:43: roles.compute.needs.disks.count: required: a whole number from 1 to 255',
    'policy.yaml:4:12: roles.compute.image: expected a non-empty string',
    'policy.yaml:5:15: roles.compute.packages: expected a list of package names, got "openssh"',
    'policy.yaml:7:5: roles.Storage_2: a role name is lower-case letters, digits and dashes, starting with a letter; got "Storage_2"',
    'policy.yaml:9:5: roles.gpu.image: required: the image to install: a path or an http(s) URL',
    'policy.yaml:9:43: roles.gpu.needs.nics.speedMbps: expected a whole number from 1 to 4294967295, got "fast"',
  ]);
});

t.test('not YAML, not a mapping, no roles: said plainly', async (t) => {
  t.match(readPolicyText('roles: [unclosed').issues[0], { path: null, message: /^not valid YAML/, line: 1 });
  t.match(readPolicyText('- compute').issues, [{ path: [], message: 'expected a mapping (key: value)' }]);
  t.match(readPolicyText('roles: {}').issues, [{ path: ['roles'], message: 'at least one role' }]);
  t.match(readPolicyText('{}').issues, [{ path: ['roles'], message: /^required: a mapping of roles/ }]);
});

t.test('a policy file: read, or a DocumentError naming the file and every mistake', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-policy-'));
  writeFileSync(join(dir, 'ok.yaml'), POLICY);
  writeFileSync(join(dir, 'bad.yaml'), 'roles:\n  compute: { image: x.iso, needs: { cores: -1 } }\n  storage: { needs: {} }\n');
  t.same(Object.keys(loadPolicyFile(join(dir, 'ok.yaml')).roles), ['compute', 'storage']);
  const err = t.throws(() => loadPolicyFile(join(dir, 'bad.yaml'))) as DocumentError;
  t.ok(err instanceof DocumentError);
  t.equal(err.message.split('\n')[0], `${join(dir, 'bad.yaml')}: 2 errors`);
  t.match(err.message, /bad\.yaml:2:44: roles\.compute\.needs\.cores: expected a whole number/);
  t.match(err.message, /bad\.yaml:3:12: roles\.storage\.image: required/);
  t.throws(() => loadPolicyFile(join(dir, 'none.yaml')), /none\.yaml: cannot read: ENOENT/);
});

t.test('one reason per host, in the need\'s words', async (t) => {
  const needs = policy().roles.compute.needs;
  t.equal(unmetNeed(hardware({ cores: 12 }), needs), '12 cores < 16 required');
  t.equal(unmetNeed(hardware({ cores: 12, memoryGiB: 32 }), needs), '12 cores < 16 required', 'the first need missed, in the policy\'s order');
  t.equal(unmetNeed(hardware({ memoryGiB: 32 }), needs), '32 GiB memory < 64 GiB required');
  t.equal(unmetNeed(hardware({ disksGB: [240, 240] }), needs), '0 disks of 400 GB or more < 1 required');
  t.equal(unmetNeed(hardware({ nics: 1 }), needs), '1 NIC of 10000 Mb/s or more < 2 required');
  t.equal(unmetNeed(hardware(), needs), null);
  t.equal(unmetNeed(hardware({ cores: 2 }), {}), null, 'a role that needs nothing takes anything');
});

t.test('the plan: smallest fitting hosts first, every other host with its reason, in address order', async (t) => {
  const hosts = [
    inventoriedHost('127.140.0.10', hardware({ cores: 64, memoryGiB: 512 })),
    inventoriedHost('127.140.0.2', hardware({ cores: 12 })),
    inventoriedHost('127.140.0.3', hardware({ cores: 32 })),
    inventoriedHost('127.140.0.4', hardware({ cores: 32 })),
    inventoriedHost('127.140.0.5', hardware({ cores: 16, memoryGiB: 64 })),
    foundHost('127.140.0.6', { failure: { step: HostStep.IDENTIFY, cause: 'wrong-password', message: '127.140.0.6: session setup: wrong password', atMs: 1 } }),
    foundHost('127.140.0.7', { stage: HostStage.IDENTIFIED }),
    inventoriedHost('127.140.0.8', hardware(), { failure: { step: HostStep.IDENTIFY, cause: 'no-answer', message: '127.140.0.8: no answer', atMs: 2 } }),
    foundHost('127.140.0.9'),
  ];
  const plan = planRole(policy(), 'compute', 2, hosts);
  t.same(plan.picked.map((h) => [h.address, h.cores]), [['127.140.0.5', 16], ['127.140.0.3', 32]], 'the 16-core host, then the first 32-core one');
  t.ok(plan.satisfied);
  t.same(plan.picked[0], {
    address: '127.140.0.5', cores: 16, memoryGiB: 64, disks: 2, diskGB: 1920, nics: 2, macs: ['06:00:00:00:00:00', '06:00:00:00:00:01'], product: 'Bmcfleet Systems BF-1U',
  });
  t.same(plan.notPicked, [
    { address: '127.140.0.2', reason: '12 cores < 16 required' },
    { address: '127.140.0.4', reason: 'fits, but not needed: 2 hosts asked for, smaller ones picked first' },
    { address: '127.140.0.6', reason: 'its BMC was not identified: 127.140.0.6: session setup: wrong password' },
    { address: '127.140.0.7', reason: 'not inventoried yet (bmcfleet provision inventory)' },
    { address: '127.140.0.8', reason: 'its last identify failed: 127.140.0.8: no answer' },
    { address: '127.140.0.9', reason: 'its BMC is not identified yet (bmcfleet provision discover)' },
    { address: '127.140.0.10', reason: 'fits, but not needed: 2 hosts asked for, smaller ones picked first' },
  ]);
  t.same(planRole(policy(), 'compute', 2, [...hosts].reverse()), plan, 'the same plan whatever order the hosts come in');
  const storage = planRole(policy(), 'storage', 1, hosts);
  t.same(storage.picked, [], 'no host matches');
  t.notOk(storage.satisfied);
  t.equal(storage.notPicked.length, hosts.length, 'each host says why');
  t.equal(storage.notPicked.find((h) => h.address === '127.140.0.2')?.reason, '0 disks of 4000 GB or more < 4 required');
  const short = planRole(policy(), 'compute', 5, hosts);
  t.equal(short.picked.length, 4);
  t.notOk(short.satisfied, 'fewer fit than asked for');
  t.throws(() => planRole(policy(), 'gpu', 1, hosts), new UnknownRoleError('gpu', policy()));
  t.throws(() => planRole(policy(), 'gpu', 1, hosts), /no role "gpu" in the policy \(its roles: compute, storage\)/);
});

t.test('hosts taken by an install are not picked again; a failed install may be', async (t) => {
  const hosts = [
    inventoriedHost('127.140.1.1', hardware({ cores: 16 }), { install: { ...startInstall('compute', 'a.iso', 1), step: InstallStep.INSTALLING } }),
    inventoriedHost('127.140.1.2', hardware({ cores: 16 }), { install: { ...startInstall('compute', 'a.iso', 1), step: InstallStep.DONE } }),
    inventoriedHost('127.140.1.3', hardware({ cores: 16 }), { install: { ...startInstall('compute', 'a.iso', 1), step: InstallStep.FAILED } }),
  ];
  const plan = planRole(policy(), 'compute', 2, hosts);
  t.same(plan.picked.map((h) => h.address), ['127.140.1.3']);
  t.same(plan.notPicked, [
    { address: '127.140.1.1', reason: 'installing as compute (installing)' },
    { address: '127.140.1.2', reason: 'installed as compute' },
  ]);
});

t.test('the shipped example policy is valid and fits npm start\'s fleet', async (t) => {
  const fleets = join(import.meta.dirname, '..', '..', '..', 'fleets');
  const shipped = loadPolicyFile(join(fleets, 'policy.yaml'));
  t.same(Object.keys(shipped.roles), ['compute', 'storage']);
  // Each rack's first server as npm start's fleet (fleets/default.yaml) builds it: what inventory reads of it.
  const fleet = loadFleetFile(join(fleets, 'default.yaml'));
  const [builtIn, storage2u] = fleet.racks.map((rack) => {
    const p = placements(fleet).find((x) => x.rack === rack)!;
    return hardwareOf(resolveHardware(p.ip, bmcOptions(fleet, p).hardware));
  });
  t.equal(unmetNeed(builtIn, shipped.roles.compute.needs), null, 'rack-a\'s built-in servers are compute hosts');
  t.equal(unmetNeed(builtIn, shipped.roles.storage.needs), '0 disks of 8000 GB or more < 2 required');
  t.equal(unmetNeed(storage2u, shipped.roles.storage.needs), null, 'rack-b\'s storage-2u servers are storage hosts');
});
