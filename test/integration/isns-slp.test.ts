// A fleet's iSNS server found by SLP (RFC 2608, service:iscsi:sms as open-isns registers and asks for it): by
// multicast on loopback (239.255.255.253 joined on 127.0.0.1), by unicast, through the CLI, and through a
// Directory Agent it registers with when the fleet file names one (and leaves when it stops). Malformed SLP
// datagrams are counted and dropped. Real sockets on loopback; each test its own SLP port, not 427, so tests
// (and a fleet on this machine) do not hear each other.
import t from 'tap';
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findIsnsServers, findServices } from '../../clients/slp/slp-client.js';
import { DirectoryAgent } from '../../emulator/slp/directory-agent.js';
import { TargetFleet } from '../../emulator/fleet/target-fleet.js';
import { DEFAULT_ISNS_SLP } from '../../emulator/isns/isns-slp.js';
import { CLI, startCli, startEmulator } from '../helpers/emulator-process.js';

const ISNS = { host: '127.193.0.1', port: 19310 };
const SLP_PORT = 19311;

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }));
  });
}

t.test('the fleet\'s iSNS server answers SLP: multicast, unicast, the CLI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-slp-'));
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, `ipmiPort: 9693\ncontrol: none\nracks:\n  - { bmcs: 1, firstIp: 127.193.9.1 }\n` +
    `isns: { listen: ${ISNS.host}:${ISNS.port}, slp: { port: ${SLP_PORT}, scopes: [DEFAULT, lab] } }\n`);
  const emu = await startEmulator(['--config', fleet]);
  t.teardown(() => emu.stop());
  t.match(emu.readyLine, new RegExp(`iSNS 127\\.193\\.0\\.1:19310 \\(0 targets, SLP udp/${SLP_PORT} scope DEFAULT,lab multicast joined\\)`),
    'multicast on loopback: the kernel lets the group be joined on 127.0.0.1');

  const found = await findIsnsServers({ port: SLP_PORT });
  t.same(found, [{ host: ISNS.host, port: ISNS.port, url: `service:iscsi:sms://${ISNS.host}:${ISNS.port}`, from: ISNS.host }], 'found by multicast');
  const lab = await findServices({ serviceType: 'service:iscsi:sms', predicate: '(&(protocols=isns)(description=iSNS*))', scopes: ['lab'], port: SLP_PORT });
  t.equal(lab.services.length, 1, 'in scope lab too, with an AND predicate');
  t.ok(lab.rounds >= 2, `multicast convergence: the request was sent again naming the responder (${lab.rounds} rounds)`);
  const none = await findServices({ serviceType: 'service:iscsi:sms', predicate: '(protocols=fc)', port: SLP_PORT, timeoutMs: 1000 });
  t.same(none.services, [], 'a predicate that does not match: no answer to a multicast request');

  const unicast = await findIsnsServers({ directoryAgent: { host: ISNS.host, port: SLP_PORT } });
  t.equal(unicast.length, 1, 'unicast to the agent itself, as to a DA');
  await t.rejects(findIsnsServers({ directoryAgent: { host: ISNS.host, port: SLP_PORT }, scopes: ['elsewhere'] }),
    { name: 'SlpErrorReply', errorCode: 4 }, 'unicast in a scope it does not serve: SCOPE_NOT_SUPPORTED');

  const text = await cli('isns', 'find', '--slp', '--port', String(SLP_PORT));
  t.equal(text.code, 0, text.err);
  t.equal(text.out, `iSNS server ${ISNS.host}:${ISNS.port}  (service:iscsi:sms://${ISNS.host}:${ISNS.port}, from ${ISNS.host})\n`);
  const json = await cli('isns', 'find', '--slp', '--port', String(SLP_PORT), '--scope', 'lab', '--json');
  t.same(JSON.parse(json.out), found);
  const missing = await cli('isns', 'find', '--slp', '--port', String(SLP_PORT), '--scope', 'nowhere', '--timeout', '1');
  t.equal(missing.code, 1);
  t.equal(missing.out, 'no iSNS server answered\n');
  const usage = await cli('isns', 'find');
  t.equal(usage.code, 2, 'isns find without --slp is a usage error');
});

