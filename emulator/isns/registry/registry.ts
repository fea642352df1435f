// The iSNS server core, sans-I/O — RFC 4171 §5.6/§5.7: takes a whole request (after the framer and the
// reassembler of protocols/isns), answers with a whole response, and keeps the database. Handles
// DevAttrReg, DevAttrQry, DevGetNext, DevDereg, DDReg, DDDereg, SCNReg, SCNDereg, SCNEvent, DDSReg and
// DDSDereg (drainScns() then lists the SCNs to send); other requests get status 15 (Message Not
// Supported); heartbeats and responses get no answer. Time is an argument (ms); `expire(now)` drops
// entities whose registration period ran out (§6.2.6).
//
// Where RFC 4171 leaves room, it behaves as open-isns isnsd does (verified with isnsadm against isnsd
// 0.101, test/conformance/isnsadm-vs-isnsd.test.ts): queries, DevDereg and DD/DD-set management from a
// source that is not registered are served (queries as for a member of the default DD); Replace with no
// Entity ID removes the entity and registers a new one with a new EID. It does more than isnsd where
// isnsd answers 15: SCNEvent, DDSReg, DDSDereg.
import { DecodeError } from '../../../protocols/errors.js';
import { Tag } from '../../../protocols/isns/attributes.js';
import { decodeMessage, type IsnsMessage, type IsnsRequest, type IsnsResponse, type RawMessage } from '../../../protocols/isns/codec.js';
import { FunctionId, functionName, responseIdFor } from '../../../protocols/isns/functions.js';
import { Flag, ISNSP_VERSION } from '../../../protocols/isns/header.js';
import { errorResponseBody, type IsnsResponseBody } from '../../../protocols/isns/message.js';
import { Status, statusName } from '../../../protocols/isns/status.js';
import { deregister, deregisterDd, registerDd } from './dereg.js';
import { RegistryStore, type NodeObj } from './model.js';
import { getNext, query } from './query.js';
import { register, type RegisterOptions } from './register.js';
import { buildScns, scnDeregister, scnEvent, scnRegister, type ScnDelivery } from './scn.js';
import { deregisterDds, registerDds } from './dds.js';
import { DEFAULT_REGISTRY_LIMITS } from '../limits.js';
import { LOCAL_SOURCE } from '../source.js';

/** What to do, and the bounds of limits.ts (REGISTRY_LIMITS: what each means, and its default). */
export interface RegistryOptions extends RegisterOptions {
  /**
   * isnsd's DefaultDiscoveryDomain = 1: DD 0, with explicit members. A node joins it when first registered
   * outside any DD, leaves it when added to a DD and does not come back; DD 0 is listed by DevGetNext to
   * its members. Off, a node sees only the nodes it shares an active DD with.
   */
  defaultDiscoveryDomain: boolean;
}

/** isnsd's defaults where the capture shows them (EID names, 7200 s period). */
export const DEFAULT_REGISTRY_OPTIONS: RegistryOptions = {
  ...DEFAULT_REGISTRY_LIMITS,
  eidPrefix: 'isns.entity.',
  defaultRegistrationPeriod: 7200,
  defaultDiscoveryDomain: false,
};

export interface RegistryCounters {
  /** Requests by function name. */
  requests: Map<string, number>;
  /** Responses by status name. */
  statuses: Map<string, number>;
  /** Messages whose body did not decode (answered with status 2). */
  malformed: number;
  /** Entities dropped by expire(). */
  expired: number;
  /** Registrations refused by a limit, by the limit's name (limits.ts, quota.ts). */
  refused: Map<string, number>;
}

/** A stand-in for a query source that is not registered: no type, no entity of its own, in no DD unless listed. */
function unregisteredSource(name: string): NodeObj {
  const entity = { index: 0, eid: '', source: '', protocol: 0, registrationPeriod: 0, lastSeen: 0, attrs: new Map(), nodes: [], portals: [], pgs: [], pgIndex: new Map() };
  return { index: 0, entity, name, nodeType: 0, attrs: new Map(), luns: [] };
}

