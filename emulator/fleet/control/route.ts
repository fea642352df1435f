// The control API's routing table: each entry a method, a path pattern and what answers it. One file per resource
// (bmcs.ts, faults.ts, targets.ts, shards.ts, counters.ts, metrics.ts); node kinds bring their own.
import type { IncomingMessage } from 'node:http';
import type { Registry } from 'prom-client';
import { ControlError } from '../control-error.js';
import { FleetFileError } from '../fleet-issues.js';
import type { ShardStatus } from '../shard-protocol.js';
import type { TargetFleet } from '../target-fleet.js';

const MAX_BODY = 64 * 1024;

/** The shards, as the routes reach them (the supervisor): requests to a node kind's nodes, by address or all. */
export interface ShardRouter {
  /** BMCs served. */
  readonly total: number;
  /** BMC numbers (fleet positions) given out so far, those of BMCs removed at run time included; `total` when absent. */
  readonly numbers?: number;
  status(): ShardStatus[];
  /** To the shard running the `kind` node at `address`; ControlError 404 when there is none. */
  callFor(kind: string, address: string, request: unknown): Promise<unknown>;
  /** To every shard that is up, in shard order. */
  callAll(kind: string, request: unknown): Promise<unknown[]>;
  /** To the shards holding fleet positions [offset, offset + limit), each asked for its part in its own numbering. */
  callRange(kind: string, offset: number, limit: number, request: (offset: number, limit: number) => unknown): Promise<unknown[]>;
}

/**
 * What routes reach: the shards, the metrics registry, the iSNS server and targets (null when the fleet has none), and
 * adding and removing BMCs and racks (absent: this fleet cannot).
 */
export interface FleetControl {
  readonly shards: ShardRouter;
  readonly metrics: Registry;
  readonly targets: TargetFleet | null;
  readonly changes?: FleetChanges;
}

/** Adding and removing BMCs and racks while the fleet runs (runtime-changes.ts): bodies as the routes read them. */
export interface FleetChanges {
  addBmcs(body: Record<string, unknown>): Promise<unknown>;
  addRack(body: Record<string, unknown>): Promise<unknown>;
  removeBmc(ip: string): Promise<unknown>;
  removeRack(name: string): Promise<unknown>;
}

/** An answer sent as it is, not as JSON (Prometheus text). */
export class TextAnswer {
  readonly text: string;
  readonly contentType: string;
  constructor(text: string, contentType: string) {
    this.text = text;
    this.contentType = contentType;
  }
}

export interface Route {
  /** GET, PUT, POST, DELETE, or * for any. */
  readonly method: string;
  /** Segments: a literal, :name (one segment, in `params`), or a last ** (any number of segments, none included). */
  readonly path: string;
  /** The answer (JSON, or a TextAnswer); throws ControlError for a request that cannot be done. */
  answer(req: ControlRequest, fleet: FleetControl): unknown;
}

/** One request as routes see it. */
export class ControlRequest {
  readonly method: string;
  readonly url: URL;
  /** The path's segments (empty ones dropped). */
  readonly parts: string[];
  /** The :name segments of the route that matched. */
  params: Record<string, string> = {};
  private readonly message: IncomingMessage;

  constructor(message: IncomingMessage) {
    this.message = message;
    this.method = message.method ?? 'GET';
    this.url = new URL(message.url ?? '/', 'http://control');
    this.parts = this.url.pathname.split('/').filter(Boolean);
  }

  /** Query parameter `name` as a whole number in [min, max], `fallback` when absent; ControlError 400 otherwise. */
  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.url.searchParams.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new ControlError(400, `${name} must be a whole number from ${min} to ${max}`);
    return n;
  }

  /** The body as a JSON object (none: {}); ControlError 413 past 64 KiB, 400 when it is not a JSON object. */
  async body(): Promise<Record<string, unknown>> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of this.message) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new ControlError(413, `body larger than ${MAX_BODY} bytes`);
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let v: unknown;
    try {
      v = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new ControlError(400, 'body is not JSON');
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ControlError(400, 'body must be a JSON object');
    return v as Record<string, unknown>;
  }
}

/** A body read with the fleet file's checks (fleet-config.ts): what they refuse is a 400 naming the field. */
export function checkedBody<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FleetFileError) throw new ControlError(400, err.message);
    throw err;
  }
}

/** A table compiled once: the first route whose method and path match a request, with its :name segments. */
export class RouteTable {
  private readonly routes: { route: Route; segments: string[] }[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => ({ route, segments: route.path.split('/').filter(Boolean) }));
  }

  /** Every endpoint as "METHOD /path", for the 404 answer: what a caller who guessed wrong can call instead. */
  list(): string[] {
    return this.routes.map(({ route }) => `${route.method === '*' ? 'ANY' : route.method} ${route.path}`);
  }

  match(method: string, parts: readonly string[]): { route: Route; params: Record<string, string> } | null {
    for (const { route, segments } of this.routes) {
      if (route.method !== '*' && route.method !== method) continue;
      const params = matchPath(segments, parts);
      if (params) return { route, params };
    }
    return null;
  }
}

function matchPath(segments: readonly string[], parts: readonly string[]): Record<string, string> | null {
  const rest = segments[segments.length - 1] === '**';
  const fixed = rest ? segments.length - 1 : segments.length;
  if (rest ? parts.length < fixed : parts.length !== fixed) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < fixed; i++) {
    if (segments[i].startsWith(':')) params[segments[i].slice(1)] = parts[i];
    else if (segments[i] !== parts[i]) return null;
  }
  return params;
}
