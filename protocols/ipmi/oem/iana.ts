// The IANA enterprise number that starts every bmcfleet OEM request and response (netFn 2Eh/2Fh, IPMI 2.0 §5.1):
// 3 bytes, least significant first.
import { DecodeError, requireBytes } from '../../errors.js';
import { OEM_PROTOCOL as PROTO, expectLength } from './fields.js';

/** IANA 32473, reserved for documentation (RFC 5612): the project's OEM number, also its manufacturer ID. */
export const BMCFLEET_IANA = 32473;

export function encodeIana(iana: number): Buffer {
  return Buffer.from([iana & 0xff, (iana >> 8) & 0xff, (iana >> 16) & 0xff]);
}

/** Our IANA as it goes on the wire, made once (every OEM request and response starts with it). */
export const BMCFLEET_IANA_BYTES: Readonly<Uint8Array> = encodeIana(BMCFLEET_IANA);

function decodeIana(data: Uint8Array, offset = 0): number {
  requireBytes(data, offset, 3, PROTO, 'iana');
  return data[offset] | (data[offset + 1] << 8) | (data[offset + 2] << 16);
}

/** Throws DecodeError ERR_IANA unless `data` starts with our IANA (responses: §5.1). */
export function expectBmcfleetIana(data: Uint8Array): void {
  const iana = decodeIana(data);
  if (iana !== BMCFLEET_IANA) throw new DecodeError(PROTO, 'iana', 0, `expected ${BMCFLEET_IANA}, got ${iana}`, 'ERR_IANA');
}

/** Is this request data addressed to a bmcfleet OEM command (starts with our IANA, §5.1)? */
export function isBmcfleetRequest(data: Uint8Array): boolean {
  return data.length >= 3 && decodeIana(data) === BMCFLEET_IANA;
}

/** A request or response that is our IANA alone (Get Install Progress's request, say): its bytes, and its reading. */
export const ianaOnly = {
  encode: (): Buffer => Buffer.from(BMCFLEET_IANA_BYTES),
  /** Throws DecodeError ERR_IANA for another IANA, ERR_LENGTH when anything follows it. */
  decode(data: Uint8Array): Record<string, never> {
    expectBmcfleetIana(data);
    expectLength(data, 3);
    return {};
  },
};
