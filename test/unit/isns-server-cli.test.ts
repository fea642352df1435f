// `bmcfleet isns ...` as a user runs it: serve prints "ready" and stops cleanly on SIGTERM; register,
// list (--json, with portals and LUN attributes), dd create/list/delete, dds create/enable/delete, deregister; the state
// directory carries the database over a restart; --help teaches; bad arguments exit 2.
import t from 'tap';
import { runIsns as run, serveIsns } from '../helpers/isns-cli.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER = '127.25.6.1:17795';

t.test('serve, register, list, dd, restart with the state dir', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isns-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let s = await serveIsns(SERVER, '--state-dir', dir);
  t.teardown(() => { s.child.kill('SIGKILL'); });
  t.match(s.ready, /^ready: iSNS on 127\.25\.6\.1:17795 tcp\+udp/);

  let r = await run('register', '--server', SERVER, '--name', 'iqn.2024-01.lab:disk1', '--type', 'target', '--alias', 'disk1',
    '--portal', '127.25.6.2:3260', '--lun', '0:8GiB:online', '--lun', '1:512MiB:busy', '--json');
  t.equal(r.code, 0, r.err);
  const reg = JSON.parse(r.out);
  t.match(reg.eid, /^isns\.entity\./);
  r = await run('register', '--server', SERVER, '--name', 'iqn.2024-01.lab:host1', '--type', 'initiator', '--portal', '127.25.6.3:860');
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^registered iqn\.2024-01\.lab:host1 in entity isns\.entity\.\d+/);
  r = await run('dd', 'create', '--server', SERVER, '--name', 'rack1', '--member', 'iqn.2024-01.lab:disk1', '--member', 'iqn.2024-01.lab:host1', '--json');
  t.equal(r.code, 0, r.err);
  const dd = JSON.parse(r.out);
  t.same(dd.members, ['iqn.2024-01.lab:disk1', 'iqn.2024-01.lab:host1']);

  r = await run('list', '--server', SERVER, '--source', 'iqn.2024-01.lab:host1', '--json');
  t.equal(r.code, 0, r.err);
  t.same(JSON.parse(r.out), [
    { name: 'iqn.2024-01.lab:disk1', type: 'target', alias: 'disk1', entity: reg.eid, portals: ['127.25.6.2:3260'],
      luns: [{ lun: 0, sizeBytes: String(8n << 30n), state: 'online' }, { lun: 1, sizeBytes: String(512n << 20n), state: 'busy' }] },
    { name: 'iqn.2024-01.lab:host1', type: 'initiator', entity: JSON.parse(r.out)[1].entity, portals: ['127.25.6.3:860'], luns: [] },
  ], 'nodes with portals and LUN attributes');
  r = await run('list', '--server', SERVER, '--source', 'iqn.2024-01.lab:host1');
  t.match(r.out, /iqn\.2024-01\.lab:disk1  target  alias disk1[\s\S]*portals 127\.25\.6\.2:3260[\s\S]*lun 0 8589934592 B online/);

  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0, 'clean stop on SIGTERM');
  s = await serveIsns(SERVER, '--state-dir', dir);
  t.match(s.ready, /2 nodes loaded/);
  r = await run('dd', 'list', '--server', SERVER, '--source', 'iqn.2024-01.lab:host1');
  t.match(r.out, new RegExp(`DD ${dd.id} "rack1": iqn.2024-01.lab:disk1 iqn.2024-01.lab:host1`));
  // a DD set switches the DD off (created disabled), then on
  const names = async () => JSON.parse((await run('list', '--server', SERVER, '--source', 'iqn.2024-01.lab:host1', '--json')).out).map((n: { name: string }) => n.name);
  r = await run('dds', 'create', '--server', SERVER, '--name', 'night', '--dd', String(dd.id), '--json');
  t.equal(r.code, 0, r.err);
  const set = JSON.parse(r.out) as { id: number; enabled: boolean };
  t.same(set, { id: set.id, dds: [dd.id], enabled: false }, 'created disabled');
  t.same(await names(), ['iqn.2024-01.lab:host1'], 'the DD is off: host1 no longer sees disk1');
  r = await run('dds', 'enable', '--server', SERVER, '--id', String(set.id));
  t.match(r.out, new RegExp(`DD set ${set.id} enabled`));
  t.same(await names(), ['iqn.2024-01.lab:disk1', 'iqn.2024-01.lab:host1'], 'on again');
  r = await run('dds', 'delete', '--server', SERVER, '--id', String(set.id));
  t.equal(r.code, 0, r.err);
  r = await run('dds', 'create', '--server', SERVER);
  t.equal(r.code, 2, 'a set needs --dd');
  r = await run('dd', 'delete', '--server', SERVER, '--id', String(dd.id));
  t.equal(r.code, 0, r.err);
  r = await run('deregister', '--server', SERVER, '--name', 'iqn.2024-01.lab:disk1');
  t.equal(r.code, 0, r.err);
  r = await run('list', '--server', SERVER, '--source', 'iqn.2024-01.lab:host1', '--json');
  t.same(JSON.parse(r.out).map((n: { name: string }) => n.name), ['iqn.2024-01.lab:host1']);
  r = await run('dd', 'delete', '--server', SERVER, '--id', '77');
  t.equal(r.code, 1);
  t.match(r.err, /the server refused: DDDereg: status 9 \(No Such Entry\)/);
  s.child.kill('SIGINT');
  t.equal(await s.exited, 0, 'clean stop on SIGINT');
});

t.test('help teaches; usage errors exit 2', async (t) => {
  let r = await run('--help');
  t.equal(r.code, 0);
  t.match(r.out, /discovery domains/);
  r = await run('serve', '--help');
  t.match(r.out, /--state-dir DIR/);
  t.match(r.out, /ready/);
  r = await run('register', '--help');
  t.match(r.out, /--lun N:SIZE:STATE/);
  r = await run('serve');
  t.equal(r.code, 2);
  t.match(r.err, /--listen HOST:PORT is required/);
  r = await run('register', '--server', SERVER, '--name', 'x', '--lun', '0:lots');
  t.equal(r.code, 2);
  r = await run('bogus');
  t.equal(r.code, 2);
});
