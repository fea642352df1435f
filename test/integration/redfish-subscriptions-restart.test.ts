// Redfish event subscriptions outlive a restart of the fleet, as a real BMC keeps them in its non-volatile storage:
// with a state directory, a subscription made before the restart is listed after it under its Id, with its Context
// and filter, and receives the events of a power change made after it; one deleted before a restart stays deleted.
import t, { type Test } from 'tap';
import type { Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { startEventListener } from '../helpers/event-listener.js';

const BMC = '127.87.0.1';
const SUBSCRIPTIONS = '/redfish/v1/EventService/Subscriptions';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-subs-restart-'));
const BASIC = `Basic ${Buffer.from('admin:password').toString('base64')}`;

let emu: EmulatorProcess | undefined;
let port: number;
let args: string[];
let listener: Server;
let destination: string;
const received: any[] = [];

async function redfish(method: string, path: string, body?: unknown) {
  const res = await fetch(`http://${BMC}:${port}${path}`, {
    method, headers: { authorization: BASIC, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

/** Resolves once an event with this MessageId arrived, or rejects after 10 s. */
async function eventArrived(messageId: string): Promise<any> {
  for (let waited = 0; waited < 10_000; waited += 100) {
    const found = received.find((e) => e.Events.some((r: any) => r.MessageId === messageId));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${messageId} event within 10 s`);
}

async function restart(t: Test): Promise<void> {
  t.equal(await emu!.stop('SIGTERM'), 0, 'clean stop (state flushed)');
  emu = await startEmulator(args);
}

t.before(async () => {
  port = await freeTcpPort();
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${await freeUdpPort()}`, 'control: none', `redfish: { port: ${port}, tls: false }`,
    'racks:', `  - { name: s, bmcs: 1, firstIp: ${BMC} }`, '',
  ].join('\n'));
  ({ server: listener, destination } = await startEventListener(received));
  args = ['--config', join(dir, 'fleet.yaml'), '--state-dir', join(dir, 'state')];
  emu = await startEmulator(args);
});
t.teardown(async () => {
  await emu?.stop();
  listener?.close();
});

t.test('a subscription made before a restart is there after it, and delivers', async (t) => {
  const kept = await redfish('POST', SUBSCRIPTIONS, { Destination: destination, Context: 'kept', EventTypes: ['StatusChange'] });
  t.equal(kept.status, 201);
  const gone = await redfish('POST', SUBSCRIPTIONS, { Destination: `${destination}/gone`, Context: 'gone' });
  t.equal((await redfish('DELETE', gone.headers.get('location')!)).status, 204);
  const location = kept.headers.get('location')!;

  await restart(t);
  const list = await redfish('GET', SUBSCRIPTIONS);
  t.same(list.json.Members, [{ '@odata.id': location }], 'only the one not deleted');
  t.match((await redfish('GET', location)).json, { Destination: destination, Context: 'kept', EventTypes: ['StatusChange'] });

  const off = await redfish('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'ForceOff' });
  t.equal(off.status, 204);
  const event = await eventArrived('ResourceEvent.1.0.ResourceChanged');
  t.match(event, { Context: 'kept', Events: [{ EventType: 'StatusChange', OriginOfCondition: { '@odata.id': '/redfish/v1/Systems/1' } }] });
  t.notOk(received.some((e) => e.Context === 'gone'), 'the deleted one received nothing');

  const next = await redfish('POST', SUBSCRIPTIONS, { Destination: destination });
  t.not(next.headers.get('location'), location, 'a new subscription takes a new Id');
  t.equal((await redfish('DELETE', location)).status, 204);
  t.equal((await redfish('DELETE', next.headers.get('location')!)).status, 204);
  await restart(t);
  t.same((await redfish('GET', SUBSCRIPTIONS)).json.Members, [], 'deleted before the restart: none after it');
});
