// UDP answers stay small (issue 17). A datagram's source address is not verified, so a server that answers a
// small question with a large answer can be aimed at whoever the address names (a 92-byte query drew 48 KB).
// An answer may take at most udpAnswerFactor times the bytes of its question (as QUIC bounds what it sends an
// unverified address: three times what it received, RFC 9000 §8.1); larger answers go only over TCP.
//
// RFC 4171 has no way to say "ask again over TCP": no status means it (§5.4), no flag marks an answer as cut
// short (§5.1.4: flag bits 16-21 only), and a DevAttrQry answer cut short would read as complete (§5.7.5.2).
// So an answer over the bound shrinks to what stays true:
//   - a change that was made (status 0 to a registration, deregistration or DD change): the status and the
//     message key, which names what changed (for a DevAttrReg, the Entity Identifier, §5.7.5.1);
//   - anything else: status 12 (Busy) alone. Nothing changed; the same request over TCP gets its answer.
import { encodeMessage, type IsnsResponse } from '../../protocols/isns/codec.js';
import { HEADER_LENGTH } from '../../protocols/isns/header.js';
import { encodingLengthRequestBody } from '../../protocols/isns/message.js';
import { ReceiveError, type Received } from '../../protocols/isns/receive.js';
import { UDP_MAX_PDU_PAYLOAD } from '../../protocols/isns/segments.js';
import { Status } from '../../protocols/isns/status.js';

/**
 * The bytes of a question that came over UDP: the datagram that completed it, or, for a message that came in
 * several datagrams (§5.2), its whole body behind one header.
 */
export function questionBytes(item: Received, datagramBytes: number): number {
  if (item instanceof ReceiveError) return Math.max(datagramBytes, item.raw ? HEADER_LENGTH + item.raw.payload.length : 0);
  return item.kind === 'request' ? Math.max(datagramBytes, HEADER_LENGTH + encodingLengthRequestBody(item)) : datagramBytes;
}

/** What was taken out of an answer to keep it within the bound (null: nothing). */
export type UdpCut = 'cut to key' | 'cut to status' | 'refused' | null;

const total = (pdus: readonly Buffer[]) => pdus.reduce((n, p) => n + p.length, 0);

/** The PDUs of `rsp` within `maxBytes`; `changed`: the request changed the database (status 0 to a mutation). */
export function udpAnswer(rsp: IsnsResponse, changed: boolean, maxBytes: number): { pdus: Buffer[]; cut: UdpCut } {
  const full = encodeMessage(rsp, UDP_MAX_PDU_PAYLOAD);
  if (total(full) <= maxBytes) return { pdus: full, cut: null };
  if (changed) {
    const keyOnly = encodeMessage({ ...rsp, operating: [] });
    if (total(keyOnly) <= maxBytes) return { pdus: keyOnly, cut: 'cut to key' };
    return { pdus: encodeMessage({ ...rsp, key: [], operating: [], noDelimiter: true }), cut: 'cut to status' };
  }
  return { pdus: encodeMessage({ ...rsp, status: Status.BUSY, key: [], operating: [], noDelimiter: true }), cut: 'refused' };
}
