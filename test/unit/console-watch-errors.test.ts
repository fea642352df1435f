// The console watcher retries what a BMC can cause (a refused login here) on its clock, and lets anything else
// (a bug, or a setting no session can use) surface instead of retrying it forever.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleWatch } from '../../orchestrator/console/console-watch.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { startUdpBmc, until, type UdpBmc } from '../helpers/udp-bmc.js';

const IP = '127.64.0.3';
const PORT = 9664;
const logDir = mkdtempSync(join(tmpdir(), 'bmcfleet-watch-errors-'));

let udp: UdpBmc;
t.before(async () => { udp = await startUdpBmc(IP, PORT); });
t.teardown(() => udp.close());

function watch(clock: ManualClock, more: { password?: string; cipherSuite?: number }): ConsoleWatch {
  return new ConsoleWatch({
    host: IP, port: PORT, username: 'admin', password: 'password', cipherSuite: 17, logDir, clock, reconnectDelayMs: 1000, ...more,
  });
}

t.test('a refused login is a connect failure, tried again after the reconnect delay on the watcher\'s clock', async (t) => {
  const clock = new ManualClock();
  const w = watch(clock, { password: 'nope' });
  await w.start();
  t.match(w.stats(), { state: 'connecting', connects: 0, connectFailures: 1 });
  clock.advance(999);
  t.equal(w.stats().connectFailures, 1, 'not before the delay');
  clock.advance(1);
  await until(() => w.stats().connectFailures === 2, 'the second attempt refused');
  await w.stop();
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('a setting no session can use surfaces at once instead of being retried forever', async (t) => {
  const clock = new ManualClock();
  const w = watch(clock, { cipherSuite: 99 });
  await t.rejects(w.start(), { name: 'RangeError', message: 'unknown cipher suite 99' });
  t.equal(clock.pending, 0, 'no retry scheduled');
  await w.stop();
});
