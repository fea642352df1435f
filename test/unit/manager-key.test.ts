// The manager's key: made on first use (PKCS#8 PEM, file 0600, directory 0700), the same key on every start after,
// made private again when found readable by others, and a clear error for a file that is not an Ed25519 key.
import t from 'tap';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { KEY_FILE_NAME, loadOrCreateManagerKey } from '../../orchestrator/manager/manager-key.js';
import { keyIdOf, signBytes, signatureValid, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { apiToken } from '../../orchestrator/manager/api-token.js';
import { readOrMakeToken } from '../../runtime/http/token-file.js';

const root = mkdtempSync(join(tmpdir(), 'bmcfleet-manager-key-'));

t.test('made once, mode 0600 in a 0700 directory, then reused', async (t) => {
  const dir = join(root, 'state', 'manager');
  const first = loadOrCreateManagerKey(dir);
  t.equal(first.created, true);
  t.equal(first.file, join(dir, KEY_FILE_NAME));
  t.equal(statSync(first.file).mode & 0o777, 0o600);
  t.equal(statSync(dir).mode & 0o777, 0o700);
  t.match(readFileSync(first.file, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  t.equal(first.rawPublicKey.length, 32);
  t.same(first.signing.keyId, keyIdOf(first.rawPublicKey));

  const second = loadOrCreateManagerKey(dir);
  t.equal(second.created, false);
  t.same(second.rawPublicKey, first.rawPublicKey, 'the same public key on the second start');
  const trusted = trustedKeyFromRaw(Buffer.from(second.rawPublicKey.toString('base64'), 'base64'));
  t.ok(signatureValid(trusted, Buffer.from('prepare'), signBytes(second.signing, Buffer.from('prepare'))), 'an RMC trusting the base64 key checks its signatures');
});

t.test('a key file others may read is made private again; a foreign file is refused by name', async (t) => {
  const dir = join(root, 'loose');
  const { file } = loadOrCreateManagerKey(dir);
  chmodSync(file, 0o644);
  loadOrCreateManagerKey(dir);
  t.equal(statSync(file).mode & 0o777, 0o600);

  const rsaDir = join(root, 'rsa');
  loadOrCreateManagerKey(rsaDir);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
  writeFileSync(join(rsaDir, KEY_FILE_NAME), rsa);
  t.throws(() => loadOrCreateManagerKey(rsaDir), /manager-key\.pem is not the manager's Ed25519 key .*must be Ed25519, got rsa/);
  writeFileSync(join(rsaDir, KEY_FILE_NAME), 'garbage');
  t.throws(() => loadOrCreateManagerKey(rsaDir), /is not the manager's Ed25519 key/);
});

t.test('the API token: none on loopback, made in the state dir beyond it, a given file always', async (t) => {
  const dir = join(root, 'token');
  loadOrCreateManagerKey(dir);
  t.equal(apiToken('127.0.0.1', null, dir), null);
  const beyond = apiToken('0.0.0.0', null, dir);
  t.equal(beyond?.file, join(dir, 'api-token'));
  t.match(beyond?.token, /^[A-Za-z0-9_-]{43}$/);
  t.equal(statSync(beyond!.file).mode & 0o777, 0o600);
  t.equal(apiToken('0.0.0.0', null, dir)?.token, beyond?.token, 'kept');
  const given = join(root, 'my-token');
  writeFileSync(given, 'abc\n');
  t.same(apiToken('127.0.0.1', given, dir), { token: 'abc', file: given });
  writeFileSync(given, 'two words');
  t.throws(() => readOrMakeToken(given), /a token is one word/);
});
