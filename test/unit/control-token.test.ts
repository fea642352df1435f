// The control API's token: none on loopback unless a token file is given; beyond loopback always, kept in the given
// file or the state directory (made there, readable by the owner only), and the fleet refuses to start without either.
import t from 'tap';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlToken } from '../../emulator/fleet/control/control-token.js';
import { isLoopbackHost } from '../../runtime/http/loopback.js';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'bmcfleet-token-'));
const config = (control: string, extra: Record<string, unknown> = {}) => fleetConfig({ control, racks: [{ bmcs: 1, firstIp: '127.71.4.1' }], ...extra });

t.test('loopback names and addresses', async (t) => {
  for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.9.8.7', '::1', '[::1]', '::ffff:127.0.0.1']) t.ok(isLoopbackHost(host), host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example', '::2', 'example.com']) t.notOk(isLoopbackHost(host), host);
});

t.test('on loopback without a token file: no token', async (t) => {
  for (const control of ['127.0.0.1:0', 'localhost:8623', '[::1]:0']) t.equal(controlToken(config(control, { stateDir: tmp() })), null, control);
  t.equal(controlToken(config('none')), null, 'no control API');
});

t.test('a token file given: made with a new token (0600) when missing, read when present, even on loopback', async (t) => {
  const file = join(tmp(), 'token');
  const made = controlToken(config('127.0.0.1:0', { controlTokenFile: file }))!;
  t.match(made, { file, token: /^[A-Za-z0-9_-]{43}$/ }, '32 random bytes, base64url');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(readFileSync(file, 'utf8'), `${made.token}\n`);
  t.same(controlToken(config('127.0.0.1:0', { controlTokenFile: file })), made, 'the same token next time');
  t.not(controlToken(config('127.0.0.1:0', { controlTokenFile: join(tmp(), 'token') }))!.token, made.token, 'another file, another token');
  writeFileSync(file, '  my-own-token \n');
  t.equal(controlToken(config('127.0.0.1:0', { controlTokenFile: file }))!.token, 'my-own-token', 'one word, spaces around it trimmed');
  for (const bad of ['', '\n', 'two words']) {
    writeFileSync(file, bad);
    t.throws(() => controlToken(config('127.0.0.1:0', { controlTokenFile: file })), /a control token is one word/, JSON.stringify(bad));
  }
});

t.test('beyond loopback: the token is kept in the state directory; with neither a file nor a state directory the fleet cannot start', async (t) => {
  const dir = tmp();
  const kept = controlToken(config('0.0.0.0:8623', { stateDir: dir }))!;
  t.equal(kept.file, join(dir, 'control-token'));
  t.equal(statSync(kept.file).mode & 0o777, 0o600);
  t.same(controlToken(config('0.0.0.0:8623', { stateDir: dir })), kept, 'kept across runs');
  t.throws(() => controlToken(config('10.0.0.1:8623')), /10\.0\.0\.1:8623 is reachable beyond this machine and needs a token: give --control-token-file FILE/);
  t.throws(() => controlToken(config('[::]:8623')), /needs a token/);
});
