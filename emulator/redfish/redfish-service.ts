// The Redfish services of one fleet process's BMCs (issue 16): one HTTP server, not listening itself, fed the TCP
// connections the fleet's one listener for the port hands over by local address (emulator/fleet/tcp-ports.ts), each
// wrapped in TLS with a certificate for its BMC's address, issued by the fleet CA when first needed. Bounded
// connections (runtime/http/connection-table.ts), header and request times and body size; the BMC's faults apply (rebooting:
// silent, busy: 503 with a date Retry-After, latency: added to every answer). Per-BMC state is made on that BMC's
// first request that needs it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import type { Clock } from '../../runtime/clock.js';
import { serverTimeouts } from '../../runtime/http/connection-limits.js';
import { errorBody, RedfishError } from '../../protocols/redfish/messages.js';
import type { EmulatedBmc } from '../bmc/emulated-bmc.js';
import type { BmcMedia } from '../media/bmc-media.js';
import type { RedfishConfig } from '../fleet/schema/redfish.js';
import { BmcRedfish } from './bmc-redfish.js';
import { ConnectionTable } from '../../runtime/http/connection-table.js';
import { canonicalPath, dispatch, RouteTable } from './dispatch.js';
import { makeCa, ServerCertificates, type CaMaterial } from './fleet-ca.js';
import { REDFISH_ROUTES } from './routes.js';
import type { SubscriptionState } from './redfish-events.js';
import { PUSH_URI } from './resources/update-service.js';
import type { RedfishAnswer } from './route.js';

/**
 * TLS contexts kept, most recently used last: one per BMC connected to lately. Each holds about 26 KB of OpenSSL
 * memory (bench/redfish.bench.ts): 512 were 2.7 KB a BMC in a warmed 10,000-BMC fleet, more than a quarter of the
 * 10 KB goal. A kept-alive connection needs none after its handshake; a client reconnecting to more BMCs than this
 * in turn pays a certificate signature and a new context on each reconnection.
 */
const MAX_TLS_CONTEXTS = 64;
const HEADERS_TIMEOUT_MS = 10_000;
/**
 * A TLS handshake not done in this long ends its connection. The headers' clock starts only once it is done: counted
 * from the accept, a shard that could not run for 10 s (a busy machine, thousands of first contacts each making a
 * certificate) closed connections whose clients had sent their handshake and request at once, as it came back.
 */
const HANDSHAKE_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** A connection in the middle of a request (or its answer not read) with no traffic this long is closed. */
const IDLE_TIMEOUT_MS = 60_000;
/**
 * A kept-alive connection waiting for its next request is closed after this long, as OpenBMC bmcweb does (15 minutes:
 * DeadlineTimerType::Keepalive in http/http_connection.hpp); Node's default, 5 s, made a client that visits many BMCs
 * in turn reconnect (a TLS handshake) on each visit, although its session lives far longer.
 */
export const KEEP_ALIVE_IDLE_MS = 15 * 60_000;
/** Connections open at once to one BMC: bmcweb drops a new one while 200 are open (Connection::start). */
export const MAX_CONNECTIONS_PER_BMC = 200;
/** An SSE stream's comment line this often, so that an idle one outlives the connection idle timeout. */
const STREAM_KEEPALIVE_MS = 20_000;
/** Multipart push bodies (each up to the firmware model's largest image) read at once in a fleet process; 503 past it. */
const MAX_PUSHES_READING = 2;
/** A push body's room for its part headers and UpdateParameters, besides the image. */
const PUSH_OVERHEAD_BYTES = 64 * 1024;

/**
 * Frees a TLS context's OpenSSL memory (about 26 KB) now. Node tells V8 of only 1 KB for it, so V8 collected the
 * contexts dropped from the cache long after: a warm-up reaching 900 BMCs kept about 20 MB more until then. Connections
 * made with it go on: each OpenSSL connection holds its own reference to the context (SSL_new), and a context dropped
 * from the cache is never given to a new one. Node's SecureContext has no public close: this is its native handle's
 * (the `context` property, Node 20); where it is absent, nothing is freed early.
 */
