// Entity Status Inquiry — RFC 4171 §5.6.5.13 (ESI, answered by ESIRsp §5.7.5.13), ESI Interval §6.3.4,
// ESI Port §6.3.5. A portal that registers both is monitored: every interval the server asks; after
// `retries` unanswered inquiries the portal is removed, and an entity left with no monitored portal
// goes too (so do its nodes: SCNs follow). An answer restarts the count and refreshes the entity's
// registration. As open-isns isnsd does it (esi.c): the ESI carries no Source and no delimiter,
// Timestamp, Entity Identifier, Portal IP Address, Portal TCP/UDP Port; the client echoes them back; the
// retry timeout is interval / retries (1-60 s).
import { Tag } from '../../protocols/isns/attributes.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag } from '../../protocols/isns/header.js';
import { Status } from '../../protocols/isns/status.js';
import { attr, type PortValue } from '../../protocols/isns/tlv.js';
import type { IsnsRegistry } from './registry/registry.js';
import type { PortalObj } from './registry/model.js';
import type { OutboundCalls } from './server-outbound.js';

interface Watch {
  portal: PortalObj;
  intervalMs: number;
  esiPort: PortValue;
  retriesLeft: number;
  nextAt: number;
  waiting: boolean;
}

export interface EsiCounters { sent: number; answered: number; portalsDropped: number; entitiesDropped: number }

export class EsiMonitor {
  readonly counters: EsiCounters = { sent: 0, answered: 0, portalsDropped: 0, entitiesDropped: 0 };
  private readonly watches = new Map<PortalObj, Watch>();
  private readonly registry: IsnsRegistry;
  private readonly calls: OutboundCalls;
  readonly retries: number;

  constructor(registry: IsnsRegistry, calls: OutboundCalls, retries = 3) {
    this.registry = registry;
    this.calls = calls;
    this.retries = retries;
  }

  get watching(): number {
    return this.watches.size;
  }

  private timeoutMs(w: Watch): number {
    return Math.min(60_000, Math.max(1000, Math.floor(w.intervalMs / this.retries)));
  }

  /** Follows the database: new ESI portals are watched, changed ones restart, gone ones are forgotten. */
  sync(now: number): void {
    const seen = new Set<PortalObj>();
    for (const p of this.registry.store.esiPortals) {
      const interval = p.attrs.get(Tag.ESI_INTERVAL);
      const port = p.attrs.get(Tag.ESI_PORT) as PortValue | undefined;
      if (typeof interval !== 'number' || interval <= 0 || !port || typeof port !== 'object' || !('udp' in port)) continue;
      seen.add(p);
      const w = this.watches.get(p);
      const intervalMs = interval * 1000;
      if (w && w.intervalMs === intervalMs && w.esiPort.port === port.port && w.esiPort.udp === port.udp) continue;
      this.watches.set(p, { portal: p, intervalMs, esiPort: port, retriesLeft: this.retries, nextAt: now + intervalMs, waiting: false });
    }
    for (const p of [...this.watches.keys()]) if (!seen.has(p)) this.watches.delete(p);
  }

  /** Sends what is due and drops what ran out of retries; returns the EIDs of entities removed. */
  tick(now: number): string[] {
    const gone: string[] = [];
    for (const w of [...this.watches.values()]) {
      if (w.nextAt > now || w.waiting) continue;
      if (w.retriesLeft === 0) {
        gone.push(...this.drop(w));
        continue;
      }
      w.retriesLeft--;
      w.nextAt = now + this.timeoutMs(w);
      this.send(w);
    }
    return gone;
  }

  private send(w: Watch): void {
    const p = w.portal;
    this.counters.sent++;
    w.waiting = true;
    const msg = {
      kind: 'request' as const, functionId: FunctionId.ESI, transactionId: this.calls.transaction(), flags: Flag.SERVER,
      source: null, noDelimiter: true, operating: [],
      key: [attr(Tag.TIMESTAMP, BigInt(Math.floor(this.calls.clockNow() / 1000))), attr(Tag.ENTITY_IDENTIFIER, p.entity.eid),
        attr(Tag.PORTAL_IP_ADDRESS, p.ip), attr(Tag.PORTAL_PORT, p.port)],
    };
    void this.calls.call(p.ip, w.esiPort, msg).then((rsp) => {
      w.waiting = false;
      if (!rsp || rsp.status !== Status.SUCCESSFUL || this.watches.get(p) !== w) return;
      this.counters.answered++;
      const now = this.calls.clockNow();
      w.retriesLeft = this.retries;
      w.nextAt = now + w.intervalMs;
      p.entity.lastSeen = now; // an answered ESI refreshes the registration
    });
  }

  private drop(w: Watch): string[] {
    const p = w.portal;
    const e = p.entity;
    this.watches.delete(p);
    if (this.registry.store.findPortal(p.ip, p.port) !== p) return [];
    this.registry.store.removePortal(p);
    this.counters.portalsDropped++;
    const stillWatched = e.portals.some((x) => this.watches.has(x));
    if (stillWatched || this.registry.store.entities.get(e.eid) !== e) return [];
    this.registry.store.removeEntity(e);
    this.counters.entitiesDropped++;
    return [e.eid];
  }
}
