// Virtual media events end to end over plain HTTP (issue 16: "events for ... media changes"): InsertMedia and
// EjectMedia over Redfish each reach a subscription's Destination (a loopback HTTP listener) and an SSE stream whose
// $filter takes only VirtualMedia events (a power change in between does not show in it); SubmitTestEvent reaches
// both too; the SSE event is a valid DMTF Event.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { dmtfAjv, validatorOf } from '../helpers/dmtf-redfish-schema.js';
import type { EmulatorProcess } from '../helpers/emulator-process.js';
import type { RangeServer } from '../helpers/range-server.js';
import { startRedfishMediaFleet } from '../helpers/redfish-media-fleet.js';
import { until } from '../helpers/until.js';

const BMC = '127.79.1.1';
const CD = '/redfish/v1/Managers/1/VirtualMedia/Cd';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-media-events-'));
const BASIC = `Basic ${Buffer.from('admin:password').toString('base64')}`;

let emu: EmulatorProcess;
let images: RangeServer;
let listener: Server;
let port: number;
let destination: string;
/** Event records the subscription's Destination received, in order. */
const posted: any[] = [];

async function redfish(method: string, path: string, body?: unknown) {
  const res = await fetch(`http://${BMC}:${port}${path}`, {
    method, headers: { authorization: BASIC, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** An open SSE stream: the Events (as sent) read so far. */
async function openSse(query: string) {
  const abort = new AbortController();
  const res = await fetch(`http://${BMC}:${port}/redfish/v1/EventService/SSE${query}`, { headers: { authorization: BASIC }, signal: abort.signal });
  const events: any[] = [];
  let text = '';
  void (async () => {
    const reader = res.body!.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
        const frames = text.split('\n\n');
        text = frames.pop()!;
        for (const frame of frames) {
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
    } catch { /* aborted */ }
  })();
  return { status: res.status, events, close: () => abort.abort() };
}

const records = (events: any[]) => events.flatMap((e) => e.Events);
const from = (origin: string) => (r: any) => r.OriginOfCondition?.['@odata.id'] === origin;

t.before(async () => {
  listener = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posted.push(...JSON.parse(Buffer.concat(chunks).toString()).Events);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  destination = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/events`;
  ({ emu, images, port } = await startRedfishMediaFleet(dir, BMC));
});
t.teardown(async () => {
  await emu?.stop();
  listener?.close();
  await images?.close();
});

t.test('InsertMedia and EjectMedia each reach a subscription and a $filter-ed SSE stream; a power change reaches only the subscription', async (t) => {
  t.equal((await redfish('POST', '/redfish/v1/EventService/Subscriptions', { Destination: destination, Context: 'media' })).status, 201);
  const sse = await openSse(`?$filter=${encodeURIComponent("ResourceType eq 'VirtualMedia'")}`);
  t.equal(sse.status, 200);

  t.equal((await redfish('POST', `${CD}/Actions/VirtualMedia.InsertMedia`, { Image: `${images.url}/boot.iso`, Inserted: true })).status, 204);
  await until('the insert at the destination', () => posted.some(from(CD)));
  t.match(posted.find(from(CD)), { EventType: 'ResourceUpdated', MessageId: 'ResourceEvent.1.0.ResourceChanged' });
  await until('the insert on the stream', () => records(sse.events).some(from(CD)));

  t.equal((await redfish('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'ForceOff' })).status, 204);
  await until('the power change at the destination', () => posted.some(from('/redfish/v1/Systems/1')));

  t.equal((await redfish('POST', `${CD}/Actions/VirtualMedia.EjectMedia`)).status, 204);
  await until('the eject at the destination', () => posted.filter(from(CD)).length === 2);
  await until('the eject on the stream', () => records(sse.events).filter(from(CD)).length === 2);
  t.match((await redfish('GET', CD)).json, { Inserted: false, Image: null });

  const test = { MessageId: 'ResourceEvent.1.0.ResourceChanged', EventType: 'ResourceUpdated', OriginOfCondition: '/redfish/v1/Systems/1/VirtualMedia/UsbStick' };
  t.equal((await redfish('POST', '/redfish/v1/EventService/Actions/EventService.SubmitTestEvent', test)).status, 204);
  await until('the test event at the destination', () => posted.some(from(test.OriginOfCondition)));
  await until('the test event on the stream', () => records(sse.events).some(from(test.OriginOfCondition)));
  sse.close();

  t.same(records(sse.events).map((r) => r.OriginOfCondition['@odata.id']), [CD, CD, test.OriginOfCondition],
    'the stream carried the media events only: not the power change, nor the SEL entry it logged');
  t.ok(posted.some((r) => r.EventType === 'Alert'), 'the subscription (no filter) had the SEL entry too');
  const validate = validatorOf(dmtfAjv(), sse.events[0]['@odata.type'])!;
  t.ok(validate(sse.events[0]), `a valid DMTF Event: ${JSON.stringify(validate.errors)}`);
});
