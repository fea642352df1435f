// A shard process that keeps dying is restarted for as long as the fleet runs, each quick death making the next start
// wait twice as long (on a manual clock), with its state in /shards; the process that replaces it restores the hosts'
// power and the faults set at run time. Real shard processes and UDP on loopback.
import t from 'tap';
import { discoverBmcs } from '../../clients/ipmi/rmcp-discovery.js';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { RESTART_BACKOFF, Supervisor } from '../../emulator/fleet/supervisor.js';
import type { BmcDetail } from '../../emulator/fleet/nodes/bmc-requests.js';
import type { ShardStatus } from '../../emulator/fleet/shard-protocol.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { ManualClock } from '../../runtime/manual-clock.js';

const PORT = 18712;
const IPS = ['127.71.3.1', '127.71.3.2'];
const clock = new ManualClock(Date.now());
const log: string[] = [];
const supervisor = new Supervisor(fleetConfig({ ipmiPort: PORT, shards: 1, control: 'none', racks: [{ bmcs: 2, firstIp: IPS[0] }] }),
  { clock, log: (line) => log.push(line) });
t.before(() => supervisor.start());
t.teardown(() => supervisor.stop());

const shard = (): ShardStatus => supervisor.status()[0];

/** Until `done()`, polling real time: a bound against hanging, not a timing assertion. */
async function until(done: () => boolean, ms = 30_000): Promise<void> {
  for (let waited = 0; !done() && waited < ms; waited += 20) await new Promise((r) => setTimeout(r, 20));
}

/** Kills the shard's process and returns its status once the supervisor saw it exit. */
async function kill(): Promise<ShardStatus> {
  const pid = shard().pid!;
  process.kill(pid, 'SIGKILL');
  await until(() => shard().state === 'restarting');
  return shard();
}

/** Lets the backoff pass on the manual clock and waits until the new process serves; its state then. */
async function comeBack(status: ShardStatus): Promise<string> {
  clock.advance(status.restartInSeconds! * 1000);
  await until(() => shard().state === 'ready');
  return shard().state;
}

t.test('a shard that dies 7 times in a minute keeps being restarted, each time later: 0, 1, 2, 4, 8, 16, 32 s', async (t) => {
  const waits = [0, 1, 2, 4, 8, 16, 32];
  for (const [i, wait] of waits.entries()) {
    const before = shard().pid;
    const status = await kill();
    t.equal(status.restartInSeconds, wait, `death ${i + 1}: restarting in ${wait} s`);
    t.same(status.lastExit?.reason, 'SIGKILL');
    t.equal(status.lastExit?.at, new Date(clock.now()).toISOString());
    if (wait > 0) {
      clock.advance(wait * 1000 - 1);
      await new Promise((r) => setTimeout(r, 100));
      t.same([shard().state, shard().restartInSeconds], ['restarting', 1], 'not before its time');
      clock.advance(1);
    } else {
      clock.advance(0);
    }
    await until(() => shard().state === 'ready');
    t.equal(shard().state, 'ready');
    t.not(shard().pid, before, 'a new process');
  }
  t.equal(shard().restarts, waits.length);
  t.equal((await discoverBmcs(IPS, { port: PORT, timeoutMs: 500 })).length, 2, 'its BMCs answer');
  t.match(log.join('\n'), /shard 0 \(pid \d+\) exited \(SIGKILL\); restarting its 2 BMCs in 32 s \(7 quick exits in a row\)/);
});

t.test('a process that lived a minute starts the backoff over', async (t) => {
  t.ok(RESTART_BACKOFF.STABLE_MS <= 60_000);
  clock.advance(RESTART_BACKOFF.STABLE_MS);
  const status = await kill();
  t.equal(status.restartInSeconds, 0);
  t.equal(await comeBack(status), 'ready');
});

t.test('the new process restores the hosts\' power (off through IPMI or the API) and the faults set at run time', async (t) => {
  const bmc = (ip: string) => supervisor.callFor('bmc', ip, { op: 'bmc', ip }) as Promise<BmcDetail>;
  await supervisor.callFor('bmc', IPS[0], { op: 'power', ip: IPS[0], action: 'off' });
  await supervisor.callFor('bmc', IPS[0], { op: 'faults', ip: IPS[0], change: { latencyMs: 20, slowCommands: { '0x06/0x01': 30 } } });
  const client = await IpmiLanClient.connect({ host: IPS[1], port: PORT, username: 'admin', password: 'password' });
  await client.callRaw(NetFn.CHASSIS, 0x02, Buffer.from([0x00])); // Chassis Control: power down
  await client.close();
  t.same([(await bmc(IPS[0])).power, (await bmc(IPS[1])).power], ['off', 'off'], 'both hosts off before');

  clock.advance(RESTART_BACKOFF.STABLE_MS);
  t.equal(await comeBack(await kill()), 'ready');
  const [a, b] = [await bmc(IPS[0]), await bmc(IPS[1])];
  t.same([a.power, b.power], ['off', 'off'], 'both hosts still off');
  t.same([a.faults.latencyMs, a.faults.slowCommands], [20, { '0x06/0x01': 30 }], 'the faults set through the API');
  t.equal(b.faults.latencyMs, 0, 'the other BMC has none');

  await supervisor.callFor('bmc', IPS[0], { op: 'power', ip: IPS[0], action: 'on' });
  clock.advance(RESTART_BACKOFF.STABLE_MS);
  t.equal(await comeBack(await kill()), 'ready');
  t.equal((await bmc(IPS[0])).power, 'on', 'and a host turned on again comes back on');
});
