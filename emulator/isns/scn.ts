// Sending State Change Notifications — RFC 4171 §5.6.5.8 (SCN, answered by SCNRsp §5.7.5.8) and §2.9.2
// (an entity with several SCN ports gets the SCN on each). The registry decides who hears what
// (registry-scn.ts); this sends each SCN to every SCN port of the recipient and counts the outcome.
import type { ScnDelivery } from './registry/scn.js';
import type { OutboundCalls } from './server-outbound.js';
import { Status } from '../../protocols/isns/status.js';
import type { IsnsRequest } from '../../protocols/isns/codec.js';
import type { PortValue } from '../../protocols/isns/tlv.js';

export interface ScnCounters {
  /** SCN messages sent (one per recipient port). */
  sent: number;
  /** Answered with SCNRsp status 0. */
  acknowledged: number;
  /** No answer in time, connection refused, or an error status. */
  failed: number;
}

/**
 * One SCN in flight per recipient port at a time (as isnsd allows one outstanding notification per
 * node); what happens meanwhile is merged into the next message (§5.6.5.8 lets one SCN list several
 * events), so a burst of changes costs a few messages, not one per change.
 */
export class ScnSender {
  readonly counters: ScnCounters = { sent: 0, acknowledged: 0, failed: 0 };
  private readonly calls: OutboundCalls;
  private readonly busy = new Set<string>();
  private readonly waiting = new Map<string, { ip: string; port: PortValue; message: IsnsRequest }>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(calls: OutboundCalls) {
    this.calls = calls;
  }

  /** Starts delivery of each SCN (or merges it into one waiting for the same port); does not wait. */
  deliver(deliveries: readonly ScnDelivery[]): void {
    for (const d of deliveries) {
      for (const p of d.ports) {
        const key = `${d.destination}|${p.ip}|${p.port.port}|${p.port.udp ? 'u' : 't'}`;
        if (!this.busy.has(key)) {
          this.send(key, p.ip, p.port, d.message);
          continue;
        }
        const queued = this.waiting.get(key);
        // key = [destination, timestamp, events...]: later events join the queued message
        if (queued) queued.message = { ...queued.message, key: [...queued.message.key, ...d.message.key.slice(2)] };
        else this.waiting.set(key, { ip: p.ip, port: p.port, message: d.message });
      }
    }
  }

  private send(key: string, ip: string, port: PortValue, message: IsnsRequest): void {
    this.busy.add(key);
    this.counters.sent++;
    const job = this.calls.call(ip, port, { ...message, transactionId: this.calls.transaction() }).then((rsp) => {
      if (rsp && rsp.status === Status.SUCCESSFUL) this.counters.acknowledged++;
      else this.counters.failed++;
      this.busy.delete(key);
      const next = this.waiting.get(key);
      if (next) {
        this.waiting.delete(key);
        this.send(key, next.ip, next.port, next.message);
      }
    });
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  /** Resolves once every SCN started or queued so far has been answered or has failed. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
