// Redfish events end to end over plain HTTP (README "Redfish"): a subscription's Destination is a loopback HTTP
// listener that receives the Event POSTs for a power change made over Redfish and one made with ipmitool (the same
// model), and an SSE stream (ServerSentEventUri) read with fetch as a logged-in client carries them too.
import t from 'tap';
import type { Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';
import { startEventListener } from '../helpers/event-listener.js';

const BMC = '127.78.0.1';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-events-'));
const BASIC = `Basic ${Buffer.from('admin:password').toString('base64')}`;

let emu: EmulatorProcess;
let ipmiPort: number;
let port: number;
let listener: Server;
let destination: string;
const received: any[] = [];
let arrived: () => void = () => {};

/** Resolves once `pick` finds one of the events received, or rejects after 10 s. */
function eventWhere(pick: (record: any) => boolean): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such event within 10 s')), 10_000);
    const look = () => {
      const found = received.flatMap((e) => e.Events).find(pick);
      if (!found) return;
      clearTimeout(timer);
      arrived = () => {};
      resolve(found);
    };
    arrived = look;
    look();
  });
}

async function redfish(method: string, path: string, body?: unknown) {
  const res = await fetch(`http://${BMC}:${port}${path}`, {
    method, headers: { authorization: BASIC, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

t.before(async () => {
  ipmiPort = await freeUdpPort();
  port = await freeTcpPort();
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${ipmiPort}`, 'control: none', `redfish: { port: ${port}, tls: false }`,
    'racks:', `  - { name: e, bmcs: 1, firstIp: ${BMC} }`, '',
  ].join('\n'));
  ({ server: listener, destination } = await startEventListener(received, () => arrived()));
  emu = await startEmulator(['--config', join(dir, 'fleet.yaml')]);
});
t.teardown(async () => {
  await emu?.stop();
  listener?.close();
});

t.test('a subscription receives events for power changes over Redfish and over IPMI, then is deleted', async (t) => {
  const made = await redfish('POST', '/redfish/v1/EventService/Subscriptions', { Destination: destination, Context: 'lab', EventTypes: ['StatusChange'] });
  t.equal(made.status, 201);
  const location = made.headers.get('location')!;
  t.match(location, /^\/redfish\/v1\/EventService\/Subscriptions\/\d+$/);

  t.equal((await redfish('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'ForceOff' })).status, 204);
  const off = await eventWhere((r) => r.OriginOfCondition['@odata.id'] === '/redfish/v1/Systems/1');
  t.match(off, { EventType: 'StatusChange', MessageId: 'ResourceEvent.1.0.ResourceChanged' });
  t.equal(received[0].Context, 'lab');
  t.notOk(received.some((e) => e.Events[0].EventType === 'Alert'), 'EventTypes filter: no SEL alerts');

  const before = received.length;
  t.equal((await ipmitool({ host: BMC, port: ipmiPort }, ['chassis', 'power', 'on'])).code, 0);
  await eventWhere(() => received.length > before);
  t.match(received.at(-1).Events[0], { EventType: 'StatusChange', OriginOfCondition: { '@odata.id': '/redfish/v1/Systems/1' } }, 'the IPMI power-on too');

  t.equal((await redfish('DELETE', location)).status, 204);
  t.equal((await redfish('GET', location)).status, 404);
});

t.test('an SSE stream carries the events to a logged-in client; without a login it is refused', async (t) => {
  t.equal((await fetch(`http://${BMC}:${port}/redfish/v1/EventService/SSE`)).status, 401);
  const abort = new AbortController();
  const res = await fetch(`http://${BMC}:${port}/redfish/v1/EventService/SSE`, { headers: { authorization: BASIC }, signal: abort.signal });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/event-stream/);
  const reader = res.body!.getReader();
  t.equal((await ipmitool({ host: BMC, port: ipmiPort }, ['chassis', 'power', 'off'])).code, 0);
  let text = '';
  const deadline = Date.now() + 10_000;
  while (!/ResourceEvent\.1\.0\.ResourceChanged/.test(text) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
  }
  abort.abort();
  const event = /(?:^|\n)id: (\d+)\ndata: (.*)\n\n/.exec(text);
  t.ok(event, `an event in SSE framing: ${JSON.stringify(text.slice(0, 200))}`);
  const records = text.split('\n').filter((l) => l.startsWith('data: ')).flatMap((l) => JSON.parse(l.slice(6)).Events);
  t.ok(records.some((r: any) => r.MessageId === 'ResourceEvent.1.0.ResourceChanged' && r.OriginOfCondition['@odata.id'] === '/redfish/v1/Systems/1'));
  t.ok(records.some((r: any) => r.MessageId === 'ResourceEvent.1.0.ResourceCreated'), 'and the SEL entry the power-off logged');
});