function release(context: SecureContext): void {
  // absent on another Node: the context is then left to V8's GC, as before
  (context as unknown as { context?: { close?(): void } }).context?.close?.();
}

const NO_BODY = Buffer.alloc(0);

/** A connection's 'error' listener: the error ends only that connection (Node closes it), nothing else to do. */
function ignoreError(): void { /* the connection closes */ }

/** A request carries a body only with Content-Length (not 0) or Transfer-Encoding (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export interface RedfishTargets {
  bmc(ip: string): EmulatedBmc | undefined;
  media(ip: string): BmcMedia | null;
  /** A BMC's state changed through Redfish (for the state directory). */
  changed(bmc: EmulatedBmc): void;
}

/** What of a BMC's Redfish state its state file keeps: the event subscriptions (sessions and tasks end with the process). */
export interface RedfishState { subscriptions: SubscriptionState[] }

export interface RedfishServiceOptions {
  config: RedfishConfig;
  /** The fleet's CA; null: this process makes one of its own (a test without a fleet). */
  ca: CaMaterial | null;
  clock: Clock;
  targets: RedfishTargets;
  /** Tests: other bounds than a real BMC's (MAX_CONNECTIONS_PER_BMC, KEEP_ALIVE_IDLE_MS). */
  maxConnectionsPerBmc?: number;
  keepAliveIdleMs?: number;
}

export class RedfishService {
  private readonly config: RedfishConfig;
  private readonly clock: Clock;
  private readonly targets: RedfishTargets;
  private readonly server: Server;
  private readonly table = new RouteTable(REDFISH_ROUTES);
  private readonly ca: CaMaterial | null;
  private certs: ServerCertificates | null = null;
  private readonly contexts = new Map<string, SecureContext>();
  /** Each BMC's Redfish state, made on its first request; a BMC removed from the fleet takes its state with it. */
  private readonly states = new WeakMap<EmulatedBmc, BmcRedfish>();
  private readonly changed = (bmc: EmulatedBmc) => this.targets.changed(bmc);
  /** The open connections (the sockets HTTP reads from) and the BMC address each was made to, bounded per BMC, per source and in all. */
  private readonly connections: ConnectionTable<Socket>;
  /** Every connection's 'close' listener, called with the connection as `this`: one function, not a closure each. */
  private readonly forget: (this: Socket) => void;
  private readonly maxBodyBytes: number;
  private pushesReading = 0;
  /** TLS connections whose handshake is not done yet: the HTTP server does not know them until it is. */
  private readonly handshaking = new Set<Socket>();

