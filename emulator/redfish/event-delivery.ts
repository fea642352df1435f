// An event's delivery to a subscriber (DSP0266 "Eventing": the service POSTs the Event as JSON to the
// subscription's Destination), one try: true when the destination answered 2xx in time. Timed on the Clock.
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../../runtime/clock.js';

export type PostEvent = (destination: URL, json: string, clock: Clock, timeoutMs: number) => Promise<boolean>;

export const postEvent: PostEvent = (destination, json, clock, timeoutMs) => new Promise((resolve) => {
  const client = destination.protocol === 'https:' ? https : http;
  let done = false;
  const finish = (ok: boolean) => {
    if (done) return;
    done = true;
    timer.cancel();
    request.destroy();
    resolve(ok);
  };
  const request = client.request(destination, {
    method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json), 'OData-Version': '4.0' },
  }, (res) => {
    res.resume(); // the answer's body says nothing the service needs
    res.on('end', () => finish((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
    res.on('error', () => finish(false));
  });
  const timer = clock.setTimeout(() => finish(false), timeoutMs);
  request.on('error', () => finish(false));
  request.end(json);
});
