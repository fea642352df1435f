// An image behind an HTTP(S) URL (emulator/media/http-range-source.ts) against a real node:http server on
// 127.0.0.1 that serves Range requests: exact bytes, a bounded pool of kept-alive connections, and a clear
// MediaError for every way the server can let us down (404, no Range support, a changed image, no answer).
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockCache } from '../../emulator/media/block-cache.js';
import { HttpRangeSource } from '../../emulator/media/http-range-source.js';
import { MediaError, MediaErrorCode } from '../../emulator/media/media-error.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { patternedImage, startRangeServer, type RangeServer } from '../helpers/range-server.js';

const image = patternedImage(300_007);

async function serving(t: Test, options: Parameters<typeof startRangeServer>[0] = {}): Promise<RangeServer> {
  const server = await startRangeServer(options);
  t.teardown(() => server.close());
  server.put('image.iso', image);
  return server;
}

async function failure(p: Promise<unknown>): Promise<MediaError> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof MediaError)) throw new Error(`expected a MediaError, got ${String(err)}`);
  return err;
}

t.test('reads exact bytes at odd offsets, alone and through the cache across chunk edges', async (t) => {
  const server = await serving(t);
  const s = await HttpRangeSource.open(`${server.url}/image.iso`);
  t.teardown(() => s.close());
  t.equal(s.size, image.length, 'size from Content-Range of bytes=0-0');
  t.match(s.key, /^http:http:\/\/127\.0\.0\.1:\d+\/image\.iso\|etag="v1-300007"\|lm=.*GMT\|300007$/);
  for (const [offset, length] of [[0, 1], [1, 2], [65_535, 3], [131_071, 65_539], [300_006, 1], [0, image.length]]) {
    t.same(await s.readAt(offset, length), image.subarray(offset, offset + length), `${length} bytes at ${offset}`);
  }
  const cache = new BlockCache({ chunkSize: 65_536 });
  for (const [offset, length] of [[65_530, 20], [7, 200_000], [262_143, 37_000]]) {
    t.same(await cache.read(s, offset, length), image.subarray(offset, offset + length), `cache: ${length} bytes at ${offset}`);
  }
  t.equal(server.requests.get(200), undefined, 'never a whole-body answer');
});

t.test('a bounded pool of kept-alive connections, however many reads are asked at once', async (t) => {
  const server = await serving(t);
  const s = await HttpRangeSource.open(`${server.url}/image.iso`, { maxSockets: 3 });
  t.teardown(() => s.close());
  const reads = Array.from({ length: 200 }, (_, i) => s.readAt(i * 1000, 1000));
  const answers = await Promise.all(reads);
  t.ok(answers.every((a, i) => a.equals(image.subarray(i * 1000, i * 1000 + 1000))), 'every read right');
  t.ok(server.maxConnections <= 3, `at most 3 connections at once (${server.maxConnections})`);
  t.equal(server.requests.get(206), 201, 'one GET per read and the probe');
});

t.test('a read after close: MEDIA_CLOSED, and nothing asked of the server', async (t) => {
  const server = await serving(t);
  const s = await HttpRangeSource.open(`${server.url}/image.iso`);
  await s.close();
  t.match(await failure(s.readAt(0, 10)), { code: MediaErrorCode.CLOSED });
  t.equal(server.requests.get(206), 1, 'the probe only');
});

t.test('redirects are followed (up to 5); reads go where they led, the location stays the one given', async (t) => {
  const server = await serving(t);
  const s = await HttpRangeSource.open(`${server.url}/redirect/image.iso`);
  t.teardown(() => s.close());
  t.equal(s.location, `${server.url}/redirect/image.iso`);
  t.same(await s.readAt(1000, 10), image.subarray(1000, 1010));
  t.equal(server.requests.get(302), 1, 'the redirect is not asked again for each read');
});

t.test('user:password in the URL is never shown', async (t) => {
  const server = await serving(t);
  const s = await HttpRangeSource.open(`${server.url.replace('//', '//admin:secret@')}/image.iso`);
  t.teardown(() => s.close());
  t.equal(s.location, `${server.url}/image.iso`);
  t.notMatch(s.key, /secret/);
  const err = await failure(HttpRangeSource.open(`${server.url.replace('//', '//admin:secret@')}/missing.iso`));
  t.notMatch(err.message, /secret/);
});

