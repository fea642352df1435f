// The fleet's Redfish CA and the server certificates it issues (protocols/asn1/der.ts, protocols/x509/certificate.ts,
// emulator/redfish/fleet-ca.ts), read back by node:crypto's X509Certificate and by the real `openssl verify`, and used
// in a real TLS handshake that checks the address against the certificate.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateTime, objectIdentifier, readTlv, tlv, unsignedInteger } from '../../protocols/asn1/der.js';
import { DecodeError } from '../../protocols/errors.js';
import { ServerCertificates, loadOrMakeCa, makeCa } from '../../emulator/redfish/fleet-ca.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

t.test('DER encodings of X.690 examples', async (t) => {
  t.equal(objectIdentifier('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
  t.equal(objectIdentifier('2.5.29.17').toString('hex'), '0603551d11');
  t.equal(unsignedInteger(2).toString('hex'), '020102');
  t.equal(unsignedInteger(128).toString('hex'), '02020080', 'a set top bit gets a leading 00h');
  t.equal(unsignedInteger(Buffer.from([0, 0, 1])).toString('hex'), '020101', 'redundant leading zeros go');
  t.equal(unsignedInteger(0).toString('hex'), '020100');
  t.equal(tlv(0x04, Buffer.alloc(200)).subarray(0, 3).toString('hex'), '0481c8', 'long form length');
  t.equal(certificateTime(new Date(NOW)).toString('latin1'), '\x17\x0d261206120000Z', 'UTCTime through 2049');
  t.equal(certificateTime(new Date(Date.UTC(2050, 0, 1))).toString('latin1'), '\x18\x0f20500101000000Z', 'GeneralizedTime from 2050');
  const e = t.throws(() => readTlv(Buffer.from([0x30, 0x05, 0x01]), 0, 'Certificate')) as DecodeError;
  t.match(e, { protocol: 'der', field: 'Certificate', code: 'ERR_TRUNCATED' });
});

t.test('a CA and a server certificate for an address: read back, verified, and checked against the address', async (t) => {
  const ca = makeCa('lab', NOW);
  const caCert = new X509Certificate(ca.certPem);
  t.ok(caCert.ca, 'the CA is a CA');
  t.match(caCert.subject, /O=bmcfleet\nCN=bmcfleet Redfish CA \(lab\)/);
  t.ok(caCert.verify(caCert.publicKey), 'self-signed');
  const certs = new ServerCertificates(ca);
  const leaf = new X509Certificate(certs.issue('127.1.0.7', NOW));
  t.notOk(leaf.ca);
  t.equal(leaf.issuer, caCert.subject, 'issued by the CA');
  t.ok(leaf.verify(caCert.publicKey), 'signed by the CA key');
  t.equal(leaf.checkIP('127.1.0.7'), '127.1.0.7');
  t.equal(leaf.checkIP('127.1.0.8'), undefined, 'another address does not match');
  t.equal(leaf.subjectAltName, 'IP Address:127.1.0.7');
  t.equal(leaf.keyUsage?.join(','), '1.3.6.1.5.5.7.3.1', 'serverAuth');

  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-ca-'));
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'leaf.pem'), certs.issue('127.1.0.7', NOW));
  const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', '-verify_ip', '127.1.0.7', join(dir, 'leaf.pem')]).toString();
  t.match(out, /leaf\.pem: OK/, 'openssl verify accepts it');
});

t.test('loadOrMakeCa makes the CA once in the directory (key 0600) and reads it back after', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'bmcfleet-ca-')), 'state');
  const first = loadOrMakeCa(dir, 'lab', NOW);
  t.equal(first.certFile, join(dir, 'redfish-ca.pem'));
  t.equal(statSync(join(dir, 'redfish-ca-key.pem')).mode & 0o777, 0o600);
  const again = loadOrMakeCa(dir, 'lab', NOW);
  t.same(again.ca, first.ca, 'the same CA on the next start');
});

t.test('a TLS client trusting the CA connects to the address and is refused on a name mismatch', async (t) => {
  const ca = makeCa('lab', Date.now());
  const certs = new ServerCertificates(ca);
  const server = createServer({ key: certs.keyPem, cert: certs.issue('127.0.0.1', Date.now()) }, (s) => s.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const read = (host: string) => new Promise<string>((resolve, reject) => {
    const s = connect({ host, port, ca: ca.certPem, servername: '' }, () => s.once('data', (d) => { resolve(d.toString()); s.end(); }));
    s.once('error', reject);
  });
  t.equal(await read('127.0.0.1'), 'hello');
  await t.rejects(read('localhost'), /localhost/, 'a name the certificate does not carry is refused');
});
