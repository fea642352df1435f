// A fleet's shard processes run with a bounded V8 young generation (emulator/fleet/supervisor.ts, SHARD_EXEC_ARGV):
// their command lines, from /proc, carry --max-semi-space-size=2.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startEmulator } from '../helpers/emulator-process.js';
import { freeUdpPort } from '../helpers/free-port.js';

function childCommandLines(pid: number): string[][] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim()).filter((l) => l !== '')
    .map((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').filter((a) => a !== ''));
}

t.test('every shard process of a fleet has the young generation bounded to 2 MB a semi-space', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const emu = await startEmulator(['--bmcs', '4', '--first-ip', '127.178.0.1', '--ipmi-port', String(await freeUdpPort()), '--control', 'none', '--shards', '2', '--redfish-port', 'none']);
  t.teardown(() => emu.stop());
  const shards = childCommandLines(emu.child.pid!).filter((argv) => argv.some((a) => a.endsWith('shard-main.js')));
  t.equal(shards.length, 2, 'two shard processes');
  for (const argv of shards) t.ok(argv.includes('--max-semi-space-size=2'), `shard: ${argv.slice(1).join(' ')}`);
});
