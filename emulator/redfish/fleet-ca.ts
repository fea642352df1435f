// The fleet's own certificate authority for its Redfish services (issue 16): one self-signed CA per fleet, kept in the
// state directory (its certificate for clients to trust, its key mode 0600) so it outlives a restart, and the server
// certificates it issues, one per BMC address, made when that address is first connected to.
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateSubject } from '../../protocols/asn1/der.js';
import { keyIdentifier, makeCertificate, name, pem, type Issuer } from '../../protocols/x509/certificate.js';

/** The CA as it crosses to shard processes: PEM text. */
export interface CaMaterial { certPem: string; keyPem: string }

/** Where the CA is kept in a state directory: clients trust CA_CERT_FILE (curl --cacert, sushy verify=). */
export const CA_CERT_FILE = 'redfish-ca.pem';
export const CA_KEY_FILE = 'redfish-ca-key.pem';

const ORGANIZATION = 'bmcfleet';
const DAY_MS = 86_400_000;
/** A CA lasts 10 years, a server certificate 1; both start a day back, for clocks a little behind. */
const CA_DAYS = 3650;
const SERVER_DAYS = 365;

function ecKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** A positive 16-octet serial (RFC 5280 §4.1.2.2: unique per CA; random makes it so). */
function serial(): Buffer {
  const s = randomBytes(16);
  s[0] &= 0x7f;
  return s;
}

/** A new self-signed CA named after the fleet. */
export function makeCa(fleetName: string, now: number): CaMaterial {
  const { publicKey, privateKey } = ecKeyPair();
  const subject = name(`bmcfleet Redfish CA (${fleetName})`, ORGANIZATION);
  const der = makeCertificate({
    subject, serial: serial(), notBefore: new Date(now - DAY_MS), notAfter: new Date(now + CA_DAYS * DAY_MS),
    publicKey, role: 'ca', issuer: { name: subject, privateKey, keyId: keyIdentifier(publicKey) },
  });
  return { certPem: pem(der), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/**
 * The CA in `dir` (made there when missing: the certificate 0644, the key 0600), and the certificate's path.
 * Throws, naming the file, when one is there but cannot be read.
 */
export function loadOrMakeCa(dir: string, fleetName: string, now: number): { ca: CaMaterial; certFile: string } {
  const certFile = join(dir, CA_CERT_FILE);
  const keyFile = join(dir, CA_KEY_FILE);
  try {
    return { ca: { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') }, certFile };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the Redfish CA in ${dir}: ${(err as Error).message}`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = makeCa(fleetName, now);
  writeFileSync(keyFile, ca.keyPem, { mode: 0o600 });
  writeFileSync(certFile, ca.certPem, { mode: 0o644 });
  return { ca, certFile };
}

/** Issues server certificates for addresses, all with one key pair (made once per process). */
export class ServerCertificates {
  readonly keyPem: string;
  readonly caPem: string;
  private readonly issuer: Issuer;
  private readonly publicKey: KeyObject;

  constructor(ca: CaMaterial) {
    const caKey = createPrivateKey(ca.keyPem);
    const caCert = new X509Certificate(ca.certPem);
    this.issuer = { name: certificateSubject(caCert.raw), privateKey: caKey, keyId: keyIdentifier(createPublicKey(caKey)) };
    const { publicKey, privateKey } = ecKeyPair();
    this.publicKey = publicKey;
    this.keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    this.caPem = ca.certPem;
  }

  /** A certificate (PEM) for `ip`: subject CN and subjectAltName the address. */
  issue(ip: string, now: number): string {
    return pem(makeCertificate({
      subject: name(ip, ORGANIZATION), serial: serial(), notBefore: new Date(now - DAY_MS), notAfter: new Date(now + SERVER_DAYS * DAY_MS),
      publicKey: this.publicKey, role: 'server', ipAddresses: [ip], issuer: this.issuer,
    }));
  }
}
