// /redfish/v1/$metadata (emulator/redfish/resources/metadata.ts): the CSDL document, read without credentials as
// application/xml, well-formed (read by Python's XML parser), referencing the DMTF schema of every type the code serves
// (the types found in the built code as scripts/dmtf-redfish-schema.mjs finds them) and nothing else.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { BmcRedfish } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import { RedfishService } from '../../emulator/redfish/redfish-service.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONFIG: RedfishConfig = {
  port: 443, tls: false, maxSessions: 2, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};

/** The namespaces the built code serves: each #X.vN_N_N.X as X and X.vN_N_N, each 'XCollection' as itself. */
function servedNamespaces(): Set<string> {
  const found = new Set<string>();
  const scan = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) scan(path);
      else if (entry.name.endsWith('.js') && !path.endsWith(join('redfish', 'resources', 'metadata.js'))) { // not the list under test
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/#(\w+)\.(v\d+_\d+_\d+)\.\1\b/g)) found.add(m[1]).add(`${m[1]}.${m[2]}`);
        for (const m of text.matchAll(/'(\w+Collection)'/g)) found.add(m[1]);
      }
    }
  };
  scan(join(DIST, 'emulator'));
  scan(join(DIST, 'protocols'));
  return found;
}

/** The document read by Python's XML parser: its root, each reference's file and namespaces, the container. */
function parsed(xml: string): { root: string; version: string; references: Array<{ uri: string; namespaces: string[] }>; extends: string } {
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'E = "{http://docs.oasis-open.org/odata/ns/edmx}"',
    'root = ET.fromstring(sys.stdin.read())',
    'refs = [{"uri": r.get("Uri"), "namespaces": [i.get("Namespace") for i in r.findall(E + "Include")]} for r in root.findall(E + "Reference")]',
    'box = root.find(E + "DataServices/{http://docs.oasis-open.org/odata/ns/edm}Schema/{http://docs.oasis-open.org/odata/ns/edm}EntityContainer")',
    'print(json.dumps({"root": root.tag, "version": root.get("Version"), "references": refs, "extends": box.get("Extends")}))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: xml }).toString());
}

function bmc(clock: ManualClock): EmulatedBmc {
  return new EmulatedBmc({ ip: '127.9.0.1', clock, now: clock.now(), users: [{ name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }] });
}

t.test('$metadata: without credentials, a CSDL document referencing the schema of every type served, and only those', async (t) => {
  const clock = new ManualClock(1_000_000);
  const target = new BmcRedfish(bmc(clock), null, CONFIG, () => {});
  const answer = await dispatch(new RouteTable(REDFISH_ROUTES), target, { method: 'GET', url: '/redfish/v1/$metadata', headers: {}, body: Buffer.alloc(0) }, clock.now());
  t.equal(answer.status, 200, 'no credentials needed');
  t.equal(answer.document?.contentType, 'application/xml');
  const doc = parsed(answer.document!.text);
  t.equal(doc.root, '{http://docs.oasis-open.org/odata/ns/edmx}Edmx');
  t.equal(doc.version, '4.0');
  t.equal(doc.extends, 'ServiceRoot.v1_5_0.ServiceContainer');
  for (const r of doc.references) {
    const file = /^http:\/\/redfish\.dmtf\.org\/schemas\/v1\/(\w+)_v1\.xml$/.exec(r.uri)?.[1];
    t.ok(file, `${r.uri} is a DMTF schema file`);
    t.ok(r.namespaces.every((ns) => ns === file || ns.startsWith(`${file}.v`)), `${r.uri} includes its own namespaces: ${r.namespaces}`);
  }
  const included = new Set(doc.references.flatMap((r) => r.namespaces));
  const served = servedNamespaces();
  t.ok(served.size > 40, `the code's types were found (${served.size})`);
  t.same([...served].filter((ns) => !included.has(ns)), [], 'every namespace served is referenced');
  t.same([...included].filter((ns) => !served.has(ns)), ['RedfishExtensions.v1_0_0'], 'nothing else, but the annotations');
});

t.test('$metadata over HTTP: Content-Type application/xml, OData-Version 4.0', async (t) => {
  const clock = new ManualClock(1_000_000);
  const one = bmc(clock);
  const service = new RedfishService({ config: CONFIG, ca: null, clock, targets: { bmc: () => one, media: () => null, changed: () => {} } });
  const listener = createServer({ pauseOnConnect: true }, (socket) => service.accept('127.9.0.1', socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    service.close();
    listener.close();
  });
  const res = await fetch(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/redfish/v1/$metadata`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/xml');
  t.equal(res.headers.get('odata-version'), '4.0');
  t.match(await res.text(), /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<edmx:Edmx /);
});
