// Handing installed hosts to the pool (orchestrator/provisioning/pool-hand-over.ts): one entry per host in the pool
// file however often it is written, and a webhook on a real loopback HTTP server whose failures throw (the runner
// tries again) and whose repeats carry the same Idempotency-Key.
import t from 'tap';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startInstall } from '../../orchestrator/provisioning/install-machine.js';
import { poolEntry, poolHandOver } from '../../orchestrator/provisioning/pool-hand-over.js';
import { freeTcpPort } from '../helpers/free-port.js';
import { inventoriedHost } from '../helpers/host-records.js';

const installed = (address: string) => inventoriedHost(address, undefined, { install: { ...startInstall('compute', 'debian.iso', 1000), step: 'hand-over', stepSinceMs: 9000 } });

t.test('the pool file: one entry per host, replaced when written again', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-pool-')), 'pool.json');
  const handOver = poolHandOver({ file, webhook: null });
  return (async () => {
    await handOver(installed('127.63.0.1'));
    await handOver(installed('127.63.0.2'));
    await handOver(installed('127.63.0.1'));
    const pool = JSON.parse(readFileSync(file, 'utf8'));
    t.same(pool.hosts.map((h: { bmc: string }) => h.bmc), ['127.63.0.2', '127.63.0.1']);
    t.same(pool.hosts[1], poolEntry(installed('127.63.0.1')));
    t.same(pool.hosts[1].macs, ['06:00:00:00:00:00', '06:00:00:00:00:01'], 'the MACs from the inventory');
  })();
});

t.test('the webhook: a failure throws for the runner to try again; each try carries the same key', async (t) => {
  const seen: { key: string | undefined; auth: string | undefined; body: unknown }[] = [];
  const answers = [503, 500, 204];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ key: req.headers['idempotency-key'] as string | undefined, auth: req.headers.authorization, body: JSON.parse(body) });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool`;
  const handOver = poolHandOver({ file: null, webhook: url, webhookToken: 's3cret' });
  const host = installed('127.63.1.1');
  await t.rejects(handOver(host), { message: `webhook ${url}: answered 503` });
  await t.rejects(handOver(host), { message: `webhook ${url}: answered 500` });
  await handOver(host);
  t.same(seen.map((s) => s.key), ['127.63.1.1@9000', '127.63.1.1@9000', '127.63.1.1@9000']);
  t.equal(seen[0].auth, 'Bearer s3cret');
  t.same(seen[2].body, { event: 'host-installed', host: poolEntry(host) });
  server.closeAllConnections();
  server.close();
  const nobody = `http://127.0.0.1:${await freeTcpPort()}/pool`;
  await t.rejects(poolHandOver({ file: null, webhook: nobody })(host), { message: `webhook ${nobody}: connect ECONNREFUSED ${nobody.slice(7, -5)}` }, 'nobody listening');
});
