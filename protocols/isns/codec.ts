// Whole iSNS messages: the body layouts of message.ts and heartbeat.ts on top of the PDUs of header.ts
// and segments.ts. What a server or client library uses:
//   receive: receive.ts (PduStreamDecoder on TCP or decodePdu on UDP -> Reassembler -> decodeMessage)
//   send:    encodeMessage -> one or more PDUs
import { decodeHeartbeat, encodeHeartbeat, type Heartbeat } from './heartbeat.js';
import {
  STATUS_LENGTH, bodyLayout, decodeRequestBody, decodeResponseBody, encodeRequestBody, encodeResponseBody,
  type IsnsRequestBody, type IsnsResponseBody,
} from './message.js';
import { DEFAULT_MAX_PDU_PAYLOAD, encodeMessagePdus } from './segments.js';

interface Common {
  functionId: number;
  transactionId: number;
  /** Header flags; First/Last PDU are managed by encodeMessage. */
  flags: number;
}

export interface IsnsRequest extends Common, IsnsRequestBody { kind: 'request' }
export interface IsnsResponse extends Common, IsnsResponseBody { kind: 'response' }
export interface IsnsHeartbeat extends Common, Heartbeat { kind: 'heartbeat' }
export type IsnsMessage = IsnsRequest | IsnsResponse | IsnsHeartbeat;

/** A joined message (from Reassembler.push, or a one-PDU datagram). */
export interface RawMessage { functionId: number; transactionId: number; flags: number; payload: Uint8Array }

/** Reads the body by the function ID's layout; throws DecodeError on malformed attributes. */
export function decodeMessage(m: RawMessage): IsnsMessage {
  const common = { functionId: m.functionId, transactionId: m.transactionId, flags: m.flags };
  switch (bodyLayout(m.functionId)) {
    case 'heartbeat': return { kind: 'heartbeat', ...common, ...decodeHeartbeat(m.payload) };
    case 'response': return { kind: 'response', ...common, ...decodeResponseBody(m.payload) };
    default: return { kind: 'request', ...common, ...decodeRequestBody(m.payload) };
  }
}

/** The message body (all PDUs' payloads joined). */
export function encodeMessageBody(m: IsnsMessage): Buffer {
  switch (m.kind) {
    case 'heartbeat': return encodeHeartbeat(m);
    case 'response': return encodeResponseBody(m);
    default: return encodeRequestBody(m);
  }
}

/**
 * The PDUs of `m` (iSNSP version 1). `m.flags` go out as given (set Flag.CLIENT or Flag.SERVER, §5.1.5);
 * First/Last PDU and Sequence IDs are set here.
 */
export function encodeMessage(m: IsnsMessage, maxPduPayload = DEFAULT_MAX_PDU_PAYLOAD): Buffer[] {
  const body = encodeMessageBody(m);
  const flags = m.flags;
  const tlvStart = m.kind === 'heartbeat' ? body.length : m.kind === 'response' ? STATUS_LENGTH : 0;
  return encodeMessagePdus({ functionId: m.functionId, transactionId: m.transactionId, flags }, body, maxPduPayload, tlvStart);
}
