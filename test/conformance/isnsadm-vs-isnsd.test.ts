// "isnsadm cannot tell our server from isnsd": one script of isnsadm commands (open-isns-utils) runs
// against open-isns isnsd and against our IsnsServer, configured alike (no security, DefaultDiscoveryDomain
// = 1, registration period 10 min), and every step must print the same thing and exit the same way.
// tshark captures both conversations and must find no malformed iSNS packet.
//
// Normalised, and why:
//   - Timestamps: each server stamps the wall-clock second it handled the registration; two servers
//     cannot agree on it (the line is kept, the date replaced).
//   - Nothing else: entity IDs (isns.entity.NNNN), object indexes and DD IDs come out the same because
//     our registry allocates them in isnsd's order; the test would catch a difference.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsnsServer } from '../../emulator/isns/server.js';
import { startIsnsd } from '../helpers/isnsd.js';
import { startCapture } from '../helpers/tshark.js';

const ISNSD = { host: '127.25.2.1', port: 17740 };
const OURS = { host: '127.25.2.2', port: 17741 };
const TARGET = 'iqn.2024-01.test.lab:target1';
const HOST = 'iqn.2024-01.test.lab:host1';
const NOBODY = 'iqn.2024-01.test.lab:nobody';

type Step = { source: string; args: string[]; note: string };
/** The script: every kind of request isnsadm makes, in an order whose answers depend on what came before. */
const SCRIPT: Step[] = [
  { source: TARGET, args: ['--register', `target=${TARGET},alias=disk1`, 'portal=127.25.0.2:3260'], note: 'register target with portal and alias' },
  { source: HOST, args: ['--register', `initiator=${HOST}`, 'portal=127.25.0.9:860'], note: 'register initiator with portal' },
  { source: HOST, args: ['--query', 'iscsi-node-type=target', '?iscsi-name', '?iscsi-alias', '?portal-addr', '?portal-port'], note: 'query targets (default DD)' },
  { source: HOST, args: ['--query', 'iscsi-name', '?iscsi-node-type'], note: 'query with an empty key value' },
  { source: TARGET, args: ['--query-eid'], note: 'query-eid' },
  { source: HOST, args: ['--list', 'nodes'], note: 'list nodes' },
  { source: HOST, args: ['--list', 'portals'], note: 'list portals' },
  { source: HOST, args: ['--list', 'entities'], note: 'list entities' },
  { source: HOST, args: ['--list', 'dds'], note: 'list dds (none)' },
  { source: NOBODY, args: ['--list', 'nodes'], note: 'list nodes from an unregistered source' },
  { source: HOST, args: ['--dd-register', 'dd-name=boot', `member-name=${HOST}`, `member-name=${TARGET}`], note: 'dd-register' },
  { source: HOST, args: ['--list', 'dds'], note: 'list dds' },
  { source: HOST, args: ['--query', 'iscsi-node-type=target', '?iscsi-name', '?portal-addr', '?portal-port'], note: 'query targets in the DD' },
  { source: HOST, args: ['--dd-deregister', '1', `member-name=${TARGET}`], note: 'dd-deregister a member' },
  { source: HOST, args: ['--query', 'iscsi-node-type=target', '?iscsi-name'], note: 'the target left the DD' },
  { source: HOST, args: ['--list', 'dds'], note: 'list dds after the member left' },
  { source: HOST, args: ['--dd-deregister', '1'], note: 'dd-deregister the DD' },
  { source: HOST, args: ['--list', 'dds'], note: 'list dds after removal' },
  { source: TARGET, args: ['--replace', '--register', `target=${TARGET},alias=disk2`, 'portal=127.25.0.3:3260'], note: 'replace mode: the entity anew' },
  { source: HOST, args: ['--list', 'nodes'], note: 'list nodes after replace' },
  { source: HOST, args: ['--list', 'portals'], note: 'list portals after replace' },
  { source: TARGET, args: ['--deregister', 'eid=@EID'], note: 'deregister the target entity' },
  { source: HOST, args: ['--list', 'nodes'], note: 'list nodes after deregister' },
  { source: HOST, args: ['--list', 'entities'], note: 'list entities after deregister' },
  { source: HOST, args: ['--deregister', `iscsi-name=${HOST}`], note: 'deregister a node by name' },
  { source: NOBODY, args: ['--list', 'nodes'], note: 'empty database' },
];

function isnsadm(conf: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('isnsadm', ['-c', conf, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

const normalise = (out: string) => out.replace(/(Timestamp = ).*$/gm, '$1<time>');

t.test('the isnsadm script gives the same output against isnsd and against our server', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isnsadm-vs-'));
  const capture = await startCapture(`tcp port ${ISNSD.port} or tcp port ${OURS.port}`);
  const isnsd = await startIsnsd(dir, ISNSD);
  const ours = new IsnsServer({ ...OURS, registry: { defaultDiscoveryDomain: true, defaultRegistrationPeriod: 600 } });
  await ours.start();
  t.teardown(async () => {
    isnsd.kill('SIGTERM');
    await ours.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const conf = (server: typeof ISNSD, source: string) => {
    const file = join(dir, `${server.port}-${source.replace(/[^a-z0-9]/gi, '_')}.conf`);
    writeFileSync(file, `ServerAddress = ${server.host}:${server.port}\nSecurity = 0\nSourceName = ${source}\n`);
    return file;
  };
  const eids = new Map<number, string>();
  for (const step of SCRIPT) {
    const results = [];
    for (const server of [ISNSD, OURS]) {
      const args = step.args.map((a) => a.replace('@EID', eids.get(server.port) ?? ''));
      const r = await isnsadm(conf(server, step.source), args);
      if (step.args[0] === '--query-eid') eids.set(server.port, r.out.trim());
      results.push({ code: r.code, out: normalise(r.out) });
    }
    t.same(results[1], results[0], `${step.note}: isnsadm ${step.args.join(' ')}`);
  }
  t.equal(ours.registry.counters.malformed, 0, 'every isnsadm message decoded');

  await capture.stop();
  const dissection = await new Promise<string>((resolve, reject) => {
    execFile('tshark', ['-r', capture.file, '-d', `tcp.port==${ISNSD.port},isns`, '-d', `tcp.port==${OURS.port},isns`, '-V'],
      { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout));
  });
  const bad = dissection.split('\n').filter((l) => /Malformed Packet|\[Expert Info \(Error/.test(l));
  t.same(bad, [], 'no malformed iSNS packets in either conversation');
  const pdus = (dissection.match(/^iSNS$/gm) ?? []).length;
  t.ok(pdus >= SCRIPT.length * 4, `tshark decoded ${pdus} iSNS PDUs`);
});
