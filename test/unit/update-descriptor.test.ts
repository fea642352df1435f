// Update descriptors (orchestrator/cluster-update/update-descriptor.ts) and the per-host decision made from them
// (applicability.ts): every mistake at its line, versions compared as numbers, and a reason for each host skipped.
import t from 'tap';
import { applicabilityFor } from '../../orchestrator/cluster-update/applicability.js';
import { compareVersions, readDescriptorText } from '../../orchestrator/cluster-update/update-descriptor.js';

const SUM = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const GOOD = `name: web-os
version: 2.10.1
image: web-os-2.10.1.iso
sha256: ${SUM.toUpperCase()}
appliesTo: [{ vendor: bmcfleet, product: Emulated Server }, { vendor: Acme }]
updates: [os, packages]
`;

t.test('a good descriptor, YAML or JSON', (t) => {
  const d = readDescriptorText(GOOD).value!;
  t.equal(d.sha256, SUM, 'the sum kept in lower case');
  t.equal(d.description, '');
  const json = readDescriptorText(JSON.stringify({ ...d, description: 'fixes' })).value!;
  t.equal(json.description, 'fixes');
  t.end();
});

t.test('a malformed descriptor: every mistake at its line', (t) => {
  const checked = readDescriptorText(`name: web-os
version: 2.x
image: ""
sha256: abc
appliesTo: []
updates: [kernel]
extra: 1
`);
  t.same(checked.issues.map((i) => `${i.line}: ${i.message}`), [
    '2: expected a version of up to four dotted numbers (2.4.1), got "2.x"',
    '3: expected a non-empty string',
    '4: expected 64 hex digits, got "abc"',
    '5: at least 1 item',
    '6: expected one of os, packages, bios, bmc-firmware, got "kernel"',
    '7: unknown key (known here: name, version, image, sha256, appliesTo, updates, description)',
  ]);
  t.end();
});

t.test('a version YAML reads as a number is refused with how to quote it', (t) => {
  const checked = readDescriptorText(GOOD.replace('version: 2.10.1', 'version: 2.10'));
  t.same(checked.issues.map((i) => `${i.line}: ${i.message}`), ['2: a version is text: quote it (version: "2.1"), since YAML reads 2.10 as the number 2.1']);
  t.end();
});

t.test('versions compare number by number', (t) => {
  t.equal(compareVersions('2.10.1', '2.9.9'), 1);
  t.equal(compareVersions('2.4', '2.4.0'), 0);
  t.equal(compareVersions('1.0.0.1', '1.0.1'), -1);
  t.end();
});

t.test('where it applies, and why each other host is skipped', (t) => {
  const d = readDescriptorText(GOOD).value!;
  const model = { vendor: 'BMCFleet', product: 'emulated server' };
  t.same(applicabilityFor(d, { bmc: 'a', model, installedVersion: '2.9.0' }), { applies: true }, 'older: case does not matter in names');
  t.same(applicabilityFor(d, { bmc: 'b', model, installedVersion: null }), { applies: true }, 'never installed');
  t.same(applicabilityFor(d, { bmc: 'c', model, installedVersion: '2.10.1' }), { applies: false, reason: 'already current: runs web-os 2.10.1' });
  t.same(applicabilityFor(d, { bmc: 'd', model: { vendor: 'Acme', product: 'Anything' }, installedVersion: null }), { applies: true }, 'every product of a vendor');
  t.same(applicabilityFor(d, { bmc: 'e', model: { vendor: 'bmcfleet', product: 'Other' }, installedVersion: null }),
    { applies: false, reason: 'not applicable: bmcfleet Other is not a model web-os 2.10.1 is for' });
  t.same(applicabilityFor(d, { bmc: 'f', model: null, installedVersion: null }), { applies: false, reason: 'not applicable: its model is not known (no inventory read)' });
  t.end();
});