t.test('registered with a Directory Agent, found through it, deregistered on stop; malformed datagrams dropped', async (t) => {
  const DA = { host: '127.193.0.3', port: 19313 };
  const da = new DirectoryAgent({ ...DA });
  await da.start();
  t.teardown(() => da.stop());
  const targets = await TargetFleet.start({
    host: '127.193.0.2', port: 19312, defaultDiscoveryDomain: true,
    slp: { ...DEFAULT_ISNS_SLP, port: 19314, multicast: false, directoryAgent: DA, lifetimeSeconds: 600 },
  }, [], null);
  for (let i = 0; i < 200 && targets.slp!.registration.state !== 'registered'; i++) await new Promise((r) => setTimeout(r, 10));
  t.same(targets.slp!.registration, { state: 'registered', registrations: 1, failures: 0 });
  t.equal(targets.slp!.multicast, 'off');

  const found = await findIsnsServers({ directoryAgent: DA });
  t.same(found.map((s) => s.url), ['service:iscsi:sms://127.193.0.2:19312'], 'the DA answers for it');
  t.equal(found[0].from, DA.host);

  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.193.0.9', () => r()));
  for (const junk of [Buffer.from('0201000005', 'hex'), Buffer.from('hello'), Buffer.from('01010000100000000000000000000000', 'hex')]) {
    await new Promise<void>((r) => sock.send(junk, 19314, '127.193.0.2', () => r()));
  }
  sock.close();
  const counters = targets.slp!.endpoint.counters;
  for (let i = 0; i < 100 && counters.received < 4; i++) await new Promise((r) => setTimeout(r, 10));
  t.same(Object.fromEntries(counters.silent), { ERR_TRUNCATED: 1, ERR_VERSION: 2 }, 'dropped and counted by their decode error');

  await targets.stop();
  t.same(da.state.services(Date.now()), [], 'deregistered (SrvDeReg) when the fleet stopped');
});

t.test('the CLI: bmcfleet slp da, isns serve --slp registering with it, slp find through it', async (t) => {
  const da = await startCli(['slp', 'da', '--listen', '127.193.0.5:19315', '--scope', 'DEFAULT', '--scope', 'lab']);
  t.teardown(() => da.stop());
  t.equal(da.readyLine, 'ready: SLP directory agent on udp 127.193.0.5:19315, scopes DEFAULT,lab');
  const server = await startCli(['isns', 'serve', '--listen', '127.193.0.4:19316', '--slp', '--slp-scope', 'lab', '--slp-port', '19317',
    '--slp-da', '127.193.0.5:19315']);
  t.teardown(() => server.stop());
  t.equal(server.readyLine, 'ready: iSNS on 127.193.0.4:19316 tcp+udp, SLP udp/19317 scope lab multicast joined');
  let r = { code: 1, out: '', err: '' };
  for (let i = 0; i < 50 && r.code !== 0; i++) {
    r = await cli('slp', 'find', '--type', 'service:iscsi:sms', '--predicate', '(protocols=isns)', '--scope', 'lab', '--da', '127.193.0.5:19315', '--timeout', '1');
    if (r.code !== 0) await new Promise((res) => setTimeout(res, 100));
  }
  t.equal(r.out, 'service:iscsi:sms://127.193.0.4:19316  lifetime 10800 s  (from 127.193.0.5)\n', 'found through the DA');
  const multicast = await cli('isns', 'find', '--slp', '--port', '19317', '--scope', 'lab', '--json');
  t.same(JSON.parse(multicast.out), [{ host: '127.193.0.4', port: 19316, url: 'service:iscsi:sms://127.193.0.4:19316', from: '127.193.0.4' }]);
  const usage = await cli('isns', 'serve', '--listen', '127.193.0.4:19318', '--slp-port', '1');
  t.equal(usage.code, 2);
  t.match(usage.err, /--slp-scope, --slp-port and --slp-da need --slp/);
});
