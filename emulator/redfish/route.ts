// What a Redfish resource handler sees and answers, and how a route names the resource it serves. Handlers read the
// BMC (one BmcRedfish) and answer plain data; dispatch.ts finds the route, authenticates and writes errors.
import type { RedfishPrivilege, RoleId } from './roles.js';
import type { BmcRedfish } from './bmc-redfish.js';
import type { RedfishSession } from './session-table.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RedfishAnswer {
  status: number;
  body?: object;
  /** The body as JSON text, when the handler kept it (a document unchanged since it was last asked for): sent as is. */
  json?: string;
  /** A body that is not JSON (the CSDL $metadata document): its media type and text. */
  document?: { contentType: string; text: string };
  headers?: Record<string, string>;
  /** A stream instead of a body (server-sent events): the service opens it and hands it over until the client leaves. */
  stream?: (out: OpenStream) => void;
}

/** A response left open (text/event-stream, WHATWG HTML §9.2): text written as it comes, `closed` told once. */
export interface OpenStream {
  write(text: string): void;
  onClose(fn: () => void): void;
}

export interface RouteContext {
  readonly target: BmcRedfish;
  /** The path's {placeholders}, in order. */
  readonly params: readonly string[];
  /** The request target's query, without its `?` (empty when none): a route that takes query parameters reads it. */
  readonly query: string;
  /** The request body as JSON (null when empty, or on a route that reads the raw body). */
  readonly body: unknown;
  /** The request body's bytes. */
  readonly raw: Uint8Array;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly now: number;
  /** Who asked: the session's user (X-Auth-Token) or HTTP Basic's; null on a route that needs no login. */
  readonly user: { name: string; role: RoleId; session: RedfishSession | null } | null;
}

export interface Route {
  readonly method: Method;
  /** /redfish/v1/Systems/{id}: a {name} matches one path segment. */
  readonly path: string;
  /** The privilege the request needs (DSP0266 §13.4); null: anyone, without credentials. */
  readonly privilege: RedfishPrivilege | null;
  /** The body is not JSON (a multipart push): the handler reads `raw` itself. */
  readonly rawBody?: boolean;
  handle(ctx: RouteContext): RedfishAnswer | Promise<RedfishAnswer>;
}

/** 200 with a resource. */
export function ok(body: object, headers?: Record<string, string>): RedfishAnswer {
  return { status: 200, body, headers };
}

/** 200 with a document kept as JSON text (unchanged since it was made): sent as is; its `body` is parsed back when read. */
export function okKept(json: string, headers?: Record<string, string>): RedfishAnswer {
  return { status: 200, json, headers, get body() { return JSON.parse(json) as object; } };
}

/** 204: an action done, nothing to show. */
export const NO_CONTENT: RedfishAnswer = Object.freeze({ status: 204 });

/** { "@odata.id": id }, how Redfish links to a resource. */
export function link(id: string): { '@odata.id': string } {
  return { '@odata.id': id };
}

/** A resource collection (DSP0266 §9.4.4.3). */
export function collection(id: string, type: string, name: string, members: readonly string[]): object {
  return {
    '@odata.id': id, '@odata.type': `#${type}.${type}`, Name: name,
    Members: members.map(link), 'Members@odata.count': members.length,
  };
}

/** Status of a resource present and working. */
export const ENABLED_OK = Object.freeze({ State: 'Enabled', Health: 'OK' });
