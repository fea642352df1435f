// The ceiling of the Redfish benchmark, in a process of its own (as the fleet's shards are): a minimal Node `https`
// server that answers every request with one fixed JSON document, with the headers a Redfish answer has, over a
// certificate from the fleet's CA (the same key type and TLS as a BMC's).
//   `node fixed-json-https.js HOST CA_DIR BODY_FILE`: listens on HOST, port 0, prints "ready PORT".
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CA_CERT_FILE, CA_KEY_FILE, ServerCertificates } from '../../emulator/redfish/fleet-ca.js';

const [host, caDir, bodyFile] = process.argv.slice(2);
if (!host || !caDir || !bodyFile) {
  process.stderr.write('usage: fixed-json-https.js HOST CA_DIR BODY_FILE\n');
  process.exit(2);
}

const certificates = new ServerCertificates({ certPem: readFileSync(join(caDir, CA_CERT_FILE), 'utf8'), keyPem: readFileSync(join(caDir, CA_KEY_FILE), 'utf8') });
const body = readFileSync(bodyFile);
const headers = { 'OData-Version': '4.0', 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length };

const server = createServer({ key: certificates.keyPem, cert: certificates.issue(host, Date.now()) }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, headers);
    res.end(body);
  });
});
server.listen(0, host, () => process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
