// A target's CHAP account in the fleet file (targets[].chap, RFC 7143 §12.1.3): carried into the target's spec,
// a secret shorter than 12 bytes (RFC 7143 §9.2.1, as tgtd and LIO refuse) or longer than the 255 the boot
// parameters carry refused with its line and column; the control API's POST /targets body takes the same key.
import t from 'tap';
import { readFleetText, targetEntry } from '../../emulator/fleet/fleet-file.js';
import { formatIssue } from '../../emulator/fleet/fleet-issues.js';

const base = ['isns: { listen: 127.0.0.1:3205 }', 'racks: [{ bmcs: 1, firstIp: 127.40.0.1 }]', 'targets:', '  - name: secure', '    firstIp: 127.50.0.1'];

t.test('chap: { name, secret } reaches the target spec', async (t) => {
  const read = readFleetText([...base, '    chap: { name: boot-user, secret: twelve-bytes }'].join('\n'));
  t.same(read.issues, []);
  const config = read.config!;
  t.same(config.targets[0].chap, { name: 'boot-user', secret: 'twelve-bytes' });
  t.notOk('chap' in readFleetText(base.join("\n")).config!.targets[0], 'none when left out');
});

t.test('a short or long secret, an empty name, an unknown key: each with its line and column', async (t) => {
  const lines = readFleetText([...base, '    chap:', '      name: ""', '      secret: eleven-byte', '      reverse: true'].join('\n')).issues.map((i) => formatIssue('f', i));
  t.same(lines, [
    'f:7:13: targets[0].chap.name: expected a non-empty string',
    'f:8:15: targets[0].chap.secret: 11 bytes: a CHAP secret needs at least 12 (RFC 7143 §9.2.1)',
    'f:9:7: targets[0].chap.reverse: unknown key (known here: name, secret, mutual)',
  ]);
  const long = readFleetText([...base, `    chap: { name: u, secret: ${'s'.repeat(256)} }`].join('\n')).issues.map((i) => formatIssue('f', i));
  t.match(long, [/targets\[0\]\.chap\.secret: 256 bytes: at most 255/]);
});

t.test('chap.mutual: the target\'s own account, checked the same way', async (t) => {
  const read = readFleetText([...base, '    chap: { name: u, secret: twelve-bytes, mutual: { name: target, secret: target-secret } }'].join('\n'));
  t.same(read.config!.targets[0].chap, { name: 'u', secret: 'twelve-bytes', mutual: { name: 'target', secret: 'target-secret' } });
  const short = readFleetText([...base, '    chap: { name: u, secret: twelve-bytes, mutual: { name: t, secret: short } }'].join('\n')).issues.map((i) => formatIssue('f', i));
  t.match(short, [/targets\[0\]\.chap\.mutual\.secret: 5 bytes: a CHAP secret needs at least 12/]);
});

t.test('POST /targets takes chap too', async (t) => {
  t.same(targetEntry({ name: 'x', firstIp: '127.50.0.1', chap: { name: 'u', secret: 'a-long-secret' } }, 'POST /targets')[0].chap, { name: 'u', secret: 'a-long-secret' });
  t.throws(() => targetEntry({ name: 'x', firstIp: '127.50.0.1', chap: { name: 'u', secret: 'short' } }, 'POST /targets'), /body\.chap\.secret: 5 bytes/);
});
