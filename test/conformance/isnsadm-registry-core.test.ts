// The real client against our server core alone: open-isns isnsadm talks TCP to a minimal loopback harness
// (PduStreamDecoder -> Reassembler -> IsnsRegistry.handleRaw -> encodeMessage) on 127.25.0.1, with the
// core's own defaults (no default DD). The full server against isnsd is isnsadm-vs-isnsd.test.ts.
import t from 'tap';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PduStreamDecoder } from '../../protocols/isns/stream.js';
import { Reassembler } from '../../protocols/isns/segments.js';
import { encodeMessage } from '../../protocols/isns/codec.js';
import { IsnsRegistry } from '../../emulator/isns/registry/registry.js';

const HOST = '127.25.0.1';
const PORT = 17701;

function serve(reg: IsnsRegistry): Promise<net.Server> {
  const server = net.createServer((sock) => {
    const frames = new PduStreamDecoder();
    const joiner = new Reassembler();
    sock.on('data', (chunk) => {
      try {
        for (const pdu of frames.push(chunk)) {
          const msg = joiner.push(pdu, Date.now());
          const rsp = msg && reg.handleRaw(msg, Date.now());
          if (rsp) for (const b of encodeMessage(rsp)) sock.write(b);
        }
      } catch {
        sock.destroy(); // a stream that does not frame cannot be resynchronised
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(PORT, HOST, () => resolve(server));
  });
}

t.test('isnsadm registers, queries, builds a DD and lists through our server core', async (t) => {
  const reg = new IsnsRegistry();
  const server = await serve(reg);
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isnsadm-'));
  t.teardown(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const conf = (source: string) => {
    const file = join(dir, `${source.replace(/[^a-z0-9]/gi, '_')}.conf`);
    writeFileSync(file, `ServerAddress = ${HOST}:${PORT}\nSecurity = 0\nSourceName = ${source}\n`);
    return file;
  };
  const isnsadm = (source: string, ...args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
    execFile('isnsadm', ['-c', conf(source), ...args], { timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr });
    });
  });
  const target = 'iqn.2024-01.test.lab:target1';
  const host = 'iqn.2024-01.test.lab:host1';

  let r = await isnsadm(target, '--register', `target=${target},alias=disk1`, 'portal=127.25.0.2:3260');
  t.equal(r.code, 0, r.out);
  t.match(r.out, /Successfully registered/);
  r = await isnsadm(host, '--register', `initiator=${host}`, 'portal=127.25.0.9:860');
  t.equal(r.code, 0, r.out);

  r = await isnsadm(host, '--query', 'iscsi-node-type=target', '?iscsi-name', '?portal-addr');
  t.equal(r.code, 0, r.out);
  t.match(r.out, /Object list empty/, 'no shared DD: the host sees no target');

  r = await isnsadm(host, '--dd-register', 'dd-name=boot', `member-name=${host}`, `member-name=${target}`);
  t.equal(r.code, 0, r.out);
  t.match(r.out, /DD name = "boot"/);

  r = await isnsadm(host, '--query', 'iscsi-node-type=target', '?iscsi-name', '?iscsi-alias', '?portal-addr', '?portal-port');
  t.equal(r.code, 0, r.out);
  t.match(r.out, new RegExp(`iSCSI name = "${target}"`));
  t.match(r.out, /iSCSI alias = "disk1"/);
  t.match(r.out, /Portal IP address = 127\.25\.0\.2/, 'isnsadm reads our ::ffff: address as IPv4');
  t.match(r.out, /Portal TCP\/UDP port = 3260\/tcp/);

  r = await isnsadm(host, '--list', 'nodes');
  t.equal(r.code, 0, r.out);
  t.match(r.out, new RegExp(`${host}[\\s\\S]*${target}`), 'both nodes, in key order (DevGetNext by iSCSI Name, as isnsd walks them)');

  r = await isnsadm(target, '--query-eid');
  t.equal(r.code, 0, r.out);
  const eid = r.out.trim();
  t.equal(eid, reg.store.nodes.get(target)!.entity.eid);

  r = await isnsadm(host, '--dd-deregister', '1', `member-name=${target}`);
  t.equal(r.code, 0, r.out);
  r = await isnsadm(host, '--query', 'iscsi-node-type=target', '?iscsi-name');
  t.match(r.out, /Object list empty/, 'target left the DD');

  r = await isnsadm(target, '--deregister', `eid=${eid}`);
  t.equal(r.code, 0, r.out);
  t.notOk(reg.store.nodes.has(target), 'target gone from the database');
  t.equal(reg.counters.malformed, 0, 'every isnsadm message decoded');
});
