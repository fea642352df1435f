// A fleet's Redfish services end to end over plain HTTP (README "Redfish"): a walk of every resource from the service
// root (each has @odata.id, naming where it was read, and @odata.type; each resource but a collection has Id), the
// per-BMC routing by address, the fleet's faults (a stall answers 503 with a date Retry-After, a reboot ends every
// session) and the body bound (413).
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';

const BMCS = ['127.76.0.1', '127.76.0.2'];
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-redfish-'));
const BASIC = `Basic ${Buffer.from('admin:password').toString('base64')}`;

let emu: EmulatorProcess;
let control: string;
let port: number;

async function get(ip: string, path: string, headers: Record<string, string> = { authorization: BASIC }): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`http://${ip}:${port}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

t.before(async () => {
  port = await freeTcpPort();
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${await freeUdpPort()}`, 'control: 127.0.0.1:0', `virtualMedia: { port: ${await freeTcpPort()} }`,
    `redfish: { port: ${port}, tls: false, maxBodyKiB: 1 }`,
    'templates:', '  small: { product: Tiny Server, cpus: [{ model: Small CPU, cores: 4, threads: 8, mhz: 2000 }] }',
    'racks:', `  - { name: a, bmcs: 1, firstIp: ${BMCS[0]} }`, `  - { name: b, bmcs: 1, firstIp: ${BMCS[1]}, template: small }`, '',
  ].join('\n'));
  emu = await startEmulator(['--config', join(dir, 'fleet.yaml')]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
});
t.teardown(() => emu?.stop());

t.test('every resource reachable from the root carries @odata.id, @odata.type and (but collections) Id', async (t) => {
  const seen = new Set<string>();
  const queue = ['/redfish/v1/'];
  const links = (v: unknown): string[] => {
    if (Array.isArray(v)) return v.flatMap(links);
    if (v === null || typeof v !== 'object') return [];
    return Object.entries(v).flatMap(([k, x]) => (k === '@odata.id' && typeof x === 'string' ? [x] : links(x)));
  };
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const r = await get(BMCS[0], path);
    t.equal(r.status, 200, `GET ${path}`);
    const body = r.json;
    t.equal(body['@odata.id'], path, `${path}: @odata.id names it`);
    t.match(body['@odata.type'], /^#\w+(\.v\d+_\d+_\d+)?\.\w+$/, `${path}: @odata.type`);
    if (/Collection$/.test(body['@odata.type'])) {
      t.equal(body['Members@odata.count'], body.Members.length, `${path}: a collection counts its members`);
    } else {
      t.type(body.Id, 'string', `${path}: Id`);
    }
    for (const link of links(body)) {
      const target = link.split('#')[0];
      if (target !== path && !seen.has(target) && target.startsWith('/redfish/v1')) queue.push(target);
    }
  }
  for (const must of ['/redfish/v1/Systems/1', '/redfish/v1/Managers/1/VirtualMedia/Cd', '/redfish/v1/Systems/1/VirtualMedia/UsbStick',
    '/redfish/v1/Chassis/1/Power', '/redfish/v1/Systems/1/Storage/1/Drives/2', '/redfish/v1/AccountService/Roles/Operator']) {
    t.ok(seen.has(must), `the walk reached ${must}`);
  }
  t.ok(seen.size >= 40, `${seen.size} resources`);
});

t.test('each BMC answers for its own host: routed by the address connected to', async (t) => {
  t.match((await get(BMCS[0], '/redfish/v1/Systems/1')).json, { Model: 'BF-1U2S Emulated Server', ProcessorSummary: { Count: 2 } });
  t.match((await get(BMCS[1], '/redfish/v1/Systems/1')).json, { Model: 'Tiny Server', ProcessorSummary: { Count: 1, CoreCount: 4 } });
  const mac = (ip: string) => get(ip, '/redfish/v1/Managers/1/EthernetInterfaces/1').then((r) => r.json.MACAddress);
  t.not(await mac(BMCS[0]), await mac(BMCS[1]));
});

t.test('a stalled BMC answers 503 with an HTTP-date Retry-After; a rebooted one has lost its sessions', async (t) => {
  const logIn = async (ip: string) => {
    const login = await fetch(`http://${ip}:${port}/redfish/v1/SessionService/Sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserName: 'admin', Password: 'password' }),
    });
    t.equal(login.status, 201);
    return login.headers.get('x-auth-token')!;
  };
  const token = await logIn(BMCS[1]);
  const before = await logIn(BMCS[0]);
  const stall = await fetch(`${control}/bmcs/${BMCS[1]}/stall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ms": 3000}' });
  t.equal(stall.status, 200);
  const busy = await get(BMCS[1], '/redfish/v1/Systems/1', { 'x-auth-token': token });
  t.equal(busy.status, 503);
  t.equal(busy.json.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.ServiceTemporarilyUnavailable');
  const retry = busy.headers.get('retry-after')!;
  t.notMatch(retry, /^\d+$/, 'never a number of seconds');
  t.ok(Date.parse(retry) > Date.now() - 1000, `an HTTP-date: ${retry}`);
  t.equal((await get(BMCS[0], '/redfish/v1/Systems/1')).status, 200, 'the other BMC is not stalled');

  const reboot = await fetch(`${control}/bmcs/${BMCS[0]}/reboot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ms": 300}' });
  t.equal(reboot.status, 200);
  await t.rejects(get(BMCS[0], '/redfish/v1/'), 'a rebooting BMC answers nothing');
  await new Promise((r) => setTimeout(r, 400));
  t.equal((await get(BMCS[0], '/redfish/v1/')).status, 200, 'back after the reboot');
  t.equal((await get(BMCS[0], '/redfish/v1/Systems/1', { 'x-auth-token': before })).status, 401, 'its session ended with the reboot');
});

t.test('a body over the bound is refused with 413', async (t) => {
  const res = await fetch(`http://${BMCS[0]}:${port}/redfish/v1/SessionService/Sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserName: 'admin', Password: 'x'.repeat(2000) }),
  });
  t.equal(res.status, 413);
});
