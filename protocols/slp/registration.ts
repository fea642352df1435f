// SLPv2 registration with a Directory Agent — RFC 2608 §8.3 Service Registration, §10.6 Service
// Deregistration, §8.4 Service Acknowledgement.
//
//   SrvReg:   URL Entry (§4.3), <service-type>, <scope-list>, <attr-list>, # of AttrAuths (1), Attribute Auth Blocks
//   SrvDeReg: <scope-list>, URL Entry, <tag-list> (empty: the whole registration)
//   SrvAck:   Error Code (2)
import { FunctionId } from './header.js';
import { formatStringList, parseStringList } from './string-list.js';
import type { SlpReader, SlpWriter, UrlEntry } from './wire.js';

export interface ServiceRegistration {
  functionId: typeof FunctionId.SRV_REG;
  url: UrlEntry;
  serviceType: string;
  scopes: string[];
  /** An <attr-list> as sent (attributes.ts parses it). */
  attributes: string;
  attrAuths: Uint8Array[];
}

export interface ServiceDeregistration {
  functionId: typeof FunctionId.SRV_DEREG;
  scopes: string[];
  url: UrlEntry;
  tags: string[];
}

export interface ServiceAck {
  functionId: typeof FunctionId.SRV_ACK;
  errorCode: number;
}

export function encodeServiceRegistration(w: SlpWriter, m: ServiceRegistration): void {
  w.urlEntry(m.url);
  w.string(m.serviceType);
  w.string(formatStringList(m.scopes));
  w.string(m.attributes);
  w.authBlocks(m.attrAuths);
}

export function decodeServiceRegistration(r: SlpReader): ServiceRegistration {
  const url = r.urlEntry();
  const serviceType = r.string('service type');
  const scopes = parseStringList(r.string('scope list'));
  const attributes = r.string('attr-list');
  const attrAuths = r.authBlocks(r.u8('attr auth count'), 'attr auth');
  return { functionId: FunctionId.SRV_REG, url, serviceType, scopes, attributes, attrAuths };
}

export function encodeServiceDeregistration(w: SlpWriter, m: ServiceDeregistration): void {
  w.string(formatStringList(m.scopes));
  w.urlEntry(m.url);
  w.string(formatStringList(m.tags));
}

export function decodeServiceDeregistration(r: SlpReader): ServiceDeregistration {
  const scopes = parseStringList(r.string('scope list'));
  const url = r.urlEntry();
  const tags = parseStringList(r.string('tag list'));
  return { functionId: FunctionId.SRV_DEREG, scopes, url, tags };
}

export function encodeServiceAck(w: SlpWriter, m: ServiceAck): void {
  w.u16(m.errorCode);
}

export function decodeServiceAck(r: SlpReader): ServiceAck {
  return { functionId: FunctionId.SRV_ACK, errorCode: r.u16('error code') };
}
