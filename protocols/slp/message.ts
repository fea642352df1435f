// An SLPv2 message — RFC 2608 §8: the header (header.ts) and one body per function ID (1-11). Any other function
// ID decodes as a DecodeError with code ERR_FUNCTION.
import { DecodeError } from '../errors.js';
import { decodeDaAdvert, decodeSaAdvert, encodeDaAdvert, encodeSaAdvert, type DaAdvert, type SaAdvert } from './advert.js';
import {
  decodeAttributeReply, decodeAttributeRequest, encodeAttributeReply, encodeAttributeRequest, type AttributeReply, type AttributeRequest,
} from './attribute.js';
import { FunctionId, decodeHeader, finishHeader, writeHeader, type SlpHeader } from './header.js';
import {
  decodeServiceAck, decodeServiceDeregistration, decodeServiceRegistration, encodeServiceAck, encodeServiceDeregistration,
  encodeServiceRegistration, type ServiceAck, type ServiceDeregistration, type ServiceRegistration,
} from './registration.js';
import { decodeServiceReply, decodeServiceRequest, encodeServiceReply, encodeServiceRequest, type ServiceReply, type ServiceRequest } from './service.js';
import {
  decodeServiceTypeReply, decodeServiceTypeRequest, encodeServiceTypeReply, encodeServiceTypeRequest, type ServiceTypeReply,
  type ServiceTypeRequest,
} from './service-type.js';
import { SlpReader, SlpWriter } from './wire.js';

export type SlpBody =
  | ServiceRequest | ServiceReply | ServiceRegistration | ServiceDeregistration | ServiceAck
  | AttributeRequest | AttributeReply | DaAdvert | ServiceTypeRequest | ServiceTypeReply | SaAdvert;

/** A whole message: the header's fields (its function ID is the body's) and the body. */
export interface SlpMessage {
  flags: number;
  xid: number;
  langTag: string;
  body: SlpBody;
}

type Codec = { encode(w: SlpWriter, b: SlpBody): void; decode(r: SlpReader): SlpBody };
const codec = <B extends SlpBody>(encode: (w: SlpWriter, b: B) => void, decode: (r: SlpReader) => B): Codec =>
  ({ encode: encode as (w: SlpWriter, b: SlpBody) => void, decode });

const BODIES = new Map<number, Codec>([
  [FunctionId.SRV_RQST, codec(encodeServiceRequest, decodeServiceRequest)],
  [FunctionId.SRV_RPLY, codec(encodeServiceReply, decodeServiceReply)],
  [FunctionId.SRV_REG, codec(encodeServiceRegistration, decodeServiceRegistration)],
  [FunctionId.SRV_DEREG, codec(encodeServiceDeregistration, decodeServiceDeregistration)],
  [FunctionId.SRV_ACK, codec(encodeServiceAck, decodeServiceAck)],
  [FunctionId.ATTR_RQST, codec(encodeAttributeRequest, decodeAttributeRequest)],
  [FunctionId.ATTR_RPLY, codec(encodeAttributeReply, decodeAttributeReply)],
  [FunctionId.DA_ADVERT, codec(encodeDaAdvert, decodeDaAdvert)],
  [FunctionId.SRV_TYPE_RQST, codec(encodeServiceTypeRequest, decodeServiceTypeRequest)],
  [FunctionId.SRV_TYPE_RPLY, codec(encodeServiceTypeReply, decodeServiceTypeReply)],
  [FunctionId.SA_ADVERT, codec(encodeSaAdvert, decodeSaAdvert)],
]);

/** The body after a decoded header (decodeHeader); unknown function IDs raise ERR_FUNCTION. */
export function decodeBody(header: SlpHeader, buf: Uint8Array, bodyOffset: number): SlpBody {
  const c = BODIES.get(header.functionId);
  if (!c) throw new DecodeError('slp', 'function-id', 1, `function ${header.functionId} is not supported`, 'ERR_FUNCTION');
  const r = new SlpReader(buf);
  r.offset = bodyOffset;
  const body = c.decode(r);
  r.end('body', header.nextExtOffset);
  return body;
}

export function decodeMessage(buf: Uint8Array): SlpMessage {
  const { header, bodyOffset } = decodeHeader(buf);
  const body = decodeBody(header, buf, bodyOffset);
  return { flags: header.flags, xid: header.xid, langTag: header.langTag, body };
}

/** The message's bytes (no extensions); RangeError for a field too long for its length. */
export function encodeMessage(m: SlpMessage): Buffer {
  const w = new SlpWriter();
  writeHeader(w, { functionId: m.body.functionId, flags: m.flags, nextExtOffset: 0, xid: m.xid, langTag: m.langTag });
  BODIES.get(m.body.functionId)!.encode(w, m.body);
  const out = w.finish();
  finishHeader(out);
  return out;
}

export function encodingLength(m: SlpMessage): number {
  return encodeMessage(m).length;
}