/** Requests other than DevAttrReg that the registry serves; the rest get status 15 (Message Not Supported). */
const SERVED: readonly number[] = [
  FunctionId.DEV_ATTR_QRY, FunctionId.DEV_GET_NEXT, FunctionId.DEV_DEREG, FunctionId.DD_REG, FunctionId.DD_DEREG,
  FunctionId.SCN_REG, FunctionId.SCN_DEREG, FunctionId.SCN_EVENT, FunctionId.DDS_REG, FunctionId.DDS_DEREG,
];

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export class IsnsRegistry {
  readonly options: RegistryOptions;
  readonly store = new RegistryStore();
  readonly counters: RegistryCounters = { requests: new Map(), statuses: new Map(), malformed: 0, expired: 0, refused: new Map() };

  constructor(options: Partial<RegistryOptions> = {}) {
    this.options = { ...DEFAULT_REGISTRY_OPTIONS, ...options };
    this.store.defaultDdEnabled = this.options.defaultDiscoveryDomain;
  }

  /**
   * One reassembled message in, its response out (null: nothing to send). Bodies that do not decode get
   * status 2 (Message Format Error), other iSNSP versions status 10 (Version Not Supported). `origin`: who
   * sent it (source.ts), for the per-source quotas.
   */
  handleRaw(raw: RawMessage & { version: number }, now: number, origin: string = LOCAL_SOURCE): IsnsResponse | null {
    const rspId = responseIdFor(raw.functionId);
    if (rspId === null) return null; // a response, or a heartbeat: never answered
    if (raw.version !== ISNSP_VERSION) return this.reply(raw, errorResponseBody(Status.VERSION_NOT_SUPPORTED));
    let msg: IsnsMessage;
    try {
      msg = decodeMessage(raw);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.counters.malformed++;
      return this.reply(raw, errorResponseBody(Status.MESSAGE_FORMAT_ERROR));
    }
    return this.handle(msg, now, origin);
  }

  /** A decoded request in (from `origin`), its response out (null for heartbeats and responses). */
  handle(msg: IsnsMessage, now: number, origin: string = LOCAL_SOURCE): IsnsResponse | null {
    if (msg.kind !== 'request') return null;
    bump(this.counters.requests, functionName(msg.functionId));
    return this.reply(msg, this.dispatch(msg, now, origin));
  }

  private dispatch(req: IsnsRequest, now: number, origin: string): IsnsResponseBody {
    const sourceName = req.source?.tag === Tag.ISCSI_NAME && typeof req.source.value === 'string' ? req.source.value : null;
    if (req.functionId === FunctionId.DEV_ATTR_REG) {
      if (!req.source) return errorResponseBody(Status.SOURCE_ABSENT);
      if (sourceName === null) return errorResponseBody(Status.SOURCE_UNKNOWN);
      const r = register(this.store, this.options, sourceName, req.key, req.operating, (req.flags & Flag.REPLACE) !== 0, now, origin);
      if (r.refused) bump(this.counters.refused, r.refused);
      return r;
    }
    if (!SERVED.includes(req.functionId)) return errorResponseBody(Status.MESSAGE_NOT_SUPPORTED);
    if (!req.source) return errorResponseBody(Status.SOURCE_ABSENT);
    let source: NodeObj | undefined = sourceName === null ? undefined : this.store.nodes.get(sourceName);
    // isnsd (without security) serves queries, deregistrations and DD management from a node it does not
    // know; queries answer as for a member of the default DD. SCN requests still need a registered node.
    const openToAnyone = ([FunctionId.DEV_ATTR_QRY, FunctionId.DEV_GET_NEXT, FunctionId.DEV_DEREG, FunctionId.DD_REG, FunctionId.DD_DEREG,
      FunctionId.DDS_REG, FunctionId.DDS_DEREG] as number[]).includes(req.functionId);
    if (!source && openToAnyone && sourceName !== null) source = unregisteredSource(sourceName);
    if (!source) return errorResponseBody(Status.SOURCE_UNKNOWN);
    source.entity.lastSeen = now; // any message from a registered node keeps its entity alive
    switch (req.functionId) {
      case FunctionId.DEV_ATTR_QRY: return query(this.store, source, req.key, req.operating);
      case FunctionId.DEV_GET_NEXT: return getNext(this.store, source, req.key, req.operating);
      case FunctionId.DEV_DEREG: return deregister(this.store, source, req.operating);
      case FunctionId.DD_REG: return registerDd(this.store, req.key, req.operating, this.options.maxDiscoveryDomains);
      case FunctionId.DD_DEREG: return deregisterDd(this.store, req.key, req.operating);
      case FunctionId.SCN_REG: return scnRegister(this.store, source, req.key, req.operating);
      case FunctionId.SCN_DEREG: return scnDeregister(this.store, source, req.key);
      case FunctionId.SCN_EVENT: return scnEvent(this.store, source, req.key, req.operating);
      case FunctionId.DDS_REG: return registerDds(this.store, req.key, req.operating, this.options.maxDiscoveryDomains);
      default: return deregisterDds(this.store, req.key, req.operating);
    }
  }

  private reply(req: { functionId: number; transactionId: number }, body: IsnsResponseBody): IsnsResponse {
    bump(this.counters.statuses, statusName(body.status));
    const failed = body.status !== Status.SUCCESSFUL && body.key.length === 0 && body.operating.length === 0;
    return {
      kind: 'response', functionId: responseIdFor(req.functionId)!, transactionId: req.transactionId, flags: Flag.SERVER,
      status: body.status, key: body.key, operating: body.operating, ...(failed || body.noDelimiter ? { noDelimiter: true } : {}),
    };
  }

  /** The SCNs owed for the changes since the last call; the changes are consumed, so they cannot pile up. */
  drainScns(now: number, nextTransaction: () => number): ScnDelivery[] {
    return buildScns(this.store, this.store.drainEvents(), now, nextTransaction);
  }

  /** Drops entities not refreshed within their registration period; returns their EIDs. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const e of [...this.store.entities.values()]) {
      if (e.registrationPeriod > 0 && now - e.lastSeen > e.registrationPeriod * 1000) {
        this.store.removeEntity(e);
        gone.push(e.eid);
      }
    }
    this.counters.expired += gone.length;
    return gone;
  }
}