t.test('404: MEDIA_HTTP_STATUS naming the URL', async (t) => {
  const server = await serving(t);
  const err = await failure(HttpRangeSource.open(`${server.url}/nope.iso`));
  t.match(err, { code: MediaErrorCode.HTTP_STATUS, location: `${server.url}/nope.iso`, message: `${server.url}/nope.iso: HTTP 404 Not Found` });
});

t.test('a server that ignores Range (200 with the whole body): MEDIA_NO_RANGE_SUPPORT, not the whole image read as its first byte', async (t) => {
  const server = await serving(t, { ignoreRange: true });
  const err = await failure(HttpRangeSource.open(`${server.url}/image.iso`));
  t.match(err, { code: MediaErrorCode.NO_RANGE_SUPPORT, message: /does not support Range requests/ });
});

t.test('an empty image: MEDIA_EMPTY_IMAGE (416 to bytes=0-0)', async (t) => {
  const server = await serving(t);
  server.put('empty.iso', Buffer.alloc(0));
  const err = await failure(HttpRangeSource.open(`${server.url}/empty.iso`));
  t.equal(err.code, MediaErrorCode.EMPTY_IMAGE);
});

t.test('the image replaced on the server mid-read (another ETag): MEDIA_IMAGE_CHANGED, and it is no longer current', async (t) => {
  const server = await serving(t);
  const s = await HttpRangeSource.open(`${server.url}/image.iso`);
  t.teardown(() => s.close());
  t.same(await s.readAt(0, 100), image.subarray(0, 100));
  t.ok(await s.isCurrent());
  server.put('image.iso', Buffer.from(image).fill(0, 0, 100)); // same length, new ETag
  const err = await failure(s.readAt(100, 100));
  t.match(err, { code: MediaErrorCode.IMAGE_CHANGED, message: /ETag "v2-300007", was "v1-300007" when inserted/ });
  t.notOk(await s.isCurrent(), 'a new insert opens it afresh');
  server.put('image.iso', image.subarray(0, 1000));
  const shorter = await failure(s.readAt(0, 10));
  t.match(shorter, { code: MediaErrorCode.IMAGE_CHANGED, message: /now 1000 bytes long, 300007 when inserted/ });
});

t.test('nobody listening: MEDIA_NETWORK after every attempt', async (t) => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const { port } = closed.address() as net.AddressInfo;
  await new Promise<void>((r) => closed.close(() => r()));
  const err = await failure(HttpRangeSource.open(`http://127.0.0.1:${port}/image.iso`, { attempts: 2 }));
  t.match(err, { code: MediaErrorCode.NETWORK, message: /ECONNREFUSED.*\(2 attempts\)/ });
});

t.test('a server that never answers: MEDIA_TIMEOUT when the Clock says so', async (t) => {
  const silent = net.createServer((socket) => { socket.on('error', () => {}); socket.resume(); }); // reads the request, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => silent.close(() => r())));
  const { port } = silent.address() as net.AddressInfo;
  const clock = new ManualClock();
  const opening = failure(HttpRangeSource.open(`http://127.0.0.1:${port}/image.iso`, { clock, timeoutMs: 5000 }));
  await new Promise((r) => setTimeout(r, 50));
  t.equal(clock.pending, 1, 'one deadline set');
  clock.advance(4999);
  clock.advance(1);
  t.match(await opening, { code: MediaErrorCode.TIMEOUT, message: /no whole answer to bytes=0-0 within 5000 ms/ });
});

t.test('ftp and other schemes are refused', async (t) => {
  t.match(await failure(HttpRangeSource.open('ftp://example.com/x.iso')), { code: MediaErrorCode.UNSUPPORTED_SCHEME });
  t.match(await failure(HttpRangeSource.open('http://')), { code: MediaErrorCode.BAD_LOCATION });
});

/** A self-signed certificate for 127.0.0.1 made by openssl, or null where openssl is missing. */
function selfSignedCertificate(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-https-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSignedCertificate();

t.test('https: a self-signed server is refused unless its certificate is given as ca', { skip: tls ? false : 'openssl is not installed: no certificate' }, async (t) => {
  const server = await serving(t, { tls: tls! });
  t.match(server.url, /^https:/);
  const refused = await failure(HttpRangeSource.open(`${server.url}/image.iso`, { attempts: 1 }));
  t.match(refused, { code: MediaErrorCode.NETWORK, message: /self-signed certificate/ });
  const s = await HttpRangeSource.open(`${server.url}/image.iso`, { ca: tls!.cert });
  t.teardown(() => s.close());
  t.same(await s.readAt(77_777, 100_000), image.subarray(77_777, 177_777));
});
