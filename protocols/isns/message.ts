// iSNS message layout — RFC 4171 §5.6 (request: Source attribute, Message Key attributes, Delimiter,
// Operating attributes) and §5.7 (response: 4-byte Status Code, Message Key attributes, Delimiter,
// Operating attributes). The Heartbeat (§5.6.5.14) has no attributes: see heartbeat.ts.
//
// Real peers leave parts out: isnsd answers an empty DevGetNext with the status alone (no delimiter),
// and SCN/ESI carry plain attribute lists. A message without a delimiter decodes with `noDelimiter: true`
// and everything after the source (or status) in `key`; encoding honours the flag, so bytes round-trip.
import { requireBytes } from '../errors.js';
import { FunctionId, isResponse } from './functions.js';
import { DELIMITER, decodeAttributes, encodingLengthAttributes, writeAttribute, type IsnsAttribute } from './tlv.js';
import { Tag } from './attributes.js';

const P = 'isns';
export const STATUS_LENGTH = 4;

export interface IsnsRequestBody {
  /** The Source attribute (iSCSI Name or FC Port Name WWPN, §5.6.1); null when the message opens with the delimiter. */
  source: IsnsAttribute | null;
  key: IsnsAttribute[];
  operating: IsnsAttribute[];
  /** Set when the message carries no delimiter (then `operating` is empty). */
  noDelimiter?: boolean;
}

export interface IsnsResponseBody {
  status: number;
  key: IsnsAttribute[];
  operating: IsnsAttribute[];
  noDelimiter?: boolean;
}

function splitAtDelimiter(attrs: IsnsAttribute[]): { key: IsnsAttribute[]; operating: IsnsAttribute[]; noDelimiter?: boolean } {
  const at = attrs.findIndex((a) => a.tag === Tag.DELIMITER);
  if (at < 0) return { key: attrs, operating: [], noDelimiter: true };
  return { key: attrs.slice(0, at), operating: attrs.slice(at + 1) };
}

function checkBody(key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[], noDelimiter: boolean | undefined): void {
  if (noDelimiter && operating.length > 0) throw new RangeError('isns: operating attributes need the delimiter');
  if (key.some((a) => a.tag === Tag.DELIMITER)) throw new RangeError('isns: a delimiter inside the message key');
}

function writeBody(out: Buffer, o: number, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[], noDelimiter?: boolean): number {
  for (const a of key) o = writeAttribute(a, out, o);
  if (!noDelimiter) o = writeAttribute(DELIMITER, out, o);
  for (const a of operating) o = writeAttribute(a, out, o);
  return o;
}

export function encodingLengthRequestBody(r: IsnsRequestBody): number {
  return (r.source ? encodingLengthAttributes([r.source]) : 0) + encodingLengthAttributes(r.key) +
    (r.noDelimiter ? 0 : 8) + encodingLengthAttributes(r.operating);
}

export function encodeRequestBody(r: IsnsRequestBody): Buffer {
  checkBody(r.key, r.operating, r.noDelimiter);
  if (r.source?.tag === Tag.DELIMITER) throw new RangeError('isns: the source cannot be the delimiter');
  const out = Buffer.allocUnsafe(encodingLengthRequestBody(r));
  let o = r.source ? writeAttribute(r.source, out, 0) : 0;
  o = writeBody(out, o, r.key, r.operating, r.noDelimiter);
  return out;
}

export function decodeRequestBody(payload: Uint8Array): IsnsRequestBody {
  const attrs = decodeAttributes(payload);
  const source = attrs.length > 0 && attrs[0].tag !== Tag.DELIMITER ? attrs[0] : null;
  const rest = splitAtDelimiter(source ? attrs.slice(1) : attrs);
  return { source, ...rest };
}

export function encodingLengthResponseBody(r: IsnsResponseBody): number {
  return STATUS_LENGTH + encodingLengthAttributes(r.key) + (r.noDelimiter ? 0 : 8) + encodingLengthAttributes(r.operating);
}

export function encodeResponseBody(r: IsnsResponseBody): Buffer {
  checkBody(r.key, r.operating, r.noDelimiter);
  if (!Number.isInteger(r.status) || r.status < 0 || r.status > 0xffffffff) throw new RangeError(`isns: status ${r.status}`);
  const out = Buffer.allocUnsafe(encodingLengthResponseBody(r));
  out.writeUInt32BE(r.status, 0);
  writeBody(out, STATUS_LENGTH, r.key, r.operating, r.noDelimiter);
  return out;
}

export function decodeResponseBody(payload: Uint8Array): IsnsResponseBody {
  const status = responseStatus(payload);
  return { status, ...splitAtDelimiter(decodeAttributes(payload, STATUS_LENGTH)) };
}

/** The status of a response payload without decoding its attributes (ERR_TRUNCATED under 4 bytes). */
export function responseStatus(payload: Uint8Array): number {
  requireBytes(payload, 0, STATUS_LENGTH, P, 'status');
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
}

/** A status-only response body: the reply to a request the server rejects (§5.4: the Status Code comes first). */
export function errorResponseBody(status: number): IsnsResponseBody {
  return { status, key: [], operating: [], noDelimiter: true };
}

/** Which body layout a function ID carries. */
export function bodyLayout(functionId: number): 'request' | 'response' | 'heartbeat' {
  if (functionId === FunctionId.HEARTBEAT) return 'heartbeat';
  return isResponse(functionId) ? 'response' : 'request';
}
