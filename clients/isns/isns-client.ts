// iSNS client library — RFC 4171 §5.6 (requests), §5.7 (responses): one TCP connection (or a UDP socket)
// to an iSNS server, requests pipelined and matched to answers by transaction ID (as isnsd matches them),
// each with a timeout; the matching, reassembly and timeouts are the sans-I/O IsnsClientSession
// (protocols/isns/client-session.ts), which this drives over the socket and the Clock. On top: registration
// of entities with portals, nodes, portal groups and this project's vendor LUN attributes (vendor-lun.ts),
// deregistration, queries, DevGetNext iteration, DD management, SCN registration. The SCN/ESI side (a
// listener on the client's own port) is in isns-client-listener.ts; refreshing before the registration
// period ends is registration-keeper.ts.
import dgram from 'node:dgram';
import net from 'node:net';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { formatHostPort } from '../../runtime/host-port.js';
import { DD_SET_ENABLED, NodeType, Tag } from '../../protocols/isns/attributes.js';
import { IsnsClientSession, type ClientEvent } from '../../protocols/isns/client-session.js';
import type { IsnsResponse } from '../../protocols/isns/codec.js';
import { FunctionId, functionName } from '../../protocols/isns/functions.js';
import { Flag } from '../../protocols/isns/header.js';
import { Status, statusName } from '../../protocols/isns/status.js';
import { attr, findAttribute, type IsnsAttribute, type PortValue } from '../../protocols/isns/tlv.js';
import { LunTag, isBmcfleetLun, lunAttributes, parseLuns, type LunInfo } from '../../protocols/isns/vendor-lun.js';

export interface IsnsClientOptions {
  host: string;
  port: number;
  /** This client's iSCSI Name: the Source attribute of every request (§5.6.1). */
  source: string;
  transport: 'tcp' | 'udp';
  timeoutMs: number;
  clock: Clock;
  /** The address to send from (default: the one the system picks); a server counts its limits per source address. */
  localAddress?: string;
}

/** A response with a status other than 0 (the request, the status and its RFC name). */
export class IsnsStatusError extends Error {
  readonly status: number;
  readonly functionId: number;
  constructor(functionId: number, status: number) {
    super(`${functionName(functionId)}: status ${status} (${statusName(status)})`);
    this.name = 'IsnsStatusError';
    this.status = status;
    this.functionId = functionId;
  }
}

/**
 * The server could not be reached, or the connection to it ended (closed or reset) before the answer came.
 * The message names the server and what happened, for a person to read.
 */
export class IsnsConnectionError extends Error {
  /** HOST:PORT of the server. */
  readonly server: string;
  constructor(server: string, message: string) {
    super(message);
    this.name = 'IsnsConnectionError';
    this.server = server;
  }
}

export interface PortalSpec {
  ip: string;
  port: number;
  udp?: boolean;
  symbolicName?: string;
  /** Where this client listens for SCNs (§6.3.6). */
  scnPort?: PortValue;
  /** ESI (§6.3.4/§6.3.5): the server asks every `esiInterval` seconds on `esiPort`. */
  esiPort?: PortValue;
  esiInterval?: number;
}

export interface NodeSpec {
  name: string;
  /** NodeType bits (target 1, initiator 2, control 4). */
  type: number;
  alias?: string;
  luns?: LunInfo[];
}

export interface PortalGroupSpec { name: string; ip: string; port: number; udp?: boolean; tag: number | null }

export interface EntitySpec {
  /** Absent: the server assigns one (as isnsadm lets it). */
  eid?: string;
  /** Seconds asked for; sent only with an `eid` (entity attributes follow the Entity Identifier). */
  registrationPeriod?: number;
  portals?: PortalSpec[];
  nodes: NodeSpec[];
  portalGroups?: PortalGroupSpec[];
  /** Replace flag (§5.6.5.1): the entity's objects are replaced, not added to. */
  replace?: boolean;
}

export interface RegistrationResult { eid: string; registrationPeriod: number; response: IsnsResponse }

