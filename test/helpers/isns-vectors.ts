// Shared by the iSNS tests: the captured isnsadm-vs-isnsd PDUs as our encoder writes them back.
import { tagKind } from '../../protocols/isns/attributes.js';
import { isResponse } from '../../protocols/isns/functions.js';
import { HEADER_LENGTH } from '../../protocols/isns/header.js';

/**
 * `pdu` with every IPv4-compatible address (::a.b.c.d, as open-isns sends them) in an ip-kind attribute
 * turned into the IPv4-mapped ::ffff:a.b.c.d our encoder writes (RFC 4171 §6.3.1): the bytes we expect back.
 */
export function withMappedAddresses(pdu: Buffer): Buffer {
  const out = Buffer.from(pdu);
  let o = HEADER_LENGTH + (isResponse(out.readUInt16BE(2)) ? 4 : 0);
  while (o + 8 <= out.length) {
    const tag = out.readUInt32BE(o);
    const len = out.readUInt32BE(o + 4);
    if (tagKind(tag) === 'ip' && len === 16 && out.subarray(o + 8, o + 20).every((b) => b === 0)) out.writeUInt16BE(0xffff, o + 18);
    o += 8 + len;
  }
  return out;
}