  constructor(o: RedfishServiceOptions) {
    this.config = o.config;
    this.clock = o.clock;
    this.targets = o.targets;
    this.ca = o.ca;
    this.maxBodyBytes = o.config.maxBodyKiB * 1024;
    this.connections = new ConnectionTable({
      maxConnections: o.config.maxConnections, maxPerSource: o.config.maxConnectionsPerSource, maxPerBmc: o.maxConnectionsPerBmc ?? MAX_CONNECTIONS_PER_BMC,
    });
    const connections = this.connections;
    this.forget = function forget(this: Socket) { connections.closed(this); };
    const stages = serverTimeouts({ headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    this.server = createServer(stages, (req, res) => { void this.request(req, res); });
    this.server.setTimeout(IDLE_TIMEOUT_MS); // no 'timeout' listener: Node destroys the idle socket
    this.server.keepAliveTimeout = o.keepAliveIdleMs ?? KEEP_ALIVE_IDLE_MS;
    // The server never listens (connections come from the fleet's listener), and Node starts checking the header and
    // request timeouts of its connections on 'listening' only: without this, a client that never finishes its headers
    // would hold its connection until the idle timeout.
    this.server.emit('listening');
  }

  /** A TCP connection made to `ip` (paused, as the fleet hands it over). */
  accept(ip: string, socket: Socket): void {
    socket.on('error', ignoreError); // a peer that resets: only its connection ends
    const source = socket.remoteAddress ?? '';
    if (this.connections.refusal(ip, source) !== null) {
      socket.destroy(); // before any TLS: a refused connection costs no certificate
      return;
    }
    let stream: Socket = socket;
    if (this.config.tls) {
      stream = new TLSSocket(socket, { isServer: true, secureContext: this.contextFor(ip) });
      stream.on('error', ignoreError); // a failed handshake (a client that does not trust the CA) ends the connection
    }
    const admission = this.connections.admit(stream, ip, source);
    if (admission.admitted) admission.evicted?.destroy(); // always admitted: refusal() said so just now
    stream.once('close', this.forget);
    if (stream === socket) this.server.emit('connection', stream);
    else this.afterHandshake(stream);
    socket.resume();
  }

  /** Hands a TLS connection to the HTTP server once its handshake is done (its request may be waiting in it already). */
  private afterHandshake(stream: Socket): void {
    this.handshaking.add(stream);
    const timer = this.clock.setTimeout(() => stream.destroy(), HANDSHAKE_TIMEOUT_MS);
    stream.once('close', () => { timer.cancel(); this.handshaking.delete(stream); });
    stream.once('secure', () => {
      timer.cancel();
      this.handshaking.delete(stream);
      this.server.emit('connection', stream);
    });
  }

  close(): void {
    for (const stream of this.handshaking) stream.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }

  private contextFor(ip: string): SecureContext {
    let context = this.contexts.get(ip);
    if (context) {
      this.contexts.delete(ip); // to the most recent end
    } else {
      this.certs ??= new ServerCertificates(this.ca ?? makeCa('shard', this.clock.now()));
      context = createSecureContext({ key: this.certs.keyPem, cert: this.certs.issue(ip, this.clock.now()) });
      if (this.contexts.size >= MAX_TLS_CONTEXTS) {
        const [oldest, old] = this.contexts.entries().next().value!;
        this.contexts.delete(oldest);
        release(old);
      }
    }
    this.contexts.set(ip, context);
    return context;
  }

  /** What of `bmc`'s Redfish state a state file keeps; null when there is nothing to keep. */
  saved(bmc: EmulatedBmc): RedfishState | null {
    const subscriptions = this.states.get(bmc)?.savedSubscriptions() ?? [];
    return subscriptions.length === 0 ? null : { subscriptions };
  }

  /** Brings back what saved() gave for `bmc` (as its state file had it); throws RangeError for what it is not. */
  restore(bmc: EmulatedBmc, saved: RedfishState): void {
    if (saved === null || typeof saved !== 'object') throw new RangeError('not a Redfish state');
    const state = this.made(bmc);
    state.events.restore(saved.subscriptions);
    this.states.set(bmc, state);
  }

  private made(bmc: EmulatedBmc): BmcRedfish {
    return new BmcRedfish(bmc, this.targets.media(bmc.model.ip), this.config, this.changed, this.clock);
  }

  /**
   * The BMC's Redfish state. A BMC without one yet that is asked for a public document (the service root, as a
   * discovery sweep asks every BMC) or for nothing it serves gets one for this request only: such a sweep leaves the
   * fleet holding nothing.
   */
  private stateFor(bmc: EmulatedBmc, method: string, url: string): BmcRedfish {
    let state = this.states.get(bmc);
    if (!state) {
      state = this.made(bmc);
      if (!this.needsNoState(method, url)) this.states.set(bmc, state);
    }
    return state;
  }

  /** A GET of a document anyone may read (the service root, $metadata, the OData service document), or no route at all. */
  private needsNoState(method: string, url: string): boolean {
    try {
      const { route } = this.table.find(method, canonicalPath(url));
      return method === 'GET' && route.privilege === null;
    } catch (err) {
      if (err instanceof RedfishError) return true; // 404 or 405: answered without any state
      throw err;
    }
  }

  private async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.connections.requested(req.socket);
    const ip = this.connections.groupOf(req.socket);
    const bmc = ip === undefined ? undefined : this.targets.bmc(ip);
    if (ip === undefined || !bmc) {
      req.socket.destroy();
      return;
    }
    const received = this.clock.now();
    if (received < bmc.faults.rebootUntil) {
      req.socket.destroy(); // a rebooting controller answers nothing
      return;
    }
    // A multipart push brings a firmware image: its body may be as large as the firmware model takes, a few at a time.
    const push = req.method === 'POST' && canonicalPath(req.url ?? '/') === PUSH_URI;
    if (push && this.pushesReading >= MAX_PUSHES_READING) {
      this.send(res, { status: 503, body: errorBody('ServiceTemporarilyUnavailable', ['1']), headers: { 'Retry-After': new Date(received + 1000).toUTCString(), Connection: 'close' } }, 0);
      return;
    }
    let body: Buffer | null = NO_BODY;
    if (hasBody(req)) {
      if (push) this.pushesReading++;
      body = await this.readBody(req, push ? bmc.model.firmware.maxFirmwareBytes + PUSH_OVERHEAD_BYTES : this.maxBodyBytes)
        .finally(() => { if (push) this.pushesReading--; });
    }
    if (body === null) {
      this.send(res, { status: 413, body: errorBody('GeneralError'), headers: { Connection: 'close' } }, 0);
      return;
    }
    const now = this.clock.now();
    let answer: RedfishAnswer;
    if (bmc.faults.isBusy(now)) {
      answer = {
        status: 503, body: errorBody('ServiceTemporarilyUnavailable', [String(Math.ceil((bmc.faults.busyUntil - now) / 1000))]),
        // an HTTP-date, never a number of seconds: sushy's task wait crashes on a numeric Retry-After
        headers: { 'Retry-After': new Date(bmc.faults.busyUntil).toUTCString() },
      };
    } else {
      const state = this.stateFor(bmc, req.method ?? 'GET', req.url ?? '/');
      // A reboot of the controller since the last request (the control API's, or after a firmware activation) ended every session.
      if (state.rebootSeen !== bmc.faults.rebootUntil) {
        state.endSessions();
        state.rebootSeen = bmc.faults.rebootUntil;
      }
      answer = await dispatch(this.table, state, { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }, now);
    }
    this.send(res, answer, bmc.faults.settings.latencyMs);
  }

  /** The whole body, or null when it is larger than allowed (the rest is not read: the connection closes after the 413). */
  private readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) return Promise.resolve(null);
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          req.removeAllListeners('data');
          req.pause();
          resolve(null);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', () => resolve(null));
    });
  }

  private send(res: ServerResponse, answer: RedfishAnswer, delayMs: number): void {
    const socket = res.socket;
    const write = () => {
      if (res.destroyed) return;
      if (answer.stream) {
        this.openStream(res, answer.stream);
        return;
      }
      // json before body: a kept document's body is parsed back from its json when read
      const text = answer.document?.text ?? answer.json ?? (answer.body === undefined ? undefined : JSON.stringify(answer.body));
      const headers: Record<string, string | number> = { 'OData-Version': '4.0' };
      if (text !== undefined) {
        headers['Content-Type'] = answer.document?.contentType ?? 'application/json; charset=utf-8';
        headers['Content-Length'] = Buffer.byteLength(text);
      }
      if (answer.headers) Object.assign(headers, answer.headers);
      res.writeHead(answer.status, headers);
      res.end(text);
      if (socket) this.connections.answered(socket);
    };
    if (delayMs > 0) this.clock.setTimeout(write, delayMs);
    else write();
  }

  /** A text/event-stream response (DSP0266 "Server-sent events"), kept open with comment lines until the client leaves. */
  private openStream(res: ServerResponse, stream: NonNullable<RedfishAnswer['stream']>): void {
    res.writeHead(200, { 'OData-Version': '4.0', 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    let keepalive: { cancel(): void } | null = null;
    const beat = () => {
      res.write(': keep-alive\n\n');
      keepalive = this.clock.setTimeout(beat, STREAM_KEEPALIVE_MS);
    };
    keepalive = this.clock.setTimeout(beat, STREAM_KEEPALIVE_MS);
    const closers: Array<() => void> = [() => keepalive?.cancel()];
    res.on('close', () => { for (const close of closers) close(); });
    stream({ write: (text) => { if (!res.destroyed) res.write(text); }, onClose: (fn) => { closers.push(fn); } });
  }
}