export interface PortalInfo { ip: string; port: number; udp: boolean; index?: number }
export interface NodeInfo {
  name: string;
  type: number;
  alias?: string;
  index?: number;
  eid?: string;
  portals: PortalInfo[];
  luns: LunInfo[];
}
export interface DdInfo { id: number; name?: string; features?: number; members: string[] }

const ALL_SCN_EVENTS = 0x1f;

/** The attributes of a DevAttrReg for `spec`, in the order §5.6.5.1 asks for. */
function registrationAttributes(spec: EntitySpec): { key: IsnsAttribute[]; operating: IsnsAttribute[] } {
  const op: IsnsAttribute[] = [];
  // Entity attributes must follow the Entity Identifier (isnsd refuses them otherwise: status 3), so
  // without an EID the server's defaults apply (protocol iSCSI, its registration period).
  if (spec.eid) {
    op.push(attr(Tag.ENTITY_IDENTIFIER, spec.eid), attr(Tag.ENTITY_PROTOCOL, 2));
    if (spec.registrationPeriod !== undefined) op.push(attr(Tag.REGISTRATION_PERIOD, spec.registrationPeriod));
  }
  for (const p of spec.portals ?? []) {
    op.push(attr(Tag.PORTAL_IP_ADDRESS, p.ip), attr(Tag.PORTAL_PORT, { port: p.port, udp: p.udp ?? false }));
    if (p.symbolicName !== undefined) op.push(attr(Tag.PORTAL_SYMBOLIC_NAME, p.symbolicName));
    if (p.esiInterval !== undefined) op.push(attr(Tag.ESI_INTERVAL, p.esiInterval));
    if (p.esiPort) op.push(attr(Tag.ESI_PORT, p.esiPort));
    if (p.scnPort) op.push(attr(Tag.SCN_PORT, p.scnPort));
  }
  for (const n of spec.nodes) {
    op.push(attr(Tag.ISCSI_NAME, n.name), attr(Tag.ISCSI_NODE_TYPE, n.type));
    if (n.alias !== undefined) op.push(attr(Tag.ISCSI_ALIAS, n.alias));
    if (n.luns) op.push(...lunAttributes(n.luns));
  }
  for (const g of spec.portalGroups ?? []) {
    op.push(attr(Tag.PG_ISCSI_NAME, g.name), attr(Tag.PG_PORTAL_IP_ADDR, g.ip), attr(Tag.PG_PORTAL_PORT, { port: g.port, udp: g.udp ?? false }),
      attr(Tag.PG_TAG, g.tag));
  }
  return { key: spec.eid ? [attr(Tag.ENTITY_IDENTIFIER, spec.eid)] : [attr(Tag.ENTITY_IDENTIFIER)], operating: op };
}

/**
 * Nodes (with their portals and LUNs) out of a query answer: an iSCSI Name opens a node, portal
 * attributes that follow belong to it, an Entity Identifier names the entity of the nodes after it.
 */
function parseNodes(attrs: readonly IsnsAttribute[]): NodeInfo[] {
  const out: NodeInfo[] = [];
  let eid: string | undefined;
  let node: NodeInfo | null = null;
  let portal: PortalInfo | null = null;
  let lunAttrs: IsnsAttribute[] = [];
  const close = () => {
    if (node) node.luns = parseLuns(lunAttrs);
    lunAttrs = [];
  };
  for (const a of attrs) {
    switch (a.tag) {
      case Tag.ENTITY_IDENTIFIER: if (typeof a.value === 'string') eid = a.value; break;
      case Tag.ISCSI_NAME:
        close();
        node = { name: String(a.value), type: 0, portals: [], luns: [], ...(eid ? { eid } : {}) };
        out.push(node);
        portal = null;
        break;
      case Tag.ISCSI_NODE_TYPE: if (node && typeof a.value === 'number') node.type = a.value; break;
      case Tag.ISCSI_ALIAS: if (node && typeof a.value === 'string') node.alias = a.value; break;
      case Tag.ISCSI_NODE_INDEX: if (node && typeof a.value === 'number') node.index = a.value; break;
      case Tag.PORTAL_IP_ADDRESS:
        if (node && typeof a.value === 'string') {
          portal = { ip: a.value, port: 0, udp: false };
          node.portals.push(portal);
        }
        break;
      case Tag.PORTAL_PORT:
        if (portal && a.value && typeof a.value === 'object' && 'udp' in a.value) { portal.port = a.value.port; portal.udp = a.value.udp; }
        break;
      case Tag.PORTAL_INDEX: if (portal && typeof a.value === 'number') portal.index = a.value; break;
      default: if (isBmcfleetLun(a)) lunAttrs.push(a); break;
    }
  }
  close();
  return out;
}

