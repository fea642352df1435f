// multipart/form-data (RFC 7578, framing by RFC 2046 §5.1.1), as a Redfish multipart HTTP push sends it (DSP0266
// "Multipart HTTP push updates": an UpdateParameters part of JSON and an UpdateFile part with the image).
// The whole body is in memory (the service bounds it); each part's body is a view into it, never a copy.
import { DecodeError } from '../errors.js';

const P = 'multipart/form-data';

export interface FormPart {
  /** Content-Disposition's name parameter (RFC 7578 §4.2). */
  name: string;
  /** Content-Disposition's filename parameter, or null. */
  filename: string | null;
  /** The part's Content-Type (RFC 7578 §4.4), or null when absent (text/plain by default). */
  contentType: string | null;
  body: Uint8Array;
}

/** More parts than a push ever needs (two); past it the body is refused. */
export const MAX_FORM_PARTS = 16;
/** A part's header block longer than this is refused (a push's are well under 1 KiB). */
const MAX_PART_HEADER_BYTES = 8192;

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary parameter of a `multipart/form-data` Content-Type (RFC 2046 §5.1.1: 1 to 70 characters). */
export function multipartBoundary(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== P) throw new DecodeError(P, 'Content-Type', 0, `${JSON.stringify(type)} is not ${P}`, 'ERR_CONTENT_TYPE');
  const boundary = parameters(contentType!).get('boundary');
  if (boundary === undefined || boundary.length < 1 || boundary.length > 70) {
    throw new DecodeError(P, 'boundary', 0, 'no boundary of 1 to 70 characters', 'ERR_BOUNDARY');
  }
  return boundary;
}

/** The parts of `body`, in order (DecodeError ERR_NO_DELIMITER, ERR_UNTERMINATED, ERR_PART_HEADERS, ERR_DISPOSITION, ERR_TOO_MANY_PARTS). */
export function decodeMultipart(body: Uint8Array, boundary: string, maxParts = MAX_FORM_PARTS): FormPart[] {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const dashBoundary = Buffer.from(`--${boundary}`, 'latin1');
  const delimiter = Buffer.concat([CRLF, dashBoundary]);
  // The first boundary may open the body itself, or follow a preamble and a CRLF.
  let at = bytes.subarray(0, dashBoundary.length).equals(dashBoundary) ? 0 : bytes.indexOf(delimiter);
  if (at < 0) throw new DecodeError(P, 'delimiter', 0, 'the boundary never appears', 'ERR_NO_DELIMITER');
  at += at === 0 && bytes[0] === 0x2d ? dashBoundary.length : delimiter.length;
  const parts: FormPart[] = [];
  for (;;) {
    // After a boundary: "--" closes the body, else transport padding (spaces, tabs) then CRLF opens a part.
    if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) return parts;
    while (bytes[at] === 0x20 || bytes[at] === 0x09) at++;
    if (bytes[at] !== 0x0d || bytes[at + 1] !== 0x0a) throw new DecodeError(P, 'delimiter', at, 'no CRLF after the boundary', 'ERR_NO_DELIMITER');
    const headersAt = at + 2;
    if (parts.length >= maxParts) throw new DecodeError(P, 'parts', headersAt, `more than ${maxParts} parts`, 'ERR_TOO_MANY_PARTS');
    const next = bytes.indexOf(delimiter, headersAt);
    if (next < 0) throw new DecodeError(P, 'delimiter', bytes.length, 'no closing boundary', 'ERR_UNTERMINATED');
    // From the CRLF that opened the part: a part with no header lines has its blank line right there.
    const headersEnd = bytes.indexOf(HEADER_END, headersAt - 2);
    if (headersEnd < 0 || headersEnd + HEADER_END.length > next + CRLF.length || headersEnd - headersAt > MAX_PART_HEADER_BYTES) {
      throw new DecodeError(P, 'part headers', headersAt, 'no blank line ends the part\'s headers', 'ERR_PART_HEADERS');
    }
    const headers = partHeaders(bytes.toString('latin1', headersAt, Math.max(headersAt, headersEnd)));
    const disposition = headers.get('content-disposition');
    const params = disposition === undefined ? undefined : parameters(disposition);
    const name = params?.get('name');
    if (disposition === undefined || !/^\s*form-data\s*(;|$)/i.test(disposition) || name === undefined) {
      throw new DecodeError(P, 'Content-Disposition', headersAt, 'a part without Content-Disposition: form-data; name=', 'ERR_DISPOSITION');
    }
    parts.push({
      name, filename: params!.get('filename') ?? null, contentType: headers.get('content-type')?.trim() ?? null,
      body: bytes.subarray(Math.min(headersEnd + HEADER_END.length, next), next),
    });
    at = next + delimiter.length;
  }
}

/** A part's header lines (RFC 5322 fields, names lower-cased). */
function partHeaders(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

/** The `; key=value` parameters after a header's first value (RFC 2045 §5.1: a token or a quoted string), keys lower-cased. */
function parameters(header: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/g;
  for (let m = re.exec(header); m !== null; m = re.exec(header)) {
    out.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  }
  return out;
}
