// The real isnsadm (open-isns-utils) lists an emulated target's LUN attributes from our server: vendor tags
// 641-643 (0281-0283 hex) as opaque values that open with bmcfleet's OUI prefix 00 42 4D 46, one group per
// LUN (protocols/isns/vendor-lun.ts). isnsd cannot take part: it refuses attributes it does not define.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsnsServer } from '../../emulator/isns/server.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { LunState } from '../../protocols/isns/vendor-lun.js';

const SERVER = { host: '127.38.0.1', port: 18100 };
const TARGET = 'iqn.2026-11.org.bmcfleet:luns-1';

t.test('isnsadm --list nodes shows the OUI-prefixed LUN attributes as sent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isnsadm-luns-'));
  const server = new IsnsServer({ ...SERVER, registry: { defaultDiscoveryDomain: true } });
  await server.start();
  const client = await IsnsClient.connect({ ...SERVER, source: TARGET });
  t.teardown(async () => {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.register({
    portals: [{ ip: '127.38.0.2', port: 3260 }],
    nodes: [{ name: TARGET, type: NodeType.TARGET, luns: [{ lun: 0, sizeBytes: 200_000_000_000n, state: LunState.ONLINE }, { lun: 7, state: LunState.BUSY }] }],
  });
  const conf = join(dir, 'isnsadm.conf');
  writeFileSync(conf, `ServerAddress = ${SERVER.host}:${SERVER.port}\nSecurity = 0\nSourceName = iqn.2026-11.org.bmcfleet:isnsadm\n`);
  const out = await new Promise<string>((resolve, reject) => {
    execFile('isnsadm', ['-c', conf, '--list', 'nodes'], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const vendor = out.split('\n').filter((l) => /^\s+028[123]\s/.test(l)).map((l) => l.trim().replace(/\s+/g, ' '));
  t.same(vendor, [
    '0281 opaque : unknown = <00 42 4d 46 00 00 00 00>', // LUN Number 0
    '0282 opaque : unknown = <00 42 4d 46 00 00 00 2e 90 ed d0 00>', // LUN Size 200,000,000,000 bytes
    '0283 opaque : unknown = <00 42 4d 46 00 00 00 01>', // LUN State online
    '0281 opaque : unknown = <00 42 4d 46 00 00 00 07>', // LUN Number 7, no size
    '0283 opaque : unknown = <00 42 4d 46 00 00 00 03>', // LUN State busy
  ], out);
});