/** DDs out of DDReg / DevAttrQry / DevGetNext answers: a DD_ID opens one. */
function parseDds(attrs: readonly IsnsAttribute[]): DdInfo[] {
  const out: DdInfo[] = [];
  let dd: DdInfo | null = null;
  for (const a of attrs) {
    if (a.tag === Tag.DD_ID && typeof a.value === 'number') {
      dd = out.find((d) => d.id === a.value) ?? null;
      if (!dd) { dd = { id: a.value, members: [] }; out.push(dd); }
    } else if (!dd) continue;
    else if (a.tag === Tag.DD_SYMBOLIC_NAME && typeof a.value === 'string') dd.name = a.value;
    else if (a.tag === Tag.DD_FEATURES && typeof a.value === 'number') dd.features = a.value;
    else if (a.tag === Tag.DD_MEMBER_ISCSI_NAME && typeof a.value === 'string' && !dd.members.includes(a.value)) dd.members.push(a.value);
  }
  return out;
}

/** What the session hands back with a request's outcome: how to settle the caller's promise. */
interface Waiting { resolve(r: IsnsResponse): void; reject(e: Error): void; functionId: number }

export class IsnsClient {
  readonly options: IsnsClientOptions;
  private sock: net.Socket | null = null;
  private udp: dgram.Socket | null = null;
  private readonly session: IsnsClientSession<Waiting>;
  /** Set while requests wait (see arm()). */
  private timer: { cancel(): void } | null = null;
  private closed = false;
  /** Why the connection can carry no more requests (closed or reset by the server, a socket error). */
  private lost: string | null = null;

  private constructor(options: IsnsClientOptions) {
    this.options = options;
    this.session = new IsnsClientSession({ transport: options.transport, timeoutMs: options.timeoutMs });
  }

  static async connect(opts: Partial<IsnsClientOptions> & { host: string; port: number; source: string }): Promise<IsnsClient> {
    const c = new IsnsClient({ transport: 'tcp', timeoutMs: 5000, clock: systemClock, ...opts });
    await c.open();
    return c;
  }

  /** HOST:PORT of the server, for messages. */
  private get server(): string {
    return formatHostPort(this.options.host, this.options.port);
  }

