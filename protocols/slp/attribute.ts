// SLPv2 Attribute Request and Attribute Reply — RFC 2608 §10.3 and §10.4.
//
//   AttrRqst: <PRList>, <URL> (a service URL, or a service type for all its services), <scope-list>,
//             <tag-list> (empty: every attribute), <SLP SPI>
//   AttrRply: Error Code (2), <attr-list>, # of AttrAuths (1), Attribute Authentication Blocks
import { FunctionId } from './header.js';
import { formatStringList, parseStringList } from './string-list.js';
import type { SlpReader, SlpWriter } from './wire.js';

export interface AttributeRequest {
  functionId: typeof FunctionId.ATTR_RQST;
  previousResponders: string[];
  url: string;
  scopes: string[];
  tags: string[];
  spi: string;
}

export interface AttributeReply {
  functionId: typeof FunctionId.ATTR_RPLY;
  errorCode: number;
  attributes: string;
  attrAuths: Uint8Array[];
}

export function encodeAttributeRequest(w: SlpWriter, m: AttributeRequest): void {
  w.string(formatStringList(m.previousResponders));
  w.string(m.url);
  w.string(formatStringList(m.scopes));
  w.string(formatStringList(m.tags));
  w.string(m.spi);
}

export function decodeAttributeRequest(r: SlpReader): AttributeRequest {
  return {
    functionId: FunctionId.ATTR_RQST,
    previousResponders: parseStringList(r.string('previous responder list')),
    url: r.string('url'),
    scopes: parseStringList(r.string('scope list')),
    tags: parseStringList(r.string('tag list')),
    spi: r.string('slp spi'),
  };
}

export function encodeAttributeReply(w: SlpWriter, m: AttributeReply): void {
  w.u16(m.errorCode);
  w.string(m.attributes);
  w.authBlocks(m.attrAuths);
}

export function decodeAttributeReply(r: SlpReader): AttributeReply {
  const errorCode = r.u16('error code');
  const attributes = r.string('attr-list');
  const attrAuths = r.authBlocks(r.u8('attr auth count'), 'attr auth');
  return { functionId: FunctionId.ATTR_RPLY, errorCode, attributes, attrAuths };
}
