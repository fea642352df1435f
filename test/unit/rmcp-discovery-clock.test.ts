// Discovery by ASF Presence Ping against an emulated BMC over real UDP: its waits for pongs run on the given clock.
import t from 'tap';
import { discoverBmcs } from '../../clients/ipmi/rmcp-discovery.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { startUdpBmc, until } from '../helpers/udp-bmc.js';

const LIVE = '127.64.0.4';
const SILENT = '127.64.0.5';
const PORT = 9664;

t.test('each round waits for pongs until the clock says the timeout has passed', async (t) => {
  const udp = await startUdpBmc(LIVE, PORT);
  t.teardown(() => udp.close());
  const clock = new ManualClock();
  let done = false;
  const found = discoverBmcs([SILENT, LIVE], { port: PORT, timeoutMs: 60_000, retries: 1, clock }).finally(() => { done = true; });
  await until(() => clock.pending === 1 && udp.bmc.counters.datagramsOut === 1, 'the first round pinged and waits');
  clock.advance(59_999);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(done, false, 'still waiting before the timeout');
  clock.advance(1);
  await until(() => clock.pending === 1, 'the second round waits');
  clock.advance(60_000);
  t.same(await found, [{ address: LIVE, ipmi: true, iana: 4542 }], 'the BMC found, the silent address not');
});
