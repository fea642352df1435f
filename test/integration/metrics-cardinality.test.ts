// A client sweeping netFn/cmd values cannot grow the metrics (or a BMC's counters) by a series per value: every
// request answered Invalid Command (C1h) counts in one "unknown" bucket. Our IPMI client over real UDP on loopback.
import t from 'tap';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { fleetConfig } from '../../emulator/fleet/fleet-file.js';
import { fleetMetrics } from '../../emulator/fleet/metrics.js';
import { Shard } from '../../emulator/fleet/shard.js';
import type { ShardRouter } from '../../emulator/fleet/control/route.js';
import { NetFn } from '../../protocols/ipmi/message.js';

const PORT = 18711;
const IP = '127.71.2.1';
const shard = new Shard(fleetConfig({ ipmiPort: PORT, racks: [{ bmcs: 1, firstIp: IP }] }), 0, 0, 1);
t.before(() => shard.bind());
t.teardown(() => shard.close());

const router: ShardRouter = {
  total: 1,
  status: () => [],
  callFor: async (kind, _address, req) => shard.run(kind, req),
  callAll: async (kind, req) => [shard.run(kind, req)],
  callRange: async () => [],
};

t.test('a sweep of 512 commands the BMC does not have adds one series, not 512', async (t) => {
  const client = await IpmiLanClient.connect({ host: IP, port: PORT, username: 'admin', password: 'password' });
  t.teardown(() => client.close());
  await client.callRaw(NetFn.APP, 0x01); // Get Device ID: a command it has
  let refused = 0;
  for (let netFn = 0x30; netFn <= 0x3e; netFn += 2) {
    for (let cmd = 0; cmd < 64; cmd++) {
      await client.callRaw(netFn, cmd).catch((err: { completionCode?: number }) => { if (err.completionCode === 0xc1) refused++; });
    }
  }
  t.equal(refused, 512, 'every one answered C1h');

  const text = await fleetMetrics(router).metrics();
  const series = text.split('\n').filter((l) => l.startsWith('bmcfleet_ipmi_requests_total{'));
  t.ok(series.length <= 4, `${series.length} series: ${series.join('; ')}`);
  t.ok(series.includes('bmcfleet_ipmi_requests_total{shard="0",netfn="unknown",cmd="unknown",cc="0xc1"} 512'), 'the sweep in one series');
  t.match(text, /bmcfleet_ipmi_requests_total\{shard="0",netfn="0x06",cmd="0x01",cc="0x00"\} 1/, 'a command it has keeps its own series');

  const counters = (shard.run('bmc', { op: 'bmc', ip: IP }) as { counters: { requests: Record<string, number> } }).counters.requests;
  t.equal(counters.unknown, 512, 'the BMC\'s own counters: one bucket too');
  t.ok(Object.keys(counters).length <= 4, `keys: ${Object.keys(counters).join(' ')}`);
});