  private async open(): Promise<void> {
    const { host, port } = this.options;
    const unreachable = (err: Error) => new IsnsConnectionError(this.server, `cannot reach the iSNS server at ${this.server}: ${err.message}`);
    if (this.options.transport === 'udp') {
      const u = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        u.once('error', (err) => reject(unreachable(err)));
        const connect = () => u.connect(port, host, () => { u.removeAllListeners('error'); resolve(); });
        if (this.options.localAddress) u.bind(0, this.options.localAddress, connect);
        else connect();
      });
      u.on('message', (msg) => this.settle(this.session.receive(msg, this.options.clock.now())));
      // an ICMP error fails what waits, not the socket: a later datagram may get through
      u.on('error', (err) => this.failAll((w) => new IsnsConnectionError(this.server,
        `the iSNS server at ${this.server} did not answer ${functionName(w.functionId)} (${err.message})`)));
      this.udp = u;
      return;
    }
    const s = net.connect({ host, port, ...(this.options.localAddress ? { localAddress: this.options.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err) => reject(unreachable(err)));
      s.once('connect', () => { s.removeAllListeners('error'); resolve(); });
    });
    s.setNoDelay(true);
    s.on('data', (chunk) => this.settle(this.session.receive(chunk, this.options.clock.now())));
    s.on('error', (err) => this.lose(`failed (${err.message})`));
    s.on('close', () => this.lose('was closed by the server'));
    this.sock = s;
  }

  /** The connection is gone: every waiting request fails, and so will every later one. */
  private lose(what: string): void {
    this.lost ??= what; // an error comes before its close: keep the first, more telling, reason
    this.failAll((w) => this.lostError(w.functionId));
  }

  private lostError(functionId: number): IsnsConnectionError {
    return new IsnsConnectionError(this.server,
      `the connection to the iSNS server at ${this.server} ${this.lost} before it answered ${functionName(functionId)}`);
  }

  /** Settles the promises of the requests the session has an outcome for. */
  private settle(events: ClientEvent<Waiting>[]): void {
    for (const e of events) {
      switch (e.kind) {
        case 'answer': e.context.resolve(e.response); break;
        case 'failed': e.context.reject(e.error); break;
        case 'timeout': e.context.reject(new Error(`isns: no answer to ${functionName(e.functionId)} within ${this.options.timeoutMs} ms`)); break;
        case 'broken':
          for (const w of e.lost) w.reject(e.error);
          this.sock?.destroy(); // nothing after the break can be framed
          break;
      }
    }
    this.arm();
  }

  /**
   * Keeps one timer set while requests wait, at the earliest deadline when it was set. It is not moved
   * when that request is answered: it fires, times out what is due by then, and is set again if any wait.
   * (One timer per timeout period, instead of one set and cancelled per request.)
   */
  private arm(): void {
    if (this.timer !== null) return;
    const at = this.session.nextDeadline();
    if (at === null) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.settle(this.session.expire(this.options.clock.now()));
    }, Math.max(0, at - this.options.clock.now()));
  }

  private failAll(err: (w: Waiting) => Error): void {
    for (const w of this.session.abandonAll()) w.reject(err(w));
    this.timer?.cancel(); // nothing waits any more
    this.timer = null;
  }

  /** Sends one request and resolves with its response whatever the status. */
  request(functionId: number, key: IsnsAttribute[], operating: IsnsAttribute[], opts: { replace?: boolean; source?: string | null; noDelimiter?: boolean } = {}): Promise<IsnsResponse> {
    if (this.closed) return Promise.reject(new Error('isns: client closed'));
    if (this.lost !== null) return Promise.reject(this.lostError(functionId));
    const source = opts.source === null ? null : attr(Tag.ISCSI_NAME, opts.source ?? this.options.source);
    let waiting!: Waiting;
    const answered = new Promise<IsnsResponse>((resolve, reject) => { waiting = { resolve, reject, functionId }; });
    const { pdus } = this.session.send({
      kind: 'request', functionId, flags: Flag.CLIENT | (opts.replace ? Flag.REPLACE : 0), source, key, operating,
      ...(opts.noDelimiter ? { noDelimiter: true } : {}),
    }, waiting, this.options.clock.now());
    for (const p of pdus) {
      if (this.udp) this.udp.send(p);
      else this.sock!.write(p);
    }
    this.arm();
    return answered;
  }

  /** Like request(), but a status other than 0 rejects with IsnsStatusError. */
  async call(functionId: number, key: IsnsAttribute[], operating: IsnsAttribute[], opts: { replace?: boolean; source?: string | null; noDelimiter?: boolean } = {}): Promise<IsnsResponse> {
    const r = await this.request(functionId, key, operating, opts);
    if (r.status !== Status.SUCCESSFUL) throw new IsnsStatusError(functionId, r.status);
    return r;
  }

  // ---------------------------------------------------------------- registration

  /** DevAttrReg of `spec`; the source is the client's unless `source` names another node (one connection, many nodes). */
  async register(spec: EntitySpec, source?: string): Promise<RegistrationResult> {
    const { key, operating } = registrationAttributes(spec);
    const r = await this.call(FunctionId.DEV_ATTR_REG, key, operating, { replace: spec.replace, ...(source ? { source } : {}) });
    const eid = findAttribute(r.key, Tag.ENTITY_IDENTIFIER)?.value ?? findAttribute(r.operating, Tag.ENTITY_IDENTIFIER)?.value;
    const period = findAttribute(r.operating, Tag.REGISTRATION_PERIOD)?.value;
    return { eid: typeof eid === 'string' ? eid : spec.eid ?? '', registrationPeriod: typeof period === 'number' ? period : 0, response: r };
  }

  /** DevDereg of a whole entity. */
  async deregisterEntity(eid: string): Promise<void> {
    await this.call(FunctionId.DEV_DEREG, [], [attr(Tag.ENTITY_IDENTIFIER, eid)]);
  }

  /** DevDereg of one node. */
  async deregisterNode(name: string): Promise<void> {
    await this.call(FunctionId.DEV_DEREG, [], [attr(Tag.ISCSI_NAME, name)]);
  }

  // ---------------------------------------------------------------- queries

  /** DevAttrQry: `key` selects, `want` (tags) says what comes back. */
  query(key: IsnsAttribute[], want: number[]): Promise<IsnsResponse> {
    return this.call(FunctionId.DEV_ATTR_QRY, key, want.map((t) => attr(t)));
  }

  /** The nodes of a type (NodeType bits) with portals and LUNs, as the source may see them. */
  async queryNodes(type: number = NodeType.TARGET | NodeType.INITIATOR | NodeType.CONTROL): Promise<NodeInfo[]> {
    const r = await this.query([attr(Tag.ISCSI_NODE_TYPE, type)], NODE_DETAIL);
    return parseNodes(r.operating);
  }

  /** One node's detail, or null when the source cannot see it. */
  async node(name: string): Promise<NodeInfo | null> {
    const r = await this.query([attr(Tag.ISCSI_NAME, name)], NODE_DETAIL);
    return parseNodes(r.operating).find((n) => n.name === name) ?? null;
  }

  /** DevGetNext over a key tag (iSCSI Name, Entity Identifier, DD_ID, ...): every key in server order. */
  async *iterate(tag: number, want: number[] = []): AsyncGenerator<IsnsResponse> {
    let key: IsnsAttribute[] = [attr(tag)];
    for (let guard = 0; guard < 10_000_000; guard++) {
      const r = await this.request(FunctionId.DEV_GET_NEXT, key, want.map((t) => attr(t)));
      if (r.status === Status.NO_SUCH_ENTRY) return;
      if (r.status !== Status.SUCCESSFUL) throw new IsnsStatusError(FunctionId.DEV_GET_NEXT, r.status);
      const next = findAttribute(r.key, tag) ?? findAttribute(r.operating, tag);
      if (!next || next.value === null) return;
      yield r;
      key = r.key.length > 0 ? r.key : [next];
    }
  }

  /** Every visible node's name, by DevGetNext. */
  async nodeNames(): Promise<string[]> {
    const out: string[] = [];
    for await (const r of this.iterate(Tag.ISCSI_NAME)) {
      const v = findAttribute(r.key, Tag.ISCSI_NAME)?.value ?? findAttribute(r.operating, Tag.ISCSI_NAME)?.value;
      if (typeof v === 'string') out.push(v);
    }
    return out;
  }

  /** Every visible node with portals and LUN attributes: DevGetNext for the names, a query per node. */
  async listNodes(): Promise<NodeInfo[]> {
    const out: NodeInfo[] = [];
    for (const name of await this.nodeNames()) {
      const n = await this.node(name);
      if (n) out.push(n);
    }
    return out;
  }

  // ---------------------------------------------------------------- discovery domains

  /** DDReg: a new DD (or `id`'s) with a name and members; returns the DD as the server reports it. */
  async ddRegister(opts: { id?: number; name?: string; members?: string[] }): Promise<DdInfo> {
    const op: IsnsAttribute[] = [];
    if (opts.name !== undefined) op.push(attr(Tag.DD_SYMBOLIC_NAME, opts.name));
    for (const m of opts.members ?? []) op.push(attr(Tag.DD_MEMBER_ISCSI_NAME, m));
    const r = await this.call(FunctionId.DD_REG, opts.id !== undefined ? [attr(Tag.DD_ID, opts.id)] : [], op);
    const dd = parseDds([...r.key, ...r.operating])[0];
    if (dd) return dd;
    return { id: opts.id ?? 0, ...(opts.name ? { name: opts.name } : {}), members: opts.members ?? [] };
  }

  /** DDDereg: members leave the DD, or with none the DD goes. */
  async ddDeregister(id: number, members: string[] = []): Promise<void> {
    await this.call(FunctionId.DD_DEREG, [attr(Tag.DD_ID, id)], members.map((m) => attr(Tag.DD_MEMBER_ISCSI_NAME, m)));
  }

  /**
   * DDSReg (§5.6.5.11): a new DD Set (or `id`'s) with a name, enabled or not, and member DDs; returns its
   * DD_Set ID. A DD in sets is active only while one of them is enabled (a DD in none stays active); a
   * new set without `enabled: true` is disabled and switches its DDs off. isnsd answers 15 (not supported).
   */
  async ddsRegister(opts: { id?: number; name?: string; enabled?: boolean; dds?: number[] }): Promise<number> {
    const op: IsnsAttribute[] = [];
    if (opts.name !== undefined) op.push(attr(Tag.DD_SET_SYMBOLIC_NAME, opts.name));
    if (opts.enabled !== undefined) op.push(attr(Tag.DD_SET_STATUS, opts.enabled ? DD_SET_ENABLED : 0));
    for (const id of opts.dds ?? []) op.push(attr(Tag.DD_ID, id));
    const r = await this.call(FunctionId.DDS_REG, opts.id !== undefined ? [attr(Tag.DD_SET_ID, opts.id)] : [], op);
    return (findAttribute(r.key, Tag.DD_SET_ID)?.value as number | undefined) ?? opts.id ?? 0;
  }

  /** DDSDereg (§5.6.5.12): DDs leave the set, or with none the set goes. */
  async ddsDeregister(id: number, dds: number[] = []): Promise<void> {
    await this.call(FunctionId.DDS_DEREG, [attr(Tag.DD_SET_ID, id)], dds.map((d) => attr(Tag.DD_ID, d)));
  }

  /** The DDs the source may see, by DevGetNext over DD_ID. */
  async listDds(): Promise<DdInfo[]> {
    const out: DdInfo[] = [];
    // no requested attributes = all of them; isnsd answers a requested tag with its first value only,
    // which would show one member per DD
    for await (const r of this.iterate(Tag.DD_ID)) {
      out.push(...parseDds([...r.key, ...r.operating]));
    }
    return out;
  }

  // ---------------------------------------------------------------- SCN

  /** SCNReg for the source node (§5.6.5.5); the entity needs a portal with an SCN Port first. */
  async scnRegister(bitmap = ALL_SCN_EVENTS, name = this.options.source): Promise<void> {
    await this.call(FunctionId.SCN_REG, [attr(Tag.ISCSI_NAME, name)], [attr(Tag.ISCSI_SCN_BITMAP, bitmap)], { source: name });
  }

  async scnDeregister(name = this.options.source): Promise<void> {
    await this.call(FunctionId.SCN_DEREG, [attr(Tag.ISCSI_NAME, name)], [], { noDelimiter: true });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(() => new Error('isns: client closed'));
    if (this.sock) {
      const s = this.sock;
      this.sock = null;
      s.removeAllListeners('close');
      // a socket the server already closed emits no second 'close'
      if (!s.closed) await new Promise<void>((r) => { s.once('close', () => r()); s.end(); s.destroySoon?.(); setTimeout(() => { s.destroy(); }, 100).unref(); });
    }
    if (this.udp) {
      const u = this.udp;
      this.udp = null;
      await new Promise<void>((r) => u.close(() => r()));
    }
  }
}

/** What queries ask for about a node: its entity, itself, its portals, its LUNs. */
const NODE_DETAIL: number[] = [
  Tag.ENTITY_IDENTIFIER, Tag.ISCSI_NAME, Tag.ISCSI_NODE_TYPE, Tag.ISCSI_ALIAS, Tag.ISCSI_NODE_INDEX,
  Tag.PORTAL_IP_ADDRESS, Tag.PORTAL_PORT, LunTag.NUMBER, LunTag.SIZE, LunTag.STATE,
];
