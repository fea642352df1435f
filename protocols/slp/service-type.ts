// SLPv2 Service Type Request and Reply — RFC 2608 §10.1 and §10.2.
//
//   SrvTypeRqst: <PRList>, Naming Authority length (2; FFFFh: every authority, no string follows), <naming
//                authority> ("" : IANA's), <scope-list>
//   SrvTypeRply: Error Code (2), <srvtype-list>
import { FunctionId } from './header.js';
import { formatStringList, parseStringList } from './string-list.js';
import type { SlpReader, SlpWriter } from './wire.js';

const ALL_AUTHORITIES = 0xffff;

export interface ServiceTypeRequest {
  functionId: typeof FunctionId.SRV_TYPE_RQST;
  previousResponders: string[];
  /** null: every naming authority; "": IANA's (service types without ".authority"). */
  namingAuthority: string | null;
  scopes: string[];
}

export interface ServiceTypeReply {
  functionId: typeof FunctionId.SRV_TYPE_RPLY;
  errorCode: number;
  serviceTypes: string[];
}

export function encodeServiceTypeRequest(w: SlpWriter, m: ServiceTypeRequest): void {
  w.string(formatStringList(m.previousResponders));
  if (m.namingAuthority === null) w.u16(ALL_AUTHORITIES);
  else w.string(m.namingAuthority);
  w.string(formatStringList(m.scopes));
}

export function decodeServiceTypeRequest(r: SlpReader): ServiceTypeRequest {
  const previousResponders = parseStringList(r.string('previous responder list'));
  let namingAuthority: string | null = null;
  const at = r.offset;
  if (r.u16('naming authority length') !== ALL_AUTHORITIES) {
    r.offset = at;
    namingAuthority = r.string('naming authority');
  }
  return { functionId: FunctionId.SRV_TYPE_RQST, previousResponders, namingAuthority, scopes: parseStringList(r.string('scope list')) };
}

export function encodeServiceTypeReply(w: SlpWriter, m: ServiceTypeReply): void {
  w.u16(m.errorCode);
  w.string(formatStringList(m.serviceTypes));
}

export function decodeServiceTypeReply(r: SlpReader): ServiceTypeReply {
  const errorCode = r.u16('error code');
  return { functionId: FunctionId.SRV_TYPE_RPLY, errorCode, serviceTypes: parseStringList(r.string('service type list')) };
}
