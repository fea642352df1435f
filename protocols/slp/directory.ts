// A minimal Directory Agent's state — RFC 2608 §9.3 (SrvReg: a FRESH registration replaces, an update needs one
// to exist, §9.3 INVALID_UPDATE; lifetime 0 is INVALID_REGISTRATION), §10.6 (SrvDeReg: the whole registration,
// or some of its attributes), §8.4 (SrvAck), §8.5 (a DAAdvert answers a SrvRqst for service:directory-agent),
// §8.1/§10.3 (requests answered from the registrations, agent.ts). Registrations expire after their lifetime.
// Sans-I/O: time is an argument (ms).
import { DecodeError } from '../errors.js';
import { answerRequest, type AdvertisedService, type Answer, type AnswerContext } from './agent.js';
import { parseAttributeList, type Attribute } from './attributes.js';
import { Flag, FunctionId, SlpError } from './header.js';
import { encodeMessage, type SlpMessage } from './message.js';
import { serviceTypeMatches, serviceTypeOf } from './service-url.js';
import { scopeKey } from './string-list.js';

export interface DirectoryOptions {
  /** "service:directory-agent://ADDR" */
  url: string;
  scopes: string[];
  /** The DA's stateless boot timestamp (§8.5): seconds since 1970 when it started. */
  bootTimestamp: number;
  /** Registrations held at most (one more is answered DA_BUSY_NOW). */
  maxRegistrations: number;
}

interface Held { service: AdvertisedService; expiresAt: number }

export class DirectoryState {
  readonly options: DirectoryOptions;
  private readonly held = new Map<string, Held>();

  constructor(options: DirectoryOptions) {
    this.options = options;
  }

  /** The registrations still valid at `now`. */
  services(now: number): AdvertisedService[] {
    this.expire(now);
    return [...this.held.values()].map((h) => h.service);
  }

  expire(now: number): void {
    for (const [key, h] of this.held) if (h.expiresAt <= now) this.held.delete(key);
  }

  /** The answer to one decoded message at `now`; `ctx` says how it came (multicast, the DA's own addresses). */
  handle(req: SlpMessage, now: number, ctx: Pick<AnswerContext, 'multicast' | 'ownAddresses'>): Answer {
    const b = req.body;
    const ack = (errorCode: number): Answer => ({
      reply: encodeMessage({ flags: 0, xid: req.xid, langTag: req.langTag, body: { functionId: FunctionId.SRV_ACK, errorCode } }),
    });
    switch (b.functionId) {
      case FunctionId.SRV_REG: {
        if (ctx.multicast) return { silence: 'not-a-request' }; // §8.3: registrations are unicast
        if (b.scopes.length === 0 || !b.scopes.every((s) => this.serves(s))) return ack(SlpError.SCOPE_NOT_SUPPORTED);
        if (b.url.lifetime === 0 || !serviceTypeMatches(b.serviceType, serviceTypeOf(b.url.url))) return ack(SlpError.INVALID_REGISTRATION);
        let attributes: Attribute[];
        try {
          attributes = parseAttributeList(b.attributes);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          return ack(SlpError.PARSE_ERROR);
        }
        const key = this.key(b.url.url, req.langTag);
        const existing = this.held.get(key);
        if ((req.flags & Flag.FRESH) === 0 && !existing) return ack(SlpError.INVALID_UPDATE);
        if (!existing && this.held.size >= this.options.maxRegistrations) return ack(SlpError.DA_BUSY_NOW);
        // §9.3: a FRESH registration replaces; an update replaces the attributes it names and keeps the others
        const updated = new Set(attributes.map((a) => a.tag.trim().toLowerCase()));
        const kept = (req.flags & Flag.FRESH) !== 0 || !existing ? [] : existing.service.attributes.filter((a) => !updated.has(a.tag.trim().toLowerCase()));
        const service: AdvertisedService = {
          url: b.url.url, lifetime: b.url.lifetime, serviceType: b.serviceType, scopes: b.scopes, langTag: req.langTag, attributes: [...kept, ...attributes],
        };
        this.held.set(key, { service, expiresAt: now + b.url.lifetime * 1000 });
        return ack(SlpError.OK);
      }
      case FunctionId.SRV_DEREG: {
        if (ctx.multicast) return { silence: 'not-a-request' };
        if (!b.scopes.every((s) => this.serves(s))) return ack(SlpError.SCOPE_NOT_SUPPORTED);
        const key = this.key(b.url.url, req.langTag);
        const existing = this.held.get(key);
        if (!existing) return ack(SlpError.INVALID_REGISTRATION);
        if (b.tags.length === 0) this.held.delete(key);
        else {
          const drop = new Set(b.tags.map((t) => t.trim().toLowerCase()));
          existing.service = { ...existing.service, attributes: existing.service.attributes.filter((a) => !drop.has(a.tag.trim().toLowerCase())) };
        }
        return ack(SlpError.OK);
      }
      case FunctionId.SRV_RQST:
        if (serviceTypeMatches(b.serviceType, 'service:directory-agent')) {
          if (b.previousResponders.some((a) => ctx.ownAddresses.includes(a.trim()))) return { silence: 'previous-responder' };
          return { reply: encodeMessage({ flags: 0, xid: req.xid, langTag: req.langTag, body: this.advert() }) };
        }
        return answerRequest(req, this.services(now), { ...ctx, scopes: this.options.scopes, agentUrl: null });
      default:
        return answerRequest(req, this.services(now), { ...ctx, scopes: this.options.scopes, agentUrl: null });
    }
  }

  /** §8.5 DAAdvert (unsolicited ones, and the answer to a SrvRqst for service:directory-agent). */
  advert(): Extract<SlpMessage['body'], { functionId: typeof FunctionId.DA_ADVERT }> {
    return {
      functionId: FunctionId.DA_ADVERT, errorCode: SlpError.OK, bootTimestamp: this.options.bootTimestamp, url: this.options.url,
      scopes: [...this.options.scopes], attributes: '', spis: [], auths: [],
    };
  }

  private serves(scope: string): boolean {
    return this.options.scopes.some((s) => scopeKey(s) === scopeKey(scope));
  }

  private key(url: string, langTag: string): string {
    return `${url.toLowerCase()} ${langTag.toLowerCase()}`;
  }
}
