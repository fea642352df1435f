// How a Service Agent (or a Directory Agent, for what it holds) answers requests — RFC 2608 §8.1 (SrvRqst:
// service type, scopes, predicate), §10.3 (AttrRqst), §10.1 (SrvTypeRqst), §8.6 (SAAdvert for
// "service:service-agent"), §6.3 (multicast: not when named in the previous responder list, never with an
// error, never with nothing), §7 (errors, for unicast requests only), §6.1 (a UDP reply longer than the MTU is
// cut short and flagged OVERFLOW). Sans-I/O: a decoded request in, the reply out, or null for silence.
import { DecodeError } from '../errors.js';
import { attributeMap, formatAttributeList, selectAttributes, type Attribute } from './attributes.js';
import { Flag, FunctionId, SLP_MTU, SlpError } from './header.js';
import { encodeMessage, type SlpBody, type SlpMessage } from './message.js';
import { matchesPredicate, parsePredicate, type Predicate } from './predicate.js';
import { serviceTypeMatches } from './service-url.js';
import { scopesIntersect } from './string-list.js';
import type { UrlEntry } from './wire.js';

/** A service an agent answers for. */
export interface AdvertisedService {
  url: string;
  /** Seconds the URL stays valid (§4.3; at most 65535). */
  lifetime: number;
  serviceType: string;
  scopes: string[];
  attributes: Attribute[];
  langTag: string;
}

export interface AnswerContext {
  /** The request came to the multicast group (or had the REQUEST_MCAST flag). */
  multicast: boolean;
  /** This agent's addresses: a request naming one in its previous responder list is not answered (§6.3). */
  ownAddresses: readonly string[];
  /** The scopes this agent serves. */
  scopes: readonly string[];
  /** "service:service-agent://ADDR": answers SrvRqsts for service:service-agent (§8.6); null: none. */
  agentUrl: string | null;
  /** Largest reply datagram (§6.1 CONFIG_MTU). */
  mtu?: number;
}

/** Why a request went unanswered, for counters. */
export type Silence = 'previous-responder' | 'no-match' | 'error-to-multicast' | 'not-a-request';

export type Answer = { reply: Buffer } | { silence: Silence };

/** The reply to `req` from an agent holding `services`. */
export function answerRequest(req: SlpMessage, services: readonly AdvertisedService[], ctx: AnswerContext): Answer {
  const b = req.body;
  const multicast = ctx.multicast || (req.flags & Flag.REQUEST_MCAST) !== 0;
  if ('previousResponders' in b && b.previousResponders.some((a) => ctx.ownAddresses.includes(a.trim()))) return { silence: 'previous-responder' };
  const reply = (body: SlpBody, empty: boolean): Answer => {
    if (multicast && empty) return { silence: 'no-match' };
    return { reply: fit({ flags: 0, xid: req.xid, langTag: req.langTag, body }, ctx.mtu ?? SLP_MTU) };
  };
  const error = (body: SlpBody): Answer => (multicast ? { silence: 'error-to-multicast' } : reply(body, false));
  switch (b.functionId) {
    case FunctionId.SRV_RQST: {
      const fail = (errorCode: number) => error({ functionId: FunctionId.SRV_RPLY, errorCode, urls: [] });
      if (b.spi !== '') return fail(SlpError.AUTHENTICATION_UNKNOWN);
      if (!scopesIntersect(b.scopes, ctx.scopes)) return fail(SlpError.SCOPE_NOT_SUPPORTED);
      let predicate: Predicate | null;
      try {
        predicate = parsePredicate(b.predicate);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        return fail(SlpError.PARSE_ERROR);
      }
      if (serviceTypeMatches(b.serviceType, 'service:service-agent')) {
        if (!ctx.agentUrl) return { silence: 'no-match' };
        const attributes = formatAttributeList([]);
        return reply({ functionId: FunctionId.SA_ADVERT, url: ctx.agentUrl, scopes: [...ctx.scopes], attributes, auths: [] }, false);
      }
      const urls: UrlEntry[] = matching(services, b.scopes, req.langTag)
        .filter((s) => serviceTypeMatches(b.serviceType, s.serviceType) && matchesPredicate(predicate, attributeMap(s.attributes)))
        .map((s) => ({ lifetime: s.lifetime, url: s.url, auths: [] }));
      return reply({ functionId: FunctionId.SRV_RPLY, errorCode: SlpError.OK, urls }, urls.length === 0);
    }
    case FunctionId.ATTR_RQST: {
      const fail = (errorCode: number) => error({ functionId: FunctionId.ATTR_RPLY, errorCode, attributes: '', attrAuths: [] });
      if (b.spi !== '') return fail(SlpError.AUTHENTICATION_UNKNOWN);
      if (!scopesIntersect(b.scopes, ctx.scopes)) return fail(SlpError.SCOPE_NOT_SUPPORTED);
      const want = b.url.trim().toLowerCase();
      const found = matching(services, b.scopes, req.langTag)
        .filter((s) => s.url.toLowerCase() === want || (!want.includes('://') && serviceTypeMatches(want, s.serviceType)));
      const attributes = found.flatMap((s) => selectAttributes(s.attributes, b.tags));
      return reply({ functionId: FunctionId.ATTR_RPLY, errorCode: SlpError.OK, attributes: formatAttributeList(attributes), attrAuths: [] },
        found.length === 0);
    }
    case FunctionId.SRV_TYPE_RQST: {
      if (!scopesIntersect(b.scopes, ctx.scopes)) return error({ functionId: FunctionId.SRV_TYPE_RPLY, errorCode: SlpError.SCOPE_NOT_SUPPORTED, serviceTypes: [] });
      const types = [...new Set(matching(services, b.scopes, null).map((s) => s.serviceType))]
        .filter((t) => b.namingAuthority === null || namingAuthority(t) === b.namingAuthority.toLowerCase());
      return reply({ functionId: FunctionId.SRV_TYPE_RPLY, errorCode: SlpError.OK, serviceTypes: types }, types.length === 0);
    }
    case FunctionId.SRV_REG:
    case FunctionId.SRV_DEREG:
      // §7: only a DA takes registrations
      return error({ functionId: FunctionId.SRV_ACK, errorCode: SlpError.MSG_NOT_SUPPORTED });
    default:
      return { silence: 'not-a-request' };
  }
}

/** Services in one of `scopes` and (unless null) in the request's language (§8.1: the same language tag). */
function matching(services: readonly AdvertisedService[], scopes: readonly string[], langTag: string | null): AdvertisedService[] {
  return services.filter((s) => scopesIntersect(s.scopes, scopes) && (langTag === null || s.langTag.toLowerCase() === langTag.toLowerCase()));
}

/** "service:iscsi.example:sms" -> "example"; IANA types have "". */
function namingAuthority(serviceType: string): string {
  const abstract = serviceType.toLowerCase().replace(/^service:/, '').split(':')[0];
  const dot = abstract.indexOf('.');
  return dot < 0 ? '' : abstract.slice(dot + 1);
}

/** §6.1: a reply that does not fit a datagram drops URL entries from the end and is flagged OVERFLOW. */
function fit(m: SlpMessage, mtu: number): Buffer {
  let out = encodeMessage(m);
  if (out.length <= mtu || m.body.functionId !== FunctionId.SRV_RPLY) return out;
  const urls = [...m.body.urls];
  while (out.length > mtu && urls.length > 0) {
    urls.pop();
    out = encodeMessage({ ...m, flags: m.flags | Flag.OVERFLOW, body: { ...m.body, urls } });
  }
  return out;
}
