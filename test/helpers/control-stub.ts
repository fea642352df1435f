// A control API over a stub fleet (no shards: each request the routes pass on is recorded and answered {"ok": true}),
// and a raw HTTP client that sets any header (Host and Origin included) and source address.
import { request } from 'node:http';
import { Registry } from 'prom-client';
import { FLEET_ROUTES, startControlApi, type ControlApi, type ControlApiOptions } from '../../emulator/fleet/control/control-api.js';
import type { FleetControl, ShardRouter } from '../../emulator/fleet/control/route.js';
import { bmcKind } from '../../emulator/fleet/nodes/bmc.js';

export interface StubApi { api: ControlApi; port: number; calls: unknown[] }

export async function startStubApi(host: string, options: ControlApiOptions = {}): Promise<StubApi> {
  const calls: unknown[] = [];
  const shards: ShardRouter = {
    total: 1,
    status: () => [],
    callFor: async (_kind, _address, req) => { calls.push(req); return { ok: true }; },
    callAll: async (_kind, req) => { calls.push(req); return [{ ok: true }]; },
    callRange: async () => [],
  };
  const fleet: FleetControl = { shards, metrics: new Registry(), targets: null };
  const api = await startControlApi(fleet, [...FLEET_ROUTES, ...bmcKind.routes], host, 0, options);
  return { api, port: Number(new URL(api.url).port), calls };
}

export interface RawAnswer { status: number; headers: Record<string, string | string[] | undefined>; json: any }

/** One request with exactly these headers (Node adds Host unless given; Connection: close). */
export function rawRequest(host: string, port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string, localAddress?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, headers: { connection: 'close', ...headers }, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => {
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
