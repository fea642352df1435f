// SLPv2 Service Request and Service Reply — RFC 2608 §8.1 and §8.2.
//
//   SrvRqst: <PRList>, <service-type>, <scope-list>, <predicate>, <SLP SPI>     (each a §4 <string>)
//   SrvRply: Error Code (2), URL Entry count (2), URL Entries (§4.3)
import { FunctionId } from './header.js';
import { formatStringList, parseStringList } from './string-list.js';
import type { SlpReader, SlpWriter, UrlEntry } from './wire.js';

export interface ServiceRequest {
  functionId: typeof FunctionId.SRV_RQST;
  /** Addresses of the SAs and DAs that already answered (§6.3 multicast convergence). */
  previousResponders: string[];
  /** "service:iscsi:sms", an abstract type ("service:iscsi"), or "service:directory-agent" (§8.1). */
  serviceType: string;
  scopes: string[];
  /** An LDAPv3 filter (predicate.ts); "" matches every service. */
  predicate: string;
  /** §9.2 the SLP Security Parameter Index asked for; "" when no authentication is wanted. */
  spi: string;
}

export interface ServiceReply {
  functionId: typeof FunctionId.SRV_RPLY;
  /** §7 SlpError */
  errorCode: number;
  urls: UrlEntry[];
}

export function encodeServiceRequest(w: SlpWriter, m: ServiceRequest): void {
  w.string(formatStringList(m.previousResponders));
  w.string(m.serviceType);
  w.string(formatStringList(m.scopes));
  w.string(m.predicate);
  w.string(m.spi);
}

export function decodeServiceRequest(r: SlpReader): ServiceRequest {
  return {
    functionId: FunctionId.SRV_RQST,
    previousResponders: parseStringList(r.string('previous responder list')),
    serviceType: r.string('service type'),
    scopes: parseStringList(r.string('scope list')),
    predicate: r.string('predicate'),
    spi: r.string('slp spi'),
  };
}

export function encodeServiceReply(w: SlpWriter, m: ServiceReply): void {
  if (m.urls.length > 0xffff) throw new RangeError(`at most 65535 URL entries, got ${m.urls.length}`);
  w.u16(m.errorCode);
  w.u16(m.urls.length);
  for (const u of m.urls) w.urlEntry(u);
}

export function decodeServiceReply(r: SlpReader): ServiceReply {
  const errorCode = r.u16('error code');
  const count = r.u16('url entry count');
  const urls: UrlEntry[] = [];
  for (let i = 0; i < count; i++) urls.push(r.urlEntry());
  return { functionId: FunctionId.SRV_RPLY, errorCode, urls };
}
