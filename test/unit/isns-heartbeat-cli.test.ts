// `bmcfleet isns serve --heartbeat` and `bmcfleet isns discover` against each other, as a user runs them:
// discover prints the server the heartbeat announces (text and --json), exits 1 with a clear message when
// none comes, and bad heartbeat options exit 2 with a message naming the option.
import t from 'tap';
import { runIsns as run, serveIsns } from '../helpers/isns-cli.js';

const SERVER = '127.36.0.40:17980';
const BEATS = '127.36.0.41:17981';

t.test('serve --heartbeat, then discover finds it', async (t) => {
  const s = await serveIsns(SERVER, '--heartbeat', BEATS, '--heartbeat-interval', '1');
  t.teardown(() => { s.child.kill('SIGKILL'); });
  t.match(s.ready, /^ready: iSNS on 127\.36\.0\.40:17980 tcp\+udp, heartbeat to 127\.36\.0\.41:17981 every 1 s$/);

  let r = await run('discover', '--listen', BEATS, '--json', '--timeout', '30');
  t.equal(r.code, 0, r.err);
  const found = JSON.parse(r.out);
  t.match(found, { address: '127.36.0.40', tcpPort: 17980, udpPort: 17980, intervalSeconds: 1, from: /^127\.36\.0\.40:\d+$/ });
  t.ok(Number.isInteger(found.counter) && found.counter >= 1, 'a counter');
  r = await run('discover', '--listen', BEATS, '--timeout', '30');
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^iSNS server 127\.36\.0\.40 tcp 17980 udp 17980, heartbeat every 1 s, counter \d+ \(from 127\.36\.0\.40:\d+\)\n$/);
  t.ok(Number(/counter (\d+)/.exec(r.out)![1]) > found.counter, 'the counter moved on');

  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0, 'clean stop on SIGTERM');
});

t.test('discover without a heartbeat exits 1 and says why', async (t) => {
  const r = await run('discover', '--listen', '127.36.0.42:17982', '--timeout', '1');
  t.equal(r.code, 1);
  t.match(r.err, /no iSNS heartbeat on 127\.36\.0\.42:17982 within 1 s .*--heartbeat 127\.36\.0\.42:17982/);
});

t.test('bad options exit 2 with the option named; help teaches', async (t) => {
  let r = await run('serve', '--listen', SERVER, '--heartbeat', BEATS, '--heartbeat-interval', '0');
  t.equal(r.code, 2);
  t.match(r.err, /--heartbeat-interval must be a whole number from 1 to 86400, got "0"/);
  r = await run('serve', '--listen', SERVER, '--heartbeat', BEATS, '--heartbeat-interval', '2.5');
  t.equal(r.code, 2);
  r = await run('serve', '--listen', SERVER, '--heartbeat-interval', '5');
  t.equal(r.code, 2);
  t.match(r.err, /--heartbeat-interval needs --heartbeat HOST:PORT/);
  r = await run('serve', '--listen', SERVER, '--heartbeat', 'nowhere');
  t.equal(r.code, 2);
  t.match(r.err, /--heartbeat must be HOST:PORT/);
  r = await run('discover');
  t.equal(r.code, 2);
  t.match(r.err, /--listen HOST:PORT is required/);
  r = await run('discover', '--listen', BEATS, '--timeout', 'soon');
  t.equal(r.code, 2);
  r = await run('serve', '--help');
  t.match(r.out, /--heartbeat HOST:PORT/);
  t.match(r.out, /find it that way/);
  r = await run('discover', '--help');
  t.match(r.out, /usage: bmcfleet isns discover --listen HOST:PORT/);
  r = await run('--help');
  t.match(r.out, /discover {4}wait for an iSNS server's heartbeat/);
});
