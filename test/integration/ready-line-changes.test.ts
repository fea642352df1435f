// The ready line and the "try:" line after run-time changes (issue 18): a fleet started again on a state directory
// whose fleet-changes.json removed BMCs and added a rack names the addresses it really serves.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../helpers/emulator-process.js';

const quick = (dir: string) => ['--bmcs', '4', '--first-ip', '127.118.20.1', '--ipmi-port', '19133', '--state-dir', dir];

function changes(...made: object[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-ready-'));
  writeFileSync(join(dir, 'fleet-changes.json'), JSON.stringify(made));
  return dir;
}

t.test('the first and last BMCs removed: the ready and try lines name those left', async (t) => {
  const emu = await startEmulator(quick(changes({ op: 'remove-bmc', ip: '127.118.20.1' }, { op: 'remove-bmc', ip: '127.118.20.4' })));
  t.teardown(() => emu.stop());
  t.match(emu.readyLine, /^ready: 2 BMCs on 127\.118\.20\.2-127\.118\.20\.3 udp\/19133/);
  for (let i = 0; i < 100 && !/try: .*\n/.test(emu.output()); i++) await new Promise((r) => setTimeout(r, 20));
  t.match(emu.output(), /try: ipmitool -I lanplus -H 127\.118\.20\.2 -p 19133 /);
  t.equal(await emu.stop(), 0);
});

t.test('a rack added then removed is not named; one added and kept is', async (t) => {
  const added = { op: 'add-bmcs', body: { firstIp: '127.118.21.1', bmcs: 2, name: 'spare' } };
  const gone = await startEmulator(quick(changes(added, { op: 'remove-rack', name: 'spare' })));
  t.match(gone.readyLine, /^ready: 4 BMCs on 127\.118\.20\.1-127\.118\.20\.4 udp/);
  t.equal(await gone.stop(), 0);
  const kept = await startEmulator(quick(changes(added, { op: 'remove-bmc', ip: '127.118.21.2' })));
  t.match(kept.readyLine, /^ready: 5 BMCs in 2 racks from 127\.118\.20\.1 to 127\.118\.21\.1 udp/);
  t.equal(await kept.stop(), 0);
});

t.test('a compacted change file: the emptied addition keeps its numbers, binds nothing, and a later one serves', async (t) => {
  const emu = await startEmulator(quick(changes(
    { op: 'add-bmcs', body: { firstIp: '127.118.22.1', bmcs: 3, name: 'gone' }, removed: true },
    { op: 'add-bmcs', body: { firstIp: '127.118.22.1', bmcs: 1, name: 'back' } },
  )));
  t.teardown(() => emu.stop());
  t.match(emu.readyLine, /^ready: 5 BMCs in 2 racks from 127\.118\.20\.1 to 127\.118\.22\.1 udp/);
  const url = /control (http:\/\/\S+)$/m.exec(emu.readyLine)![1];
  const list = await (await fetch(`${url}/bmcs`)).json() as { total: number; numbers: number; bmcs: { index: number; ip: string; rack: string }[] };
  t.match(list, { total: 5, numbers: 8 });
  t.same(list.bmcs.map((b) => `${b.index} ${b.ip} ${b.rack}`).at(-1), '7 127.118.22.1 back', 'after the 3 numbers the emptied addition holds');
  t.equal(await emu.stop(), 0);
});

t.test('a BMC of a rack with an RMC cannot be removed alone: the 409 says why', async (t) => {
  const emu = await startEmulator(quick(changes({ op: 'add-rack', body: { name: 'rk', firstIp: '127.118.23.1', bmcs: 2, rmc: { ip: '127.118.23.100' } } })));
  t.teardown(() => emu.stop());
  const url = /control (http:\/\/\S+)$/m.exec(emu.readyLine)![1];
  const refused = await fetch(`${url}/bmcs/127.118.23.2`, { method: 'DELETE' });
  t.equal(refused.status, 409);
  t.match(await refused.json(), {
    error: /^127\.118\.23\.2 is in rack rk, whose RMC \(127\.118\.23\.100\) flashes its 2 BMCs: .* fixed when it is built, so one BMC cannot leave the rack; remove the whole rack \(DELETE \/racks\/rk\)$/,
  });
  t.equal(await emu.stop(), 0);
});
